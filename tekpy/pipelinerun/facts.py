"""The facts of one PipelineRun at one moment: each PipelineTask's TaskRuns, what is done,
what is skipped and why, and which tasks may start (Tekton's ``PipelineRunFacts``).

Skipping follows Tekton's order for a DAG task that has not been scheduled: the run is
stopping (a task failed) -> ``StoppingSkip``; gracefully cancelled / stopped; (parents
done) ``when`` false; a parent was skipped for a reason other than its own ``when``
expressions (``when`` is scoped to the task, so its dependants still run) ->
``ParentTasksSkip``; then, once every parent is done: missing results (only when the
producer was when-skipped or the task ignores failure), pipeline or tasks timeout, an
empty matrix array. A finally task is only judged once the DAG is done: missing results,
``when``, pipeline or finally timeout, empty matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from tekpy.api import Graph
from tekpy.api.types import ParamValue, PipelineTask
from tekpy.pipelinerun import children as ch
from tekpy.pipelinerun import reasons

__all__ = ["Facts", "Resolution", "Stop"]


@attrs.frozen
class Resolution:
    """A PipelineTask resolved against the results known now: the substituted task
    (unresolvable references left as text), whether its ``when`` expressions allow it, the
    tasks whose referenced results are missing, whether a matrix array is empty, and why a
    CEL ``when`` expression could not be evaluated ("" when none failed)."""

    task: PipelineTask
    when_false: bool = False
    missing_from: tuple[str, ...] = ()
    empty_matrix: bool = False
    cel_error: str = ""


@attrs.frozen
class Stop:
    """Run-wide conditions that stop scheduling."""

    graceful_cancel: bool = False
    graceful_stop: bool = False
    pipeline_timed_out: bool = False
    tasks_timed_out: bool = False
    finally_timed_out: bool = False


#: resolves one PipelineTask given the facts (results and statuses known so far)
Resolver = Callable[["Facts", PipelineTask], Resolution]


class Facts:
    """The state of every PipelineTask of one PipelineRun (DAG and finally)."""

    def __init__(self, tasks: Sequence[PipelineTask], finally_: Sequence[PipelineTask],
                 graph: Graph, runs: Mapping[str, list[dict[str, Any]]], resolver: Resolver,
                 stop: Stop = Stop()) -> None:
        self.tasks = {t.name: t for t in tasks}
        self.finally_ = {t.name: t for t in finally_}
        self.order = [t.name for t in tasks] + [t.name for t in finally_]
        self.graph = graph
        self.runs = {n: list(runs.get(n, [])) for n in self.order}
        self.resolver = resolver
        self.stop = stop
        self._skip: dict[str, str | None] = {}
        self._resolved: dict[str, Resolution] = {}
        self._results: dict[str, dict[str, ParamValue]] | None = None
        #: scratch space for the resolver (values derived once per Facts)
        self.memo: dict[str, Any] = {}
        self._state: dict[str, tuple[bool, bool, bool]] = {}
        self._stopping: bool | None = None

    def add_runs(self, name: str, runs: list[dict[str, Any]]) -> None:
        """Record TaskRuns just planned for ``name`` (new runs are running: nothing already
        decided about other tasks changes)."""
        self.runs[name] = list(runs)
        self._state.pop(name, None)

    # -- one task ---------------------------------------------------------------------------
    def task(self, name: str) -> PipelineTask:
        return self.tasks.get(name) or self.finally_[name]

    def is_final(self, name: str) -> bool:
        return name in self.finally_

    def scheduled(self, name: str) -> bool:
        return bool(self.runs[name])

    def _states(self, name: str) -> tuple[bool, bool, bool]:
        """(all done, all succeeded, done with a failure), computed once per task."""
        st = self._state.get(name)
        if st is None:
            conds = [ch.condition(r).get("status") for r in self.runs[name]]
            done = bool(conds) and all(c in ("True", "False") for c in conds)
            st = (done, bool(conds) and all(c == "True" for c in conds),
                  done and "False" in conds)
            self._state[name] = st
        return st

    def runs_done(self, name: str) -> bool:
        return self._states(name)[0]

    def succeeded(self, name: str) -> bool:
        return self._states(name)[1]

    def failed(self, name: str) -> bool:
        """Done with a failed TaskRun (cancelled ones included), Tekton's ``isFailure``."""
        return self._states(name)[2]

    def cancelled(self, name: str) -> bool:
        return self.runs_done(name) and any(ch.is_cancelled(r) for r in self.runs[name])

    def cancelled_for_timeout(self, name: str) -> bool:
        """Done, a TaskRun having been cancelled because a timeout passed (counts as failed)."""
        return self.runs_done(name) and any(
            ch.is_failed(r) and ch.is_cancelled_for_timeout(r) for r in self.runs[name])

    def failure_ignored(self, name: str) -> bool:
        return self.failed(name) and self.task(name).on_error == "continue"

    def resolution(self, name: str) -> Resolution:
        if name not in self._resolved:
            self._resolved[name] = self.resolver(self, self.task(name))
        return self._resolved[name]

    def resolved(self, name: str) -> Resolution | None:
        """The task's resolution, if it was needed so far."""
        return self._resolved.get(name)

    def resolved_when(self, name: str) -> list[Any]:
        """The task's ``when`` expressions, substituted when it has been resolved."""
        res = self._resolved.get(name)
        if res is not None:
            return list(res.task.when)
        return list(self.task(name).when)

    # -- run-wide ---------------------------------------------------------------------------
    def is_stopping(self) -> bool:
        """A DAG task failed (and does not ignore failure): nothing new starts."""
        if self._stopping is None:
            self._stopping = any(self.failed(n) and not self.failure_ignored(n)
                                 for n in self.tasks)
        return self._stopping

    def parents_done(self, name: str) -> bool:
        return all(self.is_done(p) for p in self.graph.prev.get(name, []))

    def is_done(self, name: str) -> bool:
        """Skipped, or every TaskRun finished."""
        return self.skip_reason(name) is not None or self.runs_done(name)

    def dag_done(self) -> bool:
        return all(self.is_done(n) for n in self.tasks)

    def skip_reason(self, name: str) -> str | None:
        """Why the task is (or will be) skipped; None when it runs or may still run."""
        if name not in self._skip:
            self._skip[name] = None  # guards against re-entry; the graph is acyclic
            self._skip[name] = (self._finally_skip(name) if self.is_final(name)
                                else self._dag_skip(name))
        return self._skip[name]

    def _dag_skip(self, name: str) -> str | None:
        # Tekton's order (``skip``): when expressions come before the parents' skips
        if self.scheduled(name):
            return None
        if self.is_stopping():
            return reasons.SKIP_STOPPING
        if self.stop.graceful_cancel:
            return reasons.SKIP_GRACEFULLY_CANCELLED
        if self.stop.graceful_stop:
            return reasons.SKIP_GRACEFULLY_STOPPED
        done = self.parents_done(name)
        if done and self.resolution(name).when_false:
            return reasons.SKIP_WHEN
        for parent in self.graph.prev.get(name, []):
            why = self.skip_reason(parent)
            if why is not None and why != reasons.SKIP_WHEN:
                return reasons.SKIP_PARENT
        if not done:
            return None
        if self.missing_results_skip(name):
            return reasons.SKIP_MISSING_RESULTS
        if self.stop.pipeline_timed_out:
            return reasons.SKIP_PIPELINE_TIMEOUT
        if self.stop.tasks_timed_out:
            return reasons.SKIP_TASKS_TIMEOUT
        return reasons.SKIP_EMPTY_MATRIX if self.resolution(name).empty_matrix else None

    def missing_results_skip(self, name: str) -> bool:
        """A missing referenced result skips the task when the task is a finally task or
        ignores failure, or the producer was skipped by its ``when`` expressions; any other
        missing result fails the run (``InvalidTaskResultReference``)."""
        res = self.resolution(name)
        if not res.missing_from:
            return False
        if self.is_final(name) or self.task(name).on_error == "continue":
            return True
        return any(self.skip_reason(p) == reasons.SKIP_WHEN for p in res.missing_from
                   if p in self.tasks)

    def _finally_skip(self, name: str) -> str | None:
        if self.scheduled(name) or not self.dag_done():
            return None
        res = self.resolution(name)
        if res.missing_from:
            return reasons.SKIP_MISSING_RESULTS
        if res.when_false:
            return reasons.SKIP_WHEN
        if self.stop.pipeline_timed_out:
            return reasons.SKIP_PIPELINE_TIMEOUT
        if self.stop.finally_timed_out:
            return reasons.SKIP_FINALLY_TIMEOUT
        return reasons.SKIP_EMPTY_MATRIX if res.empty_matrix else None

    # -- scheduling -------------------------------------------------------------------------
    def candidates(self) -> list[str]:
        """Tasks to start now: DAG tasks whose parents are done, then (once the DAG is done)
        the finally tasks; never a scheduled or skipped one."""
        out = [n for n in self.tasks if not self.scheduled(n) and self.parents_done(n)
               and self.skip_reason(n) is None]
        if self.dag_done():
            out += [n for n in self.finally_ if not self.scheduled(n)
                    and self.skip_reason(n) is None]
        return out

    # -- values for substitution -------------------------------------------------------------
    def results(self) -> dict[str, dict[str, ParamValue]]:
        """Results of the tasks that succeeded (Tekton passes on no other task's results,
        nor a child PipelineRun's: their propagation is not implemented in Tekton)."""
        if self._results is None:
            self._results = {n: ch.run_results(self.runs[n], self.task(n).is_matrixed())
                             for n in self.order if self.succeeded(n)
                             and not any(ch.is_pipelinerun(r) for r in self.runs[n])}
        return self._results

    def task_status(self, name: str) -> str:
        """``$(tasks.<t>.status)``: Succeeded, Failed or None (skipped or not run)."""
        if self.succeeded(name):
            return "Succeeded"
        if self.runs_done(name) and any(ch.is_failed(r) for r in self.runs[name]):
            return "Failed"
        return "None"

    def task_reason(self, name: str) -> str:
        """``$(tasks.<t>.reason)``: the reason of the first TaskRun that did not succeed,
        else of the first TaskRun ("" when none ran)."""
        runs = self.runs[name]
        for r in runs:
            if not ch.is_succeeded(r) and ch.condition(r):
                return str(ch.condition(r).get("reason", ""))
        return str(ch.condition(runs[0]).get("reason", "")) if runs else ""

    def aggregate_status(self) -> str:
        """``$(tasks.status)``: None until the DAG is done, then Failed if any task failed,
        Completed if any was skipped, else Succeeded."""
        if not self.dag_done():
            return "None"
        out = "Succeeded"
        for n in self.tasks:
            if any(ch.is_failed(r) for r in self.runs[n]):
                return "Failed"
            if self.skip_reason(n) is not None:
                out = "Completed"
        return out
