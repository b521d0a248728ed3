"""JSON merge patch (RFC 7386), as ``application/merge-patch+json`` applies it."""

from __future__ import annotations

from typing import Any

__all__ = ["create_merge_patch", "merge_patch"]


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply ``patch`` to ``target`` per RFC 7386 and return a new document.

    An object patch merges key by key (``null`` removes a key, objects recurse, anything else
    replaces); any other patch replaces the whole target. Neither input is modified and the
    result shares no containers with them.

    kube-apiserver answers a merge patch whose body is ``null`` or not JSON with 400
    ``Invalid JSON Patch``, and one whose result is not an object fails decoding; the
    server checks those before/after calling this.
    """
    if not isinstance(patch, dict):
        return _copy(patch)
    result = {k: _copy(v) for k, v in target.items()} if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = merge_patch(result.get(key), value)
        else:
            result[key] = _copy(value)
    return result


def create_merge_patch(original: Any, modified: Any) -> Any:
    """The smallest merge patch that turns ``original`` into ``modified``.

    ``merge_patch(original, create_merge_patch(original, modified)) == modified`` holds
    whenever ``modified`` has no ``null`` object member (RFC 7386 cannot express those).
    """
    if not isinstance(original, dict) or not isinstance(modified, dict):
        return _copy(modified)
    patch: dict[str, Any] = {}
    for key in original:
        if key not in modified:
            patch[key] = None
    for key, value in modified.items():
        if key not in original:
            patch[key] = _copy(value)
        elif isinstance(value, dict) and isinstance(original[key], dict):
            sub = create_merge_patch(original[key], value)
            if sub:
                patch[key] = sub
        elif not _json_equal(original[key], value):
            patch[key] = _copy(value)
    return patch


def _json_equal(a: Any, b: Any) -> bool:
    # JSON equality: True is not 1, but 1 == 1.0.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return bool(a == b)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
