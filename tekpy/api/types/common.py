"""Value types shared by every kind: params, results, workspaces, refs, when expressions."""

# ruff: noqa: RUF009  (field() and extra_field() return attrs.field descriptors)
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

from tekpy.api.types._base import K8sObject, extra_field, field

__all__ = [
    "ARRAY",
    "OBJECT",
    "STRING",
    "IncludeParams",
    "Matrix",
    "Param",
    "ParamSpec",
    "ParamType",
    "ParamValue",
    "PipelineRef",
    "PipelineResult",
    "PipelineWorkspaceDeclaration",
    "PropertySpec",
    "Ref",
    "StepResult",
    "TaskRef",
    "TaskResult",
    "WhenExpression",
    "WorkspaceBinding",
    "WorkspaceDeclaration",
    "WorkspacePipelineTaskBinding",
    "WorkspaceUsage",
]

ParamType = Literal["string", "array", "object"]
STRING: ParamType = "string"
ARRAY: ParamType = "array"
OBJECT: ParamType = "object"


@attrs.frozen
class ParamValue:
    """A param (or result) value: a string, an array of strings or an object of strings.

    Build one with :meth:`of`; read it with ``type`` and ``string``/``array``/``object``.
    """

    type: ParamType = STRING
    string: str = ""
    array: tuple[str, ...] = ()
    object: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def of(cls, value: Any) -> ParamValue:
        """Build from a JSON value, as Tekton's unmarshalling does.

        Scalars that are not strings (numbers, booleans) become their JSON text, as Go keeps
        the raw bytes of such a value.
        """
        if isinstance(value, ParamValue):
            return value
        if isinstance(value, list | tuple):
            return cls(ARRAY, array=tuple(_scalar_text(v) for v in value))
        if isinstance(value, Mapping):
            return cls(OBJECT, object={str(k): _scalar_text(v) for k, v in value.items()})
        return cls(STRING, string=_scalar_text(value))

    def to_json(self) -> Any:
        """The JSON value (str, list or dict)."""
        if self.type == ARRAY:
            return list(self.array)
        if self.type == OBJECT:
            return dict(self.object)
        return self.string

    def __str__(self) -> str:
        return str(self.to_json())


def _scalar_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@attrs.define
class PropertySpec:
    """The type of one key of an object param or result (always ``string`` today)."""

    type: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class Param:
    """A param given to a Task or Pipeline (``name`` + ``value``)."""

    name: str = ""
    value: ParamValue = field(attrs.Factory(ParamValue), keep=True)
    extra: dict[str, Any] = extra_field()


@attrs.define
class ParamSpec:
    """A declared param: name, type, description, object properties, default and enum."""

    name: str = ""
    type: str = ""
    description: str = ""
    properties: dict[str, PropertySpec] | None = None
    default: ParamValue | None = None
    enum: list[str] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class ResultFields:
    """Fields common to Task and Step results."""

    name: str = ""
    type: str = ""
    properties: dict[str, PropertySpec] | None = None
    description: str = ""


@attrs.define
class TaskResult(ResultFields):
    """A Task result; ``value`` (``$(steps.s.results.r)``) copies a step result up."""

    value: ParamValue | None = None
    extra: dict[str, Any] = extra_field()


@attrs.define
class StepResult(ResultFields):
    """A result of one step (StepActions and inline steps)."""

    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineResult:
    """A Pipeline result, computed from task results (``value`` holds ``$(tasks.t.results.r)``)."""

    name: str = ""
    type: str = ""
    description: str = ""
    value: ParamValue = field(attrs.Factory(ParamValue), keep=True)
    extra: dict[str, Any] = extra_field()


@attrs.define
class WorkspaceDeclaration:
    """A workspace a Task declares."""

    name: str = ""
    description: str = ""
    mount_path: str = ""
    read_only: bool = False
    optional: bool = False
    extra: dict[str, Any] = extra_field()

    def get_mount_path(self) -> str:
        """Where the workspace is mounted: ``mountPath`` or ``/workspace/<name>``."""
        return self.mount_path or f"/workspace/{self.name}"


