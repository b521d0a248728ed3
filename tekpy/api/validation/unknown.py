"""Fields the model does not know, reported like ``kubectl``'s strict field validation.

The model keeps unknown fields (round trips are lossless), but Tekton never acts on them: the
API server prunes them (or rejects them under strict field validation) and Tekton's webhook
decodes strictly. A typo such as ``runsAfter`` would otherwise be silently ignored.
"""

from __future__ import annotations

from typing import Any

import attrs

from tekpy.api.errors import ErrorList, FieldError
from tekpy.api.types._base import json_name

__all__ = ["unknown_fields"]


def _walk(value: Any, path: str, out: list[str]) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", out)
        return
    if not attrs.has(type(value)):
        return
    for key in getattr(value, "extra", None) or {}:
        out.append(f"{path}.{key}" if path else str(key))
    for a in attrs.fields(type(value)):
        if a.name != "extra":
            name = json_name(a)
            _walk(getattr(value, a.name), f"{path}.{name}" if path else name, out)


def unknown_fields(obj: Any, *, under: str = "spec") -> ErrorList:
    """``unknown field`` errors for every field under ``under`` the model does not know."""
    paths: list[str] = []
    _walk(getattr(obj, under, None), under, paths)
    return ErrorList(FieldError("unknown field", (p,)) for p in paths)
