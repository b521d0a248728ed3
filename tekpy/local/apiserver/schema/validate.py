"""Validation of objects against a CRD's structural OpenAPI v3 schema, as kube-apiserver does.

kube validates custom resources with kube-openapi's validator and turns its results into
field errors (``apiextensions-apiserver``'s ``ValidateCustomResource``); list-type
uniqueness (``x-kubernetes-list-type: set|map``) and embedded resources are checked after.
Paths, messages and error types follow both steps, e.g.::

    spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
    spec.x: Required value
    spec.mode: Unsupported value: "c": supported values: "a", "b"

Within one object, kube's order depends on Go map iteration; ours is deterministic
(constraints on the object itself, then properties in sorted order, then required ones).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson

from tekpy.local.apiserver.fielderrors import ErrorType, FieldError
from tekpy.local.apiserver.schema.formats import check_format, go_format_of
from tekpy.local.apiserver.validation import name_is_path_segment, validate_object_meta

__all__ = ["validate", "validate_status"]

_IN = "in body"


def validate(
    obj: Any, schema: Mapping[str, Any], path_prefix: str = "", *, relative: bool = False
) -> list[FieldError]:
    """Every way ``obj`` violates ``schema`` (an ``openAPIV3Schema``), as kube reports them.

    ``path_prefix`` is prepended to field paths (kube validates whole objects, so it is
    normally empty). With ``relative``, messages name paths below ``path_prefix``, as kube's
    messages do for a status validated alone.
    """
    errors: list[FieldError] = []
    _Validator(errors, path_prefix if relative else "").check(obj, schema, path_prefix)
    return errors


def validate_status(obj: Mapping[str, Any], schema: Mapping[str, Any]) -> list[FieldError]:
    """A status update's validation: kube validates the status alone against its schema
    (field paths ``status.x``, messages naming ``x``)."""
    if "status" not in obj:
        return []
    props = schema.get("properties")
    status_schema = props.get("status") if isinstance(props, Mapping) else None
    if not isinstance(status_schema, Mapping):
        return []
    return validate(obj["status"], status_schema, "status", relative=True)


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value (``integer`` for ints)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def go_number(value: float | int) -> str:
    """Go's ``%v`` for a number: integers plainly, floats in shortest ``%g`` form."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    exp = len(digits) - 1 + int(exponent)  # scientific exponent of the first digit
    prefix = "-" if sign else ""
    if exp < -4 or exp >= 6:  # Go switches to %e for shortest floats outside [1e-4, 1e6)
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    point = exp + 1
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{prefix}{digits}{'0' * (point - len(digits))}"
    return f"{prefix}{digits[:point]}.{digits[point:]}"


@lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None


