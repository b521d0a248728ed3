"""Finding the TaskSpec a TaskRun runs (Tekton's ``GetTaskData`` and its resolvers).

- ``status.taskSpec`` already stored: it is the source of truth (the Task may have changed
  or gone since the run started), as in Tekton;
- ``spec.taskSpec``: the embedded spec;
- ``spec.taskRef.name`` (kind ``Task``): the Task in the TaskRun's namespace;
- ``spec.taskRef.resolver: cluster``: the Task named by the ``name`` and ``namespace``
  params (``kind`` defaults to ``task``), fetched synchronously -- Tekton's cluster resolver
  without the ResolutionRequest round trip.

Steps that reference a StepAction (``ref.name``) are inlined here, so the stored spec is
complete. A problem that retrying cannot fix raises :class:`ResolutionFailed` with
Tekton's reason (``TaskRunResolutionFailed``, ``TaskValidationFailed``); transient API
errors (conflict, timeouts, 429, 5xx) propagate so the reconcile is retried with backoff.
"""

from __future__ import annotations

from typing import Any

import attrs

from tekpy.api import Config, parse_object, validate, with_defaults
from tekpy.api.types import PipelineResource, StepAction, Task, TaskRun, TaskSpec
from tekpy.runtime.client import (
    ApiError,
    Client,
    Resource,
    is_conflict,
    is_internal_error,
    is_server_timeout,
    is_service_unavailable,
    is_timeout,
    is_too_many_requests,
)
from tekpy.taskrun import PodBuildError, inline_step_actions, reasons
from tekpy.taskrun.reconciler.kinds import PIPELINERESOURCES, STEPACTIONS, TASKS

__all__ = [
    "ResolutionFailed",
    "ResolvedTask",
    "is_transient",
    "pipeline_resources",
    "resolve_task",
]

CLUSTER_RESOLVER = "cluster"


class ResolutionFailed(Exception):
    """The TaskSpec cannot be found or read; the run fails with ``reason``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@attrs.frozen
class ResolvedTask:
    """The defaulted TaskSpec to run (StepActions inlined) and the Task's name."""

    spec: TaskSpec
    task_name: str
    # where it came from, for logs: "status", "embedded", "Task ns/name", "cluster ns/name"
    source: str


def is_transient(err: BaseException) -> bool:
    """API errors that a later attempt may not meet (Tekton's ``IsErrTransient``)."""
    return any(p(err) for p in (is_conflict, is_server_timeout, is_timeout,
                                is_too_many_requests, is_internal_error,
                                is_service_unavailable))


async def _get(client: Client, resource: Resource, name: str, namespace: str,
               wrap: str) -> dict[str, Any]:
    try:
        return await client.get(resource, name, namespace=namespace)
    except ApiError as exc:
        if is_transient(exc):
            raise
        raise ResolutionFailed(reasons.FAILED_RESOLUTION, f"{wrap}{exc.message}") from exc


def _read_task(raw: dict[str, Any], config: Config, where: str) -> Task:
    task, errors = parse_object(raw, detect_legacy=True)
    if not errors and isinstance(task, Task):
        # No admission webhook checked it when it was stored (unknown fields included).
        errors = validate(task, config)
    if errors or not isinstance(task, Task):
        detail = str(errors) if errors else f"expected a Task, got {raw.get('kind')}"
        raise ResolutionFailed(reasons.TASK_FAILED_VALIDATION,
                               f"referenced Task {where} is invalid: {detail}")
    return with_defaults(task, config)


def _param(params: list[Any], name: str) -> str:
    for p in params:
        if p.name == name:
            return p.value.string if p.value.type == "string" else ""
    return ""


async def _cluster(client: Client, tr: TaskRun, config: Config) -> tuple[Task, str]:
    ref = tr.spec.task_ref
    assert ref is not None
    kind = _param(ref.params, "kind") or "task"
    name = _param(ref.params, "name")
    namespace = _param(ref.params, "namespace").strip()
    missing = [p for p, v in (("name", name), ("namespace", namespace)) if not v]
    prefix = "error requesting remote resource: "
    if kind not in ("task", "pipeline", "stepaction"):
        raise ResolutionFailed(reasons.FAILED_RESOLUTION,
                               f"{prefix}unknown or unsupported resource kind '{kind}'")
    if missing:
        raise ResolutionFailed(reasons.FAILED_RESOLUTION,
                               f"{prefix}missing required cluster resolver params: "
                               f"{', '.join(missing)}")
    if kind != "task":
        raise ResolutionFailed(reasons.FAILED_RESOLUTION,
                               f"{prefix}cluster resolver returned a {kind}, a TaskRun "
                               "needs a task")
    raw = await _get(client, TASKS, name, namespace, prefix)
    return _read_task(raw, config, f"{namespace}/{name}"), f"cluster {namespace}/{name}"


