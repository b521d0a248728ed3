"""PipelineRun timeouts (``timeouts.pipeline|tasks|finally``) and each TaskRun's timeout.

Durations are seconds; 0 means no timeout, as in Tekton. Without ``timeouts.pipeline`` the
run gets ``default-timeout-minutes``. With ``pipeline`` and ``finally`` set, the tasks
get ``pipeline - finally``; with ``pipeline`` and ``tasks`` set, finally gets ``pipeline -
tasks`` (a zero in either means no section timeout). A section has timed out when strictly
more than its timeout has passed since ``startTime`` (``finallyStartTime`` for finally).

A TaskRun's ``timeout`` follows Tekton's ``createTaskRun``: ``taskRunSpecs[].timeout``,
else the PipelineTask's ``timeout``, else its section's timeout when that is 0 or longer
than ``default-timeout-minutes``, else unset (the TaskRun is defaulted); the PipelineRun
cancels its TaskRuns itself when a section runs out of time.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from tekpy.api import parse_duration
from tekpy.api.types import PipelineRun

__all__ = ["Timeouts", "taskrun_timeout", "timeouts_of"]


@attrs.frozen
class Timeouts:
    """The three timeouts of a run, in seconds (0 = none; None = not set)."""

    pipeline: float
    tasks: float | None = None
    finally_: float | None = None

    def tasks_budget(self) -> float | None:
        """Tekton's ``TasksTimeout()``."""
        if self.tasks is not None:
            return self.tasks
        if self.finally_ is not None and self.pipeline and self.finally_:
            return max(self.pipeline - self.finally_, 0.0)
        return None

    def finally_budget(self) -> float | None:
        """Tekton's ``FinallyTimeout()``."""
        if self.finally_ is not None:
            return self.finally_
        if self.tasks is not None and self.pipeline and self.tasks:
            return max(self.pipeline - self.tasks, 0.0)
        return None


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        return None  # validation reports it


def timeouts_of(pr: PipelineRun, default_minutes: int) -> Timeouts:
    """The run's timeouts, defaulted as Tekton does."""
    t = pr.spec.timeouts
    pipeline = _seconds(t.pipeline) if t is not None else None
    return Timeouts(
        pipeline=default_minutes * 60.0 if pipeline is None else pipeline,
        tasks=_seconds(t.tasks) if t is not None else None,
        finally_=_seconds(t.finally_) if t is not None else None)


def expired(budget: float | None, since: datetime | None, now: datetime) -> bool:
    """Whether a section with ``budget`` seconds, started at ``since``, is out of time
    (strictly more than the budget has passed; 0 or None never expires)."""
    if not budget or since is None:
        return False
    return (now - since).total_seconds() > budget


def taskrun_timeout(t: Timeouts, *, final: bool, task_timeout: str | None,
                    spec_timeout: str | None, default_minutes: int) -> float | None:
    """The ``timeout`` of a new TaskRun in seconds (0 = none), or None to leave it unset."""
    override = _seconds(spec_timeout)
    if override is not None:
        return override
    own = _seconds(task_timeout)
    if own is not None:
        return own
    section = t.finally_budget() if final else t.tasks_budget()
    if section is None:
        return None
    if section == 0 or section > default_minutes * 60.0:
        return section
    return None
