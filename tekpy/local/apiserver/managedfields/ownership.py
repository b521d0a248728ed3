"""Who owns which fields: kube's update and apply algorithms over managedFields entries.

* An **update** (create, PUT, merge/JSON/strategic patch) gives its manager the fields it
  added or changed; every other manager loses them, and everyone loses removed fields.
* An **apply** merges the manager's configuration into the object, removes the fields it
  applied before and omits now (unless another manager owns them), and fails with
  :class:`ApplyConflict` when it changes a field another manager owns, unless forced (then
  the applier takes it).

Fields the server owns are never tracked: ``apiVersion``, ``kind``, the server-set parts of
``metadata``, and what the written endpoint resets (``status`` for a resource with a status
subresource, ``spec`` for its status subresource).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..memo import Memo
from .entries import Entry, Managed, cap_updates, decode, encode, identity, is_reset
from .fieldset import FieldSet, difference, intersection, path_string, paths, union
from .merge import merge, prune
from .schema import Node
from .shared import share
from .walk import applied_fields, compare, entry, fkey

__all__ = ["ApplyConflict", "BEFORE_FIRST_APPLY", "Scope", "apply", "object_fields",
           "record_create", "record_update"]

BEFORE_FIRST_APPLY = "before-first-apply"
STRIPPED_METADATA = frozenset((
    "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation",
    "managedFields", "resourceVersion",
))


class Scope:
    """What a write is: its type, apiVersion, subresource and the fields it may not own."""

    __slots__ = ("api_version", "ignore", "node", "skeleton", "subresource")

    def __init__(self, node: Node, api_version: str, subresource: str = "",
                 ignore: Iterable[str] = (), skeleton: dict[str, Any] | None = None) -> None:
        self.node, self.api_version, self.subresource = node, api_version, subresource
        self.ignore = frozenset("f:" + k for k in ignore)
        # the empty object of the kind: a create is the change from it
        self.skeleton = skeleton


class ApplyConflict(Exception):
    """An apply that would change fields other managers own; kube's 409 text and causes."""

    def __init__(self, conflicts: list[tuple[Entry, tuple[str, ...]]]) -> None:
        self.conflicts = conflicts
        self.message = _conflict_message(conflicts)
        super().__init__(self.message)

    def causes(self) -> list[dict[str, str]]:
        return [{"reason": "FieldManagerConflict", "message": f"conflict with {e.printed()}",
                 "field": path_string(p)} for e, p in self.conflicts]


def _conflict_message(conflicts: list[tuple[Entry, tuple[str, ...]]]) -> str:
    if len(conflicts) == 1:
        e, p = conflicts[0]
        return f"Apply failed with 1 conflict: conflict with {e.printed()}: {path_string(p)}"
    lines = []
    last = None
    for e, p in conflicts:  # grouped by manager, managers in kube's order
        if e.ident != last:
            lines.append(f"conflicts with {e.printed()}:")
            last = e.ident
        lines.append(f"- {path_string(p)}")
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


def object_fields(obj: dict[str, Any], scope: Scope) -> FieldSet:
    """The fields of an object its writer may own (one fast walk, ``fieldsV1``-ordered)."""
    node, ignore = scope.node, scope.ignore
    skeleton = scope.skeleton or {}
    out: FieldSet = {}
    for k in sorted(obj):
        if k == "apiVersion" or k == "kind" or ("f:" + k) in ignore:
            continue
        v = obj[k]
        if k == "metadata" and type(v) is dict:
            mnode = node.child("metadata")
            meta: FieldSet = {}
            for mk in sorted(v):
                if mk not in STRIPPED_METADATA:
                    mv = v[mk]
                    meta[fkey(mk)] = entry(mv, mnode.child(mk)) if mv else {}
            if k in skeleton:
                meta = _unadd_one(meta, skeleton[k], v) or {}
            if meta:
                out["f:metadata"] = meta
            continue
        if (type(v) is dict or type(v) is list) and v:
            # the spec of objects of one shape repeats: its fields are remembered (and
            # shared by the objects that own them: field sets are never modified in place)
            key = _subtrees.key(v, (scope, k))
            sub = _subtrees.get(key)
            if sub is None:
                sub = _top_entry(k, v, scope, skeleton)
                _subtrees.put(key, sub)
        else:
            sub = _top_entry(k, v, scope, skeleton)
        if sub is not _GONE:
            out[fkey(k)] = sub
    return out


# top-level field sets (a Pod's spec) by their scope, field and encoding
_subtrees: Memo[FieldSet] = Memo()
# a field a create does not add (its value is the kind's empty one)
_GONE: FieldSet = {"": {}}


def _top_entry(k: str, v: Any, scope: Scope, skeleton: dict[str, Any]) -> FieldSet:
    sub = entry(v, scope.node.child(k)) if v else {}
    if k in skeleton:
        unadded = _unadd_one(sub, skeleton[k], v)
        return _GONE if unadded is None else unadded
    return sub


def _unadd(tree: FieldSet, skeleton: dict[str, Any], obj: dict[str, Any]) -> None:
    """Take out of a fresh ``tree`` what going from ``skeleton`` to ``obj`` does not add
    or change (in place)."""
    for k, sv in skeleton.items():
        key = fkey(k)
        node = tree.get(key)
        if node is None or k not in obj:
            continue
        node = _unadd_one(node, sv, obj[k])
        if node is None:
            del tree[key]
        else:
            tree[key] = node


def _unadd_one(node: FieldSet, sv: Any, ov: Any) -> FieldSet | None:
    """The fields of value ``ov`` going from ``sv`` adds or changes (None: none)."""
    if (type(sv) is dict and type(ov) is dict) or (sv is None and type(ov) is list):
        # a copy: field set nodes are not modified in place
        node = {kk: vv for kk, vv in node.items() if kk != "."}
        if type(sv) is dict and type(ov) is dict and node:
            _unadd(node, sv, ov)
        return node or None
    if sv == ov:
        return None
    return node


