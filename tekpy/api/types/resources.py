"""The original API's PipelineResources and Conditions, as fields of the internal model.

tekpy keeps these where Tekton v1beta1 kept them (``TaskSpec.resources``,
``TaskRunSpec.resources``, ``PipelineSpec.resources``, ``PipelineTask.resources`` and
``conditions``, ``PipelineRunSpec.resources``), so the v1alpha1 shapes (Task ``inputs``/
``outputs``, TaskRun ``inputs.resources``) convert into one model. In ``tekton.dev/v1``
documents these fields are rejected by validation. See ``docs/api.md``.
"""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.types._base import extra_field, field
from tekpy.api.types.common import Param, ParamSpec
from tekpy.api.types.container import Step

__all__ = [
    "ConditionSpec",
    "GitResource",
    "ImageResource",
    "PipelineDeclaredResource",
    "PipelineResourceBinding",
    "PipelineResourceSpec",
    "PipelineTaskCondition",
    "PipelineTaskInputResource",
    "PipelineTaskOutputResource",
    "PipelineTaskResources",
    "ResourceParam",
    "SecretParam",
    "TaskResource",
    "TaskResourceBinding",
    "TaskResources",
    "TaskRunResources",
]


@attrs.define
class ResourceParam:
    """One ``params[]`` entry of a PipelineResource (``url``, ``revision``, ...)."""

    name: str = ""
    value: str = field("", keep=True)
    extra: dict[str, Any] = extra_field()


@attrs.define
class SecretParam:
    """A PipelineResource secret parameter (``fieldName`` from ``secretName``/``secretKey``)."""

    field_name: str = ""
    secret_key: str = ""
    secret_name: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineResourceSpec:
    """A PipelineResource: ``type`` (``git`` or ``image``) and its params."""

    type: str = ""
    description: str = ""
    params: list[ResourceParam] = attrs.Factory(list)
    secrets: list[SecretParam] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()

    def param(self, name: str, default: str = "") -> str:
        """A param's value, matched case-insensitively as Tekton does."""
        for p in self.params:
            if p.name.lower() == name.lower():
                return p.value
        return default


@attrs.define
class TaskResource:
    """A resource a Task declares as input or output."""

    name: str = ""
    type: str = ""
    description: str = ""
    target_path: str = ""
    optional: bool = False
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskResources:
    """A Task's declared ``inputs`` and ``outputs`` resources."""

    inputs: list[TaskResource] = attrs.Factory(list)
    outputs: list[TaskResource] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskResourceBinding:
    """A run's binding of a declared resource to a PipelineResource (by ref or inline)."""

    name: str = ""
    resource_ref: dict[str, Any] | None = None
    resource_spec: PipelineResourceSpec | None = None
    paths: list[str] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRunResources:
    """A TaskRun's resource bindings."""

    inputs: list[TaskResourceBinding] = attrs.Factory(list)
    outputs: list[TaskResourceBinding] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineDeclaredResource:
    """A resource a Pipeline declares."""

    name: str = ""
    type: str = ""
    optional: bool = False
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineTaskInputResource:
    """A PipelineTask input: the pipeline resource to bind, and the tasks it comes ``from``."""

    name: str = ""
    resource: str = ""
    from_: list[str] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineTaskOutputResource:
    """A PipelineTask output resource."""

    name: str = ""
    resource: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineTaskResources:
    """A PipelineTask's resource bindings."""

    inputs: list[PipelineTaskInputResource] = attrs.Factory(list)
    outputs: list[PipelineTaskOutputResource] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineResourceBinding:
    """A PipelineRun's binding of a Pipeline resource (by ``resourceRef`` or ``resourceSpec``)."""

    name: str = ""
    resource_ref: dict[str, Any] | None = None
    resource_spec: PipelineResourceSpec | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class ConditionSpec:
    """A Condition: a ``check`` container that passes when it exits 0."""

    check: Step = attrs.Factory(Step)
    description: str = ""
    params: list[ParamSpec] = attrs.Factory(list)
    resources: list[TaskResource] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineTaskCondition:
    """A PipelineTask's guard: a Condition reference with params and resources."""

    condition_ref: str = ""
    params: list[Param] = attrs.Factory(list)
    resources: list[PipelineTaskInputResource] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


def _bool_param(spec: PipelineResourceSpec, name: str, default: bool) -> bool:
    text = spec.param(name)
    return default if text == "" else text.strip().lower() == "true"


@attrs.frozen
class GitResource:
    """A ``git`` PipelineResource's params, typed, with the original API's defaults."""

    url: str
    revision: str = "master"
    refspec: str = ""
    submodules: bool = True
    depth: int = 1
    ssl_verify: bool = True
    http_proxy: str = ""
    https_proxy: str = ""
    no_proxy: str = ""

    @classmethod
    def from_spec(cls, spec: PipelineResourceSpec) -> GitResource:
        depth = spec.param("depth")
        return cls(
            url=spec.param("url"),
            revision=spec.param("revision") or "master",
            refspec=spec.param("refspec"),
            submodules=_bool_param(spec, "submodules", True),
            depth=int(depth) if depth.strip().isdigit() else 1,
            ssl_verify=_bool_param(spec, "sslVerify", True),
            http_proxy=spec.param("httpProxy"),
            https_proxy=spec.param("httpsProxy"),
            no_proxy=spec.param("noProxy"),
        )


@attrs.frozen
class ImageResource:
    """An ``image`` PipelineResource's params."""

    url: str
    digest: str = ""

    @classmethod
    def from_spec(cls, spec: PipelineResourceSpec) -> ImageResource:
        return cls(url=spec.param("url"), digest=spec.param("digest"))
