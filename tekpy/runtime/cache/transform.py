"""Transforms applied to objects before they enter an informer's cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["TransformFunc", "drop_managed_fields"]

TransformFunc = Callable[[dict[str, Any]], dict[str, Any]]


def drop_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Remove ``metadata.managedFields`` (often half an object's size, and useless to
    controllers). Mutates ``obj``: informers own the dicts they decode."""
    meta = obj.get("metadata")
    if meta is not None:
        meta.pop("managedFields", None)
    return obj
