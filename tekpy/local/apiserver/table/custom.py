"""Columns of custom resources: ``Name`` plus the CRD's ``additionalPrinterColumns``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tekpy.local.apiserver import jsonpath
from tekpy.local.apiserver.schema.validate import go_number
from tekpy.local.apiserver.table.columns import (
    CREATED_DESCRIPTION,
    Column,
    human_duration,
    parse_time,
)

__all__ = ["DEFAULT_CR_COLUMNS", "printer_column"]


# ----------------------------------------------------------------------- custom resources
def _go_text(value: Any) -> str:
    """What kube's JSONPath printer writes for a value (Go's ``fmt.Fprint``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_text(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_text(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, float):
        return go_number(value)
    return str(value)


def _typed_cell(kind: str, value: Any, now: datetime) -> Any:
    """kube's ``cellForJSONValue``: a value of the wrong type renders as null."""
    if value is None:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer" and number:
        return int(value)
    if kind == "number" and number:
        return float(value)
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        when = parse_time(value)
        return "<invalid>" if when is None else human_duration((now - when).total_seconds())
    return None


def printer_column(spec: Mapping[str, Any]) -> Column:
    path = str(spec.get("jsonPath") or spec.get("JSONPath") or "")
    parsed = jsonpath.parse(path)
    kind = str(spec.get("type") or "string")

    def cell(obj: Mapping[str, Any], now: datetime) -> Any:
        found = parsed.find(obj)
        if not found:
            return None
        # kube evaluates "simple" paths and keeps the first result only
        return _go_text(found[0]) if kind == "string" else _typed_cell(kind, found[0], now)

    description = spec.get("description") or (
        f"Custom resource definition column (in JSONPath format): {path}"
    )
    return Column(
        str(spec.get("name") or ""),
        kind,
        cell,
        str(spec.get("format") or ""),
        str(description),
        int(spec.get("priority") or 0),
    )


DEFAULT_CR_COLUMNS = [
    {
        "name": "Age",
        "type": "date",
        "jsonPath": ".metadata.creationTimestamp",
        "description": CREATED_DESCRIPTION,
    }
]
