"""Knative-style sharded leader election: keys spread over N buckets, one Lease per bucket.

Every replica runs one elector per bucket (Lease ``<prefix>.<i>-of-<n>``), so each bucket
has at most one leader and a replica may lead several. A reconciler then handles only the
keys whose bucket it leads (``election.has(key)``) and, when it gains a bucket, re-enqueues
that bucket's keys (``on_promote``). Losing a bucket (``on_demote``) needs no action: the
keys are simply skipped from then on. An elector that loses its bucket competes again.

As in Knative's standard builder, buckets go to whichever replica acquires them first, so
a replica that starts late leads nothing until a holder goes away; the gain is that a
failure moves only the failed replica's buckets and that work spreads once replicas
restart at different times.

Keys map to buckets as in Knative (:mod:`.keyhash`: FNV-1a 64 on a per-key ring of 2048
slots): stable across replicas and processes, and changing the bucket count moves only the
keys that must move. The Manager wires this into controllers (``leader_election_buckets``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.leaderelection.elector import LeaderElectionConfig, LeaderElector
from tekpy.runtime.leaderelection.keyhash import KeyHasher, namespaced_key
from tekpy.runtime.leaderelection.leaselock import LeaseLock, Lock

if TYPE_CHECKING:
    from tekpy.runtime.client import Client

__all__ = ["BucketSet", "BucketedElection", "bucket_names"]

log = logging.getLogger("tekpy.runtime.leaderelection")

BucketCallback = Callable[[str], Awaitable[None] | None]


def bucket_names(prefix: str, total: int) -> list[str]:
    """``<prefix>.00-of-03``, ``<prefix>.01-of-03``, ... (Knative's Lease names)."""
    if total < 1:
        raise ValueError("at least one bucket is needed")
    return [f"{prefix}.{i:02d}-of-{total:02d}".lower() for i in range(total)]


class BucketSet:
    """Assigns keys (``namespace/name`` or a Request) to one of ``names``, and knows which
    buckets this replica ``held`` (maintained by :class:`BucketedElection`)."""

    #: Lookups remembered before the memo is dropped (recomputing is cheap but not free).
    MEMO_SIZE = 16384

    def __init__(self, names: Iterable[str], held: Iterable[str] = ()) -> None:
        self._hasher = KeyHasher(names)
        self.names = self._hasher.names
        self.held: set[str] = set(held)
        self._cache: dict[str, str] = {}

    def has(self, key: Any) -> bool:
        """Whether ``key`` belongs to a bucket in :attr:`held`."""
        return self.owner_of(key) in self.held

    def owner_of(self, key: Any) -> str:
        """The bucket that ``key`` belongs to (a cluster-scoped ``name`` counts as
        ``/name``, as in Knative)."""
        k = namespaced_key(key)
        owner = self._cache.get(k)
        if owner is None:
            owner = self._hasher.bucket_of(k)
            if len(self._cache) >= self.MEMO_SIZE:
                self._cache.clear()
            self._cache[k] = owner
        return owner


class BucketedElection:
    """Runs one :class:`LeaderElector` per bucket; ``await election.run()`` (cancel to stop).

    ``on_promote(bucket)`` / ``on_demote(bucket)`` (plain or coroutine functions) run when
    this replica gains or loses a bucket. ``lock_for(name)`` builds each bucket's lock;
    by default a :class:`LeaseLock` in ``namespace`` for ``client``.
    """

    #: An election runs on every replica (read by the Manager's ``add``).
    needs_leader_election = False

    def __init__(
        self,
        prefix: str,
        total: int,
        identity: str,
        *,
        client: Client | None = None,
        namespace: str = "default",
        lock_for: Callable[[str], Lock] | None = None,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        release_on_cancel: bool = True,
        on_promote: BucketCallback | None = None,
        on_demote: BucketCallback | None = None,
        clock: Clock = REAL_CLOCK,
    ) -> None:
        if lock_for is None:
            if client is None:
                raise ValueError("give a client (Lease locks) or lock_for")
            lock_for = lambda name: LeaseLock(client, namespace, name, identity)  # noqa: E731
        self.buckets = BucketSet(bucket_names(prefix, total))
        self.identity = identity
        self.name = f"bucket-election:{prefix.lower()}"
        """Names the election as a Manager runnable."""
        self._on_promote = on_promote
        self._on_demote = on_demote
        self._clock = clock
        self._configs = {
            name: LeaderElectionConfig(
                lock=lock_for(name),
                lease_duration=lease_duration,
                renew_deadline=renew_deadline,
                retry_period=retry_period,
                release_on_cancel=release_on_cancel,
                on_started_leading=partial(self._promoted, name),
                on_stopped_leading=partial(self._demoted, name),
                name=name,
            )
            for name in self.buckets.names
        }
        for config in self._configs.values():
            config.validate()  # fail here rather than when run() builds the electors

    @property
    def held(self) -> frozenset[str]:
        """The buckets this replica leads now."""
        return frozenset(self.buckets.held)

    def has(self, key: Any) -> bool:
        """Whether this replica leads the bucket of ``key`` (a Request or ``ns/name``)."""
        return self.buckets.has(key)

    async def start(self) -> None:
        """Same as :meth:`run` (the Manager's runnable protocol)."""
        await self.run()

    async def run(self) -> None:
        """Compete for every bucket until cancelled (releasing held Leases on the way out
        when ``release_on_cancel``)."""
        tasks = [
            asyncio.create_task(self._run_bucket(name), name=f"bucket-election:{name}")
            for name in self.buckets.names
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run_bucket(self, name: str) -> None:
        while True:  # a lost bucket is contested again, as Knative re-runs its electors
            elector = LeaderElector(self._configs[name], clock=self._clock)
            await elector.run()
            log.info("bucket lost, competing again bucket=%s identity=%s", name, self.identity)

    def _promoted(self, name: str) -> Awaitable[None] | None:
        self.buckets.held.add(name)
        log.info("bucket acquired bucket=%s identity=%s", name, self.identity)
        return self._on_promote(name) if self._on_promote else None

    def _demoted(self, name: str) -> Awaitable[None] | None:
        if name not in self.buckets.held:
            return None  # the elector ended without ever leading
        self.buckets.held.discard(name)
        log.info("bucket released bucket=%s identity=%s", name, self.identity)
        return self._on_demote(name) if self._on_demote else None
