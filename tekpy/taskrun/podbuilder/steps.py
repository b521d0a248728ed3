"""Step containers rewritten to run under the entrypoint, which orders them.

Step *i* runs ``/tekton/bin/entrypoint`` with Tekton's flags: it waits for
``/tekton/run/<i-1>/out`` (step 0 waits for ``/tekton/downward/ready`` with
``-wait_file_content`` when sidecars must be ready first), posts ``/tekton/run/<i>/out``, writes
its termination message to ``/tekton/termination`` and its exit code under
``/tekton/run/<i>/status``; then come ``-on_error``, ``-timeout``, ``-stdout_path``,
``-stderr_path``, ``-step_results``, ``--when_expressions``, ``-results``, ``-entrypoint`` (the
first word of the command) and, after ``--``, the rest of the command and the args.

A step without ``command`` takes its image's command from
:attr:`~tekpy.taskrun.config.PodBuilderConfig.image_commands` (Tekton asks the registry).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from tekpy.api.converter import unstructure
from tekpy.api.durations import format_duration, parse_duration
from tekpy.api.types import Step, TaskResult
from tekpy.taskrun.config import ImageCommand, find_image_command
from tekpy.taskrun.podbuilder import volumes as v
from tekpy.taskrun.podbuilder.errors import PodBuildError

__all__ = ["order_steps", "resolve_commands"]

_ON_ERROR = ("continue", "stopAndFail")


def resolve_commands(containers: Sequence[dict[str, Any]],
                     image_commands: Mapping[str, ImageCommand]) -> None:
    """Fill ``command`` of steps that have none from the configured image commands."""
    for i, c in enumerate(containers):
        if c.get("command"):
            continue
        known = find_image_command(image_commands, str(c.get("image", "")))
        command = known.command_for(bool(c.get("args"))) if known is not None else []
        if not command:
            raise PodBuildError(
                f'step {i} ("{c.get("name", "")}") has no command or script and the command of '
                f'image "{c.get("image", "")}" is unknown: tekpy cannot read image configs '
                "from a registry; set command or script, or list the image in the "
                "controller's image commands")
        c["command"] = command


def _timeout_text(timeout: str) -> str:
    # Tekton passes the parsed duration back in Go's canonical form ("1m0s")
    try:
        return format_duration(parse_duration(timeout))
    except ValueError:
        raise PodBuildError(f'invalid step timeout "{timeout}"') from None


def _step_flags(step: Step) -> list[str]:
    args: list[str] = []
    if step.on_error:
        if step.on_error not in _ON_ERROR:
            raise PodBuildError(
                f'task step onError must be either "continue" or "stopAndFail" but it is set '
                f'to an invalid value "{step.on_error}"')
        args += ["-on_error", step.on_error]
    if step.timeout:
        args += ["-timeout", _timeout_text(step.timeout)]
    if step.stdout_config is not None:
        args += ["-stdout_path", step.stdout_config.path]
    if step.stderr_config is not None:
        args += ["-stderr_path", step.stderr_config.path]
    if step.results:
        args += ["-step_results", ",".join(r.name for r in step.results)]
    if step.when:
        args += ["--when_expressions",
                 orjson.dumps([unstructure(w) for w in step.when]).decode()]
    return args


def order_steps(containers: list[dict[str, Any]], steps: Sequence[Step],
                results: Sequence[TaskResult], common_args: Sequence[str], *,
                wait_for_ready: bool, mount_downward_everywhere: bool = False) -> None:
    """Rewrite ``containers`` (in place) to run under the entrypoint, in order."""
    if not containers:
        raise PodBuildError("no steps specified")
    result_names = ",".join(r.name for r in results if r.value is None)
    for i, c in enumerate(containers):
        args: list[str] = []
        if i == 0:
            if wait_for_ready:
                args += ["-wait_file", f"{v.DOWNWARD_DIR}/ready", "-wait_file_content"]
        else:
            args += ["-wait_file", f"{v.RUN_DIR}/{i - 1}/out"]
        args += ["-post_file", f"{v.RUN_DIR}/{i}/out",
                 "-termination_path", v.TERMINATION_PATH,
                 "-step_metadata_dir", f"{v.RUN_DIR}/{i}/status"]
        args += common_args
        if i < len(steps):
            args += _step_flags(steps[i])
        if results:
            args += ["-results", result_names]
        command = list(c.get("command") or [])
        user_args = list(c.get("args") or [])
        if command:
            args += ["-entrypoint", command[0]]
            user_args = command[1:] + user_args
        args.append("--")
        args += user_args
        c["command"] = [v.ENTRYPOINT_BIN]
        c["args"] = args
        c["terminationMessagePath"] = v.TERMINATION_PATH
        if (i == 0 and wait_for_ready) or mount_downward_everywhere:
            c.setdefault("volumeMounts", []).append(v.downward_mount())
