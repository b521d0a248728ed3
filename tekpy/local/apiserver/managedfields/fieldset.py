"""Field sets in kube's ``FieldsV1`` shape, and their algebra.

A field set is a tree of dicts keyed by path elements as ``fieldsV1`` spells them:
``f:<name>`` (a field), ``k:<json>`` (a list item by its key fields), ``v:<json>`` (a set
item), ``i:<n>`` (a list index). A node is a *member* of the set when it is a leaf (``{}``)
or carries the ``"."`` marker; a node without ``"."`` only holds members below it. Trees
are canonical (no empty non-member nodes) and treated as immutable: every operation
returns new dicts where it changes something, so subtrees may be shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

__all__ = [
    "FieldSet", "difference", "intersection", "is_member", "paths", "path_string",
    "sorted_set", "union",
]

FieldSet = dict[str, Any]


def is_member(node: FieldSet) -> bool:
    """Whether a node's own path is in the set (a leaf, or marked with ``"."``)."""
    return not node or "." in node


def _node(member: bool, children: FieldSet) -> FieldSet | None:
    if not children:
        return {} if member else None
    if member:
        out: FieldSet = {".": {}}
        out.update(children)
        return out
    return children


def _children(node: FieldSet) -> FieldSet:
    if "." not in node:
        return node
    return {k: v for k, v in node.items() if k != "."}


def union(a: FieldSet, b: FieldSet) -> FieldSet:
    """Paths in ``a`` or ``b`` (of the children of two nodes)."""
    if not b:
        return a
    if not a:
        return b
    out = dict(a)
    for key, bn in b.items():
        if key == ".":
            out["."] = {}
            continue
        an = out.get(key)
        if an is None or an is bn:
            out[key] = bn
            continue
        merged = _node(is_member(an) or is_member(bn), union(_children(an), _children(bn)))
        out[key] = merged if merged is not None else {}
    return out


def difference(a: FieldSet, b: FieldSet) -> FieldSet:
    """Paths in ``a`` and not in ``b`` (``a`` itself when that is all of it)."""
    if not b or not a:
        return a
    out: FieldSet = {}
    same = True
    for key, an in a.items():
        if key == ".":
            continue
        bn = b.get(key)
        if bn is None:
            out[key] = an
            continue
        ac = _children(an)
        member = is_member(an) and not is_member(bn)
        dc = difference(ac, _children(bn))
        if dc is ac and member == is_member(an):
            out[key] = an
            continue
        same = False
        node = _node(member, dc)
        if node is not None:
            out[key] = node
    return a if same else out


def intersection(a: FieldSet, b: FieldSet) -> FieldSet:
    """Paths in both ``a`` and ``b``."""
    out: FieldSet = {}
    if not a or not b:
        return out
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    for key, sn in small.items():
        if key == ".":
            continue
        ln = large.get(key)
        if ln is None:
            continue
        node = _node(is_member(sn) and is_member(ln),
                     intersection(_children(sn), _children(ln)))
        if node is not None:
            out[key] = node
    return out


_RANK = {"f": 1, "k": 2, "v": 3, "i": 4}


def _value_key(v: Any) -> tuple[Any, ...]:
    # structured-merge-diff orders values: numbers, then strings, then booleans, then null
    if isinstance(v, bool):
        return (3, v)
    if isinstance(v, (int, float)):
        return (1, v)
    if isinstance(v, str):
        return (2, v)
    if v is None:
        return (4,)
    return (5, orjson.dumps(v, option=orjson.OPT_SORT_KEYS))


def element_order(key: str) -> tuple[Any, ...]:
    """Sort key of a path element: ``.`` first, then fields, keys, values, indexes."""
    if key == ".":
        return (0,)
    kind, rest = key[0], key[2:]
    if kind == "f":
        return (1, rest)
    if kind == "k":
        fields = orjson.loads(rest)
        return (2, tuple((k, _value_key(fields[k])) for k in sorted(fields)))
    if kind == "v":
        return (3, _value_key(orjson.loads(rest)))
    if kind == "i":
        return (4, int(rest))
    return (_RANK.get(kind, 5), rest)


def sorted_set(tree: FieldSet) -> FieldSet:
    """The tree with keys in structured-merge-diff's order, as ``fieldsV1`` is encoded."""
    if not tree:
        return tree
    keys = sorted(tree, key=element_order)
    return {k: sorted_set(tree[k]) for k in keys}


def paths(tree: FieldSet, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Member paths in kube's iteration order: a level's members, then its children."""
    keys = sorted((k for k in tree if k != "."), key=element_order)
    for key in keys:
        if is_member(tree[key]):
            yield (*prefix, key)
    for key in keys:
        sub = _children(tree[key])
        if sub:
            yield from paths(sub, (*prefix, key))


def _to_string(v: Any) -> str:
    if isinstance(v, str):
        return orjson.dumps(v).decode()
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}={_to_string(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(_to_string(x) for x in v) + "]"
    return str(v)


def path_string(path: tuple[str, ...]) -> str:
    """A path as kube prints it in conflicts: ``.spec.containers[name="c"].image``."""
    out = []
    for key in path:
        kind, rest = key[0], key[2:]
        if kind == "f":
            out.append("." + rest)
        elif kind == "k":
            fields = orjson.loads(rest)
            out.append("[" + ",".join(f"{k}={_to_string(fields[k])}"
                                      for k in sorted(fields)) + "]")
        elif kind == "v":
            out.append("[=" + _to_string(orjson.loads(rest)) + "]")
        else:
            out.append(f"[{rest}]")
    return "".join(out)
