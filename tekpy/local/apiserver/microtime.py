"""``MicroTime`` fields of built-in kinds, checked as kube decodes a patched object.

kube-apiserver decodes the result of a merge or JSON patch into the kind's Go type; a
``MicroTime`` (``Lease.spec.renewTime``...) that Go's ``time.Parse`` refuses with kube's
layout ``2006-01-02T15:04:05.000000Z07:00`` fails the patch with 422, quoting the patched
object (managedFields included) and Go's parse error. A strategic patch quotes the patch
itself, in Go's ``%v`` form.
"""

from __future__ import annotations

from typing import Any

import orjson

from .errors import ApiError
from .fielderrors import ErrorType, FieldError
from .gojson import go_value

__all__ = ["go_time_error", "microtime_patch_error"]

LAYOUT = "2006-01-02T15:04:05.000000Z07:00"

# kind -> (Go struct of the fields' parent, path) of its MicroTime fields
_FIELDS: dict[tuple[str, str], tuple[tuple[str, tuple[str, ...]], ...]] = {
    ("coordination.k8s.io", "Lease"): (("LeaseSpec", ("spec", "acquireTime")),
                                       ("LeaseSpec", ("spec", "renewTime"))),
}
_JSON_TYPES = {bool: "bool", int: "number", float: "number", dict: "object", list: "array"}
_META_ORDER = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
               "generation", "creationTimestamp", "deletionTimestamp",
               "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
               "finalizers", "managedFields")


def _digits(value: str, n: int) -> bool:
    return len(value) >= n and value[:n].isascii() and value[:n].isdigit()


def go_time_error(value: str) -> str | None:
    """Go's error parsing ``value`` with kube's MicroTime layout, None when it parses."""
    def bad(rest: str, elem: str) -> str:
        return (f'parsing time "{value}" as "{LAYOUT}": cannot parse "{rest}" as "{elem}"')

    rest = value
    # (layout element, literal prefix before it, digits, range name, bounds)
    for prefix, elem, width, name, low, high in (
            ("", "2006", 4, "", 0, 9999), ("-", "01", 2, "month", 1, 12),
            ("-", "02", 2, "day", 1, 31), ("T", "15", 2, "hour", 0, 23),
            (":", "04", 2, "minute", 0, 59), (":", "05", 2, "second", 0, 59)):
        if prefix:
            if not rest.startswith(prefix):
                return bad(rest, prefix)
            rest = rest[len(prefix):]
        if elem == "15":  # hours take one or two digits
            width = 2 if _digits(rest, 2) else 1
        if not _digits(rest, width):
            return bad(rest, elem)
        number = int(rest[:width])
        if name and not low <= number <= high:
            return f'parsing time "{value}": {name} out of range'
        rest = rest[width:]
    if len(rest) < 7 or rest[0] not in ".," or not _digits(rest[1:], 6):
        return bad(rest, ".000000")
    rest = rest[7:]
    if rest.startswith("Z"):
        rest = rest[1:]
    elif len(rest) >= 6 and rest[0] in "+-" and _digits(rest[1:], 2) and rest[3] == ":" \
            and _digits(rest[4:], 2):
        rest = rest[6:]
    else:
        return bad(rest, "Z07:00")
    if rest:
        return f'parsing time "{value}": extra text: "{rest}"'
    return None


def _quoted(patched: dict[str, Any]) -> str:
    # as the patched JSON reaches kube's decoder: objects the patch rewrote are Go maps
    # (keys sorted), metadata keeps ObjectMeta's field order
    meta = patched.get("metadata") or {}
    ordered = {k: meta[k] for k in _META_ORDER if k in meta}
    ordered.update((k, v) for k, v in meta.items() if k not in ordered)
    doc = orjson.dumps(dict(patched, metadata=ordered), option=orjson.OPT_SORT_KEYS)
    doc = doc.replace(orjson.dumps(ordered, option=orjson.OPT_SORT_KEYS), orjson.dumps(ordered),
                      1)
    return doc.decode()


def microtime_patch_error(group: str, kind: str, patched: dict[str, Any], patch: Any,
                          patch_type: str) -> ApiError | None:
    """kube's 422 when a patched object has a MicroTime Go cannot decode, else None."""
    for struct, path in _FIELDS.get((group, kind), ()):
        node: Any = patched
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        if isinstance(node, str):
            why = go_time_error(node)
        else:
            why = (f"json: cannot unmarshal {_JSON_TYPES.get(type(node), 'value')} into Go "
                   f"struct field {struct}.{'.'.join(path)} of type string")
        if why is None:
            continue
        shown = go_value(patch) if patch_type == "strategic" else _quoted(patched)
        err = FieldError(ErrorType.INVALID, "patch", why, shown)
        return ApiError(422, "Invalid", f' "" is invalid: {err}', {"causes": [err.cause()]})
    return None