async def _step_actions(client: Client, spec: TaskSpec, tr: TaskRun, namespace: str
                        ) -> TaskSpec:
    refs = [(i, s) for i, s in enumerate(spec.steps) if s.ref is not None]
    if not refs:
        return spec
    found: dict[str, StepAction] = {}
    for i, step in refs:
        name = step.ref.name if step.ref is not None else ""
        if name in found:
            continue
        if not name or (step.ref is not None and step.ref.resolver):
            raise ResolutionFailed(reasons.FAILED_RESOLUTION,
                                   f'failed to resolve step ref for step "{step.name}" '
                                   f"(index {i}): only StepActions by name are supported")
        raw = await _get(client, STEPACTIONS, name, namespace,
                         f'failed to resolve step ref for step "{step.name}" (index {i}): ')
        action, errors = parse_object(raw)
        if errors or not isinstance(action, StepAction):
            raise ResolutionFailed(reasons.TASK_FAILED_VALIDATION,
                                   f'StepAction "{name}" is invalid: {errors}')
        found[name] = action
    try:
        return inline_step_actions(spec, tr, found)
    except PodBuildError as exc:
        raise ResolutionFailed(exc.reason, exc.message) from exc


async def resolve_task(client: Client, tr: TaskRun, config: Config) -> ResolvedTask:
    """The TaskSpec ``tr`` runs (see the module docstring); raises :class:`ResolutionFailed`
    or a transient :class:`~tekpy.runtime.client.ApiError`. ``tr`` is already defaulted
    (an embedded spec is used as it is)."""
    meta = tr.metadata
    namespace = str(meta.get("namespace", ""))
    name = str(meta.get("name", ""))
    ref = tr.spec.task_ref
    labels = meta.get("labels") or {}
    if tr.status is not None and tr.status.task_spec is not None:
        task_name = ref.name if ref is not None and ref.name else \
            str(labels.get("tekton.dev/task", ""))
        return ResolvedTask(tr.status.task_spec, task_name, "status")
    if tr.spec.task_spec is not None:
        spec = await _step_actions(client, tr.spec.task_spec, tr, namespace)
        return ResolvedTask(spec, "", "embedded")
    if ref is not None and ref.resolver:
        if ref.resolver != CLUSTER_RESOLVER:
            raise ResolutionFailed(
                reasons.FAILED_RESOLUTION,
                f'error requesting remote resource: resolver "{ref.resolver}" is not '
                "available in tekpy (only the cluster resolver is)")
        task, source = await _cluster(client, tr, config)
    elif ref is not None and ref.name:
        # Tekton's local resolver reads a namespaced Task for every kind but ClusterTask
        # (``kind: task`` included); ClusterTasks are not served by tekpy
        if ref.kind == "ClusterTask":
            raise ResolutionFailed(
                reasons.FAILED_RESOLUTION,
                f"error when listing tasks for taskRun {name}: kind {ref.kind} is not "
                "supported by tekpy")
        raw = await _get(client, TASKS, ref.name, namespace,
                         f"error when listing tasks for taskRun {name}: ")
        task, source = _read_task(raw, config, f"{namespace}/{ref.name}"), \
            f"Task {namespace}/{ref.name}"
    else:
        raise ResolutionFailed(reasons.FAILED_RESOLUTION,
                               f"taskRun {name} not providing TaskRef or TaskSpec")
    spec = await _step_actions(client, task.spec, tr, namespace)
    return ResolvedTask(spec, str(task.metadata.get("name", "")), source)


async def pipeline_resources(client: Client, tr: TaskRun) -> dict[str, PipelineResource]:
    """The original API's PipelineResources the run binds by ``resourceRef`` (by name).

    A missing one is left out: the Pod builder then fails the run with its reason.
    """
    run = tr.spec.resources
    if run is None:
        return {}
    namespace = str(tr.metadata.get("namespace", ""))
    out: dict[str, PipelineResource] = {}
    for binding in (*run.inputs, *run.outputs):
        name = str((binding.resource_ref or {}).get("name", ""))
        if not name or name in out:
            continue
        try:
            raw = await client.get(PIPELINERESOURCES, name, namespace=namespace)
        except ApiError as exc:
            if is_transient(exc):
                raise
            continue
        obj, errors = parse_object(raw)
        if isinstance(obj, PipelineResource) and not errors:
            out[name] = obj
    return out
