"""The PipelineRun's status from its facts: counts, the Succeeded condition (Tekton's
reasons and messages), ``childReferences``, ``skippedTasks`` and the pipeline results.

Counting (over DAG and finally tasks): succeeded; cancelled for a timeout (failed);
cancelled; failed (``onError: continue`` failures are "ignored": reported in the message
but not failing the run); skipped (a skip for a
timeout fails the run); otherwise incomplete. Once nothing is incomplete the run is
``Succeeded`` (True), ``Completed`` (True, some skipped), ``Failed`` (False, a failure or a
timeout skip) or ``Cancelled`` (False, graceful cancel/stop, or a cancelled task); the
message is ``Tasks Completed: N (Failed: F, Cancelled C), Skipped: S``. While tasks remain
it is Unknown with ``Running``, ``PipelineRunStopping`` (a failure or cancellation),
``CancelledRunningFinally`` or ``StoppedRunningFinally`` and the message adds
``Incomplete: I``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from tekpy.api import Replacements, substitute, unstructure
from tekpy.api.refs import expressions_in, parse_result_ref
from tekpy.api.types import ParamValue, PipelineResult
from tekpy.api.variables import task_result_variables
from tekpy.pipelinerun import children as ch
from tekpy.pipelinerun import reasons
from tekpy.pipelinerun.facts import Facts

__all__ = ["Counts", "child_references", "count", "pipeline_condition", "pipeline_results",
           "skipped_tasks"]


@attrs.define
class Counts:
    """How many PipelineTasks are in each state (Tekton's ``getPipelineTasksCount``)."""

    succeeded: int = 0
    failed: int = 0
    ignored_failed: int = 0
    cancelled: int = 0
    skipped: int = 0
    skipped_timeout: int = 0
    incomplete: int = 0

    def completed(self) -> int:
        return self.succeeded + self.failed + self.cancelled + self.ignored_failed


def count(facts: Facts) -> Counts:
    """Count every DAG and finally task by state."""
    c = Counts()
    for name in facts.order:
        if facts.succeeded(name):
            c.succeeded += 1
        elif facts.cancelled_for_timeout(name):
            c.failed += 1
        elif facts.cancelled(name):
            c.cancelled += 1
        elif facts.failure_ignored(name):
            c.ignored_failed += 1
        elif facts.failed(name):
            c.failed += 1
        elif (why := facts.skip_reason(name)) is not None:
            c.skipped += 1
            if why in reasons.TIMEOUT_SKIPS:
                c.skipped_timeout += 1
        else:
            c.incomplete += 1
    return c


def pipeline_condition(facts: Facts, run_name: str, *, graceful_cancel: bool,
                       graceful_stop: bool) -> tuple[str, str, str]:
    """``(status, reason, message)`` of the Succeeded condition (Tekton's
    ``GetPipelineConditionStatus``, timeouts aside)."""
    c = count(facts)
    failed = c.failed + c.ignored_failed
    if c.incomplete == 0:
        ignored = f" (Ignored: {c.ignored_failed})" if c.ignored_failed else ""
        message = (f"Tasks Completed: {c.completed()} (Failed: {failed}{ignored}, "
                   f"Cancelled {c.cancelled}), Skipped: {c.skipped}")
        if c.failed > 0 or c.skipped_timeout > 0:
            return "False", reasons.FAILED, message
        if graceful_cancel or graceful_stop:
            return "False", reasons.CANCELLED, f'PipelineRun "{run_name}" was cancelled'
        if c.cancelled > 0:
            return "False", reasons.CANCELLED, message
        return "True", (reasons.COMPLETED if c.skipped else reasons.SUCCEEDED), message
    message = (f"Tasks Completed: {c.completed()} (Failed: {c.failed}, Cancelled "
               f"{c.cancelled}), Incomplete: {c.incomplete}, Skipped: {c.skipped}")
    finals_done = all(facts.is_done(n) for n in facts.finally_)
    reason = reasons.RUNNING
    if facts.stop.tasks_timed_out and facts.finally_ and not finals_done:
        reason = reasons.TIMED_OUT_RUNNING_FINALLY
    elif graceful_cancel:
        reason = reasons.CANCELLED_RUNNING_FINALLY
    elif graceful_stop:
        reason = reasons.STOPPED_RUNNING_FINALLY
    elif c.cancelled > 0 or (c.failed > 0 and finals_done):
        # with finally tasks still to run, a failure keeps the run "Running"
        reason = reasons.STOPPING
    return "Unknown", reason, message


def child_references(facts: Facts) -> list[dict[str, Any]]:
    """One reference per child (TaskRun or PipelineRun), in pipeline order."""
    out = []
    for name in facts.order:
        when = facts.resolved_when(name)
        for tr in facts.runs[name]:
            kind = "PipelineRun" if ch.is_pipelinerun(tr) else "TaskRun"
            ref: dict[str, Any] = {"apiVersion": "tekton.dev/v1", "kind": kind,
                                   "name": tr["metadata"]["name"], "pipelineTaskName": name}
            res = facts.resolved(name)
            display = (res.task if res is not None else facts.task(name)).display_name
            if display:
                ref["displayName"] = display
            if when:
                ref["whenExpressions"] = [unstructure(w) for w in when]
            out.append(ref)
    return out


def skipped_tasks(facts: Facts) -> list[dict[str, Any]]:
    """``skippedTasks``: name, Tekton's reason, and the (substituted) ``when`` expressions."""
    out = []
    for name in facts.order:
        why = facts.skip_reason(name)
        if why is None:
            continue
        entry: dict[str, Any] = {"name": name, "reason": why}
        # a finally task lists its expressions only when they were the reason
        final_other = facts.is_final(name) and why != reasons.SKIP_WHEN
        when = [] if final_other else facts.resolved_when(name)
        if when:
            entry["whenExpressions"] = [unstructure(w) for w in when]
        out.append(entry)
    return out


def pipeline_results(results: Sequence[PipelineResult], facts: Facts
                     ) -> tuple[list[dict[str, Any]], list[str]]:
    """The pipeline results, as Tekton's ``ApplyTaskResultsToPipelineResults``: a result
    without references is left out; one naming a task that did not succeed is left out; one
    naming a result a successful task did not produce is left out and listed as invalid
    (the second value), which fails the run."""
    known = facts.results()
    statuses = {n: facts.task_status(n) for n in facts.order}
    r: Replacements = task_result_variables(known)
    out, invalid = [], []
    for res in results:
        exprs = expressions_in(_texts(res.value))
        if not exprs:
            continue
        valid = True
        for e in exprs:
            ref = parse_result_ref(e)
            if ref is None:
                valid = False
                invalid.append(res.name)
            elif ref.result not in known.get(ref.pipeline_task, {}):
                valid = False
                if statuses.get(ref.pipeline_task, "Succeeded") == "Succeeded":
                    invalid.append(res.name)
        if not valid:
            continue
        value, _errors = substitute(res.value, r)
        out.append({"name": res.name, "value": value.to_json()})
    return out, list(dict.fromkeys(invalid))


def _texts(v: ParamValue) -> list[str]:
    if v.type == "array":
        return list(v.array)
    if v.type == "object":
        return list(v.object.values())
    return [v.string]
