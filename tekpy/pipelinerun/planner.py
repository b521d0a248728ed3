"""The PipelineRun planner: one pure function from what is known to what to do.

:func:`plan` takes the PipelineRun (defaults applied), its resolved PipelineSpec, the child
TaskRuns by name, the time and the configuration, and returns a :class:`Plan`: TaskRuns to
create, TaskRuns to patch (cancellation), claims to create, the new status and when to look
again. It never talks to the API, so every rule is unit-tested without a server; the
reconciler shell only applies plans.

Order of decisions, as Tekton's reconciler: a done run stays done; ``PipelineRunPending``
holds a run that has not started; ``Cancelled`` cancels every running child and ends the
run; a passed pipeline timeout cancels the children (``TaskRun cancelled as the
PipelineRun it belongs to has timed out.``) and ends it with ``PipelineRunTimeout``; a
passed tasks (finally) timeout cancels the running DAG (finally) TaskRuns and skips what
has not started; ``CancelledRunFinally`` cancels the running DAG TaskRuns and runs finally;
``StoppedRunFinally`` lets them finish and runs finally. A CEL ``when`` expression that
cannot be evaluated to a boolean (after substitution) ends the run with
``CELEvaluationFailed``. Then the ready tasks are started (a PipelineTask running a
Pipeline gets a child PipelineRun, see :mod:`tekpy.pipelinerun.pipelineruns`) and the
status derived (see :mod:`tekpy.pipelinerun.status`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from tekpy.api import (
    Config,
    GraphError,
    build_graph,
    format_duration,
    pipeline_run_replacements,
    unstructure,
)
from tekpy.api.graph import task_result_refs
from tekpy.api.types import PipelineRun, PipelineSpec
from tekpy.pipelinerun import children as ch
from tekpy.pipelinerun import reasons
from tekpy.pipelinerun.artifacts import (
    DEFAULT_STORAGE,
    ArtifactStorage,
    artifact_claim,
    artifact_pvc_name,
    needs_artifacts,
    taskrun_resources,
)
from tekpy.pipelinerun.facts import Facts, Stop
from tekpy.pipelinerun.matrix import combinations
from tekpy.pipelinerun.names import taskrun_names
from tekpy.pipelinerun.pipelineruns import (
    build_child_pipelinerun,
    cycle_message,
    is_child_pipeline,
)
from tekpy.pipelinerun.resolve import make_resolver
from tekpy.pipelinerun.status import (
    child_references,
    pipeline_condition,
    pipeline_results,
    skipped_tasks,
)
from tekpy.pipelinerun.taskruns import (
    PIPELINE_TASK_LABEL,
    PIPELINERUN_LABEL,
    build_taskruns,
    claims_for,
    owner_reference,
)
from tekpy.pipelinerun.timeouts import Timeouts, expired, taskrun_timeout, timeouts_of
from tekpy.taskrun.status.conditions import (
    format_time,
    get_condition,
    parse_time,
    set_condition,
)

__all__ = ["Patch", "Plan", "fail", "plan"]


@attrs.frozen
class Patch:
    """A merge patch for one child (a TaskRun, or a child PipelineRun)."""

    name: str
    body: dict[str, Any]
    kind: str = "TaskRun"


@attrs.define
class Plan:
    """What one reconcile should do."""

    status: dict[str, Any]
    create: list[dict[str, Any]] = attrs.Factory(list)
    patches: list[Patch] = attrs.Factory(list)
    pvcs: list[dict[str, Any]] = attrs.Factory(list)
    requeue_after: float | None = None


def _cancel(run: dict[str, Any], message: str, graceful: bool) -> Patch | None:
    """The patch cancelling one running child, None when it is already cancelled. A child
    PipelineRun is cancelled as a user would (``Cancelled``; ``CancelledRunFinally`` when
    the parent was gracefully cancelled, so its finally tasks run)."""
    name, spec = run["metadata"]["name"], run.get("spec") or {}
    if ch.is_pipelinerun(run):
        value = reasons.SPEC_CANCELLED_RUN_FINALLY if graceful else reasons.SPEC_CANCELLED
        if spec.get("status") in (value, reasons.SPEC_CANCELLED):
            return None
        return Patch(name, {"spec": {"status": value}}, kind="PipelineRun")
    if spec.get("status") == reasons.TASKRUN_CANCELLED:
        return None
    return Patch(name, {"spec": {"status": reasons.TASKRUN_CANCELLED, "statusMessage": message}})


def _cancel_running(facts: Facts, names: list[str], message: str,
                    graceful: bool = False) -> list[Patch]:
    out = []
    for task in names:
        for run in facts.runs[task]:
            patch = None if ch.is_done(run) else _cancel(run, message, graceful)
            if patch is not None:
                out.append(patch)
    return out


def fail(status: dict[str, Any], reason: str, message: str, now: datetime) -> dict[str, Any]:
    """End a run that cannot run (bad spec, missing Pipeline, ...): False with ``reason``."""
    status = copy.deepcopy(status)
    status.setdefault("startTime", format_time(now))
    set_condition(status, "False", reason, message, now)
    status["completionTime"] = format_time(now)
    return status


def group_children(pr: PipelineRun, taskruns: Mapping[str, dict[str, Any]]
                   ) -> dict[str, list[dict[str, Any]]]:
    """The run's children (TaskRuns, child PipelineRuns) by PipelineTask (by their
    labels), ordered by name (matrix TaskRuns ``-0``, ``-1``, ... by index)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(taskruns, key=lambda n: (len(n), n)):
        tr = taskruns[name]
        labels = (tr.get("metadata") or {}).get("labels") or {}
        if labels.get(PIPELINERUN_LABEL) != pr.name or PIPELINE_TASK_LABEL not in labels:
            continue
        out.setdefault(labels[PIPELINE_TASK_LABEL], []).append(tr)
    return out


