"""Defaulting of custom resources from their structural schema, as kube-apiserver does.

A ``default`` applies where the field is absent (or ``null`` while not ``nullable``), at
every depth the object reaches: object properties, ``additionalProperties`` values and array
items. A ``null`` for a non-nullable field without default is dropped, as kube prunes those.
Defaults are applied recursively: a defaulted object receives its own properties' defaults.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["apply_defaults"]


def apply_defaults(obj: Any, schema: Mapping[str, Any] | None) -> Any:
    """A copy of ``obj`` with ``schema``'s defaults filled in."""
    out = copy.deepcopy(obj)
    if schema:
        _default(out, schema)
    return out


def _is_non_nullable_null(value: Any, schema: Any) -> bool:
    return value is None and isinstance(schema, Mapping) and not schema.get("nullable")


def _default(value: Any, schema: Mapping[str, Any]) -> None:
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, prop in props.items():
            if not isinstance(prop, Mapping):
                continue
            missing = key not in value or _is_non_nullable_null(value[key], prop)
            if missing and "default" in prop:
                value[key] = copy.deepcopy(prop["default"])
            elif key in value and _is_non_nullable_null(value[key], prop):
                del value[key]
        additional = schema.get("additionalProperties")
        for key in list(value):
            if key in props:
                if isinstance(props[key], Mapping):
                    _default(value[key], props[key])
            elif isinstance(additional, Mapping):
                if _is_non_nullable_null(value[key], additional):
                    if "default" in additional:
                        value[key] = copy.deepcopy(additional["default"])
                    else:
                        del value[key]
                        continue
                _default(value[key], additional)
    elif isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return
        for i, item in enumerate(value):
            if _is_non_nullable_null(item, items) and "default" in items:
                value[i] = copy.deepcopy(items["default"])
            _default(value[i], items)