def _strip(tree: FieldSet, scope: Scope) -> FieldSet:
    out = {k: v for k, v in tree.items()
           if k != "f:apiVersion" and k != "f:kind" and k not in scope.ignore}
    meta = out.get("f:metadata")
    if meta is not None:
        kept = {k: v for k, v in meta.items() if k != "." and k[2:] not in STRIPPED_METADATA}
        if kept:
            out["f:metadata"] = kept
        else:
            del out["f:metadata"]
    return out


def record_create(obj: dict[str, Any], scope: Scope, manager: str,
                  now: str) -> list[dict[str, Any]] | None:
    """managedFields of a new object (its own, if it brings some, are reconciled)."""
    given = obj["metadata"].get("managedFields")
    if given is None or is_reset(given):
        fields = object_fields(obj, scope)
        if not fields:
            return None
        item: dict[str, Any] = {"manager": manager, "operation": "Update",
                                "apiVersion": scope.api_version, "time": now,
                                "fieldsType": "FieldsV1", "fieldsV1": share(fields)}
        if scope.subresource:
            item["subresource"] = scope.subresource
        return [item]
    managed = decode(given) or {}
    return _encoded(_update(managed, scope.skeleton or {}, obj, scope, manager, now))


def record_update(old: dict[str, Any], new: dict[str, Any], scope: Scope, manager: str,
                  now: str) -> list[dict[str, Any]] | None:
    """managedFields after an update from ``old`` to ``new``.

    ``new`` may carry managedFields a client wrote: ``[]`` (or ``[{}]``) clears them, a
    valid non-empty list replaces the stored one (not on subresources); otherwise the
    stored entries are kept. An object without entries stays without (kube only starts
    tracking on create or apply)."""
    given = new["metadata"].get("managedFields")
    if scope.subresource:
        given = None
    if is_reset(given):
        return None
    oldraw = old["metadata"].get("managedFields")
    if given is not None and given == oldraw:
        given = None  # the stored list, read back: keep it as it is
    raw = given
    managed = decode(given) if given else None
    if not managed:
        raw = oldraw
        managed = decode(raw) or {}
    if not managed:
        return None
    updated = _update(managed, old, new, scope, manager, now)
    if updated is managed:
        return raw  # nothing changed hands
    return _encoded(updated)


def _encoded(managed: Managed) -> list[dict[str, Any]] | None:
    return encode(managed) if managed else None


def _update(managed: Managed, old: dict[str, Any], new: dict[str, Any], scope: Scope,
            manager: str, now: str) -> Managed:
    changed, removed = compare(old, new, scope.node)
    changed, removed = _strip(changed, scope), _strip(removed, scope)
    if not changed and not removed:
        return managed
    lost = union(changed, removed)
    out: Managed = {}
    for ident, e in managed.items():
        rest = difference(e.fields, lost)
        if rest:
            out[ident] = e if rest is e.fields else e.with_fields(rest)
    if changed:
        me = identity(manager, "Update", scope.api_version, scope.subresource)
        prev = out.get(me)
        out[me] = Entry(manager, "Update", scope.api_version, now,
                        union(prev.fields, changed) if prev else changed, scope.subresource)
    return cap_updates(out)


def apply(live: dict[str, Any] | None, config: dict[str, Any], scope: Scope, manager: str,
          now: str, *, force: bool = False) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Server-side apply of ``config`` by ``manager`` to ``live`` (None: a new object).

    Returns the merged object (without managedFields) and its managedFields; raises
    :class:`ApplyConflict`."""
    base: dict[str, Any] = {}
    managed: Managed = {}
    if live is not None:
        base = dict(live)  # keeps the key order of the live object
        base["metadata"] = {k: v for k, v in (live.get("metadata") or {}).items()
                            if k != "managedFields"}
        managed = decode((live.get("metadata") or {}).get("managedFields")) or {}
        if not managed:  # kube hands what was there before to a pseudo-manager
            managed = _update({}, scope.skeleton or {}, base, scope, BEFORE_FIRST_APPLY, now)
    me = identity(manager, "Apply", "", scope.subresource)
    last = managed.get(me)
    applied = _strip(_config_fields(config, scope), scope)
    merged = merge(base, config, scope.node)
    managed = dict(managed)
    managed[me] = Entry(manager, "Apply", scope.api_version, last.time if last else None,
                        applied, scope.subresource)
    if last is not None and last.fields:
        owned: FieldSet = {}
        for e in managed.values():
            owned = union(owned, e.fields)
        gone = difference(last.fields, owned)
        if gone:
            merged = prune(merged, gone, scope.node)
    changed, removed = compare(base, merged, scope.node)
    changed, removed = _strip(changed, scope), _strip(removed, scope)
    conflicts: list[tuple[Entry, tuple[str, ...]]] = []
    taken: dict[Any, FieldSet] = {}
    for ident, e in sorted(managed.items(), key=lambda kv: kv[1].ident_json()):
        if ident == me:
            continue
        both = intersection(e.fields, changed)
        if both:
            taken[ident] = both
            conflicts.extend((e, p) for p in paths(both))
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    out: Managed = {}
    for ident, e in managed.items():
        rest = e.fields
        if ident != me:
            rest = difference(difference(rest, taken.get(ident, {})), removed)
        if rest:
            out[ident] = e if rest is e.fields else e.with_fields(rest)
    if me in out and merged != base:
        out[me].time = now
    return merged, encode(cap_updates(out))


def _config_fields(config: dict[str, Any], scope: Scope) -> FieldSet:
    return applied_fields(config, scope.node)
