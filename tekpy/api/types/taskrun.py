"""TaskRun: one execution of a Task."""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.types._base import K8sObject, ObjectMeta, extra_field, field
from tekpy.api.types.common import Param, TaskRef, WorkspaceBinding
from tekpy.api.types.resources import TaskRunResources
from tekpy.api.types.status import (
    Provenance,
    RunStatusBase,
    SidecarState,
    StepState,
    TaskRunResult,
)
from tekpy.api.types.task import TaskSpec

__all__ = [
    "TaskBreakpoints",
    "TaskRun",
    "TaskRunDebug",
    "TaskRunSidecarSpec",
    "TaskRunSpec",
    "TaskRunStatus",
    "TaskRunStepSpec",
]


@attrs.define
class TaskBreakpoints:
    """Debug breakpoints (alpha)."""

    on_failure: str = ""
    before_steps: list[str] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRunDebug:
    """Debug settings of a TaskRun (alpha)."""

    breakpoints: TaskBreakpoints | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRunStepSpec:
    """Per-step compute resource override (``stepSpecs[]``)."""

    name: str = ""
    compute_resources: K8sObject = field(attrs.Factory(dict), keep=True)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRunSidecarSpec:
    """Per-sidecar compute resource override (``sidecarSpecs[]``)."""

    name: str = ""
    compute_resources: K8sObject = field(attrs.Factory(dict), keep=True)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRunSpec:
    """What to run (taskRef or taskSpec), with what params, workspaces and limits."""

    debug: TaskRunDebug | None = None
    params: list[Param] = attrs.Factory(list)
    service_account_name: str = ""
    task_ref: TaskRef | None = None
    task_spec: TaskSpec | None = None
    status: str = ""
    status_message: str = ""
    retries: int = 0
    timeout: str | None = None
    pod_template: K8sObject | None = None
    workspaces: list[WorkspaceBinding] = attrs.Factory(list)
    step_specs: list[TaskRunStepSpec] = attrs.Factory(list)
    sidecar_specs: list[TaskRunSidecarSpec] = attrs.Factory(list)
    compute_resources: K8sObject | None = None
    managed_by: str | None = None
    resources: TaskRunResources | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRunStatus(RunStatusBase):
    """Observed state of a TaskRun."""

    pod_name: str = ""
    start_time: str | None = None
    completion_time: str | None = None
    steps: list[StepState] = attrs.Factory(list)
    retries_status: list[TaskRunStatus] = attrs.Factory(list)
    results: list[TaskRunResult] = attrs.Factory(list)
    artifacts: K8sObject | None = None
    sidecars: list[SidecarState] = attrs.Factory(list)
    task_spec: TaskSpec | None = None
    provenance: Provenance | None = None
    span_context: dict[str, str] = attrs.Factory(dict)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRun(ObjectMeta):
    """A ``TaskRun`` object."""

    api_version: str = field("tekton.dev/v1", keep=True)
    kind: str = field("TaskRun", keep=True)
    metadata: K8sObject = field(attrs.Factory(dict), keep=True)
    spec: TaskRunSpec = attrs.Factory(TaskRunSpec)
    status: TaskRunStatus | None = None
    extra: dict[str, Any] = extra_field()
