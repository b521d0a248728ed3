"""API errors and the predicates controllers branch on.

The API server reports failures as ``Status`` objects (``kind: Status``) carrying an HTTP
code, a machine-readable ``reason`` and ``details``. :class:`ApiError` keeps all of them; the
``is_*`` predicates follow apimachinery's ``errors.Is*``: they match on ``reason`` and, when
the reason is not one Kubernetes defines (a proxy's HTML error page, an old server), fall back
to the HTTP code.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = [
    "ApiError",
    "WatchStalledError",
    "is_already_exists",
    "is_bad_request",
    "is_conflict",
    "is_expired",
    "is_forbidden",
    "is_gone",
    "is_internal_error",
    "is_invalid",
    "is_not_found",
    "is_server_timeout",
    "is_service_unavailable",
    "is_timeout",
    "is_too_large_resource_version",
    "is_too_many_requests",
    "is_unauthorized",
]

# Reason for each HTTP code when the body is not a Status (apimachinery's
# NewGenericServerResponse makes the same choice).
_REASON_FOR_CODE = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Gone",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}

# Every StatusReason metav1 defines; an unknown reason lets predicates fall back to the code.
_KNOWN_REASONS = frozenset(
    {
        "",
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "AlreadyExists",
        "Conflict",
        "Gone",
        "Invalid",
        "ServerTimeout",
        "StoreReadError",
        "Timeout",
        "TooManyRequests",
        "BadRequest",
        "MethodNotAllowed",
        "NotAcceptable",
        "RequestEntityTooLarge",
        "UnsupportedMediaType",
        "InternalError",
        "Expired",
        "ServiceUnavailable",
    }
)


class ApiError(Exception):
    """A failed API request.

    ``status`` is the HTTP code, ``reason`` the Status reason (``NotFound``, ``Conflict``,
    ``Expired`` ...), ``message`` the human text, ``details`` the Status details dict (name,
    group, kind, causes, retryAfterSeconds) or None, and ``body`` the decoded Status dict (or
    the raw text when the server did not send a Status).
    """

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.details = details
        self.body = body

    @property
    def causes(self) -> list[dict[str, Any]]:
        """The ``details.causes`` list (field errors of an Invalid error), possibly empty."""
        return list((self.details or {}).get("causes") or [])

    @classmethod
    def from_status(cls, status: dict[str, Any], http_status: int | None = None) -> ApiError:
        """Build from a decoded ``Status`` object (as in a watch ERROR event or an error body)."""
        code = status.get("code") or http_status or 500
        reason = status.get("reason") or ""
        if not reason and code in _REASON_FOR_CODE and code >= 400:
            reason = _REASON_FOR_CODE[code]
        return cls(
            int(code), reason, str(status.get("message") or ""), status.get("details"), status
        )

    @classmethod
    def from_response(cls, http_status: int, body: bytes) -> ApiError:
        """Build from an HTTP error response: a Status body when there is one, else the text."""
        decoded: Any = None
        try:
            decoded = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            decoded = None
        if isinstance(decoded, dict) and decoded.get("kind") == "Status":
            return cls.from_status(decoded, http_status)
        text = body.decode("utf-8", "replace").strip()[:1024]
        reason = _REASON_FOR_CODE.get(http_status, "Unknown")
        message = text or f"the server responded with HTTP {http_status}"
        return cls(http_status, reason, message, None, decoded if decoded is not None else text)


class WatchStalledError(Exception):
    """A watch stream delivered nothing (not even a bookmark) for longer than its inactivity
    timeout; the connection was closed so that the caller can re-establish it."""


def _reason_code(err: BaseException) -> tuple[str, int]:
    if isinstance(err, ApiError):
        return err.reason, err.status
    return "", 0


def _matches(err: BaseException, reason: str, code: int | None) -> bool:
    r, c = _reason_code(err)
    if r == reason:
        return bool(r)
    return code is not None and r not in _KNOWN_REASONS and c == code


def is_not_found(err: BaseException) -> bool:
    """The object (or the resource type) does not exist: reason NotFound / HTTP 404."""
    return _matches(err, "NotFound", 404)


def is_already_exists(err: BaseException) -> bool:
    """A create hit an existing name: reason AlreadyExists."""
    return _matches(err, "AlreadyExists", None)


def is_conflict(err: BaseException) -> bool:
    """Optimistic-concurrency failure (stale resourceVersion): reason Conflict / HTTP 409."""
    return _matches(err, "Conflict", 409)


def is_gone(err: BaseException) -> bool:
    """Reason Gone (old servers' 410 for expired watches) / HTTP 410 with an unknown reason."""
    return _matches(err, "Gone", 410)


def is_expired(err: BaseException) -> bool:
    """The requested resourceVersion or continue token is compacted: reason Expired / HTTP 410
    with an unknown reason (apimachinery's ``IsResourceExpired``)."""
    return _matches(err, "Expired", 410)


def is_invalid(err: BaseException) -> bool:
    """Validation failed: reason Invalid / HTTP 422; field errors are in ``err.causes``."""
    return _matches(err, "Invalid", 422)


def is_too_many_requests(err: BaseException) -> bool:
    """Server-side throttling: reason TooManyRequests or HTTP 429."""
    r, c = _reason_code(err)
    return r == "TooManyRequests" or c == 429


def is_forbidden(err: BaseException) -> bool:
    """Authorization denied: reason Forbidden / HTTP 403."""
    return _matches(err, "Forbidden", 403)


def is_unauthorized(err: BaseException) -> bool:
    """Authentication failed: reason Unauthorized / HTTP 401."""
    return _matches(err, "Unauthorized", 401)


def is_server_timeout(err: BaseException) -> bool:
    """The server could not complete the request in time and asks for a retry (ServerTimeout)."""
    return _matches(err, "ServerTimeout", None)


def is_timeout(err: BaseException) -> bool:
    """The request timed out server-side: reason Timeout / HTTP 504."""
    return _matches(err, "Timeout", 504)


def is_internal_error(err: BaseException) -> bool:
    """Reason InternalError / HTTP 500."""
    return _matches(err, "InternalError", 500)


def is_service_unavailable(err: BaseException) -> bool:
    """Reason ServiceUnavailable / HTTP 503."""
    return _matches(err, "ServiceUnavailable", 503)


def is_bad_request(err: BaseException) -> bool:
    """Reason BadRequest / HTTP 400."""
    return _matches(err, "BadRequest", 400)


def is_too_large_resource_version(err: BaseException) -> bool:
    """A read asked for a resourceVersion newer than the server has (cause
    ``ResourceVersionTooLarge``, or the older servers' "Too large resource version" Timeout)."""
    if not isinstance(err, ApiError):
        return False
    if any(c.get("reason") == "ResourceVersionTooLarge" for c in err.causes):
        return True
    if not is_timeout(err):
        return False
    if any(c.get("message") == "Too large resource version" for c in err.causes):
        return True
    return "Too large resource version" in err.message
