"""Reading documents: multi-document YAML (or JSON) into model objects, dispatched by kind.

:func:`parse_documents` never raises for a bad document: each :class:`ParsedDoc` carries the
errors found while reading it, so a caller can report every problem of every document.
Documents of kinds tekpy does not model (Secrets, ConfigMaps, ...) are returned with
``obj=None`` and no errors; callers apply them as they are.
"""

from __future__ import annotations

from typing import Any

import attrs
import yaml

from tekpy.api.converter import StructureError, structure
from tekpy.api.errors import ErrorList, FieldError
from tekpy.api.types import (
    Pipeline,
    PipelineResource,
    PipelineRun,
    StepAction,
    Task,
    TaskRun,
    TektonCondition,
)

__all__ = [
    "GROUP",
    "LEGACY_VERSIONS",
    "ParsedDoc",
    "TEKTON_KINDS",
    "load_yaml_documents",
    "parse_documents",
    "parse_object",
]

GROUP = "tekton.dev"
LEGACY_VERSIONS = ("v1alpha1", "v1beta1")

# kind -> model class of tekton.dev/v1 (and of the internal model legacy objects convert to)
TEKTON_KINDS: dict[str, type] = {
    "Task": Task,
    "TaskRun": TaskRun,
    "Pipeline": Pipeline,
    "PipelineRun": PipelineRun,
    "StepAction": StepAction,
    "PipelineResource": PipelineResource,
    "Condition": TektonCondition,
}

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@attrs.define
class ParsedDoc:
    """One document of a file: its raw value, the model object and any reading errors.

    ``obj`` is the model object in the internal (v1-shaped) model, converted from a legacy
    version when ``api_version`` is one; ``None`` for kinds tekpy does not model or when the
    document could not be read.
    """

    index: int
    raw: Any
    obj: Any = None
    errors: ErrorList = attrs.Factory(ErrorList)

    @property
    def api_version(self) -> str:
        return str(self.raw.get("apiVersion", "")) if isinstance(self.raw, dict) else ""

    @property
    def kind(self) -> str:
        return str(self.raw.get("kind", "")) if isinstance(self.raw, dict) else ""

    @property
    def name(self) -> str:
        """``metadata.name`` (or ``generateName``) of the document."""
        meta = self.raw.get("metadata") if isinstance(self.raw, dict) else None
        if not isinstance(meta, dict):
            return ""
        return str(meta.get("name") or meta.get("generateName") or "")

    @property
    def is_tekton(self) -> bool:
        return self.api_version.split("/")[0] == GROUP

    @property
    def version(self) -> str:
        """The version part of ``apiVersion`` (``v1``, ``v1beta1``, ...)."""
        parts = self.api_version.split("/")
        return parts[1] if len(parts) == 2 else ""


def load_yaml_documents(text: str) -> list[Any]:
    """Every non-empty document of a YAML (or JSON) stream."""
    return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]


def parse_object(raw: Any, *, detect_legacy: bool = False) -> tuple[Any, ErrorList]:
    """Read one decoded document into the internal model: ``(obj or None, errors)``.

    ``detect_legacy=True`` (for objects read back from the API server, see
    ``docs/api.md``) converts a v1-labelled object that has the original API's shape.
    """
    errors = ErrorList()
    if not isinstance(raw, dict):
        return None, errors.add(FieldError("document is not an object", ("",)))
    api_version = raw.get("apiVersion")
    kind = raw.get("kind")
    if not api_version:
        errors.add(FieldError("missing field(s)", ("apiVersion",)))
    if not kind:
        errors.add(FieldError("missing field(s)", ("kind",)))
    if errors:
        return None, errors
    group, _, version = str(api_version).rpartition("/")
    if group != GROUP:
        return None, errors
    cls = TEKTON_KINDS.get(str(kind))
    if cls is None:
        return None, errors.add(FieldError(f"unknown kind {kind!s} in {GROUP}", ("kind",)))
    from tekpy.api.legacy import convert_legacy, looks_legacy

    if detect_legacy and version == "v1" and looks_legacy(raw):
        version = "v1alpha1"
    if version in LEGACY_VERSIONS and kind != "StepAction":
        try:
            return convert_legacy(raw), errors
        except StructureError as exc:
            return None, _structure_errors(exc)
        except (TypeError, ValueError, AttributeError) as exc:
            # a shape the conversion did not expect; report rather than crash
            return None, errors.add(FieldError(f"invalid value: {exc}", ("spec",)))
    if kind == "StepAction":
        if version not in ("v1alpha1", "v1beta1"):
            return None, errors.add(
                FieldError(f"unsupported apiVersion {api_version}", ("apiVersion",)))
    elif version != "v1" or kind in ("PipelineResource", "Condition"):
        return None, errors.add(
            FieldError(f"unsupported apiVersion {api_version} for {kind}", ("apiVersion",)))
    try:
        return structure(raw, cls), errors
    except StructureError as exc:
        return None, _structure_errors(exc)


def _structure_errors(exc: StructureError) -> ErrorList:
    return ErrorList(FieldError(f"invalid value: {m}", (p,)) for p, m in exc.problems)


def parse_documents(yaml_text: str) -> list[ParsedDoc]:
    """Parse a multi-document YAML stream; one :class:`ParsedDoc` per non-empty document.

    A YAML syntax error yields a single document (index 0) carrying the error.
    """
    try:
        raws = load_yaml_documents(yaml_text)
    except yaml.YAMLError as exc:
        return [ParsedDoc(0, None, None, ErrorList([FieldError(f"invalid YAML: {exc}", ("",))]))]
    out = []
    for i, raw in enumerate(raws):
        obj, errors = parse_object(raw)
        out.append(ParsedDoc(i, raw, obj, errors))
    return out
