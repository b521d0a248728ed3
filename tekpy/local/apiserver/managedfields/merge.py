"""Server-side apply's merge of an applied configuration into the live object, and the
removal of fields a manager stopped applying.

Maps merge key by key (unless atomic), associative lists merge item by item by their key
fields, sets by value; scalars and atomic values are replaced. List order follows kube:
items only in the live list keep their place relative to the shared items, shared items
take the applied order, and applied-only items come where the configuration puts them.
"""

from __future__ import annotations

from typing import Any

from .fieldset import FieldSet, is_member
from .schema import Node
from .walk import item_key

__all__ = ["merge", "prune"]


def merge(live: dict[str, Any], config: dict[str, Any], node: Node) -> dict[str, Any]:
    """A new map: ``config`` merged into ``live`` (neither is modified)."""
    out = dict(live)
    for k, cv in config.items():
        out[k] = _merge_value(out[k], cv, node.child(k)) if k in out else cv
    return out


def _merge_value(lv: Any, cv: Any, n: Node) -> Any:
    if type(lv) is dict and type(cv) is dict and n.kind in ("map", "deduced"):
        return merge(lv, cv, n)
    if type(lv) is list and type(cv) is list and n.kind in ("listmap", "set"):
        return _merge_list(lv, cv, n)
    return cv


def _merge_list(live: list[Any], config: list[Any], n: Node) -> list[Any]:
    lkeys = [item_key(x, n)[1] for x in live]
    ckeys = [item_key(x, n)[1] for x in config]
    litems = dict(zip(lkeys, live, strict=True))
    citems = dict(zip(ckeys, config, strict=True))
    shared = [k for k in ckeys if k in litems]
    out: list[Any] = []
    done: set[str] = set()
    i = j = s = 0
    while i < len(lkeys) or j < len(ckeys):
        if i < len(lkeys):
            lk = lkeys[i]
            if j < len(ckeys) and lk == ckeys[j]:
                out.append(_merge_item(litems[lk], citems[lk], n))
                done.add(lk)
                i, j = i + 1, j + 1
                s += 1 if s < len(shared) and shared[s] == lk else 0
                continue
            if lk not in citems:
                out.append(live[i])
                i += 1
                continue
            if lk in done or (s < len(shared) and shared[s] != lk) or j >= len(ckeys):
                i += 1  # a shared item placed where the configuration puts it
                continue
        ck = ckeys[j]
        if ck not in done:
            out.append(_merge_item(litems.get(ck), citems[ck], n) if ck in litems
                       else citems[ck])
            done.add(ck)
        j += 1
        if s < len(shared) and shared[s] == ck:
            s += 1
    return out


def _merge_item(lv: Any, cv: Any, n: Node) -> Any:
    if n.kind == "listmap" and type(lv) is dict and type(cv) is dict:
        return merge(lv, cv, n.elem)
    return cv


def prune(obj: dict[str, Any], remove: FieldSet, node: Node) -> dict[str, Any]:
    """``obj`` without the members of ``remove``; a removed node stays when something
    below it is not removed (kube adds back what others own and what nobody owned)."""
    out = dict(obj)
    for key, sub in remove.items():
        if key == "." or not key.startswith("f:"):
            continue
        name = key[2:]
        if name not in out:
            continue
        kept = _prune_value(out[name], sub, node.child(name))
        if kept is _GONE:
            del out[name]
        else:
            out[name] = kept
    return out


_GONE = object()


def _prune_value(v: Any, sub: FieldSet, n: Node) -> Any:
    children = {k: x for k, x in sub.items() if k != "."}
    if children:
        if type(v) is dict and n.kind in ("map", "deduced"):
            v = prune(v, children, n)
        elif type(v) is list and n.kind in ("listmap", "set"):
            v = _prune_list(v, children, n)
    if is_member(sub) and not _has_fields(v, n):
        return _GONE  # nothing below it is kept
    return v


def _has_fields(v: Any, n: Node) -> bool:
    # whether a granular value still holds a field (kube adds back what is below a removed
    # node; empty maps and lists hold none)
    if type(v) is dict and n.kind in ("map", "deduced"):
        for k, x in v.items():
            c = n.child(k)
            if type(x) is dict and c.kind in ("map", "deduced"):
                if _has_fields(x, c):
                    return True
            elif type(x) is list and c.kind in ("listmap", "set"):
                if x:
                    return True
            else:  # a scalar or an atomic value
                return True
        return False
    if type(v) is list and n.kind in ("listmap", "set"):
        return bool(v)
    return False


def _prune_list(items: list[Any], remove: FieldSet, n: Node) -> list[Any]:
    out = []
    for item in items:
        key = item_key(item, n)[1]
        sub = remove.get(key)
        if sub is None:
            out.append(item)
            continue
        kept = _prune_value(item, sub, n.elem) if n.kind == "listmap" else _GONE
        if isinstance(kept, dict):  # a kept item keeps its identity
            out.append({**{k: item[k] for k in n.keys if k in item}, **kept})
        elif kept is not _GONE:
            out.append(kept)
    return out
