"""The progress view: one line each time a run's condition changes, a step starts or ends,
or a PipelineRun skips a task. Line-oriented (works in logs and CI as on a terminal, where
states are coloured)::

    [+0.41s] taskrun/hello: Running (Not all Steps in the Task have finished executing)
    [+0.52s] taskrun/hello step write: running
    [+0.61s] taskrun/hello step write: succeeded
"""

from __future__ import annotations

from typing import Any

from tekpy.local.run.printer import Printer
from tekpy.local.run.tracker import condition

__all__ = ["Progress", "step_state"]

Obj = dict[str, Any]


def step_state(step: Obj) -> str | None:
    """``running``, ``succeeded``, ``failed (exit N)`` or None (still waiting)."""
    if "terminated" in step and step["terminated"] is not None:
        term = step["terminated"]
        code = term.get("exitCode", 0)
        reason = term.get("reason") or ""
        if code == 0 and reason in ("", "Completed"):
            return "succeeded"
        if code == 0:
            return reason
        extra = f", {reason}" if reason and reason not in ("Error",) else ""
        return f"failed (exit {code}{extra})"
    if step.get("running") is not None:
        return "running"
    return None


class Progress:
    """A tracker listener printing state changes; ``first_step_running`` records when the
    first step started (seconds since the run began), for the summary's figures."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer
        self._runs: dict[tuple[str, str], tuple[str, str]] = {}
        self._steps: dict[tuple[str, str], str] = {}
        self._skipped: set[tuple[str, str]] = set()
        self.first_step_running: float | None = None

    def __call__(self, kind: str, obj: Obj) -> None:
        if kind == "Pod":
            return
        name = str(obj["metadata"]["name"])
        label = f"{kind.lower()}/{name}"
        cond = condition(obj)
        state = (str(cond.get("status", "")), str(cond.get("reason", "")))
        if cond and self._runs.get((kind, name)) != state:
            self._runs[(kind, name)] = state
            message = str(cond.get("message") or "")
            colour = {"True": "green", "False": "red"}.get(state[0], "")
            text = self.printer.paint(state[1] or "Unknown", colour)
            self._emit(f"{label}: {text}" + (f" ({_short(message)})" if message else ""))
        status = obj.get("status") or {}
        if kind == "TaskRun":
            for step in status.get("steps") or []:
                s = step_state(step)
                key = (name, str(step.get("name", "")))
                if s is None or self._steps.get(key) == s:
                    continue
                self._steps[key] = s
                if s == "running" and self.first_step_running is None:
                    self.first_step_running = self.printer.elapsed()
                colour = "green" if s == "succeeded" else "red" if s.startswith("failed") else ""
                self._emit(f"{label} step {key[1]}: {self.printer.paint(s, colour)}")
        else:
            for skipped in status.get("skippedTasks") or []:
                key = (name, str(skipped.get("name", "")))
                if key in self._skipped:
                    continue
                self._skipped.add(key)
                self._emit(f"{label} task {key[1]}: "
                           f"{self.printer.paint('skipped', 'yellow')} ({skipped.get('reason')})")

    def _emit(self, text: str) -> None:
        self.printer.line(self.printer.paint(f"[+{self.printer.elapsed():.2f}s]", "dim")
                          + " " + text)


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."
