"""The Manager's bucket mode: one :class:`BucketedElection` per controller, wired to it.

For each controller added, the bucket Leases are ``<component>.<controller>.<i>-of-<n>``
(Knative's names, lower case). The controller's ``key_filter`` becomes the election's
``has``, so its workers drop the keys of buckets this replica does not hold; gaining a
bucket calls the controller's ``resync`` for that bucket's keys. Losing one needs nothing:
its keys fail the filter from then on, and the election competes for it again.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from tekpy.runtime.clock import Clock
from tekpy.runtime.leaderelection import (
    BucketedElection,
    LeaderElectionConfig,
    LeaseLock,
    bucket_names,
)
from tekpy.runtime.manager.runnables import RunnableGroup

if TYPE_CHECKING:
    from collections.abc import Callable

    from tekpy.runtime.client import Client

__all__ = ["ControllerBuckets"]

log = logging.getLogger("tekpy.runtime.manager")

# A Lease name is a DNS subdomain (RFC 1123), at most 253 characters.
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


class ControllerBuckets:
    """The bucket elections of one Manager; ``total`` buckets per controller.

    The lease settings are checked here, as a single-Lease elector checks them.
    """

    def __init__(
        self,
        client: Client,
        identity: str,
        *,
        component: str,
        total: int,
        namespace: str,
        lease_duration: float,
        renew_deadline: float,
        retry_period: float,
        release_on_cancel: bool,
        clock: Clock,
        on_error: Callable[[BaseException], None],
    ) -> None:
        if total < 1:
            raise ValueError("leader_election_buckets must be at least 1")
        LeaderElectionConfig(
            lock=LeaseLock(client, namespace, component, identity),
            lease_duration=lease_duration,
            renew_deadline=renew_deadline,
            retry_period=retry_period,
        ).validate()
        self.total = total
        self.renew_deadline = renew_deadline
        self.elections: dict[str, BucketedElection] = {}
        self.group = RunnableGroup("bucket-elections", on_error)
        self._client = client
        self._identity = identity
        self._component = component
        self._namespace = namespace
        self._clock = clock
        self._lease_duration = lease_duration
        self._retry_period = retry_period
        self._release_on_cancel = release_on_cancel

    @property
    def held(self) -> frozenset[str]:
        """The Lease names of the buckets held now, over all controllers."""
        held: set[str] = set()
        for election in self.elections.values():
            held |= election.held
        return frozenset(held)

    def add(self, controller: Any) -> BucketedElection:
        """Give ``controller`` (a :class:`~tekpy.runtime.controller.Controller` or alike:
        ``name``, ``key_filter``, ``resync``) its election; ValueError if it is not one,
        if its name is taken, or if it makes an invalid Lease name."""
        name = getattr(controller, "name", None)
        if not name or not hasattr(controller, "key_filter") or not callable(
            getattr(controller, "resync", None)
        ):
            raise ValueError(
                f"in bucket mode only controllers may need leader election, not "
                f"{controller!r}; add it with needs_leader_election=False"
            )
        if name in self.elections:
            raise ValueError(f"a controller named {name!r} was already added")
        prefix = f"{self._component}.{name}".lower()
        longest = bucket_names(prefix, self.total)[-1]
        if len(longest) > 253 or not _DNS_SUBDOMAIN.fullmatch(longest):
            raise ValueError(f"bucket Lease name {longest!r} is not a valid DNS subdomain: "
                             "use a controller name of lower-case letters, digits and '-'")

        def promoted(bucket: str) -> None:
            # A global resync limited to the new bucket: its objects may have changed while
            # another replica held it, and this replica dropped their events meanwhile.
            count = controller.resync(lambda req: election.buckets.owner_of(req) == bucket)
            log.info("bucket acquired, keys enqueued controller=%s bucket=%s keys=%d",
                     name, bucket, count)

        def demoted(bucket: str) -> None:
            log.info("bucket lost, its keys are dropped from now on controller=%s bucket=%s",
                     name, bucket)

        election = BucketedElection(
            prefix,
            self.total,
            self._identity,
            client=self._client,
            namespace=self._namespace,
            on_promote=promoted,
            on_demote=demoted,
            lease_duration=self._lease_duration,
            renew_deadline=self.renew_deadline,
            retry_period=self._retry_period,
            release_on_cancel=self._release_on_cancel,
            clock=self._clock,
        )
        controller.key_filter = election.has
        self.elections[name] = election
        self.group.add(election)
        return election

    def start(self) -> None:
        """Start competing (once the controllers have been started)."""
        self.group.start()

    async def stop(self, grace: float) -> None:
        """Stop competing, releasing the held Leases when configured to; each release is
        bounded by ``renew_deadline``, so wait at least that long."""
        await self.group.stop(max(grace, self.renew_deadline))
