"""Kubernetes strategic merge patch (``application/strategic-merge-patch+json``).

Follows apimachinery's ``strategicpatch`` as kube-apiserver runs it (parallel deletion lists
merged, unmatched nulls ignored):

* maps merge recursively; ``null`` deletes a key;
* lists whose :class:`PatchMeta` says ``merge`` are merged: lists of objects by merge key
  (an element ``{"<key>": v, "$patch": "delete"}`` removes it, ``$patch: replace`` replaces
  the list), lists of primitives as a set; other lists are replaced;
* directives: ``$patch: replace|delete`` on a map, ``$retainKeys``,
  ``$deleteFromPrimitiveList/<field>``, ``$setElementOrder/<field>``;
* element order: patch items first where their place is unknown, server-only items keep
  their relative order (kube's ``normalizeElementOrder``).

Deliberate difference: directives and nulls inside values that are new to the object are
processed (merged into an empty value) instead of being stored verbatim.
"""

from __future__ import annotations

from typing import Any

from tekpy.local.apiserver.gojson import go_value as _go
from tekpy.local.apiserver.patch.errors import PatchError
from tekpy.local.apiserver.patch.merge import _copy
from tekpy.local.apiserver.patch.meta import PatchMeta

__all__ = ["strategic_merge_patch"]

_PATCH = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PRIMITIVES = "$deleteFromPrimitiveList/"
_SET_ORDER = "$setElementOrder/"

_ERR_RETAIN_KEYS = "invalid patch format of retainKeys"
_ERR_SET_ORDER = "invalid patch format of setElementOrder list"
_ERR_LIST_OF_LISTS = "lists of lists are not supported"


def strategic_merge_patch(
    original: dict[str, Any], patch: Any, schema: PatchMeta | None = None
) -> dict[str, Any]:
    """Apply strategic merge ``patch`` to ``original`` using the kind's ``schema``.

    ``schema`` comes from :func:`strategic_schema_for`; None treats every list as atomic.
    Returns a new object; inputs are not modified. Raises :class:`PatchError` with kube's
    code and message (400 for a malformed directive or a patch that is not an object).
    """
    if not isinstance(patch, dict):
        raise PatchError(
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type "
            "map[string]interface {}",
            code=400,
        )
    return _merge_map(_copy(original), patch, schema or PatchMeta())


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"


def _merge_map(original: dict[str, Any], patch: dict[str, Any], meta: PatchMeta) -> dict[str, Any]:
    """Merge ``patch`` into ``original`` (owned by us, mutated) and return the result."""
    if _PATCH in patch:
        directive = patch[_PATCH]
        rest = {k: v for k, v in patch.items() if k != _PATCH}
        if directive == "replace":
            return _fresh(rest, meta)
        if directive == "delete":
            return {}
        if directive != "merge":
            raise PatchError(f"unknown patch type: {_go(directive)} in map: {_go(patch)}", code=500)
        patch = rest
    patch = dict(patch)
    _apply_retain_keys(original, patch)
    _apply_set_element_order(original, patch, meta)
    for key, value in patch.items():
        is_delete_list = key.startswith(_DELETE_PRIMITIVES)
        if is_delete_list:
            key = key[len(_DELETE_PRIMITIVES) :]
        if value is None:
            original.pop(key, None)
            continue
        sub = meta.field(key)
        if key not in original:
            if not is_delete_list:
                original[key] = _fresh(value, sub)
            continue
        current = original[key]
        if isinstance(current, dict) and isinstance(value, dict):
            original[key] = _fresh(value, sub) if sub.replaces else _merge_map(current, value, sub)
        elif isinstance(current, list) and isinstance(value, list):
            if sub.merges or is_delete_list:
                original[key] = _merge_list(current, value, sub, is_delete_list)
            else:
                original[key] = _fresh(value, sub)
        elif not is_delete_list:
            original[key] = _fresh(value, sub)
    return original


