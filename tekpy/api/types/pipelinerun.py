"""PipelineRun: one execution of a Pipeline."""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.types._base import K8sObject, ObjectMeta, extra_field, field
from tekpy.api.types.common import Param, PipelineRef, WorkspaceBinding
from tekpy.api.types.pipeline import PipelineSpec, PipelineTaskMetadata
from tekpy.api.types.resources import PipelineResourceBinding
from tekpy.api.types.status import (
    ChildStatusReference,
    PipelineRunResult,
    Provenance,
    RunStatusBase,
    SkippedTask,
)
from tekpy.api.types.taskrun import TaskRunSidecarSpec, TaskRunStepSpec

__all__ = [
    "PipelineRun",
    "PipelineRunSpec",
    "PipelineRunStatus",
    "PipelineTaskRunSpec",
    "PipelineTaskRunTemplate",
    "TimeoutFields",
]


@attrs.define
class TimeoutFields:
    """``timeouts``: for the whole run, the ``tasks`` section and the ``finally`` section."""

    pipeline: str | None = None
    tasks: str | None = None
    finally_: str | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineTaskRunTemplate:
    """Defaults for every TaskRun of the run (pod template, service account)."""

    pod_template: K8sObject | None = None
    service_account_name: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineTaskRunSpec:
    """Overrides for the TaskRun of one PipelineTask (``taskRunSpecs[]``)."""

    pipeline_task_name: str = ""
    service_account_name: str = ""
    pod_template: K8sObject | None = None
    step_specs: list[TaskRunStepSpec] = attrs.Factory(list)
    sidecar_specs: list[TaskRunSidecarSpec] = attrs.Factory(list)
    metadata: PipelineTaskMetadata | None = None
    compute_resources: K8sObject | None = None
    timeout: str | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineRunSpec:
    """What to run (pipelineRef or pipelineSpec), with params, workspaces and timeouts."""

    pipeline_ref: PipelineRef | None = None
    pipeline_spec: PipelineSpec | None = None
    params: list[Param] = attrs.Factory(list)
    status: str = ""
    timeouts: TimeoutFields | None = None
    task_run_template: PipelineTaskRunTemplate = attrs.Factory(PipelineTaskRunTemplate)
    workspaces: list[WorkspaceBinding] = attrs.Factory(list)
    task_run_specs: list[PipelineTaskRunSpec] = attrs.Factory(list)
    managed_by: str | None = None
    resources: list[PipelineResourceBinding] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineRunStatus(RunStatusBase):
    """Observed state of a PipelineRun."""

    start_time: str | None = None
    completion_time: str | None = None
    results: list[PipelineRunResult] = attrs.Factory(list)
    pipeline_spec: PipelineSpec | None = None
    skipped_tasks: list[SkippedTask] = attrs.Factory(list)
    child_references: list[ChildStatusReference] = attrs.Factory(list)
    finally_start_time: str | None = None
    provenance: Provenance | None = None
    span_context: dict[str, str] = attrs.Factory(dict)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineRun(ObjectMeta):
    """A ``PipelineRun`` object."""

    api_version: str = field("tekton.dev/v1", keep=True)
    kind: str = field("PipelineRun", keep=True)
    metadata: K8sObject = field(attrs.Factory(dict), keep=True)
    spec: PipelineRunSpec = attrs.Factory(PipelineRunSpec)
    status: PipelineRunStatus | None = None
    extra: dict[str, Any] = extra_field()
