"""The reconcile contract: :class:`Request` in, :class:`Result` out.

A reconciler is level-based: given the namespace and name of an object it reads the current
state (usually from the cache) and converges the world towards it. It is never told which
event woke it, and may be called again for the same object at any time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple, Protocol, runtime_checkable

__all__ = ["Reconciler", "ReconcileFunc", "Request", "Result", "TerminalError"]


class Request(NamedTuple):
    """Which object to reconcile. Frozen and hashable (it is the work-queue key).

    ``namespace`` is ``""`` for a cluster-scoped object.
    """

    namespace: str
    name: str

    @property
    def key(self) -> str:
        """The cache key: ``namespace/name``, or ``name`` when cluster-scoped."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @classmethod
    def from_key(cls, key: str) -> Request:
        """Parse a cache key (``namespace/name`` or ``name``)."""
        namespace, _, name = key.rpartition("/")
        return cls(namespace, name)

    @classmethod
    def for_object(cls, obj: dict[str, Any]) -> Request:
        """The request for a Kubernetes object (a dict with ``metadata``)."""
        meta = obj.get("metadata") or {}
        return cls(meta.get("namespace") or "", meta.get("name") or "")

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class Result:
    """What to do after a successful reconcile.

    * ``Result()``: done; the item's retry history is forgotten.
    * ``requeue_after=seconds`` (float or timedelta): reconcile again after that delay; the
      retry history is forgotten first (as controller-runtime).
    * ``requeue=True``: reconcile again after the rate limiter's delay.

    Both are ignored when the reconcile raises.
    """

    requeue: bool = False
    requeue_after: float | timedelta | None = None

    @property
    def requeue_after_seconds(self) -> float:
        """``requeue_after`` in seconds (0 when unset)."""
        after = self.requeue_after
        if after is None:
            return 0.0
        return after.total_seconds() if isinstance(after, timedelta) else float(after)


@runtime_checkable
class Reconciler(Protocol):
    """Anything with ``async reconcile(request) -> Result``; returning ``None`` means
    ``Result()``. Raise :class:`TerminalError` for a failure that retrying cannot fix; any
    other exception is retried with rate-limited backoff."""

    async def reconcile(self, request: Request) -> Result | None:
        """Converge the object named by ``request``."""
        ...


#: A plain ``async def`` reconcile function, accepted wherever a :class:`Reconciler` is.
ReconcileFunc = Callable[[Request], Awaitable["Result | None"]]


class TerminalError(Exception):
    """A reconcile failure that retrying will not fix.

    The controller logs it and counts it in
    ``controller_runtime_terminal_reconcile_errors_total`` (and, as controller-runtime, in
    ``controller_runtime_reconcile_errors_total``) but does not requeue the request; a later
    change to the object triggers a new reconcile as usual. Wrap a cause with
    ``raise TerminalError("why") from cause`` or ``TerminalError(cause)``.
    """