def _fresh(value: Any, meta: PatchMeta) -> Any:
    """A patch value for a place the object does not have yet, directives processed."""
    if isinstance(value, dict):
        return _merge_map({}, value, meta)
    if isinstance(value, list):
        # Atomic lists are stored verbatim (as a replacing patch stores them); merging lists
        # go through the merge so that their $patch elements are honoured.
        if meta.merges and meta.merge_key and value and all(isinstance(v, dict) for v in value):
            return _merge_list([], value, meta, False)
        return _copy(value)
    return value


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if _RETAIN_KEYS not in patch:
        return
    keys = patch.pop(_RETAIN_KEYS)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise PatchError(_ERR_RETAIN_KEYS, code=400)
    allowed = set(keys)
    for key, value in patch.items():
        if value is None or key.startswith((_DELETE_PRIMITIVES, _SET_ORDER)):
            continue
        if key not in allowed:
            raise PatchError(_ERR_RETAIN_KEYS, code=400)
    for key in [k for k in original if k not in allowed]:
        del original[key]


def _apply_set_element_order(
    original: dict[str, Any], patch: dict[str, Any], meta: PatchMeta
) -> None:
    for directive in [k for k in patch if k.startswith(_SET_ORDER)]:
        order = patch.pop(directive)
        name = directive[len(_SET_ORDER) :]
        if not isinstance(order, list):
            raise PatchError(_ERR_SET_ORDER, code=400)
        sub = meta.field(name)
        key = sub.merge_key
        current, incoming = original.get(name), patch.pop(name, None)
        if current is not None and not isinstance(current, list):
            raise PatchError(
                f"expected a []interface {{}}, but received a {_go_type(current)}", code=500
            )
        if incoming is not None and not isinstance(incoming, list):
            raise PatchError(_ERR_SET_ORDER, code=400)
        _check_order_list(incoming or [], order, key)
        if current is None and incoming is None:
            continue
        server_order = list(current or [])
        if incoming is None:
            merged = list(current or [])
        elif current is None:
            merged = _fresh(incoming, sub)
        elif sub.merges:
            merged = _merge_list(current, incoming, sub, False, backing=server_order)
        else:
            merged = _fresh(incoming, sub)
        in_order, server_only = _partition(merged, order, key)
        original[name] = _normalize(in_order, server_only, order, server_order, key)


def _check_order_list(items: list[Any], order: list[Any], key: str) -> None:
    """Patch items must appear in ``$setElementOrder`` in the same relative order."""
    if key and not all(isinstance(o, dict) and key in o for o in order):
        bad = next(o for o in order if not (isinstance(o, dict) and key in o))
        raise PatchError(f"map: {_go(bad)} does not contain declared merge key: {key}", code=500)
    plain = [i for i in items if not (isinstance(i, dict) and _PATCH in i)]
    positions = [_index_of(order, i, key) for i in plain]
    if any(p < 0 for p in positions) or positions != sorted(positions):
        raise PatchError(
            f"The order in patch list:\n{_go(plain)}\n doesn't match $setElementOrder list:\n"
            f"{_go(order)}\n",
            code=500,
        )


def _go_type(value: Any) -> str:
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "float64"


def _element_kind(*lists: list[Any]) -> str:
    """ "map" or "scalar"; kube requires all elements of both lists to share one type."""
    seen: str | None = None
    for items in lists:
        for v in items:
            if isinstance(v, list):
                raise PatchError(_ERR_LIST_OF_LISTS, code=422)
            kind = _go_type(v) if v is not None else "nil"
            if seen is None:
                seen = kind
            elif seen != kind:
                raise PatchError(
                    f"list element types are not identical: {_go(list(lists))}", code=500
                )
    if seen is None:
        raise PatchError("no elements in any of the given slices", code=500)
    return "map" if seen.startswith("map") else "scalar"


