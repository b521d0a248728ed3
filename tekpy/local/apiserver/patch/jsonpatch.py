"""JSON patch (RFC 6902) with the semantics and messages of the library kube-apiserver uses.

kube applies ``application/json-patch+json`` with evanphx/json-patch (v4). Its behaviour
differs from the RFC in a few places that clients can observe, and we follow kube:

* ``replace`` of a missing object member adds it instead of failing;
* negative array indices count from the end;
* ``add``/``replace`` at the root path ``""``: ``replace`` swaps the document, ``add`` fails;
* ``test`` against a missing member passes when the expected value is ``null``.
"""

from __future__ import annotations

from typing import Any

from tekpy.local.apiserver.patch.errors import PatchError
from tekpy.local.apiserver.patch.merge import _copy, _json_equal

__all__ = ["MAX_JSON_PATCH_OPERATIONS", "json_patch"]

#: kube refuses longer patches with 413 RequestEntityTooLarge.
MAX_JSON_PATCH_OPERATIONS = 10000

_MISSING = "missing value"
_BAD_INDEX = "invalid index referenced"


class _OpError(Exception):
    """An error message being built up the way Go's errors.Wrapf chains them."""


def _atoi(text: str) -> int:
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        raise _OpError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _decode(token: str) -> str:
    out, i = [], 0
    while i < len(token):
        if token.startswith("~1", i):
            out.append("/")
            i += 2
        elif token.startswith("~0", i):
            out.append("~")
            i += 2
        else:
            out.append(token[i])
            i += 1
    return "".join(out)


def _index(seq: list[Any], key: str, *, extra: int = 0) -> int:
    """Resolve ``key`` in ``seq`` (negative from the end); ``extra=1`` for insert positions."""
    idx = _atoi(key)
    size = len(seq) + extra
    if idx < 0:
        if idx < -size:
            raise _OpError(f"Unable to access invalid index: {idx}: {_BAD_INDEX}")
        idx += size
    if idx >= size:
        raise _OpError(f"Unable to access invalid index: {idx}: {_BAD_INDEX}")
    return idx


def _get(con: Any, key: str) -> Any:
    if isinstance(con, dict):
        return con.get(key)
    return con[_index(con, key)]


def _add(con: Any, key: str, value: Any) -> None:
    if isinstance(con, dict):
        con[key] = value
    elif key == "-":
        con.append(value)
    else:
        try:
            idx = _atoi(key)
        except _OpError as e:
            raise _OpError(f"value was not a proper array index: '{key}': {e}") from None
        size = len(con) + 1
        if idx >= size or idx < -size:
            raise _OpError(f"Unable to access invalid index: {idx}: {_BAD_INDEX}")
        con.insert(idx + size if idx < 0 else idx, value)


def _set(con: Any, key: str, value: Any) -> None:
    if isinstance(con, dict):
        con[key] = value
    else:
        con[_index(con, key)] = value


def _remove(con: Any, key: str) -> None:
    if isinstance(con, dict):
        if key not in con:
            raise _OpError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
        del con[key]
    else:
        del con[_index(con, key)]


def _find(doc: Any, path: str) -> tuple[Any, str] | None:
    """The container holding ``path``'s last token, or None (kube's ``findObject``)."""
    split = path.split("/")
    if len(split) < 2:
        return None
    con = doc
    for part in split[1:-1]:
        try:
            nxt = _get(con, _decode(part))
        except (_OpError, IndexError):
            return None
        if not isinstance(nxt, dict | list):
            return None
        con = nxt
    return con, _decode(split[-1])


def _no_destination(verb: str, path: str) -> str:
    return f"{verb} operation does not apply: doc is missing destination path: {path}: {_MISSING}"


def _field(op: dict[str, Any], name: str, verb: str) -> str:
    value = op.get(name)
    if not isinstance(value, str):
        if name == "path":
            detail = "" if verb in ("add", "remove", "copy") else "operation missing path field: "
        else:
            detail = "operation, missing from field: "
        label = "from" if name == "from" else "path"
        raise _OpError(f"{verb} operation failed to decode {label}: {detail}{_MISSING}")
    return value


