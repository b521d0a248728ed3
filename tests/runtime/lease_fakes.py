"""An in-memory Lock with optimistic concurrency, for elector rule tests.

The rules are tested on it so that each is a few deterministic FakeClock steps; LeaseLock
itself is tested against the embedded API server in test_leaderelection_lease.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tekpy.runtime.leaderelection import LeaderElectionRecord


class StatusError(Exception):
    """An error carrying an HTTP status like the client's ApiError."""

    def __init__(self, status: int) -> None:
        super().__init__(f"status {status}")
        self.status = status


@dataclass
class MemStore:
    """One lock object shared by several MemLocks (one per candidate)."""

    record: LeaderElectionRecord | None = None
    version: int = 0
    writes: list[LeaderElectionRecord] = field(default_factory=list)
    fail_reads: bool = False
    fail_writes: bool = False

    def put(self, record: LeaderElectionRecord) -> None:
        """Write as an outside party would (bumps the version)."""
        self.record = record
        self.version += 1


class MemLock:
    def __init__(self, store: MemStore, identity: str) -> None:
        self.store = store
        self._identity = identity
        self._seen_version: int | None = None

    @property
    def identity(self) -> str:
        return self._identity

    def describe(self) -> str:
        return "mem/lock"

    async def get(self) -> LeaderElectionRecord | None:
        if self.store.fail_reads:
            raise StatusError(500)
        if self.store.record is None:
            return None
        self._seen_version = self.store.version
        return self.store.record

    async def create(self, record: LeaderElectionRecord) -> None:
        if self.store.fail_writes:
            raise StatusError(500)
        if self.store.record is not None:
            raise StatusError(409)
        self.store.put(record)
        self.store.writes.append(record)
        self._seen_version = self.store.version

    async def update(self, record: LeaderElectionRecord) -> None:
        if self.store.fail_writes:
            raise StatusError(500)
        if self._seen_version != self.store.version:
            raise StatusError(409)
        self.store.put(record)
        self.store.writes.append(record)
        self._seen_version = self.store.version
