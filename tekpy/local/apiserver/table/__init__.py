"""``meta.k8s.io/v1`` Table rendering, as kube-apiserver answers ``Accept: ...;as=Table``.

Three kinds of column sets, as in kube:

* built-in kinds use kube's printers (pods, namespaces, configmaps, secrets, serviceaccounts,
  PVCs, events, nodes, leases, RBAC kinds); their ``Age`` is a ``string`` column the server
  computes (``5m``, ``3d4h``);
* custom resources use ``Name`` plus the CRD's ``additionalPrinterColumns`` evaluated with
  :mod:`jsonpath` (``Age`` of type ``date`` when the CRD declares none); a ``date`` cell is
  also sent as a human-readable age, as kube's CR table convertor does;
* anything else (e.g. CustomResourceDefinitions) gets kube's default ``Name``/``Created At``
  (RFC 3339) columns.

Every row is computed as if ``-o wide``; kubectl hides columns with ``priority > 0``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tekpy.local.apiserver.table.builtin import (
    BUILTIN_COLUMNS,
    DEFAULT_COLUMNS,
    is_builtin_group,
    row_conditions,
)
from tekpy.local.apiserver.table.columns import (
    AGE,
    NAME,
    Column,
    column_definition,
    human_duration,
    row_cells,
)
from tekpy.local.apiserver.table.custom import DEFAULT_CR_COLUMNS, printer_column

__all__ = [
    "AGE",
    "NAME",
    "Column",
    "column_definition",
    "columns_for",
    "human_duration",
    "row_cells",
    "row_conditions",
    "to_table",
]


def columns_for(
    group: str,
    kind: str,
    printer_columns: Sequence[Mapping[str, Any]] = (),
    *,
    custom: bool | None = None,
) -> list[Column]:
    """The columns kube-apiserver prints for ``kind``.

    ``printer_columns`` are a CRD version's ``additionalPrinterColumns``; ``custom`` says
    whether the kind is a custom resource (default: any group that is not Kubernetes' own).
    Raises :class:`jsonpath.JsonPathError` for a column whose JSONPath does not parse
    (kube refuses such CRDs).
    """
    is_custom = (not is_builtin_group(group)) if custom is None else custom
    if is_custom or printer_columns:
        specs = list(printer_columns) or DEFAULT_CR_COLUMNS
        return [NAME, *(printer_column(s) for s in specs)]
    return list(BUILTIN_COLUMNS.get((group, kind), DEFAULT_COLUMNS))


def _row_object(obj: Mapping[str, Any], include_object: str) -> Any:
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def to_table(
    group: str,
    kind: str,
    objects: Sequence[Mapping[str, Any]],
    *,
    printer_columns: Sequence[Mapping[str, Any]] = (),
    include_object: str = "Metadata",
    include_headers: bool = True,
    list_metadata: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    custom: bool | None = None,
) -> dict[str, Any]:
    """A complete ``meta.k8s.io/v1`` Table of ``objects``.

    ``include_object`` is the ``includeObject`` query value (``None``, ``Metadata`` — the
    default, rows carry PartialObjectMetadata — or ``Object``); ``include_headers=False``
    omits ``columnDefinitions`` (kube's ``TableOptions.NoHeaders``, used for watch events
    after the first); ``list_metadata`` becomes the Table's ``metadata``.
    """
    columns = columns_for(group, kind, printer_columns, custom=custom)
    when = now or datetime.now(UTC)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": row_cells(columns, obj, when)}
        conditions = row_conditions(group, kind, obj)
        if conditions:
            row["conditions"] = conditions
        row["object"] = _row_object(obj, include_object)
        rows.append(row)
    table: dict[str, Any] = {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(list_metadata or {}),
    }
    if include_headers:
        table["columnDefinitions"] = [column_definition(c) for c in columns]
    table["rows"] = rows
    return table
