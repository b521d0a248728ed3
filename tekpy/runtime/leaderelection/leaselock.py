"""Resource locks: the storage an elector competes for.

:class:`LeaseLock` keeps the record in a ``coordination.k8s.io/v1`` Lease, as client-go's
``resourcelock.LeaseLock`` does. Updates carry the last seen ``resourceVersion``, so two
electors racing for the same Lease cannot both win: the API server rejects the loser with a
409 Conflict.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Protocol

from tekpy.runtime.leaderelection.record import LeaderElectionRecord

if TYPE_CHECKING:
    from tekpy.runtime.client import Client

__all__ = ["Lock", "LeaseLock", "is_conflict_error", "is_not_found_error"]


def _leases_resource() -> Any:
    # Imported late: the client package is only needed once a LeaseLock is built.
    from tekpy.runtime.client import Resource

    return Resource("coordination.k8s.io", "v1", "leases", "Lease", namespaced=True)


def is_not_found_error(exc: BaseException) -> bool:
    """True for an API error with HTTP status 404 (duck-typed on ``status``)."""
    return getattr(exc, "status", None) == 404


def is_conflict_error(exc: BaseException) -> bool:
    """True for an API error with HTTP status 409 (duck-typed on ``status``)."""
    return getattr(exc, "status", None) == 409


class Lock(Protocol):
    """What :class:`~tekpy.runtime.leaderelection.LeaderElector` needs from its storage."""

    @property
    def identity(self) -> str:
        """This candidate's unique identity (written as the holder when it leads)."""
        ...

    def describe(self) -> str:
        """A human-readable name of the lock, for logs (``namespace/name``)."""
        ...

    async def get(self) -> LeaderElectionRecord | None:
        """The stored record, or ``None`` when the lock object does not exist."""
        ...

    async def create(self, record: LeaderElectionRecord) -> None:
        """Create the lock object holding ``record`` (fails if it already exists)."""
        ...

    async def update(self, record: LeaderElectionRecord) -> None:
        """Replace the record, conditional on the last object read (409 on a race)."""
        ...


class LeaseLock:
    """A lock stored in the Lease ``namespace/name``.

    ``identity`` must be unique per candidate (the Manager uses ``<hostname>_<uuid>``).
    ``labels`` are set on the Lease when it is created or updated.
    """

    def __init__(
        self,
        client: Client,
        namespace: str,
        name: str,
        identity: str,
        *,
        labels: dict[str, str] | None = None,
    ) -> None:
        if not identity:
            raise ValueError("a lock identity must not be empty")
        self._client = client
        self.namespace = namespace
        self.name = name
        self._identity = identity
        self._labels = dict(labels or {})
        self._resource = _leases_resource()
        # The last Lease read or written: updates send its resourceVersion.
        self._lease: dict[str, Any] | None = None

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def lease(self) -> dict[str, Any] | None:
        """The last Lease object this lock read or wrote (read-only)."""
        return self._lease

    def describe(self) -> str:
        return f"{self.namespace}/{self.name}"

    async def get(self) -> LeaderElectionRecord | None:
        try:
            lease = await self._client.get(self._resource, self.name, namespace=self.namespace)
        except Exception as exc:
            if is_not_found_error(exc):
                return None
            raise
        self._lease = lease
        return LeaderElectionRecord.from_lease_spec(lease.get("spec"))

    async def create(self, record: LeaderElectionRecord) -> None:
        metadata: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if self._labels:
            metadata["labels"] = dict(self._labels)
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": record.to_lease_spec(),
        }
        self._lease = await self._client.create(self._resource, body, namespace=self.namespace)

    async def update(self, record: LeaderElectionRecord) -> None:
        if self._lease is None:
            raise RuntimeError("lease not initialised: call get() or create() first")
        body = copy.deepcopy(self._lease)
        body["spec"] = record.to_lease_spec()
        if self._labels:
            body.setdefault("metadata", {}).setdefault("labels", {}).update(self._labels)
        self._lease = await self._client.update(self._resource, body, namespace=self.namespace)
