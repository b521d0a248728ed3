"""Pruning of unknown fields from custom resources, as kube-apiserver's structural pruning.

A field survives when the schema specifies it (``properties``), allows it
(``additionalProperties`` with a schema, or ``true``), or sits under
``x-kubernetes-preserve-unknown-fields: true``. ``apiVersion``, ``kind`` and ``metadata`` of
the resource root and of every ``x-kubernetes-embedded-resource`` are always kept; their
``metadata`` is cut down to ObjectMeta's fields (kube decodes it into ObjectMeta and back).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["OBJECT_META_FIELDS", "prune", "prune_fields"]

#: The JSON fields of ``metav1.ObjectMeta``.
OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)

_RESOURCE_KEYS = ("apiVersion", "kind")


def prune(obj: Any, schema: Mapping[str, Any] | None) -> Any:
    """A copy of custom resource ``obj`` without the fields ``schema`` does not specify."""
    return prune_fields(obj, schema)[0]


def prune_fields(obj: Any, schema: Mapping[str, Any] | None) -> tuple[Any, list[str]]:
    """Like :func:`prune`, also returning the pruned paths (``spec.foo``, ``spec.l[0].x``).

    The paths are what ``fieldValidation=Warn|Strict`` reports as ``unknown field "<path>"``,
    sorted as kube-apiserver reports a custom resource's (measured on v1.34).
    """
    out = _copy(obj)
    pruned: list[str] = []
    _Pruner(pruned).prune(out, schema or {}, "", embedded=True)
    return out, sorted(pruned)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Pruner:
    def __init__(self, pruned: list[str]) -> None:
        self.pruned = pruned

    def prune(
        self, value: Any, schema: Mapping[str, Any] | None, path: str, embedded: bool = False
    ) -> None:
        if schema is not None and schema.get("x-kubernetes-preserve-unknown-fields"):
            self.skip(value, schema, path, embedded)
            return
        if isinstance(value, dict):
            if schema is None:
                for key in sorted(value):
                    self.pruned.append(_join(path, key))
                value.clear()
                return
            embedded = embedded or bool(schema.get("x-kubernetes-embedded-resource"))
            props = schema.get("properties") or {}
            additional = schema.get("additionalProperties")
            for key in list(value):
                if embedded and self._resource_key(value, key, path):
                    continue
                if key in props:
                    self.prune(value[key], props[key], _join(path, key))
                elif isinstance(additional, Mapping):
                    self.prune(value[key], additional, _join(path, key))
                elif additional is True:
                    continue
                else:
                    self.pruned.append(_join(path, key))
                    del value[key]
        elif isinstance(value, list):
            items = schema.get("items") if schema is not None else None
            for i, item in enumerate(value):
                self.prune(item, items if isinstance(items, Mapping) else None, f"{path}[{i}]")

    def skip(self, value: Any, schema: Mapping[str, Any], path: str, embedded: bool) -> None:
        """Keep unknown fields here but still prune inside the fields the schema knows."""
        embedded = embedded or bool(schema.get("x-kubernetes-embedded-resource"))
        if isinstance(value, dict):
            props = schema.get("properties") or {}
            additional = schema.get("additionalProperties")
            for key in list(value):
                if embedded and self._resource_key(value, key, path):
                    continue
                if key in props:
                    self.prune(value[key], props[key], _join(path, key))
                elif isinstance(additional, Mapping):
                    self.prune(value[key], additional, _join(path, key))
        elif isinstance(value, list):
            items = schema.get("items")
            if isinstance(items, Mapping):
                for i, item in enumerate(value):
                    self.skip(item, items, f"{path}[{i}]", False)

    def _resource_key(self, obj: dict[str, Any], key: str, path: str) -> bool:
        """Handle apiVersion/kind/metadata of a resource; True when ``key`` was one of them."""
        value = obj[key]
        if key in _RESOURCE_KEYS:
            return isinstance(value, str)
        if key == "metadata" and isinstance(value, dict):
            meta_path = _join(path, "metadata")
            for field in [f for f in value if f not in OBJECT_META_FIELDS]:
                self.pruned.append(_join(meta_path, field))
                del value[field]
            return True
        return False
