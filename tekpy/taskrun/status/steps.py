"""Step and sidecar states of a TaskRun status, from the Pod's container statuses.

A terminated step's termination message supplies its ``startedAt`` (when the command
started, after waiting for the previous step), its ``exitCode`` (``onError: continue``), its
``terminationReason`` (``Skipped``, ``TimeoutExceeded``, ``Cancelled``, ``Continued``) and its
results; internal entries are removed from the message kept in the status.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from tekpy.taskrun.names import SIDECAR_PREFIX, STEP_PREFIX
from tekpy.taskrun.status import reasons as r
from tekpy.taskrun.status.conditions import format_time, parse_time
from tekpy.taskrun.status.results import (
    INTERNAL,
    RunResult,
    parse_termination_message,
    split_results,
)

__all__ = ["StepOutcome", "sidecar_state", "step_state"]


@attrs.define
class StepOutcome:
    """A step's state dict, the task results it produced and a parse error, if any."""

    state: dict[str, Any]
    task_results: list[dict[str, Any]] = attrs.Factory(list)
    error: str = ""


def _go_json(results: list[RunResult]) -> str:
    """The entries as Go's encoding/json writes them (HTML characters escaped)."""
    items = []
    for e in results:
        item: dict[str, Any] = {"key": e.key, "value": e.value}
        if e.type:
            item["type"] = e.type
        items.append(item)
    text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _internal(results: list[RunResult], key: str) -> str | None:
    for e in results:
        if e.key == key and (key != "Reason" or e.type == INTERNAL):
            return e.value
    return None


def step_state(cs: dict[str, Any], *, task_types: Mapping[str, str],
               step_types: Mapping[str, str], step_results_to_task: Mapping[str, str],
               done: bool, provenance: Any = None,
               logged: Sequence[RunResult] = ()) -> StepOutcome:
    """The StepState of one step container status.

    ``step_results_to_task`` maps this step's result names to the task results that copy
    them (``value: $(steps.<s>.results.<r>)``). Results are reported once the run is
    ``done``, as Tekton does. ``logged`` are this step's results read from the results
    sidecar's log (``results-from: sidecar-logs``), reported before the message's.
    """
    name = cs.get("name", "")
    state = copy.deepcopy(cs.get("state") or {})
    out = StepOutcome(state={})
    reason = ""
    term = state.get("terminated")
    step_results: list[dict[str, Any]] = []
    if logged and done:
        _, step_results, _ = split_results(logged, task_types, step_types)
        out.task_results = [{**sr, "name": step_results_to_task[sr["name"]]}
                            for sr in step_results if sr["name"] in step_results_to_task]
    if term is not None and term.get("message"):
        try:
            entries = parse_termination_message(term["message"])
        except ValueError as exc:
            out.error = str(exc)
            entries = None
        if entries is not None:
            task_res, step_res, kept = split_results(entries, task_types, step_types)
            if done:
                step_results = step_results + step_res
                out.task_results = out.task_results + task_res + [
                    {**sr, "name": step_results_to_task[sr["name"]]}
                    for sr in step_res if sr["name"] in step_results_to_task]
            term["message"] = _go_json(kept) if kept else ""
            if not term["message"]:
                del term["message"]
            started = _internal(entries, "StartedAt")
            if started is not None:
                try:
                    term["startedAt"] = format_time(parse_time(started))
                except ValueError:
                    out.error = f'could not parse time value "{started}" in StartedAt field'
            code = _internal(entries, "ExitCode")
            if code is not None:
                try:
                    term["exitCode"] = int(code)
                except ValueError:
                    out.error = f'could not parse int value "{code}" in ExitCode field'
                    code = None
            from_msg = _internal(entries, "Reason")
            if from_msg:
                reason = from_msg
            elif code is not None:
                reason = r.TERMINATION_CONTINUED
            else:
                reason = term.get("reason", "")
    st: dict[str, Any] = {k: state[k] for k in ("waiting", "running", "terminated")
                          if state.get(k) is not None}
    st["name"] = name[len(STEP_PREFIX):] if name.startswith(STEP_PREFIX) else name
    st["container"] = name
    if cs.get("imageID"):
        st["imageID"] = cs["imageID"]
    if step_results:
        st["results"] = step_results
    if provenance:
        st["provenance"] = provenance
    if reason:
        st["terminationReason"] = reason
    out.state = st
    return out


def sidecar_state(cs: dict[str, Any]) -> dict[str, Any]:
    """The SidecarState of one sidecar container status."""
    name = cs.get("name", "")
    state = copy.deepcopy(cs.get("state") or {})
    st: dict[str, Any] = {k: state[k] for k in ("waiting", "running", "terminated")
                          if state.get(k) is not None}
    st["name"] = name[len(SIDECAR_PREFIX):] if name.startswith(SIDECAR_PREFIX) else name
    st["container"] = name
    if cs.get("imageID"):
        st["imageID"] = cs["imageID"]
    return st
