"""Field sets of objects, and what changed between two versions of an object.

Both are single recursive walks over plain JSON values guided by a :class:`Node`; the
create path runs ``fields_of`` once per object, so it avoids per-value allocations it can
skip (deduced maps, scalars).
"""

from __future__ import annotations

from typing import Any

import orjson

from .fieldset import FieldSet, _value_key
from .schema import Node

__all__ = ["LEAF_NODE", "applied_fields", "compare", "entry", "fields_of", "fkey",
           "item_key"]

_COLLECTIONS = ("listmap", "set")


def fields_of(obj: dict[str, Any], node: Node) -> FieldSet:
    """The field set of a map value: every path below it, ``fieldsV1``-ordered."""
    out: FieldSet = {}
    _walk_map(obj, node, out)
    return out


# "f:<name>" strings, made once per field name: no new string (and no hashing of one) per
# field of every object; a pure function of the name, so never stale
_fkeys: dict[str, str] = {}


def fkey(name: str) -> str:
    """The ``fieldsV1`` element of field ``name``."""
    key = _fkeys.get(name)
    if key is None:
        if len(_fkeys) > 65536:
            _fkeys.clear()
        key = _fkeys[name] = "f:" + name
    return key


# Every leaf of the field sets built here is this one empty dict (and so is every "."
# marker): a stored Pod holds about fifty of them. Field sets are never modified in place
# (every set operation builds new dicts), so sharing it is safe.
LEAF_NODE: FieldSet = {}
_MARK: FieldSet = LEAF_NODE


def _walk_deduced(d: dict[str, Any], out: FieldSet) -> None:
    keys = _fkeys
    for k in sorted(d):
        v = d[k]
        if type(v) is dict and v:
            sub: FieldSet = {".": _MARK}
            _walk_deduced(v, sub)
            out[keys.get(k) or fkey(k)] = sub
        else:
            out[keys.get(k) or fkey(k)] = LEAF_NODE


def _walk_map(d: dict[str, Any], node: Node, out: FieldSet) -> None:
    if node.kind == "deduced":
        _walk_deduced(d, out)
        return
    fields, other = node.fields, node.other
    keys = _fkeys
    for k in sorted(d):
        v = d[k]
        t = type(v)
        # scalars (most values) inline: no call per leaf
        if (t is dict and v) or (t is list and v):
            out[keys.get(k) or fkey(k)] = entry(v, fields.get(k, other))
        else:
            out[keys.get(k) or fkey(k)] = LEAF_NODE


def entry(v: Any, n: Node) -> FieldSet:
    """The node of value ``v`` of type ``n``: a member, with its children if it has any
    (its leaves are the shared ``LEAF_NODE``: never modify it)."""
    t = type(v)
    if t is dict:
        if not v:
            return LEAF_NODE
        kind = n.kind
        if kind == "deduced":
            e: FieldSet = {".": _MARK}
            _walk_deduced(v, e)
            return e
        if kind != "map":
            return LEAF_NODE
        e = {".": _MARK}
        _walk_map(v, n, e)
        return e
    if t is list and v and n.kind in _COLLECTIONS:
        e = {".": _MARK}
        items = _items(v, n)
        if len(items) > 1:
            items.sort(key=_first)
        if n.kind == "set":
            for _, key, _item in items:
                e[key] = LEAF_NODE
        else:
            elem = n.elem
            for _, key, item in items:
                if type(item) is dict:
                    sub: FieldSet = {".": _MARK}
                    _walk_map(item, elem, sub)
                    e[key] = sub
                else:
                    e[key] = LEAF_NODE
        return e
    return LEAF_NODE


def _first(x: tuple[Any, ...]) -> Any:
    return x[0]


def _item_entry(item: Any, n: Node) -> FieldSet:
    if n.kind == "set" or type(item) is not dict:
        return LEAF_NODE
    e: FieldSet = {".": _MARK}
    _walk_map(item, n.elem, e)
    return e


# list item keys repeat across objects (container, volume, env names): their encoding is a
# pure function of (key fields, value), so it is kept, bounded
_key_cache: dict[tuple[tuple[str, ...], Any], tuple[tuple[Any, ...], str]] = {}


