"""Fault injection for tests (in-process only; nothing here is reachable over the network)."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from .errors import ApiError

__all__ = ["FaultHooks"]

_REASONS = {
    429: ("TooManyRequests", "the server has received too many requests and has asked us to "
          "try again later"),
    500: ("InternalError", "an error on the server (\"injected failure\") has prevented the "
          "request from succeeding"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted"),
    409: ("Conflict", "injected conflict"),
    403: ("Forbidden", "injected forbidden"),
}


@attrs.define
class _Rule:
    verb: str | None
    resource: str | None

    def matches(self, verb: str, resource: str) -> bool:
        return (self.verb is None or self.verb == verb) and (
            self.resource is None or self.resource == resource)


@attrs.define
class _Failure(_Rule):
    remaining: int = 0
    status: int = 500
    retry_after: int | None = None


@attrs.define
class _Latency(_Rule):
    seconds: float = 0.0


class FaultHooks:
    """Test hooks of an ``EmbeddedApiServer`` (see docs/apiserver.md)."""

    def __init__(self, close_watches: Callable[[], None], compact: Callable[[], None]) -> None:
        self._close_watches = close_watches
        self._compact = compact
        self._failures: list[_Failure] = []
        self._latencies: list[_Latency] = []

    def close_watches(self) -> None:
        """End every open watch (clients see the stream end and re-watch)."""
        self._close_watches()

    def compact(self) -> None:
        """Drop the watch history: resuming from any earlier resourceVersion gets 410."""
        self._compact()

    def fail_next(
        self, n: int, status: int, *, verb: str | None = None, resource: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Fail the next ``n`` requests matching verb/resource with ``status`` (e.g. 429)."""
        self._failures.append(_Failure(verb, resource, n, status, retry_after))

    def set_latency(
        self, seconds: float, *, verb: str | None = None, resource: str | None = None
    ) -> None:
        """Delay matching requests by ``seconds`` before they are served."""
        self._latencies.append(_Latency(verb, resource, seconds))

    def clear(self) -> None:
        """Remove every injected failure and latency."""
        self._failures.clear()
        self._latencies.clear()

    @property
    def active(self) -> bool:
        return bool(self._failures or self._latencies)

    def latency(self, verb: str, resource: str) -> float:
        return max((r.seconds for r in self._latencies if r.matches(verb, resource)), default=0.0)

    def failure(self, verb: str, resource: str) -> ApiError | None:
        """The injected error for this request, consuming one count of its rule."""
        for rule in self._failures:
            if rule.remaining > 0 and rule.matches(verb, resource):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._failures.remove(rule)
                reason, message = _REASONS.get(rule.status, ("InternalError", "injected"))
                headers = {}
                details = None
                if rule.retry_after is not None:
                    headers["Retry-After"] = str(rule.retry_after)
                    details = {"retryAfterSeconds": rule.retry_after}
                return ApiError(rule.status, reason, message, details, headers)
        return None