def _type_list(schema: Mapping[str, Any]) -> list[str]:
    if schema.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    declared = schema.get("type")
    if isinstance(declared, str) and declared:
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    return []


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return bool(a == b)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Validator:
    def __init__(self, errors: list[FieldError], message_root: str = "") -> None:
        self.errors = errors
        # kube-openapi names paths in messages from where validation starts ("observed" for
        # a status validated on its own); field paths keep the full path ("status.observed")
        self._strip = message_root + "." if message_root else ""

    def _in(self, path: str) -> str:
        """``<path> in body`` as kube-openapi's messages start."""
        if self._strip and path.startswith(self._strip):
            path = path[len(self._strip):]
        return f"{path} {_IN}"

    # -- error constructors, converted from kube-openapi results as kube converts them
    def _invalid(self, path: str, value: Any, message: str) -> None:
        self.errors.append(FieldError(ErrorType.INVALID, path, message, value))

    def _type_invalid(self, path: str, expected: str, actual: str) -> None:
        message = f'{self._in(path)} must be of type {expected}: "{actual}"'
        self.errors.append(FieldError(ErrorType.TYPE_INVALID, path, message, actual))

    def check(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if not isinstance(schema, Mapping):
            return
        if value is None:
            types = _type_list(schema)
            if types and "null" not in types and not schema.get("nullable"):
                self._type_invalid(path, ",".join(types), "null")
            return
        if not self._check_type(value, schema, path):
            return
        self._check_common(value, schema, path)
        if isinstance(value, str):
            self._check_string(value, schema, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._check_number(value, schema, path)
        elif isinstance(value, list):
            self._check_array(value, schema, path)
        elif isinstance(value, dict):
            self._check_object(value, schema, path)
        self._check_junctors(value, schema, path)

    def _check_type(self, value: Any, schema: Mapping[str, Any], path: str) -> bool:
        types = _type_list(schema)
        fmt = schema.get("format") or ""
        if not types:
            return True
        actual = json_type(value)
        float_int = actual == "number" and float(value).is_integer() and "integer" in types
        int_float = actual == "integer" and "number" in types
        if (
            not isinstance(value, str | list)
            and fmt
            and fmt not in ("int32", "int64", "float", "double")
            and not ("integer" in types or "number" in types)
            and actual not in types
        ):
            # kube-openapi's quirk: a non-string for a string format names the format
            self._type_invalid(path, fmt, go_format_of(value))
            return False
        if actual in types or float_int or int_float:
            return True
        self._type_invalid(path, ",".join(types), actual)
        return False

    def _check_common(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        enum = schema.get("enum")
        if isinstance(enum, list) and not any(_json_equal(value, e) for e in enum):
            listed = ", ".join(
                '"'
                + (e if isinstance(e, str) else orjson.dumps(e).decode()).replace('"', '\\"')
                + '"'
                for e in enum
            )
            self.errors.append(
                FieldError(ErrorType.NOT_SUPPORTED, path, f"supported values: {listed}", value)
            )

    def _check_string(self, value: str, schema: Mapping[str, Any], path: str) -> None:
        self._check_length_and_pattern(value, schema, path)
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt and not check_format(fmt, value):
            message = f"{self._in(path)} must be of type {fmt}: {orjson.dumps(value).decode()}"
            self.errors.append(FieldError(ErrorType.TYPE_INVALID, path, message, value))

    def _check_length_and_pattern(self, value: str, schema: Mapping[str, Any], path: str) -> None:
        # kube-openapi stops at the first of maxLength, minLength and pattern that fails
        n = len(value)
        max_len, min_len = schema.get("maxLength"), schema.get("minLength")
        if isinstance(max_len, int) and n > max_len:
            self.errors.append(
                FieldError(
                    ErrorType.TOO_LONG,
                    path,
                    f"may not be more than {max_len} {'byte' if max_len == 1 else 'bytes'}",
                    value,
                )
            )
            return
        if isinstance(min_len, int) and n < min_len:
            self._invalid(path, value, f"{self._in(path)} should be at least {min_len} chars long")
            return
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            compiled = _pattern(pattern)
            if compiled is not None and not compiled.search(value):
                self._invalid(path, value, f"{self._in(path)} should match '{pattern}'")

    def _check_number(self, value: float, schema: Mapping[str, Any], path: str) -> None:
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int | float) and multiple > 0:
            quotient = value / multiple
            if not math.isclose(quotient, round(quotient), rel_tol=0, abs_tol=1e-9):
                self._invalid(
                    path, value, f"{self._in(path)} should be a multiple of {go_number(multiple)}"
                )
        maximum = schema.get("maximum")
        if isinstance(maximum, int | float) and not isinstance(maximum, bool):
            exclusive = bool(schema.get("exclusiveMaximum"))
            if value > maximum or (exclusive and value == maximum):
                bound = go_number(_native(maximum, value))
                word = "less than" if exclusive else "less than or equal to"
                self._invalid(path, value, f"{self._in(path)} should be {word} {bound}")
        minimum = schema.get("minimum")
        if isinstance(minimum, int | float) and not isinstance(minimum, bool):
            exclusive = bool(schema.get("exclusiveMinimum"))
            if value < minimum or (exclusive and value == minimum):
                bound = go_number(_native(minimum, value))
                word = "greater than" if exclusive else "greater than or equal to"
                self._invalid(path, value, f"{self._in(path)} should be {word} {bound}")

    def _check_array(self, value: list[Any], schema: Mapping[str, Any], path: str) -> None:
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                self.check(item, items, f"{path}[{i}]")
        size = len(value)
        min_items, max_items = schema.get("minItems"), schema.get("maxItems")
        if isinstance(min_items, int) and size < min_items:
            self._invalid(path, size, f"{self._in(path)} should have at least {min_items} items")
        if isinstance(max_items, int) and size > max_items:
            word = "item" if max_items == 1 else "items"
            self.errors.append(
                FieldError(ErrorType.TOO_MANY, path, f"must have at most {max_items} {word}", size)
            )
        if schema.get("uniqueItems") and _has_duplicates(value):
            self._invalid(path, "", f"{self._in(path)} shouldn't contain duplicates")
        self._check_list_type(value, schema, path)

    def _check_list_type(self, value: list[Any], schema: Mapping[str, Any], path: str) -> None:
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "set":
            seen: list[Any] = []
            for i, item in enumerate(value):
                if any(_json_equal(item, s) for s in seen):
                    self.errors.append(FieldError(ErrorType.DUPLICATE, f"{path}[{i}]", "", item))
                else:
                    seen.append(item)
        elif list_type == "map":
            keys = schema.get("x-kubernetes-list-map-keys") or []
            item_schema = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
            props = item_schema.get("properties") or {} if isinstance(item_schema, Mapping) else {}
            seen_keys: list[dict[str, Any]] = []
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                key_values = {}
                for k in keys:
                    if k in item:
                        key_values[k] = item[k]
                    elif isinstance(props.get(k), Mapping) and "default" in props[k]:
                        key_values[k] = props[k]["default"]
                if any(_json_equal(key_values, s) for s in seen_keys):
                    self.errors.append(
                        FieldError(ErrorType.DUPLICATE, f"{path}[{i}]", "", key_values)
                    )
                else:
                    seen_keys.append(key_values)

    def _check_object(self, value: dict[str, Any], schema: Mapping[str, Any], path: str) -> None:
        count = len(value)
        min_props, max_props = schema.get("minProperties"), schema.get("maxProperties")
        if isinstance(min_props, int) and count < min_props:
            self._invalid(
                path, count, f"{self._in(path)} should have at least {min_props} properties"
            )
            return
        if isinstance(max_props, int) and count > max_props:
            word = "item" if max_props == 1 else "items"
            self.errors.append(
                FieldError(ErrorType.TOO_MANY, path, f"must have at most {max_props} {word}", count)
            )
            return
        props = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        if additional is False:
            for key in sorted(value):
                if key not in props:
                    message = f"{self._in(path + '.' + key)} is a forbidden property"
                    self._invalid(path, key, message)
        elif isinstance(additional, Mapping):
            for key in sorted(value):
                if key not in props:
                    self.check(value[key], additional, _join(path, key))
        for key in sorted(props):
            if key in value:
                self.check(value[key], props[key], _join(path, key))
        for key in schema.get("required") or []:
            if key not in value:
                self.errors.append(FieldError(ErrorType.REQUIRED, _join(path, key)))
        if schema.get("x-kubernetes-embedded-resource"):
            self.errors.extend(_embedded_resource_errors(value, path))

    def _check_junctors(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        for sub in schema.get("allOf") or []:
            self.check(value, sub, path)
        any_of = schema.get("anyOf")
        if isinstance(any_of, list) and any_of:
            if not any(not _errors_for(value, s, path) for s in any_of):
                self._invalid(
                    path, "", f"{self._in(path)} must validate at least one schema (anyOf)"
                )
                for sub in any_of:
                    self.errors.extend(_errors_for(value, sub, path))
        one_of = schema.get("oneOf")
        if isinstance(one_of, list) and one_of:
            passing = sum(1 for s in one_of if not _errors_for(value, s, path))
            if passing != 1:
                self._invalid(
                    path, "", f"{self._in(path)} must validate one and only one schema (oneOf)"
                )
        not_schema = schema.get("not")
        if isinstance(not_schema, Mapping) and not _errors_for(value, not_schema, path):
            self._invalid(path, "", f"{self._in(path)} must not validate the schema (not)")


def _embedded_resource_errors(obj: dict[str, Any], path: str) -> list[FieldError]:
    """kube's ``validateEmbeddedResource``: apiVersion and kind required, metadata valid."""
    errors: list[FieldError] = []
    for key in ("apiVersion", "kind"):
        where = _join(path, key)
        if key not in obj:
            errors.append(FieldError(ErrorType.REQUIRED, where, "must not be empty"))
        elif not isinstance(obj[key], str):
            errors.append(FieldError(ErrorType.INVALID, where, "must be a string", obj[key]))
        elif not obj[key]:
            errors.append(FieldError(ErrorType.INVALID, where, "must not be empty", ""))
        elif key == "apiVersion" and obj[key].count("/") > 1:
            message = f"unexpected GroupVersion string: {obj[key]}"
            errors.append(FieldError(ErrorType.INVALID, where, message, obj[key]))
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        # kube fills in a name so that a nameless embedded object is not an error
        meta = {**meta, "name": meta.get("name") or "fakename"}
        errors.extend(
            validate_object_meta(
                meta,
                namespaced=bool(meta.get("namespace")),
                name_validator=name_is_path_segment,
                path=_join(path, "metadata"),
            )
        )
    return errors


def _errors_for(value: Any, schema: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    _Validator(errors).check(value, schema, path)
    return errors


def _native(bound: float, value: float) -> float:
    # kube compares integers natively and prints an integral bound without a fraction
    if isinstance(value, int) and float(bound).is_integer():
        return int(bound)
    return bound


def _has_duplicates(items: list[Any]) -> bool:
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if _json_equal(a, b):
                return True
    return False