def item_key(item: Any, n: Node) -> tuple[tuple[Any, ...], str]:
    """Sort key and ``fieldsV1`` element (``k:{...}`` or ``v:...``) of a list item."""
    keys = n.keys
    if n.kind == "set" or type(item) is not dict:
        return _value_key(item), "v:" + orjson.dumps(item).decode()
    if len(keys) == 1:
        value = item.get(keys[0], _MISSING)
        if type(value) is str or type(value) is int:
            hit = _key_cache.get((keys, value))
            if hit is not None:
                return hit
            fields = {keys[0]: value}
            made = (((keys[0], _value_key(value)),), "k:" + orjson.dumps(fields).decode())
            if len(_key_cache) > 8192:
                _key_cache.clear()
            _key_cache[(keys, value)] = made
            return made
    fields = {}
    for k in sorted(keys):
        if k in item:
            fields[k] = item[k]
        elif k in n.defaults:
            fields[k] = n.defaults[k]
    order = tuple((k, _value_key(v)) for k, v in fields.items())
    return order, "k:" + orjson.dumps(fields).decode()


_MISSING = object()


def _items(v: list[Any], n: Node) -> list[tuple[Any, str, Any]]:
    out = []
    for item in v:
        order, key = item_key(item, n)
        out.append((order, key, item))
    return out


def applied_fields(config: dict[str, Any], node: Node) -> FieldSet:
    """The fields an applied configuration sets (kube's ToFieldSet): scalars, atomic
    values and list items are members; granular maps and associative lists only hold
    members (an empty one sets nothing)."""
    out: FieldSet = {}
    _applied_map(config, node, out)
    return out


def _applied_map(d: dict[str, Any], node: Node, out: FieldSet) -> None:
    for k, v in d.items():
        sub = _applied(v, node.child(k))
        if sub is not None:
            out[fkey(k)] = sub


def _applied(v: Any, n: Node) -> FieldSet | None:
    t = type(v)
    if t is dict and (n.kind == "map" or n.kind == "deduced"):
        sub: FieldSet = {}
        _applied_map(v, n, sub)
        return sub or None
    if t is list and n.kind in _COLLECTIONS:
        sub = {}
        for item in v:
            key = item_key(item, n)[1]
            if n.kind == "listmap" and type(item) is dict:
                inner: FieldSet = {".": {}}
                _applied_map(item, n.elem, inner)
                sub[key] = inner if len(inner) > 1 else {}
            else:
                sub[key] = {}
        return sub or None
    return {}


def compare(old: dict[str, Any], new: dict[str, Any], node: Node) -> tuple[FieldSet, FieldSet]:
    """``(added or modified, removed)`` paths going from ``old`` to ``new`` (two maps)."""
    changed: FieldSet = {}
    removed: FieldSet = {}
    _cmp_map(old, new, node, changed, removed)
    return changed, removed


def _cmp_map(a: dict[str, Any], b: dict[str, Any], n: Node, changed: FieldSet,
             removed: FieldSet) -> None:
    for k, bv in b.items():
        cn = n.child(k)
        if k not in a:
            changed["f:" + k] = entry(bv, cn)
            continue
        av = a[k]
        if av != bv:
            _cmp_value("f:" + k, av, bv, cn, changed, removed)
    for k, av in a.items():
        if k not in b:
            removed["f:" + k] = entry(av, n.child(k))


def _cmp_value(key: str, av: Any, bv: Any, cn: Node, changed: FieldSet,
               removed: FieldSet) -> None:
    ta, tb = type(av), type(bv)
    c: FieldSet = {}
    r: FieldSet = {}
    if ta is dict and tb is dict and cn.kind in ("map", "deduced"):
        _cmp_map(av, bv, cn, c, r)
    elif ta is list and tb is list and cn.kind in _COLLECTIONS:
        _cmp_list(av, bv, cn, c, r)
    else:  # a scalar, an atomic value or a change of type: the value is replaced
        changed[key] = entry(bv, cn)
        old = entry(av, cn)
        if len(old) > 1:
            removed[key] = {k: v for k, v in old.items() if k != "."}
        return
    if c:
        changed[key] = c
    if r:
        removed[key] = r


def _cmp_list(a: list[Any], b: list[Any], n: Node, changed: FieldSet,
              removed: FieldSet) -> None:
    olds = {key: item for _, key, item in _items(a, n)}
    seen = set()
    for _, key, item in _items(b, n):
        seen.add(key)
        if key not in olds:
            changed[key] = _item_entry(item, n)
            continue
        prev = olds[key]
        if prev == item:
            continue
        if n.kind == "listmap" and type(prev) is dict and type(item) is dict:
            c: FieldSet = {}
            r: FieldSet = {}
            _cmp_map(prev, item, n.elem, c, r)
            if c:
                changed[key] = c
            if r:
                removed[key] = r
        else:
            changed[key] = _item_entry(item, n)
    for key, item in olds.items():
        if key not in seen:
            removed[key] = _item_entry(item, n)
