"""Status types of TaskRun and PipelineRun (knative duck ``Status`` plus Tekton's fields)."""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.types._base import K8sObject, extra_field, field
from tekpy.api.types.common import ParamValue, WhenExpression

__all__ = [
    "ChildStatusReference",
    "Condition",
    "PipelineRunResult",
    "Provenance",
    "RunStatusBase",
    "SidecarState",
    "SkippedTask",
    "StepState",
    "TaskRunResult",
]


@attrs.define
class Condition:
    """A knative condition (``Succeeded``: True/False/Unknown, with reason and message)."""

    type: str = ""
    status: str = ""
    severity: str = ""
    last_transition_time: str = ""
    reason: str = ""
    message: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class Provenance:
    """Where the spec came from and the feature flags used."""

    ref_source: K8sObject | None = None
    feature_flags: K8sObject | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRunResult:
    """A result a TaskRun (or a step) produced."""

    name: str = ""
    type: str = ""
    value: ParamValue = field(attrs.Factory(ParamValue), keep=True)
    extra: dict[str, Any] = extra_field()


@attrs.define
class StepState:
    """The state of one step container (Kubernetes ContainerState inlined)."""

    running: K8sObject | None = None
    waiting: K8sObject | None = None
    terminated: K8sObject | None = None
    name: str = ""
    container: str = ""
    image_id: str = field("", json="imageID")
    results: list[TaskRunResult] = attrs.Factory(list)
    provenance: Provenance | None = None
    termination_reason: str = ""
    inputs: list[Any] = attrs.Factory(list)
    outputs: list[Any] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class SidecarState:
    """The state of one sidecar container."""

    running: K8sObject | None = None
    waiting: K8sObject | None = None
    terminated: K8sObject | None = None
    name: str = ""
    container: str = ""
    image_id: str = field("", json="imageID")
    extra: dict[str, Any] = extra_field()


@attrs.define
class ChildStatusReference:
    """A PipelineRun's pointer to one child TaskRun/CustomRun."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    display_name: str = ""
    pipeline_task_name: str = ""
    when_expressions: list[WhenExpression] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class SkippedTask:
    """A PipelineTask that was not run, with Tekton's skipping reason."""

    name: str = ""
    reason: str = ""
    when_expressions: list[WhenExpression] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineRunResult:
    """A result of a PipelineRun."""

    name: str = ""
    value: ParamValue = field(attrs.Factory(ParamValue), keep=True)
    extra: dict[str, Any] = extra_field()


@attrs.define
class RunStatusBase:
    """The duck ``Status`` part shared by both run kinds."""

    observed_generation: int = 0
    conditions: list[Condition] = attrs.Factory(list)
    annotations: dict[str, str] = attrs.Factory(dict)

    def condition(self, type_: str = "Succeeded") -> Condition | None:
        """The condition of the given type, if present."""
        for c in self.conditions:
            if c.type == type_:
                return c
        return None