def _apply_one(doc: Any, op: dict[str, Any]) -> Any:
    kind = op.get("op")
    kind = kind if isinstance(kind, str) else "unknown"
    value = _copy(op.get("value"))
    if kind == "add":
        path = _field(op, "path", kind)
        found = _find(doc, path)
        if found is None:
            raise _OpError(
                f'add operation does not apply: doc is missing path: "{path}": {_MISSING}'
            )
        try:
            _add(*found, value)
        except _OpError as e:
            raise _OpError(f"error in add for path: '{path}': {e}") from None
    elif kind == "remove":
        path = _field(op, "path", kind)
        found = _find(doc, path)
        if found is None:
            raise _OpError(
                f'remove operation does not apply: doc is missing path: "{path}": {_MISSING}'
            )
        try:
            _remove(*found)
        except _OpError as e:
            raise _OpError(f"error in remove for path: '{path}': {e}") from None
    elif kind == "replace":
        path = _field(op, "path", kind)
        if path == "":
            if not isinstance(value, dict | list):
                raise _OpError("replace operation value must be object or array")
            return value
        found = _find(doc, path)
        if found is None:
            raise _OpError(
                f"replace operation does not apply: doc is missing path: {path}: {_MISSING}"
            )
        try:
            _get(*found)
        except _OpError:
            raise _OpError(
                f"replace operation does not apply: doc is missing key: {path}: {_MISSING}"
            ) from None
        _set(*found, value)
    elif kind == "move":
        src = _field(op, "from", kind)
        found = _find(doc, src)
        if found is None:
            raise _OpError(
                f"move operation does not apply: doc is missing from path: {src}: {_MISSING}"
            )
        con, key = found
        try:
            moved = _get(con, key)
            _remove(con, key)
        except _OpError as e:
            raise _OpError(f"error in move for path: '{key}': {e}") from None
        path = _field(op, "path", kind)
        found = _find(doc, path)
        if found is None:
            raise _OpError(_no_destination("move", path))
        try:
            _add(*found, moved)
        except _OpError as e:
            raise _OpError(f"error in move for path: '{path}': {e}") from None
    elif kind == "copy":
        src = _field(op, "from", kind)
        found = _find(doc, src)
        if found is None:
            raise _OpError(
                f"copy operation does not apply: doc is missing from path: {src}: {_MISSING}"
            )
        try:
            copied = _copy(_get(*found))
        except _OpError as e:
            raise _OpError(f"error in copy for from: '{src}': {e}") from None
        path = _field(op, "path", kind)
        found = _find(doc, path)
        if found is None:
            raise _OpError(_no_destination("copy", path))
        try:
            _add(*found, copied)
        except _OpError as e:
            raise _OpError(f"error while adding value during copy: {e}") from None
    elif kind == "test":
        path = _field(op, "path", kind)
        if path == "":
            actual = doc
        else:
            found = _find(doc, path)
            if found is None:
                raise _OpError(
                    f"test operation does not apply: is missing path: {path}: {_MISSING}"
                )
            try:
                actual = _get(*found)
            except _OpError as e:
                raise _OpError(f"error in test for path: '{path}': {e}") from None
        if not _json_equal(actual, value):
            raise _OpError(f"testing value {path} failed: test failed")
    else:
        raise _OpError(f"Unexpected kind: {kind}")
    return doc


def json_patch(target: Any, ops: Any) -> Any:
    """Apply the RFC 6902 operations ``ops`` to ``target``; return a new document.

    Raises :class:`PatchError`: code 400 when ``ops`` is not a list of objects, 413 beyond
    :data:`MAX_JSON_PATCH_OPERATIONS`, 422 when an operation does not apply (``message`` is
    the library's text, e.g. ``testing value /spec/x failed: test failed``). ``target`` is
    not modified.
    """
    if not isinstance(ops, list):
        raise PatchError(
            f"error decoding patch: json: cannot unmarshal {_json_kind(ops)} into Go value of "
            "type []handlers.jsonPatchOp",
            code=400,
        )
    for op in ops:
        if not isinstance(op, dict):
            raise PatchError(
                f"error decoding patch: json: cannot unmarshal {_json_kind(op)} "
                "into Go value of type handlers.jsonPatchOp",
                code=400,
            )
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
            f"got {len(ops)}",
            code=413,
        )
    doc = _copy(target)
    for op in ops:
        try:
            doc = _apply_one(doc, op)
        except _OpError as e:
            raise PatchError(str(e), code=422) from None
    return doc


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"
