"""Param declarations and param values: types, defaults, properties, enums, uniqueness."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from tekpy.api.errors import ErrorList, FieldError, err_generic, err_invalid_value
from tekpy.api.types import ARRAY, OBJECT, STRING, Param, ParamSpec
from tekpy.api.validation._ctx import Ctx

__all__ = [
    "check_param_duplicates",
    "check_param_enums",
    "check_param_name_format",
    "check_param_spec_duplicates",
    "check_param_types",
    "split_by_type",
]

_STRING_ARRAY_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9.-]*$")
_OBJECT_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9-]*$")
_TYPES = (STRING, ARRAY, OBJECT)


def split_by_type(specs: Sequence[ParamSpec]) -> tuple[set[str], set[str], list[ParamSpec]]:
    """``(string names, array names, object specs)``; an unset type counts as string."""
    strings: set[str] = set()
    arrays: set[str] = set()
    objects: list[ParamSpec] = []
    for p in specs:
        if p.type == ARRAY:
            arrays.add(p.name)
        elif p.type == OBJECT:
            objects.append(p)
        else:
            strings.add(p.name)
    return strings, arrays, objects


def check_param_types(specs: Sequence[ParamSpec]) -> ErrorList:
    """Each declared type is known, matches its default's type, and properties are strings.

    Paths are relative to the ``params`` list, keyed by param name (``<name>.type``).
    """
    errs = ErrorList()
    for p in specs:
        if p.type not in _TYPES:
            errs.add(err_invalid_value(p.type, f"{p.name}.type"))
            continue
        if p.default is not None and p.default.type != p.type:
            errs.add(FieldError(
                f'"{p.type}" type does not match default value\'s type: "{p.default.type}"',
                (f"{p.name}.type", f"{p.name}.default.type"),
            ))
            continue
        bad = sorted(k for k, v in (p.properties or {}).items() if v.type != STRING)
        if bad:
            errs.add(FieldError(
                f"The value type specified for these keys [{' '.join(bad)}] is invalid",
                (f"{p.name}.properties",),
            ))
    return errs


def check_object_properties(specs: Sequence[ParamSpec]) -> ErrorList:
    """Object params must declare ``properties`` (path ``<name>.properties``)."""
    errs = ErrorList()
    for p in specs:
        if p.type == OBJECT and p.properties is None:
            errs.add(err_generic("missing field(s)", f"{p.name}.properties"))
    return errs


def check_param_spec_duplicates(specs: Sequence[ParamSpec]) -> ErrorList:
    """Param names are unique (path ``params[<name>]``)."""
    errs = ErrorList()
    counts = Counter(p.name for p in specs)
    for name in sorted(n for n, c in counts.items() if c > 1):
        errs.add(err_generic("parameter appears more than once", "").via_field_key("params", name))
    return errs


def check_param_enums(specs: Sequence[ParamSpec], ctx: Ctx) -> ErrorList:
    """``enum``: needs ``enable-param-enum``, string params only, unique values, default in it.

    Paths are ``[<name>]``, for the caller to prefix with ``params``.
    """
    errs = ErrorList()
    for p in specs:
        if not p.enum:
            continue
        key = ErrorList.via_key
        if not ctx.flag("enable-param-enum"):
            errs.add(key(err_generic(
                "feature flag `enable-param-enum` should be set to true to use Enum", ""), p.name))
        if p.type != STRING:
            errs.add(key(err_generic("enum can only be set with string type param", ""), p.name))
        for dup in sorted(v for v, c in Counter(p.enum).items() if c > 1):
            errs.add(key(err_generic(
                f"parameter enum value {dup} appears more than once", ""), p.name))
        if p.default is not None and p.default.string and p.default.string not in p.enum:
            errs.add(key(err_generic(
                f"param default value {p.default.string} not in the enum list", ""), p.name))
    return errs


def check_param_name_format(specs: Sequence[ParamSpec]) -> ErrorList:
    """Param (and object key) names use Tekton's variable-name characters."""
    errs = ErrorList()
    strings, arrays, objects = split_by_type(specs)
    bad = sorted(n for n in strings | arrays if not _STRING_ARRAY_NAME.match(n))
    if bad:
        errs.add(FieldError(
            "The format of following array and string variable names is invalid: "
            f"[{' '.join(bad)}]",
            ("params",),
            "String/Array Names: \nMust only contain alphanumeric characters, hyphens (-), "
            "underscores (_), and dots (.)\nMust begin with a letter or an underscore (_)",
        ))
    bad_objects: dict[str, list[str]] = {}
    for o in objects:
        if not _OBJECT_NAME.match(o.name):
            bad_objects[o.name] = []
        for k in o.properties or {}:
            if not _OBJECT_NAME.match(k):
                bad_objects.setdefault(o.name, []).append(k)
    if bad_objects:
        text = " ".join(f"{k}:[{' '.join(v)}]" for k, v in sorted(bad_objects.items()))
        errs.add(FieldError(
            f"Object param name and key name format is invalid: map[{text}]",
            ("params",),
            "Object Names: \nMust only contain alphanumeric characters, hyphens (-), "
            "underscores (_) \nMust begin with a letter or an underscore (_)",
        ))
    return errs


def check_param_duplicates(params: Sequence[Param]) -> ErrorList:
    """Param values given twice (path ``[<i>].name`` of the later one)."""
    errs = ErrorList()
    seen: set[str] = set()
    for i, p in enumerate(params):
        if p.name in seen:
            errs.add(err_generic(
                f'parameter names must be unique, the parameter "{p.name}" is also defined at',
                f"[{i}].name",
            ))
        seen.add(p.name)
    return errs


def param_spec_from_values(params: Sequence[Param]) -> dict[str, ParamSpec]:
    """Param specs implied by given values (for inline specs, as Tekton does)."""
    from tekpy.api.types import PropertySpec

    out: dict[str, ParamSpec] = {}
    for p in params:
        props = None
        if p.value.type == OBJECT:
            props = {k: PropertySpec(type=STRING) for k in p.value.object}
        out[p.name] = ParamSpec(name=p.name, type=p.value.type, default=p.value, properties=props)
    return out
