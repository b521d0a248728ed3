"""TaskRun status from its Pod (Tekton's ``MakeTaskRunStatus`` plus the results check the
reconciler runs right after it)."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tekpy.api.types import TaskSpec
from tekpy.taskrun.names import SIDECAR_PREFIX, STEP_PREFIX
from tekpy.taskrun.status import pod_state as ps
from tekpy.taskrun.status import reasons as r
from tekpy.taskrun.status.conditions import (
    format_time,
    get_condition,
    is_done,
    keep_transition_time,
    mark_failed,
    mark_running,
    mark_succeeded,
)
from tekpy.taskrun.status.results import (
    RunResult,
    missing_results,
    split_results,
    validate_results,
)
from tekpy.taskrun.status.sidecarlogs import RESULTS_CONTAINER, step_results_of, task_results_of
from tekpy.taskrun.status.steps import sidecar_state, step_state

__all__ = ["ON_ERROR_ANNOTATION", "derive_status"]

ON_ERROR_ANNOTATION = "pipeline.tekton.dev/pipeline-task-on-error"
_STEP_RESULT_REF = re.compile(r"^\$\(steps\.([^.]+)\.results\.([^.)\[]+)\)$")


def _sorted_statuses(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Container statuses in the order of the Pod's containers (Tekton's sort)."""
    statuses = list((pod.get("status") or {}).get("containerStatuses") or [])
    by_name = {s.get("name"): s for s in statuses}
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    out = []
    for i, n in enumerate(names):
        if i < len(statuses):
            out.append(by_name.get(n) or {})
    return out + statuses[len(names):]


def _update_incomplete(status: dict[str, Any], pod: dict[str, Any], now: datetime) -> None:
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Running":
        mark_running(status, r.RUNNING, r.MSG_RUNNING, now)
    elif phase == "Pending":
        if ps.exceeds_node_resources(pod):
            mark_running(status, r.EXCEEDED_NODE_RESOURCES, r.MSG_EXCEEDED_NODE_RESOURCES, now)
        elif ps.subpath_error(pod):
            mark_running(status, r.POD_PENDING, r.MSG_SUBPATH_WAIT, now)
        elif ps.config_error(pod):
            mark_failed(status, r.CREATE_CONTAINER_CONFIG_ERROR, r.MSG_CONFIG_ERROR, now)
        elif ps.pull_error(pod):
            mark_running(status, r.PULL_IMAGE_FAILED, ps.waiting_message(pod), now)
        else:
            mark_running(status, r.POD_PENDING, ps.waiting_message(pod), now)


def _fetched_by_task(spec: TaskSpec | None) -> dict[str, dict[str, str]]:
    """container -> {step result: task result} for task results valued from steps."""
    out: dict[str, dict[str, str]] = {}
    for res in spec.results if spec is not None else []:
        if res.value is None or not isinstance(res.value.to_json(), str):
            continue
        m = _STEP_RESULT_REF.match(res.value.string.strip())
        if m:
            out.setdefault(STEP_PREFIX + m.group(1), {})[m.group(2)] = res.name
    return out


