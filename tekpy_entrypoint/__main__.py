"""Command line of the step entrypoint (Tekton's flags; see docs/entrypoint.md)."""

from __future__ import annotations

import os
import sys

from . import bundle, creds, flags, subcommands
from .entrypointer import Entrypointer, log

PLATFORM_COMMANDS_ENV = "TEKTON_PLATFORM_COMMANDS"
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "i386": "386"}


def _platform() -> str:
    machine = os.uname().machine
    return f"{sys.platform.rstrip('0123456789')}/{_ARCH.get(machine, machine)}"


def resolve_command(opts: flags.Options) -> list[str] | str:
    """The command to run: ``-entrypoint`` + args, or the image's command for this platform.

    Tekton reads the image's command per platform from ``$TEKTON_PLATFORM_COMMANDS`` when no
    ``-entrypoint`` is given. As an extension, without either the arguments after ``--`` are
    the command. A string return value is an error message.
    """
    if opts.entrypoint:
        return [opts.entrypoint, *opts.command_args]
    raw = os.environ.get(PLATFORM_COMMANDS_ENV)
    if raw is None:
        return list(opts.command_args)
    import json

    try:
        commands = json.loads(raw)
    except ValueError as exc:
        return str(exc)
    plat = _platform()
    cmd = commands.get(plat) or commands.get(plat.rsplit("/", 1)[0])
    if cmd is None:
        return f'could not find command for platform "{plat}"'
    return [*cmd, *opts.command_args]


def _restore_lc_ctype(marker: str) -> None:
    """Undo Python's C-locale coercion so the step inherits the environment unchanged.

    ``marker`` is ``-`` when ``LC_CTYPE`` was unset before the interpreter started, else
    ``=<original value>``.
    """
    if marker == "-":
        os.environ.pop("LC_CTYPE", None)
    elif marker.startswith("="):
        os.environ["LC_CTYPE"] = marker[1:]


def main(
    argv: list[str] | None = None, launcher: str | None = None, lc_ctype: str | None = None
) -> None:
    """Entry point of ``tekpy-entrypoint`` and of the packaged executable.

    The packaged executable's launcher passes its own path and the original ``LC_CTYPE``.
    """
    if launcher is not None:
        bundle.launcher = launcher
    if lc_ctype is not None:
        _restore_lc_ctype(lc_ctype)
    args = sys.argv[1:] if argv is None else argv
    try:
        opts = flags.parse(args)
    except flags.HelpRequested:
        sys.stderr.write(flags.usage())
        sys.exit(0)
    except flags.FlagError as exc:
        sys.stderr.write(f"{exc}\n{flags.usage()}")
        sys.exit(2)
    try:
        message = subcommands.process(opts.positional)
    except subcommands.SubcommandError as exc:
        log(str(exc))
        sys.exit(1)
    if message is not None:
        log(message)
        sys.exit(0)
    try:
        if opts.basic_git or opts.ssh_git or opts.basic_docker or opts.docker_config or (
            opts.docker_cfg
        ):
            creds.initialise(
                opts.basic_git, opts.ssh_git, opts.basic_docker, opts.docker_config,
                opts.docker_cfg,
            )
    except flags.FlagError as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(2)
    creds.copy_to_home()
    command = resolve_command(opts)
    if isinstance(command, str):
        log(command)
        sys.exit(1)
    ep = Entrypointer(
        command=command,
        wait_files=opts.wait_file.split(",") if opts.wait_file else [],
        wait_file_content=opts.wait_file_content,
        post_file=opts.post_file,
        termination_path=opts.termination_path,
        results=opts.results.split(","),
        step_results=opts.step_results.split(","),
        timeout=opts.timeout,
        on_error=opts.on_error,
        step_metadata_dir=opts.step_metadata_dir,
        stdout_path=opts.stdout_path,
        stderr_path=opts.stderr_path,
        breakpoint_on_failure=opts.breakpoint_on_failure,
        debug_before_step=opts.debug_before_step,
        when_expressions=opts.when_expressions,
        results_dir=opts.results_dir,
        cancel_file=opts.cancel_file,
        artifacts_dir=opts.artifacts_dir,
        steps_dir=os.path.join(flags.tekton_root(), "steps"),
        scripts_dir=os.path.join(flags.tekton_root(), "scripts"),
        result_from=opts.result_from,
        compress=opts.compress_termination_message,
    )
    sys.stdout.flush()
    sys.exit(ep.go())


if __name__ == "__main__":
    main()
