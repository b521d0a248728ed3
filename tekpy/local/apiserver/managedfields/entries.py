"""``metadata.managedFields`` entries: decoding, identity, encoding order, the update cap.

An entry's identity is (manager, operation, apiVersion for ``Update`` only, subresource):
kube merges the fields of writes with the same identity into one entry, and appliers keep
one entry whatever apiVersion they apply with.
"""

from __future__ import annotations

from typing import Any

from .fieldset import FieldSet, sorted_set
from .shared import share

__all__ = ["ANCIENT", "MAX_UPDATE_MANAGERS", "Entry", "Managed", "cap_updates", "decode",
           "encode", "identity", "is_reset"]

MAX_UPDATE_MANAGERS = 10  # kube's DefaultMaxUpdateManagers
ANCIENT = "ancient-changes"  # where kube folds the oldest update entries beyond the cap

Identity = tuple[str, str, str, str]


class Entry:
    """One manager's fields and when it last changed the object."""

    __slots__ = ("api_version", "fields", "manager", "operation", "sorted", "subresource",
                 "time")

    def __init__(self, manager: str, operation: str, api_version: str, time: str | None,
                 fields: FieldSet, subresource: str = "", *, sorted: bool = False) -> None:
        self.manager, self.operation, self.api_version = manager, operation, api_version
        self.time, self.fields, self.subresource = time, fields, subresource
        # fields already in fieldsV1 order (decoded from a stored object)
        self.sorted = sorted

    @property
    def ident(self) -> Identity:
        return identity(self.manager, self.operation, self.api_version, self.subresource)

    def with_fields(self, fields: FieldSet) -> Entry:
        """This entry with a subset of its fields (a difference keeps their order)."""
        return Entry(self.manager, self.operation, self.api_version, self.time, fields,
                     self.subresource, sorted=self.sorted)

    def printed(self) -> str:
        """The manager as kube names it in conflict messages."""
        out = _quote(self.manager)
        if self.subresource:
            out += f" with subresource {_quote(self.subresource)}"
        if self.operation == "Update":
            out += f" using {self.api_version}"
        return out

    def ident_json(self) -> str:
        """kube's manager identifier (a JSON document), which orders conflict messages."""
        parts = [f'"manager":{_quote(self.manager)}', f'"operation":"{self.operation}"']
        if self.operation == "Update" and self.api_version:
            parts.append(f'"apiVersion":{_quote(self.api_version)}')
        if self.subresource:
            parts.append(f'"subresource":{_quote(self.subresource)}')
        return "{" + ",".join(parts) + "}"


Managed = dict[Identity, Entry]


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def identity(manager: str, operation: str, api_version: str, subresource: str) -> Identity:
    """The key under which writes of one manager share an entry."""
    return (manager, operation, api_version if operation == "Update" else "", subresource)


def is_reset(raw: Any) -> bool:
    """Whether a client asks to clear managedFields (``[]`` or ``[{}]``)."""
    return isinstance(raw, list) and (raw == [] or raw == [{}])


def decode(raw: Any) -> Managed | None:
    """Entries of a ``managedFields`` list; None when it is not a valid one."""
    if not isinstance(raw, list):
        return None
    out: Managed = {}
    for item in raw:
        if not isinstance(item, dict):
            return None
        op = item.get("operation")
        fields = item.get("fieldsV1")
        if op not in ("Apply", "Update") or item.get("fieldsType") != "FieldsV1" or \
                not isinstance(fields, dict):
            return None
        e = Entry(str(item.get("manager") or ""), op, str(item.get("apiVersion") or ""),
                  item.get("time"), fields, str(item.get("subresource") or ""), sorted=True)
        prev = out.get(e.ident)
        if prev is not None:  # duplicates: kube keeps the last
            e.time = e.time or prev.time
        out[e.ident] = e
    return out


def _order(e: Entry) -> tuple[str, str, str, str, str]:
    return (e.operation, e.time or "", e.manager, e.api_version, e.subresource)


def encode(managed: Managed, *, sort_fields: bool = True) -> list[dict[str, Any]]:
    """The ``managedFields`` list, in kube's order (Apply before Update, then by time)."""
    out = []
    for e in sorted(managed.values(), key=_order):
        item: dict[str, Any] = {"manager": e.manager, "operation": e.operation,
                                "apiVersion": e.api_version}
        if e.time:
            item["time"] = e.time
        item["fieldsType"] = "FieldsV1"
        # a new set is shared with equal ones of other objects; a stored one already is
        item["fieldsV1"] = share(sorted_set(e.fields)) if sort_fields and not e.sorted \
            else e.fields
        if e.subresource:
            item["subresource"] = e.subresource
        out.append(item)
    return out


def cap_updates(managed: Managed) -> Managed:
    """At most ``MAX_UPDATE_MANAGERS`` Update entries: the oldest fold into one
    ``ancient-changes`` entry per apiVersion, as kube does."""
    from .fieldset import union

    updaters = [e for e in managed.values() if e.operation == "Update"]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return managed
    updaters.sort(key=lambda e: (e.time or "", e.ident_json()))
    out = dict(managed)
    count = len(updaters)
    buckets: set[str] = set()
    for e in updaters:
        if count <= MAX_UPDATE_MANAGERS:
            break
        bucket = identity(ANCIENT, "Update", e.api_version, "")
        if e.ident == bucket:
            continue
        prev = out.get(bucket)
        del out[e.ident]
        count -= 1
        if prev is None:
            out[bucket] = Entry(ANCIENT, "Update", e.api_version, e.time, e.fields)
        else:
            later = max(prev.time or "", e.time or "") or None
            out[bucket] = Entry(ANCIENT, "Update", e.api_version, later,
                                union(prev.fields, e.fields))
        if e.api_version not in buckets and prev is None:
            buckets.add(e.api_version)
            count += 1
    return out