def _merge_list(
    original: list[Any],
    patch: list[Any],
    meta: PatchMeta,
    is_delete_list: bool,
    backing: list[Any] | None = None,
) -> list[Any]:
    """Merge a ``merge``-strategy list; ``backing`` receives kube's in-place slice edits.

    kube deletes and appends on the Go slice of the stored list in place, and the
    ``$setElementOrder`` step then orders elements by that (modified) array. ``backing``
    replays those edits so that element order matches kube exactly.
    """
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    key = meta.merge_key if kind == "map" else ""
    if kind == "scalar":
        if is_delete_list:
            doomed = set(patch)
            return [v for v in original if v not in doomed]
        merged = _dedupe(original + patch)
    else:
        if not key:
            raise PatchError(f"cannot merge lists without merge key for {meta.name}", code=500)
        plain, deletes, replace = _split_directives(patch, key)
        if replace:
            original, patch = [_merge_map({}, p, PatchMeta()) for p in plain], []
            merged = list(original)
        else:
            array = backing if backing is not None else list(original)
            size = len(original)
            for doomed in deletes:
                while (at := _index_of(array[:size], doomed, key)) >= 0:
                    array[at : size - 1] = array[at + 1 : size]
                    size -= 1
            original = array[:size]
            merged = list(original)
            for item in plain:
                at = _index_of(merged, item, key)
                if at >= 0:
                    merged[at] = _merge_map(merged[at], item, meta)
                    continue
                merged.append(_merge_map({}, item, meta))
                if size < len(array):
                    array[size] = item
                size += 1
            patch = plain
    in_patch, server_only = _partition(merged, patch, key)
    return _normalize(in_patch, server_only, patch, original, key)


def _dedupe(items: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for v in items:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _split_directives(patch: list[Any], key: str) -> tuple[list[Any], list[Any], bool]:
    """Separate plain elements from ``$patch: delete`` ones; note ``$patch: replace``."""
    plain: list[Any] = []
    deletes: list[Any] = []
    replace = False
    for item in patch:
        if _PATCH not in item:
            if key not in item:
                raise PatchError(
                    f"map: {_go(item)} does not contain declared merge key: {key}", code=500
                )
            plain.append(item)
            continue
        directive = item[_PATCH]
        if directive == "delete":
            if key not in item:
                raise PatchError(
                    f"map: {_go(item)} does not contain declared merge key: {key}", code=500
                )
            deletes.append(item)
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch", code=500)
        else:
            raise PatchError(f"unknown patch type: {_go(directive)} in map: {_go(item)}", code=500)
    return plain, deletes, replace


def _index_of(items: list[Any], value: Any, key: str) -> int:
    for i, item in enumerate(items):
        if key:
            if (
                isinstance(item, dict)
                and isinstance(value, dict)
                and item.get(key) == value.get(key)
            ):
                return i
        elif item == value and type(item) is type(value):
            return i
    return -1


def _partition(items: list[Any], by: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    present: list[Any] = []
    absent: list[Any] = []
    for item in items:
        (present if _index_of(by, item, key) >= 0 else absent).append(item)
    return present, absent


def _sort_by(items: list[Any], order: list[Any], key: str) -> list[Any]:
    """Items found in ``order`` sorted by their position there, then the others as they were."""
    present, absent = _partition(items, order, key)
    present.sort(key=lambda item: _index_of(order, item, key))
    return present + absent


def _normalize(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    key: str,
) -> list[Any]:
    """kube's ``normalizeElementOrder`` + ``mergeSortedSlice``."""
    right = _sort_by(patch_items, patch_order, key)
    left = _sort_by(server_only, server_order, key)
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
        elif i >= len(left):
            out.append(right[j])
            j += 1
        else:
            li = _index_of(server_order, left[i], key)
            ri = _index_of(server_order, right[j], key)
            # A server-only item goes first only if both are known to the server and it
            # came first there; patch items of unknown position are placed first.
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out
