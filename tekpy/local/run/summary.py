"""The final report of ``tekpy run``: a table of the runs with their condition reason and
duration, and for each failed run the failed TaskRuns and steps with their messages (text),
or the final objects as one JSON list (``--output json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from tekpy.local.run.progress import step_state
from tekpy.local.run.submit import RunRef
from tekpy.local.run.tracker import RunTracker, condition

__all__ = ["duration", "render_json", "render_text", "succeeded"]

Obj = dict[str, Any]


def _time(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def duration(obj: Obj) -> str:
    """``completionTime - startTime`` of a run (``-`` when not started, ``…`` when running)."""
    status = obj.get("status") or {}
    start, end = _time(status.get("startTime")), _time(status.get("completionTime"))
    if start is None:
        return "-"
    if end is None:
        return "..."
    return f"{(end - start).total_seconds():.1f}s"


def succeeded(obj: Obj | None) -> bool:
    """The run's ``Succeeded`` condition is True."""
    return condition(obj).get("status") == "True"


def _state(obj: Obj | None) -> tuple[str, str]:
    cond = condition(obj)
    status = {"True": "Succeeded", "False": "Failed"}.get(str(cond.get("status")), "Running")
    return status, str(cond.get("reason") or "-")


def _failed_taskrun_lines(tr: Obj, indent: str) -> list[str]:
    name = tr["metadata"]["name"]
    task = (tr["metadata"].get("labels") or {}).get("tekton.dev/pipelineTask")
    cond = condition(tr)
    head = f"task {task} (taskrun/{name})" if task else f"taskrun/{name}"
    lines = [f"{indent}{head}: {cond.get('reason', '-')}: {cond.get('message', '')}".rstrip()]
    for step in (tr.get("status") or {}).get("steps") or []:
        s = step_state(step)
        if s and s != "succeeded":
            lines.append(f"{indent}  step {step.get('name')}: {s}")
    return lines


def render_text(finals: list[tuple[RunRef, Obj | None]], tracker: RunTracker,
                note: str | None = None) -> list[str]:
    """The summary as lines: the table, then what failed and what was skipped."""
    rows = [("RUN", "STATUS", "REASON", "DURATION")]
    for ref, obj in finals:
        status, reason = _state(obj)
        rows.append((ref.label, status, reason, duration(obj) if obj else "-"))
        if ref.kind == "PipelineRun":
            # one row per TaskRun of the PipelineRun, then the skipped tasks
            for tr in tracker.taskruns_of(ref):
                task = (tr["metadata"].get("labels") or {}).get("tekton.dev/pipelineTask")
                st, rs = _state(tr)
                rows.append((f"  task {task or tr['metadata']['name']}", st, rs, duration(tr)))
            for sk in ((obj or {}).get("status") or {}).get("skippedTasks") or []:
                rows.append((f"  task {sk.get('name')}", "Skipped", "-", "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["", "Summary:" + (f" {note}" if note else "")]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    for ref, obj in finals:
        if obj is None or succeeded(obj):
            continue
        lines.append(f"{ref.label}: {condition(obj).get('message', 'did not finish')}")
        if ref.kind == "TaskRun":
            lines += _failed_taskrun_lines(obj, "  ")[1:]
            continue
        for tr in tracker.taskruns_of(ref):
            if condition(tr).get("status") == "False" or not condition(tr):
                lines += _failed_taskrun_lines(tr, "  ")
        for sk in (obj.get("status") or {}).get("skippedTasks") or []:
            lines.append(f"  task {sk.get('name')}: skipped ({sk.get('reason')})")
    return lines


def render_json(finals: list[tuple[RunRef, Obj | None]]) -> str:
    """One JSON document: the list of the final run objects, with their status."""
    return orjson.dumps([o for _, o in finals if o is not None],
                        option=orjson.OPT_INDENT_2).decode()
