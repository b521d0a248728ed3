"""Kubernetes ``Status`` failures raised by the server's handlers.

Every failure the server returns is an ``ApiError``: its ``status()`` is the ``Status`` object
kube-apiserver would send (``code``, ``reason``, ``message``, ``details``), so client-go,
kubernetes-asyncio and kubectl map it to the same error types they would against a cluster.
"""

from __future__ import annotations

from typing import Any

import orjson

from .fielderrors import ErrorType, FieldError, aggregate_message

__all__ = [
    "ApiError",
    "already_exists",
    "bad_request",
    "conflict",
    "expired",
    "forbidden",
    "invalid",
    "method_not_allowed",
    "not_found",
    "qualified",
]


class ApiError(Exception):
    """A request failure carrying kube's Status fields."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self) -> dict[str, Any]:
        """The ``Status`` object (``kind: Status``) for the response body."""
        st: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if not self.reason:  # kube's StatusReasonUnknown is omitted
            del st["reason"]
        if self.details is not None:
            st["details"] = self.details
        return st

    def body(self) -> bytes:
        return orjson.dumps(self.status())


def qualified(group: str, plural: str) -> str:
    """``pods`` or ``widgets.example.com``: how kube names a resource in messages."""
    return f"{plural}.{group}" if group else plural


def _details(group: str, plural: str, name: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": plural}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    return d


def not_found(group: str, plural: str, name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'{qualified(group, plural)} "{name}" not found',
        _details(group, plural, name),
    )


def already_exists(group: str, plural: str, name: str) -> ApiError:
    return ApiError(
        409, "AlreadyExists", f'{qualified(group, plural)} "{name}" already exists',
        _details(group, plural, name),
    )


def conflict(group: str, plural: str, name: str, why: str | None = None) -> ApiError:
    why = why or (
        "the object has been modified; please apply your changes to the latest version "
        "and try again"
    )
    return ApiError(
        409, "Conflict",
        f'Operation cannot be fulfilled on {qualified(group, plural)} "{name}": {why}',
        _details(group, plural, name),
    )


def invalid(group: str, kind: str, name: str, errors: list[FieldError]) -> ApiError:
    details: dict[str, Any] = {"kind": kind, "causes": [e.cause() for e in errors]}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    # kube names the kind with its group (``Lease.coordination.k8s.io``) in the message
    qualified_kind = f"{kind}.{group}" if group else kind
    return ApiError(422, "Invalid", aggregate_message(qualified_kind, name, errors), details)


def options_invalid(kind: str, field: str, value: Any, supported: tuple[str, ...]) -> ApiError:
    """422 for a bad request option, as kube reports it: an invalid ``<kind>.meta.k8s.io``.

    ``kind`` is the options type of the verb (``CreateOptions``, ``DeleteOptions``...).
    """
    err = FieldError(ErrorType.NOT_SUPPORTED, field,
                     "supported values: " + ", ".join(f'"{v}"' for v in supported), value)
    return ApiError(422, "Invalid", aggregate_message(f"{kind}.meta.k8s.io", "", [err]),
                    {"group": "meta.k8s.io", "kind": kind, "causes": [err.cause()]})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed(
    message: str = "the server does not allow this method on the requested resource",
) -> ApiError:
    return ApiError(405, "MethodNotAllowed", message, {})


def forbidden(message: str, details: dict[str, Any] | None = None) -> ApiError:
    return ApiError(403, "Forbidden", message, details)


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def internal(message: str) -> ApiError:
    return ApiError(500, "InternalError", message)
