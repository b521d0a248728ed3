"""Table columns: definitions, cell functions, and kube's time rendering."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

__all__ = [
    "AGE",
    "NAME",
    "Cell",
    "Column",
    "column_definition",
    "human_duration",
    "row_cells",
]

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)

Cell = Callable[[Mapping[str, Any], datetime], Any]


@attrs.frozen
class Column:
    """One column: its definition plus how to compute its cell from an object."""

    name: str
    type: str
    cell: Cell = attrs.field(eq=False, repr=False)
    format: str = ""
    description: str = ""
    priority: int = 0


def column_definition(column: Column) -> dict[str, Any]:
    """The ``columnDefinitions[]`` entry of ``column``."""
    return {
        "name": column.name,
        "type": column.type,
        "format": column.format,
        "description": column.description,
        "priority": column.priority,
    }


def row_cells(
    columns: Sequence[Column], obj: Mapping[str, Any], now: datetime | None = None
) -> list[Any]:
    """The ``cells`` of ``obj``'s row; ``now`` (UTC) dates the ages (default: the clock)."""
    when = now or datetime.now(UTC)
    return [c.cell(obj, when) for c in columns]


# ---------------------------------------------------------------------------- time helpers
def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime, or None when absent or malformed."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def human_duration(seconds: float) -> str:
    """apimachinery's ``duration.HumanDuration`` (what kubectl shows as AGE)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, (hours // 24) % 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def since(value: Any, now: datetime) -> str:
    """kube's ``translateTimestampSince``: ``<unknown>`` for a missing time."""
    when = parse_time(value)
    if when is None:
        return "<unknown>"
    return human_duration((now - when).total_seconds())


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...`` or None where a step is missing."""
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def name_of(obj: Mapping[str, Any], now: datetime) -> Any:
    """Cell: the object's name."""
    return dig(obj, "metadata", "name") or ""


def _age(obj: Mapping[str, Any], now: datetime) -> Any:
    return since(dig(obj, "metadata", "creationTimestamp"), now)


def created_at(obj: Mapping[str, Any], now: datetime) -> Any:
    """Cell of kube's default ``Created At`` column: creationTimestamp in RFC 3339 UTC."""
    when = parse_time(dig(obj, "metadata", "creationTimestamp"))
    return (when or datetime(1, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def field_of(*path: str, default: Any = "") -> Cell:
    """Cell: the value at ``path``, or ``default`` when absent."""

    def cell(obj: Mapping[str, Any], now: datetime) -> Any:
        value = dig(obj, *path)
        return default if value is None else value

    return cell


def count_of(*path: str) -> Cell:
    """The number of entries of the list or map at ``path`` (0 when absent)."""
    return lambda obj, now: len(dig(obj, *path) or ())


NAME = Column("Name", "string", name_of, "name", NAME_DESCRIPTION)
AGE = Column("Age", "string", _age, "", CREATED_DESCRIPTION)


# Fallback column descriptions; built-in kinds carry kube's own (``descriptions``).
_DESCRIPTIONS = {
    "Ready": "The aggregate readiness state of this pod for accepting traffic.",
    "Status": "The status of the object.",
    "Restarts": "The number of times the containers in this pod have been restarted.",
    "IP": "IP address allocated to the pod.",
    "Node": "NodeName indicates in which node this pod is scheduled.",
    "Nominated Node": "Set only when this pod preempts other pods on the node.",
    "Readiness Gates": "Readiness gates evaluated for pod readiness.",
    "Data": "The number of data entries.",
    "Type": "The type of the object.",
    "Secrets": "The secrets pods running as this ServiceAccount may use.",
    "Holder": "holderIdentity contains the identity of the holder of a current lease.",
    "Last Seen": "The time at which the most recent occurrence of this event was recorded.",
    "Reason": "A short, machine understandable reason for the event.",
    "Object": "The object that this event is about.",
    "Subobject": "The field path of the part of the object the event is about.",
    "Source": "The component reporting this event.",
    "Message": "A human-readable description of the status of this operation.",
    "First Seen": "The time at which the event was first recorded.",
    "Count": "The number of times this event has occurred.",
    "Roles": "The roles of the node",
    "Version": "Kubelet Version reported by the node.",
    "Role": "RoleRef to the role being bound",
}


def string_column(name: str, cell: Cell, priority: int = 0) -> Column:
    """A ``string`` column as kube's printers declare most of theirs."""
    return Column(name, "string", cell, "", _DESCRIPTIONS.get(name, ""), priority)
