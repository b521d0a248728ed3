"""Shared helpers for the model classes: JSON field names, passthrough Kubernetes values.

Every model class is an attrs class with an ``extra`` attribute that keeps the fields of a
document the model does not know, so that writing an object back loses nothing. The converter
(:mod:`tekpy.api.converter`) uses :func:`json_name` to map attribute names to Tekton's JSON
names: ``snake_case`` becomes ``camelCase`` and a trailing underscore (``finally_``,
``from_``) is dropped; a field may also name its JSON key explicitly with ``field(json=...)``.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["K8sList", "K8sObject", "ObjectMeta", "extra_field", "field", "json_name"]

# Plain Kubernetes values (env, volumeMounts, securityContext, affinity, ...) stay as JSON
# values: the converter passes these two types through untouched (they are validated by the
# API server's schema, not by Tekton).
K8sObject = dict[str, Any]
K8sList = list[Any]

_JSON_KEY = "tekpy_json"
_KEEP_KEY = "tekpy_keep"


def field(default: Any = attrs.NOTHING, *, factory: Any = None, json: str | None = None,
          keep: bool = False) -> Any:
    """An attrs field with an optional explicit JSON name.

    ``keep=True`` writes the field even when it holds its default (Go fields without
    ``omitempty``, e.g. a param's ``value``).
    """
    metadata: dict[str, Any] = {}
    if json is not None:
        metadata[_JSON_KEY] = json
    if keep:
        metadata[_KEEP_KEY] = True
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata)
    return attrs.field(default=default, metadata=metadata)


def extra_field() -> Any:
    """The ``extra`` attribute: unknown JSON fields, written back as they came."""
    return attrs.field(factory=dict, kw_only=True, repr=False)


def json_name(a: attrs.Attribute) -> str:
    """The JSON key of a model attribute."""
    explicit = a.metadata.get(_JSON_KEY)
    if explicit:
        return str(explicit)
    parts = a.name.rstrip("_").split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def keeps_default(a: attrs.Attribute) -> bool:
    """Whether the attribute is written even when it holds its default."""
    return bool(a.metadata.get(_KEEP_KEY))


class ObjectMeta:
    """Read helpers over a kind's ``metadata`` dict (mixed into every top-level kind)."""

    __slots__ = ()
    metadata: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "")

    @property
    def uid(self) -> str:
        return str(self.metadata.get("uid") or "")

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.metadata.get("labels") or {})

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self.metadata.get("annotations") or {})
