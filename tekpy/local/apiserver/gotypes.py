"""The type errors Go's JSON decoder reports when a body does not fit a built-in kind.

kube-apiserver decodes a built-in object into its Go struct; a field of the wrong JSON type
(``data: ["x"]`` for a ConfigMap) fails the request with the decoder's text, e.g.
``json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string``.
This module knows the Go types of ``ObjectMeta`` and of the top-level fields of the simple
built-in kinds (nested ``spec``/``status`` fields are not checked) and finds the error the
decoder would report first: it walks the document in order, as the decoder does, and the
decoder keeps its first type error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["metadata_type_error", "type_error"]

# A Go type: (kind, type name, element or field table). Kinds: "string", "int", "bool",
# "map", "slice", "struct", "any" (not checked).
GoType = tuple[str, str, Any]

_STRING: GoType = ("string", "string", None)
_INT64: GoType = ("int", "int64", None)
_INT32: GoType = ("int", "int32", None)
_BOOL: GoType = ("bool", "bool", None)
_ANY: GoType = ("any", "", None)
_STRING_MAP: GoType = ("map", "map[string]string", _STRING)
_STRINGS: GoType = ("slice", "[]string", _STRING)
_BYTES: GoType = ("slice", "[]uint8", None)  # a base64 string in JSON
_BYTES_MAP: GoType = ("map", "map[string][]uint8", _BYTES)

_OWNER_REFERENCE: GoType = ("struct", "v1.OwnerReference", ("OwnerReference", {
    "apiVersion": _STRING, "kind": _STRING, "name": _STRING, "uid": ("string", "types.UID", None),
    "controller": _BOOL, "blockOwnerDeletion": _BOOL,
}))
_OBJECT_META: GoType = ("struct", "v1.ObjectMeta", ("ObjectMeta", {
    "name": _STRING, "generateName": _STRING, "namespace": _STRING, "selfLink": _STRING,
    "uid": ("string", "types.UID", None), "resourceVersion": _STRING, "generation": _INT64,
    "deletionGracePeriodSeconds": _INT64, "labels": _STRING_MAP, "annotations": _STRING_MAP,
    "ownerReferences": ("slice", "[]v1.OwnerReference", _OWNER_REFERENCE),
    "finalizers": _STRINGS,
}))


def _kind(name: str, **fields: GoType) -> GoType:
    return ("struct", f"v1.{name}", (name, {"metadata": _OBJECT_META, **fields}))


_KINDS: dict[str, GoType] = {
    "/configmaps": _kind("ConfigMap", data=_STRING_MAP, binaryData=_BYTES_MAP, immutable=_BOOL),
    "/secrets": _kind("Secret", data=_BYTES_MAP, stringData=_STRING_MAP, immutable=_BOOL,
                      type=("string", "v1.SecretType", None)),
    "/namespaces": _kind("Namespace"),
    "/pods": _kind("Pod"),
    "/nodes": _kind("Node"),
    "/services": _kind("Service"),
    "/persistentvolumeclaims": _kind("PersistentVolumeClaim"),
    "/serviceaccounts": _kind("ServiceAccount", automountServiceAccountToken=_BOOL),
    "/events": _kind("Event", reason=_STRING, message=_STRING, count=_INT32, type=_STRING,
                     action=_STRING, reportingComponent=_STRING, reportingInstance=_STRING),
    "coordination.k8s.io/leases": _kind("Lease"),
}


def _json_kind(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object"


class _Found(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fail(value: Any, go_type: GoType, struct: str, path: list[str]) -> _Found:
    what = _json_kind(value)
    if what == "number" and go_type[0] == "int":
        what = f"number {value}"  # Go quotes the literal when a number does not fit an int
    where = f"Go struct field {struct}.{'.'.join(path)}" if struct or path else "Go value"
    return _Found(f"json: cannot unmarshal {what} into {where} of type {go_type[1]}")


def _check(value: Any, go_type: GoType, struct: str, path: list[str]) -> None:
    kind = go_type[0]
    if value is None or kind == "any":
        return  # null decodes into anything
    if kind == "string":
        if not isinstance(value, str):
            raise _fail(value, go_type, struct, path)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(value, go_type, struct, path)
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(value, go_type, struct, path)
    elif kind == "map":
        if not isinstance(value, dict):
            raise _fail(value, go_type, struct, path)
        if go_type[2] is _STRING and all(type(v) is str for v in value.values()):
            return  # the common case, without a call per entry
        for item in value.values():
            _check(item, go_type[2], struct, path)
    elif kind == "slice":
        if go_type[2] is None:  # []byte: a base64 string
            if not isinstance(value, str):
                raise _fail(value, go_type, struct, path)
            return
        if not isinstance(value, list):
            raise _fail(value, go_type, struct, path)
        if go_type[2] is _STRING and all(type(v) is str for v in value):
            return
        for item in value:
            _check(item, go_type[2], struct, path)
    elif kind == "struct":
        if not isinstance(value, dict):
            raise _fail(value, go_type, struct, path)
        name, fields = go_type[2]
        for key, item in value.items():
            field = fields.get(key)
            if field is None or (field[0] == "string" and type(item) is str):
                continue  # unknown fields are another check's; strings are the common case
            _check(item, field, name, [*path, key])


Check = Callable[[Any], bool]
_SCALARS = {"string": str, "bool": bool, "int": int}


def _compile(go_type: GoType) -> Check:
    """A fast yes/no test of ``go_type`` (the walk that names the error runs only on no):
    loops rather than generator expressions, and scalar fields of a struct tested inline."""
    kind, _, inner = go_type
    if kind == "any":
        return lambda v: True
    if kind in _SCALARS or (kind == "slice" and inner is None):
        want = _SCALARS.get(kind, str)  # []byte is a base64 string
        return lambda v: v is None or type(v) is want
    if kind in ("map", "slice"):
        container: Any = dict if kind == "map" else list
        scalar = _SCALARS.get(inner[0])
        item = _compile(inner) if scalar is None else None

        def items(v: Any) -> bool:
            if v is None:
                return True
            if type(v) is not container:
                return False
            values: Any = v.values() if container is dict else v
            if item is None:  # scalar items inline: no call per item
                for i in values:
                    if i is not None and type(i) is not scalar:
                        return False
                return True
            for i in values:
                if not item(i):
                    return False
            return True
        return items
    plain = {key: _SCALARS[t[0]] for key, t in inner[1].items() if t[0] in _SCALARS}
    nested = {key: _compile(t) for key, t in inner[1].items() if t[0] not in _SCALARS}

    def struct(v: Any) -> bool:
        if v is None:
            return True
        if type(v) is not dict:
            return False
        for k, i in v.items():
            want = plain.get(k)
            if want is not None:
                if i is not None and type(i) is not want:
                    return False
                continue
            check = nested.get(k)
            if check is not None and not check(i):
                return False
        return True
    return struct


_FAST = {key: _compile(go_type) for key, go_type in _KINDS.items()}


def type_error(storage_key: str, obj: dict[str, Any]) -> str | None:
    """The decoder's error for the first field of ``obj`` whose JSON type does not fit the
    kind's Go type, or None (also for kinds this module does not know)."""
    fast = _FAST.get(storage_key)
    if fast is None or fast(obj):
        return None
    go_type = _KINDS[storage_key]
    try:
        _check(obj, go_type, "", [])
    except _Found as found:
        return found.message
    return None


def metadata_type_error(obj: dict[str, Any]) -> str | None:
    """The decoder's error for ``metadata`` of a custom resource: kube decodes it into
    ``ObjectMeta`` on its own, so paths start below it (``ObjectMeta.labels``)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return None
    try:
        _check(meta, _OBJECT_META, "", [])
    except _Found as found:
        return found.message
    return None
