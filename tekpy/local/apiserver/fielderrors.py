"""Field errors in Kubernetes' shape (``k8s.io/apimachinery/pkg/util/validation/field``).

A ``FieldError`` becomes one ``causes`` entry of an ``Invalid`` (422) Status, and its
``str()`` is the line kube-apiserver prints, e.g.
``metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of ...``.
"""

from __future__ import annotations

from typing import Any

import attrs
import orjson

__all__ = ["FieldError", "aggregate_message", "ErrorType"]


class ErrorType:
    """Cause ``reason`` strings and their human prefixes, as in apimachinery's field package."""

    NOT_FOUND = "FieldValueNotFound"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TOO_MANY = "FieldValueTooMany"
    INTERNAL = "InternalError"
    TYPE_INVALID = "FieldValueTypeInvalid"

    PREFIX = {
        NOT_FOUND: "Not found",
        REQUIRED: "Required value",
        DUPLICATE: "Duplicate value",
        INVALID: "Invalid value",
        NOT_SUPPORTED: "Unsupported value",
        FORBIDDEN: "Forbidden",
        TOO_LONG: "Too long",
        TOO_MANY: "Too many",
        INTERNAL: "Internal error",
        TYPE_INVALID: "Invalid value",
    }

_NO_VALUE = object()


def _render_value(value: Any) -> str:
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@attrs.frozen
class FieldError:
    """One validation failure at a field path such as ``spec.containers[0].image``."""

    type: str
    field: str
    message: str = ""
    bad_value: Any = attrs.field(default=_NO_VALUE, eq=False)

    def detail(self) -> str:
        """The text after the field path, as kube prints it."""
        prefix = ErrorType.PREFIX.get(self.type, self.type)
        parts = [prefix]
        shows_value = self.type in (
            ErrorType.INVALID,
            ErrorType.NOT_SUPPORTED,
            ErrorType.DUPLICATE,
            ErrorType.NOT_FOUND,
            ErrorType.TYPE_INVALID,
            ErrorType.TOO_MANY,
        )
        if shows_value and self.bad_value is not _NO_VALUE:
            parts.append(_render_value(self.bad_value))
        if self.message:
            parts.append(self.message)
        return ": ".join(parts)

    def __str__(self) -> str:
        return f"{self.field}: {self.detail()}" if self.field else self.detail()

    def cause(self) -> dict[str, str]:
        """The ``details.causes[]`` entry of a Status."""
        return {"reason": self.type, "message": self.detail(), "field": self.field}


def aggregate_message(kind: str, name: str, errors: list[FieldError]) -> str:
    """kube's message for an Invalid Status: ``<Kind> "<name>" is invalid: <errors>``."""
    # as Go's ErrorList.ToAggregate: a message repeated by several checks is listed once
    rendered = list(dict.fromkeys(str(e) for e in errors))
    body = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    return f'{kind} "{name}" is invalid: {body}'