@attrs.define
class WorkspaceUsage:
    """A step's or sidecar's use of a Task workspace (isolated workspaces)."""

    name: str = ""
    mount_path: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class PipelineWorkspaceDeclaration:
    """A workspace a Pipeline declares."""

    name: str = ""
    description: str = ""
    optional: bool = False
    extra: dict[str, Any] = extra_field()


@attrs.define
class WorkspacePipelineTaskBinding:
    """How a PipelineTask maps a Task workspace onto a Pipeline workspace."""

    name: str = ""
    workspace: str = ""
    sub_path: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class WorkspaceBinding:
    """A run's binding of a workspace to a volume source (exactly one source)."""

    name: str = ""
    sub_path: str = ""
    volume_claim_template: K8sObject | None = None
    persistent_volume_claim: K8sObject | None = None
    empty_dir: K8sObject | None = None
    config_map: K8sObject | None = None
    secret: K8sObject | None = None
    projected: K8sObject | None = None
    csi: K8sObject | None = None
    extra: dict[str, Any] = extra_field()

    SOURCES = ("volume_claim_template", "persistent_volume_claim", "empty_dir", "config_map",
               "secret", "projected", "csi")

    def sources(self) -> list[str]:
        """Names (attribute names) of the volume sources that are set."""
        return [s for s in self.SOURCES if getattr(self, s) is not None]


@attrs.define
class Ref:
    """A StepAction reference of a step: a name, or a resolver with params."""

    name: str = ""
    resolver: str = ""
    params: list[Param] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class TaskRef:
    """A reference to a Task (by name and kind, or through a remote resolver)."""

    name: str = ""
    kind: str = ""
    api_version: str = ""
    resolver: str = ""
    params: list[Param] = attrs.Factory(list)
    # Legacy (v1beta1) OCI bundle reference; converted to the bundles resolver.
    bundle: str = ""
    extra: dict[str, Any] = extra_field()

    @property
    def is_remote(self) -> bool:
        """Whether a resolver fetches the Task."""
        return bool(self.resolver)


@attrs.define
class PipelineRef:
    """A reference to a Pipeline (by name, or through a remote resolver)."""

    name: str = ""
    api_version: str = ""
    resolver: str = ""
    params: list[Param] = attrs.Factory(list)
    bundle: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class WhenExpression:
    """A guard: ``input`` ``operator`` (in/notin) ``values``, or a CEL expression."""

    input: str = ""
    operator: str = ""
    values: list[str] = attrs.Factory(list)
    cel: str = ""
    extra: dict[str, Any] = extra_field()


@attrs.define
class IncludeParams:
    """One explicit combination of a matrix (``matrix.include[]``)."""

    name: str = ""
    params: list[Param] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()


@attrs.define
class Matrix:
    """Fan-out of a PipelineTask over array params and explicit combinations."""

    params: list[Param] = attrs.Factory(list)
    include: list[IncludeParams] = attrs.Factory(list)
    extra: dict[str, Any] = extra_field()

    def has_params(self) -> bool:
        return bool(self.params)

    def has_include(self) -> bool:
        return bool(self.include)

    def count_combinations(self) -> int:
        """How many TaskRuns the matrix produces, counted as Tekton counts them.

        The product of the array lengths of ``params``, plus each ``include`` entry that
        names a matrix param with a value outside that param's array (a new combination);
        without ``params``, every ``include`` entry is one combination.
        """
        count = 0
        if self.params:
            count = 1
            for p in self.params:
                if p.value.array:
                    count *= len(p.value.array)
        if not self.include:
            return count
        if not self.params:
            return count + len(self.include)
        arrays = {p.name: p.value.array for p in self.params}
        for inc in self.include:
            for p in inc.params:
                if p.name in arrays:
                    if p.value.string not in arrays[p.name]:
                        count += 1
                    else:
                        break
        return count

    def all_params(self) -> list[Param]:
        """The matrix params and every include param."""
        out = list(self.params)
        for inc in self.include:
            out.extend(inc.params)
        return out


def names(items: Sequence[Any]) -> list[str]:
    """The ``name`` of each item."""
    return [i.name for i in items]