def _dedupe(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """First position, latest value (Tekton's removeDuplicateResults)."""
    latest: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for res in results:
        if res["name"] not in latest:
            order.append(res["name"])
        latest[res["name"]] = res
    return [latest[n] for n in order]


_RESOURCE_STEPS = (("step-git-source-", "commit"), ("step-image-digest-exporter-", "digest"))


def _resource_results(status: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    """The original API's ``resourcesResult``: commits of git inputs, digests of images."""
    found = []
    for st in steps:
        for prefix, key in _RESOURCE_STEPS:
            if not st.get("container", "").startswith(prefix):
                continue
            for res in st.get("results") or []:
                if res.get("name") == key:
                    found.append({"key": key, "value": res.get("value", ""),
                                  "resourceName": st["container"][len(prefix):]})
    if found:
        status["resourcesResult"] = found


def derive_status(taskrun: dict[str, Any], pod: dict[str, Any], spec: TaskSpec | None,
                  now: datetime, *, fail_on_missing_results: bool = False,
                  logged: Sequence[RunResult] = ()) -> tuple[dict[str, Any], list[str]]:
    """The TaskRun's new status (a new dict) and the errors met while reading the Pod.

    ``spec`` is the resolved TaskSpec (for declared task and step results). Once the steps
    are done, results are checked against declared ones: a result of the wrong type or an
    object result missing a declared key fails the run with ``TaskRunValidationFailed`` and
    Tekton's message. Tekton lets a declared result go missing (only a consumer fails);
    ``fail_on_missing_results=True`` fails the run then, with the same reason.

    A Pod with the results sidecar (``results-from: sidecar-logs``) is complete only once
    that sidecar has exited too; ``logged`` are the results read from its log, reported
    before those of termination messages, as Tekton orders them.
    """
    status = copy.deepcopy(taskrun.get("status") or {})
    errors: list[str] = []
    cond = before = get_condition(status)
    if cond is None or cond.get("status") == "Unknown":
        mark_running(status, r.RUNNING, r.MSG_RUNNING, now)
    containers = {c.get("name") for c in (pod.get("spec") or {}).get("containers") or []}
    if ps.is_complete(pod, (RESULTS_CONTAINER,) if RESULTS_CONTAINER in containers else ()):
        if ps.did_fail(pod):
            reason, message = ps.failure(pod)
            on_error = ((taskrun.get("metadata") or {}).get("annotations") or {}).get(
                ON_ERROR_ANNOTATION)
            mark_failed(status, r.FAILURE_IGNORED if on_error == "continue" else reason,
                        message, now)
        else:
            mark_succeeded(status, now)
        status.setdefault("completionTime", format_time(now))
    else:
        _update_incomplete(status, pod, now)
    status["podName"] = (pod.get("metadata") or {}).get("name", "")
    done = is_done(status)

    task_types = {res.name: res.type or "string" for res in spec.results} if spec else {}
    step_types: dict[str, dict[str, str]] = {}
    for i, step in enumerate(spec.steps if spec else []):
        cname = STEP_PREFIX + (step.name or f"unnamed-{i}")
        step_types[cname] = {res.name: res.type or "string" for res in step.results}
    fetched = _fetched_by_task(spec)
    provenances = {s.get("name"): s.get("provenance") for s in status.get("steps") or []}

    results: list[dict[str, Any]] = list(status.get("results") or []) if done else []
    if done:
        results += split_results(task_results_of(logged), task_types, {})[0]
    steps = []
    for cs in _sorted_statuses(pod):
        name = cs.get("name", "")
        if not name.startswith(STEP_PREFIX):
            continue
        outcome = step_state(cs, task_types=task_types, step_types=step_types.get(name, {}),
                             step_results_to_task=fetched.get(name, {}), done=done,
                             provenance=provenances.get(name[len(STEP_PREFIX):]),
                             logged=step_results_of(logged, name))
        if outcome.error:
            errors.append(outcome.error)
        results += outcome.task_results
        steps.append(outcome.state)
    if steps:
        status["steps"] = steps
        if done:
            _resource_results(status, steps)
    pst = pod.get("status") or {}
    status["sidecars"] = [sidecar_state(cs) for cs in (
        *(c for c in pst.get("containerStatuses") or []
          if c.get("name", "").startswith(SIDECAR_PREFIX)),
        *(c for c in pst.get("initContainerStatuses") or []
          if c.get("name", "").startswith(SIDECAR_PREFIX)))]
    if not status["sidecars"]:
        del status["sidecars"]
    results = _dedupe(results)
    if results:
        status["results"] = results
    else:
        status.pop("results", None)
    if spec is not None and results:
        kept, problem = validate_results(results, spec.results)
        status["results"] = kept
        if not kept:
            del status["results"]
        if problem:
            mark_failed(status, r.FAILED_VALIDATION, problem, now)
    succeeded = (get_condition(status) or {}).get("status") == "True"
    if spec is not None and fail_on_missing_results and succeeded:
        missing = missing_results(status.get("results") or [], spec.results)
        if missing:
            mark_failed(status, r.FAILED_VALIDATION,
                        f"declared results were not produced: {', '.join(missing)}", now)
    keep_transition_time(before, status)
    return status, errors
