"""Pipeline: a graph of PipelineTasks plus ``finally`` tasks."""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.types._base import K8sObject, ObjectMeta, extra_field, field
from tekpy.api.types.common import (
    Matrix,
    Param,
    ParamSpec,
    PipelineRef,
    PipelineResult,
    PipelineWorkspaceDeclaration,
    TaskRef,
    WhenExpression,
    WorkspacePipelineTaskBinding,
)
from tekpy.api.types.resources import (
    PipelineDeclaredResource,
    PipelineTaskCondition,
    PipelineTaskResources,
)
from tekpy.api.types.task import TaskSpec

__all__ = ["EmbeddedTask", "Pipeline", "PipelineSpec", "PipelineTask", "PipelineTaskMetadata"]


@attrs.define
class PipelineTaskMetadata:
    """Labels and annotations added to the TaskRun of an embedded task."""

    labels: dict[str, str] = attrs.Factory(dict)
    annotations: dict[str, str] = attrs.Factory(dict)
    extra: dict[str, Any] = extra_field()


@attrs.define
class EmbeddedTask(TaskSpec):
    """A ``taskSpec`` inside a PipelineTask: a TaskSpec, or a custom task's apiVersion/kind/spec."""

    api_version: str = ""
    kind: str = ""
    spec: K8sObject | None = None
    metadata: PipelineTaskMetadata | None = None


@attrs.define
class PipelineTask:
    """One node of a Pipeline."""

    name: str = ""
    display_name: str = ""
    description: str = ""
    task_ref: TaskRef | None = None
    task_spec: EmbeddedTask | None = None
    when: list[WhenExpression] = attrs.Factory(list)
    retries: int = 0
    run_after: list[str] = attrs.Factory(list)
    params: list[Param] = attrs.Factory(list)
    matrix: Matrix | None = None
    workspaces: list[WorkspacePipelineTaskBinding] = attrs.Factory(list)
    timeout: str | None = None
    pipeline_ref: PipelineRef | None = None
    pipeline_spec: PipelineSpec | None = None
    on_error: str = ""
    resources: PipelineTaskResources | None = None
    conditions: list[PipelineTaskCondition] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()

    def is_matrixed(self) -> bool:
        """Whether the task fans out over a matrix."""
        return self.matrix is not None and (self.matrix.has_params() or self.matrix.has_include())


@attrs.define
class PipelineSpec:
    """Params, workspaces, results, ``tasks`` and ``finally`` of a Pipeline."""

    display_name: str = ""
    description: str = ""
    tasks: list[PipelineTask] = attrs.Factory(list)
    params: list[ParamSpec] = attrs.Factory(list)
    workspaces: list[PipelineWorkspaceDeclaration] = attrs.Factory(list)
    results: list[PipelineResult] = attrs.Factory(list)
    finally_: list[PipelineTask] = attrs.Factory(list)
    resources: list[PipelineDeclaredResource] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class Pipeline(ObjectMeta):
    """A ``Pipeline`` object."""

    api_version: str = field("tekton.dev/v1", keep=True)
    kind: str = field("Pipeline", keep=True)
    metadata: K8sObject = field(attrs.Factory(dict), keep=True)
    spec: PipelineSpec = attrs.Factory(PipelineSpec)
    extra: dict[str, Any] = extra_field()
