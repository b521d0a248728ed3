"""``Table`` responses (``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``).

Columns and cells come from the ``table`` helper; this module negotiates the media type and
maps a request's options onto it.
"""

from __future__ import annotations

from typing import Any

from . import table as helper
from .registry import ResourceInfo

__all__ = ["table_requested", "to_table"]


def table_requested(accept: str) -> bool:
    """Whether the client prefers a Table (kubectl lists ``as=Table`` first)."""
    if "as=Table" not in accept:
        return False
    first = accept.split(",")[0]
    return "as=Table" in first and "g=meta.k8s.io" in first


def to_table(
    info: ResourceInfo, objs: list[dict[str, Any]], rv: int | None, cont: str | None,
    query: Any, *, headers: bool = True,
) -> dict[str, Any]:
    """A ``meta.k8s.io/v1`` Table of ``objs`` with the resource's printer columns."""
    meta: dict[str, Any] = {}
    if rv is not None:
        meta["resourceVersion"] = str(rv)
    if cont:
        meta["continue"] = cont
    include = query.get("includeObject", "Metadata")
    if include not in ("None", "Metadata", "Object"):
        include = "Metadata"
    return helper.to_table(
        info.group, info.kind, objs, printer_columns=list(info.printer_columns),
        include_object=include, include_headers=headers, list_metadata=meta,
        custom=info.custom)
