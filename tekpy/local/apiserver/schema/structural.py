"""What kube-apiserver rejects in a CRD's ``openAPIV3Schema`` (structural schema rules).

Covers kube's ``ValidateStructural`` (types specified everywhere, value validations under
``allOf``/``anyOf``/``oneOf``/``not`` without structure of their own, root and embedded
resource rules, extension consistency) plus the common schema checks of CRD validation
(``uniqueItems``, ``additionalProperties`` with ``properties``, list types, ``$ref``).
Errors are sorted by their text, as kube sorts them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tekpy.local.apiserver.fielderrors import ErrorType, FieldError

__all__ = ["check_structural"]

_ROOT, _ITEM, _FIELD = "root", "item", "field"
_LIST_TYPES = ("atomic", "set", "map")


def check_structural(
    schema: Any, path_prefix: str = "spec.validation.openAPIV3Schema"
) -> list[FieldError]:
    """Problems kube reports when creating a CRD with this ``openAPIV3Schema``.

    ``path_prefix`` names the schema in the CRD (kube uses
    ``spec.versions[i].schema.openAPIV3Schema`` for v1 CRDs).
    """
    errors: list[FieldError] = []
    if not isinstance(schema, Mapping):
        return [FieldError(ErrorType.REQUIRED, path_prefix, "must be an object")]
    _invariants(schema, _ROOT, path_prefix, errors)
    errors.sort(key=str)
    return errors


def _prop(path: str, name: str) -> str:
    return f"{path}.properties[{name}]"


def _invariants(s: Mapping[str, Any], lvl: str, path: str, errors: list[FieldError]) -> None:
    typ = s.get("type") or ""
    items = s.get("items")
    props = s.get("properties") or {}
    additional = s.get("additionalProperties")
    int_or_string = bool(s.get("x-kubernetes-int-or-string"))
    preserve = s.get("x-kubernetes-preserve-unknown-fields")
    embedded = bool(s.get("x-kubernetes-embedded-resource"))

    if typ == "array" and items is None:
        errors.append(FieldError(ErrorType.REQUIRED, f"{path}.items", "must be specified"))
    if isinstance(items, Mapping):
        _invariants(items, _ITEM, f"{path}.items", errors)
    elif isinstance(items, list):
        errors.append(
            FieldError(
                ErrorType.FORBIDDEN,
                f"{path}.items",
                "items must be a schema object and not an array",
            )
        )
    for name in sorted(props):
        if isinstance(props[name], Mapping):
            _invariants(props[name], _FIELD, _prop(path, name), errors)
    if additional is not None:
        if lvl == _ROOT:
            errors.append(
                FieldError(
                    ErrorType.FORBIDDEN,
                    f"{path}.additionalProperties",
                    "must not be used at the root",
                )
            )
        if isinstance(additional, Mapping):
            _invariants(additional, _FIELD, f"{path}.additionalProperties", errors)
        if props and (isinstance(additional, Mapping) or additional is False):
            errors.append(
                FieldError(
                    ErrorType.FORBIDDEN,
                    f"{path}.additionalProperties",
                    "additionalProperties and properties are mutual exclusive",
                )
            )
    if int_or_string and preserve:
        errors.append(
            FieldError(
                ErrorType.INVALID,
                f"{path}.x-kubernetes-preserve-unknown-fields",
                "must be false if x-kubernetes-int-or-string is true",
                True,
            )
        )
    if int_or_string and embedded:
        errors.append(
            FieldError(
                ErrorType.INVALID,
                f"{path}.x-kubernetes-embedded-resource",
                "must be false if x-kubernetes-int-or-string is true",
                True,
            )
        )
    if preserve is False:
        errors.append(
            FieldError(
                ErrorType.INVALID,
                f"{path}.x-kubernetes-preserve-unknown-fields",
                "must be true or undefined",
                False,
            )
        )
    _value_validation(s, _is_int_or_string_any_of(s), _is_int_or_string_all_of(s), path, errors)

    if embedded and typ != "object":
        if not typ:
            errors.append(
                FieldError(
                    ErrorType.REQUIRED,
                    f"{path}.type",
                    "must be object if x-kubernetes-embedded-resource is true",
                )
            )
        else:
            errors.append(
                FieldError(
                    ErrorType.INVALID,
                    f"{path}.type",
                    "must be object if x-kubernetes-embedded-resource is true",
                    typ,
                )
            )
    elif not typ and not int_or_string and not preserve:
        detail = {
            _ROOT: "must not be empty at the root",
            _ITEM: "must not be empty for specified array items",
            _FIELD: "must not be empty for specified object fields",
        }[lvl]
        errors.append(FieldError(ErrorType.REQUIRED, f"{path}.type", detail))
    if embedded and additional is not None:
        errors.append(
            FieldError(
                ErrorType.FORBIDDEN,
                f"{path}.additionalProperties",
                "must not be used if x-kubernetes-embedded-resource is set",
            )
        )
    if lvl == _ROOT and typ and typ != "object":
        errors.append(
            FieldError(ErrorType.INVALID, f"{path}.type", "must be object at the root", typ)
        )
    check_metadata = lvl == _ROOT or embedded
    if check_metadata:
        for name, want in (("kind", "string"), ("apiVersion", "string"), ("metadata", "object")):
            sub = props.get(name)
            if isinstance(sub, Mapping) and (sub.get("type") or "") != want:
                errors.append(
                    FieldError(
                        ErrorType.INVALID,
                        f"{_prop(path, name)}.type",
                        f"must be {want}",
                        sub.get("type") or "",
                    )
                )
    metadata = props.get("metadata")
    if (
        lvl == _ROOT
        and isinstance(metadata, Mapping)
        and not _metadata_restricts_names_only(metadata)
    ):
        errors.append(
            FieldError(
                ErrorType.FORBIDDEN,
                _prop(path, "metadata"),
                "must not specify anything other than name and generateName, but metadata is "
                "implicitly specified",
            )
        )
    if embedded and not preserve and not props:
        errors.append(
            FieldError(
                ErrorType.REQUIRED,
                f"{path}.properties",
                "must not be empty if x-kubernetes-embedded-resource is true without "
                "x-kubernetes-preserve-unknown-fields",
            )
        )
    _crd_checks(s, path, errors)


def _metadata_restricts_names_only(metadata: Mapping[str, Any]) -> bool:
    allowed = {"type", "description", "properties", "default"}
    if set(metadata) - allowed:
        return False
    props = metadata.get("properties") or {}
    return set(props) <= {"name", "generateName"}


_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


def _is_int_or_string_any_of(s: Mapping[str, Any]) -> bool:
    return s.get("anyOf") == _INT_OR_STRING


def _is_int_or_string_all_of(s: Mapping[str, Any]) -> bool:
    all_of = s.get("allOf")
    return (
        isinstance(all_of, list)
        and bool(all_of)
        and isinstance(all_of[0], Mapping)
        and all_of[0].get("anyOf") == _INT_OR_STRING
    )


def _value_validation(
    v: Mapping[str, Any],
    skip_any_of: bool,
    skip_first_all_of_any_of: bool,
    path: str,
    errors: list[FieldError],
) -> None:
    if not skip_any_of:
        for i, sub in enumerate(v.get("anyOf") or []):
            _nested(sub, False, f"{path}.anyOf[{i}]", errors)
    for i, sub in enumerate(v.get("allOf") or []):
        _nested(sub, skip_first_all_of_any_of and i == 0, f"{path}.allOf[{i}]", errors)
    for i, sub in enumerate(v.get("oneOf") or []):
        _nested(sub, False, f"{path}.oneOf[{i}]", errors)
    if isinstance(v.get("not"), Mapping):
        _nested(v["not"], False, f"{path}.not", errors)
    pattern = v.get("pattern")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error as e:
            errors.append(
                FieldError(
                    ErrorType.INVALID,
                    f"{path}.pattern",
                    f"must be a valid regular expression, but isn't: {e}",
                    pattern,
                )
            )


_FORBIDDEN_IN_NESTED = (
    ("type", "must be empty to be structural"),
    ("additionalProperties", "must be undefined to be structural"),
    ("default", "must be undefined to be structural"),
    ("title", "must be empty to be structural"),
    ("description", "must be empty to be structural"),
    ("nullable", "must be false to be structural"),
    ("x-kubernetes-preserve-unknown-fields", "must be false to be structural"),
    ("x-kubernetes-embedded-resource", "must be false to be structural"),
    ("x-kubernetes-int-or-string", "must be false to be structural"),
    ("x-kubernetes-list-map-keys", "must be empty to be structural"),
    ("x-kubernetes-list-type", "must be undefined to be structural"),
)


def _nested(v: Any, skip_any_of: bool, path: str, errors: list[FieldError]) -> None:
    """A schema under a logical junctor may only carry value validations."""
    if not isinstance(v, Mapping):
        return
    _value_validation(v, skip_any_of, False, path, errors)
    if isinstance(v.get("items"), Mapping):
        _nested(v["items"], False, f"{path}.items", errors)
    props = v.get("properties") or {}
    for name in sorted(props):
        _nested(props[name], False, _prop(path, name), errors)
    for key, message in _FORBIDDEN_IN_NESTED:
        present = v.get(key)
        if present not in (None, False, "", []):
            errors.append(FieldError(ErrorType.FORBIDDEN, f"{path}.{key}", message))
    if "metadata" in props:
        errors.append(
            FieldError(
                ErrorType.FORBIDDEN,
                _prop(path, "metadata"),
                "must not be specified in a nested context",
            )
        )


def _crd_checks(s: Mapping[str, Any], path: str, errors: list[FieldError]) -> None:
    """Checks of CRD validation beyond structurality that real CRDs trip over."""
    if "$ref" in s:
        errors.append(FieldError(ErrorType.FORBIDDEN, f"{path}.$ref", "$ref is not supported"))
    if s.get("uniqueItems") is True:
        errors.append(
            FieldError(
                ErrorType.FORBIDDEN,
                f"{path}.uniqueItems",
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            )
        )
    list_type = s.get("x-kubernetes-list-type")
    keys = s.get("x-kubernetes-list-map-keys") or []
    if list_type is not None:
        if list_type not in _LIST_TYPES:
            errors.append(
                FieldError(
                    ErrorType.NOT_SUPPORTED,
                    f"{path}.x-kubernetes-list-type",
                    'supported values: "atomic", "set", "map"',
                    list_type,
                )
            )
        if s.get("type") != "array":
            errors.append(
                FieldError(
                    ErrorType.INVALID,
                    f"{path}.x-kubernetes-list-type",
                    "must only be used on type=array",
                    list_type,
                )
            )
    if list_type == "map":
        items = s.get("items")
        if not keys:
            errors.append(
                FieldError(
                    ErrorType.REQUIRED,
                    f"{path}.x-kubernetes-list-map-keys",
                    "must not be empty if x-kubernetes-list-type is map",
                )
            )
        if not isinstance(items, Mapping):
            errors.append(
                FieldError(
                    ErrorType.REQUIRED,
                    f"{path}.items",
                    "must have a schema if x-kubernetes-list-type is map",
                )
            )
        elif items.get("type") != "object":
            errors.append(
                FieldError(
                    ErrorType.INVALID,
                    f"{path}.items.type",
                    "must be object if parent array's x-kubernetes-list-type is map",
                    items.get("type") or "",
                )
            )
    elif keys:
        errors.append(
            FieldError(
                ErrorType.FORBIDDEN,
                f"{path}.x-kubernetes-list-map-keys",
                "must be empty if x-kubernetes-list-type is not map",
            )
        )
