"""The PodSpec diff kube-apiserver appends to a refused Pod update.

kube converts both specs to its internal ``PodSpec``, dumps each as indented JSON of the Go
struct (Go field names, every field, zero values included) and appends a unified diff of the
two dumps (three lines of context, no file header) to the ``Forbidden`` message. This module
renders a v1 ``spec`` the same way from the field table in ``podspec_layout`` and diffs the
dumps with Python's ``difflib``, which go-difflib ports line for line.

Known approximation: ``metav1`` types inside a spec (label selectors, an ephemeral volume's
template metadata) are dumped as stored rather than in their Go field order. Quantities are
dumped as stored, which is kube's canonical form (``poddefaults`` writes them so).
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from typing import Any

from .podspec_layout import NAMED, STRUCTS

__all__ = ["internal_pod_spec", "pod_spec_diff"]

_INTS = frozenset(("int", "int32", "int64"))
# the fields of v1 PodSpec that kube converts into the internal PodSecurityContext
_HOST_FIELDS = (("HostNetwork", "bool", "hostNetwork"), ("HostPID", "bool", "hostPID"),
                ("HostIPC", "bool", "hostIPC"),
                ("ShareProcessNamespace", "*bool", "shareProcessNamespace"),
                ("HostUsers", "*bool", "hostUsers"))


@cache
def _fields(struct: str) -> tuple[tuple[str, str, str, bool], ...]:
    """(Go name, Go type, v1 JSON name, embedded) of each field of ``struct``."""
    out = []
    for spec in STRUCTS[struct]:
        if spec.startswith("^"):
            out.append((spec[1:], spec[1:], "", True))
            continue
        name, go_type, *json_name = spec.split(" ")
        if json_name:
            key = "" if json_name[0] == "-" else json_name[0]
        else:
            key = name[:1].lower() + name[1:]
        out.append((name, go_type, key, False))
    return tuple(out)


def _value(go_type: str, value: Any) -> Any:
    """``value`` (from v1 JSON, None when absent) as Go encodes a field of ``go_type``."""
    if go_type.startswith("*"):
        return None if value is None else _value(go_type[1:], value)
    if go_type.startswith("[]"):
        # kube's encoding omits empty lists, so a stored empty list decodes as nil
        if not isinstance(value, list) or not value:
            return None
        return [_value(go_type[2:], item) for item in value]
    if go_type.startswith("map["):
        if not isinstance(value, dict) or not value:
            return None
        item_type = go_type[go_type.index("]") + 1:]
        return {key: _value(item_type, value[key]) for key in sorted(value)}
    if go_type in NAMED:
        return _value(NAMED[go_type], value)
    if go_type in STRUCTS:
        return _struct(go_type, value if isinstance(value, dict) else {})
    if go_type == "string":
        return value if isinstance(value, str) else ""
    if go_type in _INTS:
        return value if isinstance(value, int) and not isinstance(value, bool) else 0
    if go_type == "bool":
        return value is True
    if go_type == "resource.Quantity":
        return "0" if value is None else str(value)
    if go_type == "intstr.IntOrString":
        return 0 if value is None else value
    return value  # metav1 types: as stored


def _struct(name: str, value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for go_name, go_type, key, embedded in _fields(name):
        if embedded:
            for inner, item in _struct(go_type, value).items():
                out.setdefault(inner, item)  # a field of the outer struct wins
        else:
            out[go_name] = _value(go_type, value.get(key) if key else None)
    return out


def internal_pod_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A v1 ``spec`` converted to kube's internal ``PodSpec`` as Go would encode it."""
    out = _struct("PodSpec", spec)
    if not spec.get("serviceAccountName") and isinstance(spec.get("serviceAccount"), str):
        out["ServiceAccountName"] = spec["serviceAccount"]
    security = out["SecurityContext"]
    if security is None:  # the conversion always allocates one for the host fields
        security = out["SecurityContext"] = _struct("PodSecurityContext", {})
    for go_name, go_type, key in _HOST_FIELDS:
        security[go_name] = _value(go_type, spec.get(key))
    grace = out["TerminationGracePeriodSeconds"]
    if isinstance(grace, int) and grace < 0:
        out["TerminationGracePeriodSeconds"] = 1  # kube's Pod conversion
    return out


def _go_json(value: Any) -> str:
    """``json.MarshalIndent(value, "", " ")`` of Go, HTML-safe escaping included."""
    text = json.dumps(value, indent=1, ensure_ascii=False, separators=(",", ": "))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _lines(spec: dict[str, Any]) -> list[str]:
    # go-difflib's SplitLines: split after each "\n" only, and end the last line with one
    return [line + "\n" for line in _go_json(internal_pod_spec(spec)).split("\n")]


def pod_spec_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """kube's unified diff of two internal PodSpec dumps (empty when they render the same)."""
    a, b = _lines(old), _lines(new)
    lines = list(difflib.unified_diff(a, b, n=3))
    return "".join(lines[2:])  # without the ---/+++ header, as kube's diff has no file names