def _deadlines(t: Timeouts, start: datetime, finally_start: datetime | None,
               now: datetime) -> float | None:
    # a section expires once *more* than its timeout has passed: look a moment after
    waits = []
    for budget, since in ((t.pipeline, start), (t.tasks_budget(), start),
                          (t.finally_budget(), finally_start)):
        if budget and since is not None and not expired(budget, since, now):
            waits.append(max(budget - (now - since).total_seconds(), 0.0) + 0.001)
    return min(waits) if waits else None


def plan(pr: PipelineRun, spec: PipelineSpec, taskruns: Mapping[str, dict[str, Any]],
         now: datetime, config: Config, *, pipeline_name: str = "",
         artifact_storage: ArtifactStorage = DEFAULT_STORAGE,
         ancestors: Sequence[str] = ()) -> Plan:
    """Decide what to do for ``pr`` (see the module docstring). ``taskruns`` holds its
    children by name: TaskRuns and child PipelineRuns. ``artifact_storage`` sizes the
    claim of resources passed with ``from``; ``ancestors`` lists the ``tekton.dev/pipeline``
    of the parent PipelineRuns, nearest first (a child pipeline naming one is a cycle)."""
    status: dict[str, Any] = unstructure(pr.status) if pr.status is not None else {}
    if (get_condition(status) or {}).get("status") in ("True", "False"):
        return Plan(status)
    spec_status = pr.spec.status
    if spec_status == reasons.SPEC_PENDING and not status.get("startTime"):
        set_condition(status, "Unknown", reasons.PENDING, f'PipelineRun "{pr.name}" is pending',
                      now)
        return Plan(status)
    if not status.get("startTime"):
        created = pr.metadata.get("creationTimestamp")
        start_at = max(now, parse_time(created)) if created else now
        status["startTime"] = format_time(start_at)
    start = parse_time(status["startTime"])
    if "pipelineSpec" not in status:
        status["pipelineSpec"] = unstructure(spec)
    try:
        graph = build_graph(spec.tasks)
    except GraphError as exc:
        return Plan(fail(status, reasons.INVALID_GRAPH,
                         f"PipelineRun {pr.namespace}/{pr.name}'s Pipeline DAG is invalid: {exc}",
                         now))
    name = pipeline_name or pr.name
    base = pipeline_run_replacements(spec, params=pr.spec.params, name=pr.name,
                                     namespace=pr.namespace, uid=pr.uid, pipeline_name=name,
                                     bindings=pr.spec.workspaces)
    t = timeouts_of(pr, config.defaults.default_timeout_minutes)
    fs_text = status.get("finallyStartTime")
    finally_start = parse_time(fs_text) if fs_text else None
    stop = Stop(
        graceful_cancel=spec_status == reasons.SPEC_CANCELLED_RUN_FINALLY,
        graceful_stop=spec_status == reasons.SPEC_STOPPED_RUN_FINALLY,
        pipeline_timed_out=expired(t.pipeline, start, now),
        tasks_timed_out=expired(t.tasks_budget(), start, now),
        finally_timed_out=expired(t.finally_budget(), finally_start, now))
    facts = Facts(spec.tasks, spec.finally_, graph, group_children(pr, taskruns),
                  make_resolver(base), stop)
    dag = list(facts.tasks)
    out = Plan(status)

    def finish(reason: str, message: str) -> Plan:
        status["childReferences"] = child_references(facts)
        _set_list(status, "skippedTasks", skipped_tasks(facts))
        set_condition(status, "False", reason, message, now)
        status["completionTime"] = format_time(now)
        return out

    if spec_status == reasons.SPEC_CANCELLED:
        out.patches = _cancel_running(facts, facts.order, reasons.CANCELLED_BY_PIPELINE_MSG)
        return finish(reasons.CANCELLED, f'PipelineRun "{pr.name}" was cancelled')
    if stop.pipeline_timed_out:
        out.patches = _cancel_running(facts, facts.order, reasons.TIMED_OUT_BY_PIPELINE_MSG)
        return finish(reasons.TIMED_OUT, f'PipelineRun "{pr.name}" failed to finish within '
                                         f'"{format_duration(t.pipeline)}"')
    if stop.tasks_timed_out:
        out.patches += _cancel_running(facts, dag, reasons.TIMED_OUT_BY_PIPELINE_MSG)
    elif stop.graceful_cancel:
        out.patches += _cancel_running(facts, dag, reasons.CANCELLED_BY_PIPELINE_MSG,
                                       graceful=True)
    if stop.finally_timed_out:
        out.patches += _cancel_running(facts, list(facts.finally_),
                                       reasons.TIMED_OUT_BY_PIPELINE_MSG)

    cel_problem = _cel_problem(facts) if _uses_cel(spec) else None
    if cel_problem is not None:  # Tekton evaluates every task's CEL before scheduling
        return finish(reasons.CEL_EVALUATION_FAILED,
                      f"Error evaluating CEL {pr.name}: [User error] {cel_problem}")

    if not taskruns and not status.get("childReferences"):
        out.pvcs = claims_for(pr)  # once, before the first TaskRun needs them
        if needs_artifacts(spec):
            out.pvcs.append(artifact_claim(pr, owner_reference(pr), artifact_storage))
    for task in facts.candidates():
        res = facts.resolution(task)
        if res.missing_from:  # a successful task did not produce a result this one needs
            return finish(reasons.INVALID_TASK_RESULT_REFERENCE, _missing_message(facts, task))
        pt = res.task
        final = facts.is_final(task)
        if final and finally_start is None:
            finally_start = now
            status["finallyStartTime"] = format_time(now)
        if is_child_pipeline(pt):
            cycle = cycle_message(pt, [name, *ancestors])
            if cycle is not None:
                return finish(reasons.CREATE_RUN_FAILED, cycle)
            child = build_child_pipelinerun(pr, name, pt, final=final,
                                            name=taskrun_names(pr.name, task)[0])
            out.create.append(child)
            facts.add_runs(task, [child])
            continue
        combos = combinations(pt.matrix) if pt.is_matrixed() else []
        names = taskrun_names(pr.name, task, max(len(combos), 1))
        spec_timeout = next((s.timeout for s in pr.spec.task_run_specs
                             if s.pipeline_task_name == task), None)
        timeout = taskrun_timeout(t, final=final, task_timeout=pt.timeout,
                                  spec_timeout=spec_timeout,
                                  default_minutes=config.defaults.default_timeout_minutes)
        resources, uses_pvc = taskrun_resources(pr, spec, pt)
        new = build_taskruns(pr, name, pt, final=final, names=names, combos=combos,
                             timeout=timeout, resources=resources,
                             artifact_pvc=artifact_pvc_name(pr.name) if uses_pvc else "")
        out.create += new
        facts.add_runs(task, new)

    if stop.tasks_timed_out and all(facts.is_done(n) for n in facts.finally_):
        budget = t.tasks_budget() or 0.0
        return finish(reasons.TIMED_OUT, f'PipelineRun "{pr.name}" failed due to tasks failed '
                                         f'to finish within "{format_duration(budget)}"')
    status["childReferences"] = child_references(facts)
    _set_list(status, "skippedTasks", skipped_tasks(facts))
    value, reason, message = pipeline_condition(
        facts, pr.name, graceful_cancel=stop.graceful_cancel, graceful_stop=stop.graceful_stop)
    set_condition(status, value, reason, message, now)
    if value != "Unknown":
        status["completionTime"] = format_time(now)
        results, invalid = pipeline_results(spec.results, facts)
        _set_list(status, "results", results)
        if invalid:
            set_condition(status, "False", reasons.COULDNT_GET_PIPELINE_RESULT,
                          "Failed to get PipelineResult from TaskRun Results for PipelineRun "
                          f"{pr.name}: invalid pipelineresults [{' '.join(invalid)}], the "
                          "referenced results don't exist", now)
    else:
        out.requeue_after = _deadlines(t, start, finally_start, now)
    return out


def _uses_cel(spec: PipelineSpec) -> bool:
    return any(w.cel for pt in (*spec.tasks, *spec.finally_) for w in pt.when)


def _cel_problem(facts: Facts) -> str | None:
    """The first task's CEL ``when`` error, evaluated after substitution (None if none)."""
    for name in facts.order:
        err = facts.resolution(name).cel_error
        if err:
            return err
    return None


def _missing_message(facts: Facts, task: str) -> str:
    results = facts.results()
    for ref in task_result_refs(facts.task(task)):
        if ref.result not in results.get(ref.pipeline_task, {}):
            return (f"Invalid task result reference: Could not find result with name "
                    f"{ref.result} for pipeline task {ref.pipeline_task}")
    return "Invalid task result reference"


def _set_list(status: dict[str, Any], key: str, items: list[dict[str, Any]]) -> None:
    if items:
        status[key] = items
    else:
        status.pop(key, None)
