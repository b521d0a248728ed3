"""Task, StepAction and the legacy Condition and PipelineResource kinds."""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.types._base import K8sList, K8sObject, ObjectMeta, extra_field, field
from tekpy.api.types.common import ParamSpec, StepResult, TaskResult, WorkspaceDeclaration
from tekpy.api.types.container import Sidecar, Step, StepTemplate
from tekpy.api.types.resources import ConditionSpec, PipelineResourceSpec, TaskResources

__all__ = [
    "TektonCondition",
    "PipelineResource",
    "StepAction",
    "StepActionSpec",
    "Task",
    "TaskSpec",
]


@attrs.define
class TaskSpec:
    """What a Task does: params, steps, sidecars, workspaces, results, volumes.

    ``resources`` is the original API's declared PipelineResources (internal; see
    :mod:`tekpy.api.types.resources`).
    """

    params: list[ParamSpec] = attrs.Factory(list)
    display_name: str = ""
    description: str = ""
    steps: list[Step] = attrs.Factory(list)
    volumes: K8sList = attrs.Factory(list)
    step_template: StepTemplate | None = None
    sidecars: list[Sidecar] = attrs.Factory(list)
    workspaces: list[WorkspaceDeclaration] = attrs.Factory(list)
    results: list[TaskResult] = attrs.Factory(list)
    resources: TaskResources | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class Task(ObjectMeta):
    """A ``Task`` object."""

    api_version: str = field("tekton.dev/v1", keep=True)
    kind: str = field("Task", keep=True)
    metadata: K8sObject = field(attrs.Factory(dict), keep=True)
    spec: TaskSpec = attrs.Factory(TaskSpec)
    extra: dict[str, Any] = extra_field()


@attrs.define
class StepActionSpec:
    """A reusable step: container fields, params and results."""

    description: str = ""
    image: str = ""
    command: list[str] = attrs.Factory(list)
    args: list[str] = attrs.Factory(list)
    env: K8sList = attrs.Factory(list)
    script: str = ""
    working_dir: str = ""
    params: list[ParamSpec] = attrs.Factory(list)
    results: list[StepResult] = attrs.Factory(list)
    security_context: K8sObject | None = None
    volume_mounts: K8sList = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class StepAction(ObjectMeta):
    """A ``StepAction`` object (tekton.dev/v1beta1 and v1alpha1)."""

    api_version: str = field("tekton.dev/v1beta1", keep=True)
    kind: str = field("StepAction", keep=True)
    metadata: K8sObject = field(attrs.Factory(dict), keep=True)
    spec: StepActionSpec = attrs.Factory(StepActionSpec)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TektonCondition(ObjectMeta):
    """The original API's ``Condition`` object (a ``check`` step guarding a PipelineTask)."""

    api_version: str = field("tekton.dev/v1alpha1", keep=True)
    kind: str = field("Condition", keep=True)
    metadata: K8sObject = field(attrs.Factory(dict), keep=True)
    spec: ConditionSpec = attrs.Factory(ConditionSpec)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineResource(ObjectMeta):
    """The original API's ``PipelineResource`` object (``git`` or ``image``)."""

    api_version: str = field("tekton.dev/v1alpha1", keep=True)
    kind: str = field("PipelineResource", keep=True)
    metadata: K8sObject = field(attrs.Factory(dict), keep=True)
    spec: PipelineResourceSpec = attrs.Factory(PipelineResourceSpec)
    extra: dict[str, Any] = extra_field()
