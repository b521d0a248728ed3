"""One copy of each distinct ``fieldsV1`` subtree among stored objects.

Objects of one shape (the Pods of a Task, the ConfigMaps of a controller) own the same
fields: their ``fieldsV1`` trees are equal, and without sharing each stored object would hold
its own copy, about as many dicts as the object itself (7 kB of a 19 kB Pod). Field sets are
never modified in place (every set operation builds new dicts, see ``fieldset``), so equal
trees can be one object. The key is the tree's JSON encoding, which is equal exactly when
the trees are (same keys, same order).
"""

from __future__ import annotations

from ..memo import Memo
from .fieldset import FieldSet

__all__ = ["share"]

# bounded (see ``Memo``); field sets hold no floats, so no scan for a NaN's null
_whole: Memo[FieldSet] = Memo(nulls=False)
# per top-level field: each learns on its own whether its sets repeat (a Pod's metadata
# fields usually do; its spec's do when the spec does)
_parts: dict[str, Memo[FieldSet]] = {}


def share(fields: FieldSet) -> FieldSet:
    """The tree equal to ``fields`` already shared, if any; else ``fields``, its top-level
    subtrees replaced by shared equal ones (``metadata``'s differ between objects more often
    than ``spec``'s)."""
    if not fields:
        return fields
    key = _whole.key(fields)
    hit = _whole.get(key)
    if hit is not None:
        return hit
    out: FieldSet = {name: _shared(name, sub) if sub else sub for name, sub in fields.items()}
    _whole.put(key, out)
    return out


def _shared(name: str, sub: FieldSet) -> FieldSet:
    memo = _parts.get(name)
    if memo is None:
        if len(_parts) > 64:
            _parts.clear()
        memo = _parts[name] = Memo(nulls=False)
    key = memo.key(sub)
    hit = memo.get(key)
    if hit is None:
        memo.put(key, sub)
        return sub
    return hit
