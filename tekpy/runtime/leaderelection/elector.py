"""client-go's leader election algorithm on an abstract :class:`Lock`.

Rules (each has a unit test in tests/runtime/test_leaderelection.py):

* A candidate tries to acquire the lock every ``retry_period`` plus a random jitter of up to
  ``JITTER_FACTOR * retry_period``, until it succeeds or is cancelled.
* Expiry is judged on the candidate's own monotonic clock: a lease held by another is valid
  until ``lease_duration_seconds`` after the moment this candidate last *saw the record
  change*. Remote timestamps are never compared with local time, so clock skew is harmless.
* A leader renews every ``retry_period``; when it cannot renew within ``renew_deadline`` it
  stops leading (``on_stopped_leading``) - before the lease can expire for the others,
  since ``renew_deadline < lease_duration``.
* ``leaseTransitions`` increments each time the holder changes; a renewal keeps
  ``acquireTime`` and the count.
* With ``release_on_cancel``, a leader that is cancelled writes an empty holder with a
  one-second lease, so a standby takes over at its next retry instead of waiting out the
  lease. (Unlike client-go, a leader whose renewal failed does not try to release: its
  writes have been failing for ``renew_deadline``, and trying again would only delay
  ``on_stopped_leading`` while the lease runs out.)
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import attrs

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.leaderelection.leaselock import Lock, is_conflict_error
from tekpy.runtime.leaderelection.record import LeaderElectionRecord
from tekpy.runtime.metrics.leaderelection import (
    LEADER_ELECTION_MASTER_STATUS,
    LEADER_ELECTION_SLOWPATH_TOTAL,
)

__all__ = ["JITTER_FACTOR", "LeaderElectionConfig", "LeaderElector"]

log = logging.getLogger("tekpy.runtime.leaderelection")

JITTER_FACTOR = 1.2
"""Maximum extra wait between acquire attempts, as a multiple of ``retry_period``."""

Callback = Callable[[], Awaitable[None] | None]
NewLeaderCallback = Callable[[str], Awaitable[None] | None]


@attrs.frozen
class LeaderElectionConfig:
    """How an elector competes for ``lock``; durations in seconds (client-go's defaults).

    Callbacks may be plain functions or coroutine functions. ``on_started_leading`` runs as
    a task that is cancelled when leadership ends; ``on_stopped_leading`` is always called
    when :meth:`LeaderElector.run` ends (even if it never led, as in client-go);
    ``on_new_leader`` is called with the new holder's identity whenever it changes.
    ``name`` labels the ``leader_election_master_status`` metric (default: the lock).
    """

    lock: Lock
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    on_started_leading: Callback | None = None
    on_stopped_leading: Callback | None = None
    on_new_leader: NewLeaderCallback | None = None
    release_on_cancel: bool = False
    name: str = ""

    def validate(self) -> None:
        """Raise ``ValueError`` for settings that could let two candidates lead at once."""
        if self.lease_duration <= self.renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if self.renew_deadline <= JITTER_FACTOR * self.retry_period:
            raise ValueError("renew_deadline must be greater than retry_period*JitterFactor")
        if self.lease_duration < 1:
            raise ValueError("lease_duration must be at least one second (Leases count seconds)")
        if self.renew_deadline <= 0 or self.retry_period <= 0:
            raise ValueError("renew_deadline and retry_period must be greater than zero")
        if not self.lock.identity:
            raise ValueError("lock identity is empty")


class LeaderElector:
    """Runs the election for one candidate: ``await elector.run()`` (cancel to stop)."""

    def __init__(
        self,
        config: LeaderElectionConfig,
        *,
        clock: Clock = REAL_CLOCK,
        rng: random.Random | None = None,
    ) -> None:
        config.validate()
        self.config = config
        self._lock = config.lock
        self._clock = clock
        self._rng = rng or random.Random()
        self.name = config.name or config.lock.describe()
        self._observed_record = LeaderElectionRecord()
        # The record as last *read* from the lock (client-go's observedRawRecord): a read
        # that differs from it is a change, and restarts the expiry countdown.
        self._observed_read: LeaderElectionRecord | None = None
        self._observed_time = float("-inf")
        self._reported_leader = ""
        self._background: set[asyncio.Task[Any]] = set()
        LEADER_ELECTION_MASTER_STATUS.labels(self.name).set(0)

    # -- observation ---------------------------------------------------------------------

    @property
    def observed_record(self) -> LeaderElectionRecord:
        """The last record this elector read or wrote."""
        return self._observed_record

    def is_leader(self) -> bool:
        """Whether the last observed record names this candidate as holder."""
        return self._observed_record.holder_identity == self._lock.identity

    def get_leader(self) -> str:
        """The identity of the last observed holder (``""`` when none)."""
        return self._observed_record.holder_identity

    def check(self, max_tolerable_expired_lease: float) -> None:
        """Health check: raise if we believe we lead but have not renewed for too long."""
        if not self.is_leader():
            return
        since = self._clock.monotonic() - self._observed_time
        if since > self.config.lease_duration + max_tolerable_expired_lease:
            raise RuntimeError(f"failed election to renew leadership on lease {self.name}")

    def _set_observed(self, record: LeaderElectionRecord) -> None:
        self._observed_record = record
        self._observed_time = self._clock.monotonic()

    def _is_lease_valid(self, now: float) -> bool:
        return self._observed_time + self._observed_record.lease_duration_seconds > now

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Acquire, then renew until renewal fails or the task is cancelled.

        Returns normally when leadership is lost; raises ``CancelledError`` when cancelled
        (after releasing the lock if ``release_on_cancel``).
        """
        try:
            await self._acquire()
            leading = self._invoke(self.config.on_started_leading)
            cancelled = False
            try:
                await self._renew()
            except asyncio.CancelledError:
                cancelled = True
                raise
            finally:
                if leading is not None and not leading.done():
                    leading.cancel()
                    await asyncio.gather(leading, return_exceptions=True)
                # Release only on cancellation. After a failed renewal (client-go releases
                # then too) the API has refused our writes for renew_deadline already;
                # trying again would only delay on_stopped_leading while the lease runs out.
                if cancelled and self.config.release_on_cancel:
                    await self._release()
        finally:
            cb = self.config.on_stopped_leading
            if cb is not None:
                result = cb()
                if inspect.isawaitable(result):
                    await result

    async def _acquire(self) -> None:
        desc = self._lock.describe()
        log.info("attempting to acquire leader lease lock=%s", desc)
        while True:
            succeeded = await self._try_acquire_or_renew()
            self._maybe_report_transition()
            if succeeded:
                LEADER_ELECTION_MASTER_STATUS.labels(self.name).set(1)
                log.info("successfully acquired lease lock=%s", desc)
                return
            period = self.config.retry_period
            await self._clock.sleep(period + self._rng.random() * JITTER_FACTOR * period)

    async def _renew(self) -> None:
        desc = self._lock.describe()
        try:
            while True:
                deadline = self._clock.monotonic() + self.config.renew_deadline
                renewed = await self._renew_before(deadline)
                self._maybe_report_transition()
                if not renewed:
                    log.info("failed to renew lease lock=%s", desc)
                    return
                await self._clock.sleep(self.config.retry_period)
        finally:
            LEADER_ELECTION_MASTER_STATUS.labels(self.name).set(0)

    async def _renew_before(self, deadline: float) -> bool:
        """Try now, then every ``retry_period``, until success or ``deadline``."""
        while True:
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                return False
            if await self._within(self._try_acquire_or_renew(), remaining):
                return True
            remaining = deadline - self._clock.monotonic()
            await self._clock.sleep(min(self.config.retry_period, max(remaining, 0.0)))
            if self._clock.monotonic() >= deadline:
                return False

    async def _within(self, attempt: Coroutine[Any, Any, bool], limit: float) -> bool:
        """Run ``attempt`` but give up (cancelling it) after ``limit`` seconds of clock time."""
        work = asyncio.ensure_future(attempt)
        timer = asyncio.ensure_future(self._clock.sleep(limit))
        try:
            await asyncio.wait({work, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (work, timer):
                if not task.done():
                    task.cancel()
            await asyncio.gather(work, timer, return_exceptions=True)
        return work.done() and not work.cancelled() and work.exception() is None and work.result()

    # -- one attempt -----------------------------------------------------------------------

    async def _try_acquire_or_renew(self) -> bool:
        lock = self._lock
        now_wall = self._clock.now()
        now = self._clock.monotonic()
        record = LeaderElectionRecord(
            holder_identity=lock.identity,
            lease_duration_seconds=int(self.config.lease_duration),
            acquire_time=now_wall,
            renew_time=now_wall,
        )

        # Fast path: we hold a lease that is still valid by our own clock, so write without
        # reading first. A conflict (someone else wrote) falls back to the slow path.
        if self.is_leader() and self._is_lease_valid(now):
            observed = self._observed_record
            record = attrs.evolve(
                record,
                acquire_time=observed.acquire_time,
                leader_transitions=observed.leader_transitions,
            )
            try:
                await lock.update(record)
            except Exception as exc:
                log.debug("optimistic lease update failed lock=%s err=%s", lock.describe(), exc)
            else:
                self._set_observed(record)
                return True

        try:
            old = await lock.get()
        except Exception as exc:
            log.error("error retrieving lease lock lock=%s err=%s", lock.describe(), exc)
            return False
        if old is None:
            try:
                await lock.create(record)
            except Exception as exc:
                log.error("error creating lease lock lock=%s err=%s", lock.describe(), exc)
                return False
            self._set_observed(record)
            return True

        if old != self._observed_read:
            self._set_observed(old)
            self._observed_read = old
        if old.holder_identity and self._is_lease_valid(now) and not self.is_leader():
            log.debug("lease held lock=%s holder=%s", lock.describe(), old.holder_identity)
            return False

        if self.is_leader():
            record = attrs.evolve(
                record, acquire_time=old.acquire_time, leader_transitions=old.leader_transitions
            )
            LEADER_ELECTION_SLOWPATH_TOTAL.labels(self.name).inc()
        else:
            record = attrs.evolve(record, leader_transitions=old.leader_transitions + 1)
        try:
            await lock.update(record)
        except Exception as exc:
            log.error("failed to update lease lock=%s err=%s", lock.describe(), exc)
            return False
        self._set_observed(record)
        return True

    async def _release(self) -> bool:
        """Give the lease up (empty holder, 1 s duration), bounded by ``renew_deadline``."""
        return await self._within(self._try_release(), self.config.renew_deadline)

    async def _try_release(self) -> bool:
        lock = self._lock
        while True:
            try:
                old = await lock.get()
            except Exception as exc:
                log.error("error retrieving lease lock lock=%s err=%s", lock.describe(), exc)
                return False
            if old is None:
                log.info("lease lock not found lock=%s", lock.describe())
                return False
            if not self.is_leader():
                return True
            now_wall = self._clock.now()
            record = LeaderElectionRecord(
                holder_identity="",
                lease_duration_seconds=1,
                acquire_time=now_wall,
                renew_time=now_wall,
                leader_transitions=old.leader_transitions,
            )
            try:
                await lock.update(record)
            except Exception as exc:
                if is_conflict_error(exc):
                    continue
                log.error("failed to release lease lock=%s err=%s", lock.describe(), exc)
                return False
            self._set_observed(record)
            log.info("released lease lock=%s", lock.describe())
            return True

    # -- callbacks -----------------------------------------------------------------------

    def _maybe_report_transition(self) -> None:
        holder = self._observed_record.holder_identity
        if holder == self._reported_leader:
            return
        self._reported_leader = holder
        cb = self.config.on_new_leader
        if cb is not None:
            self._invoke(lambda: cb(holder))

    def _invoke(self, cb: Callback | None) -> asyncio.Task[Any] | None:
        """Call ``cb``; if it returns an awaitable, run it as a task (kept referenced)."""
        if cb is None:
            return None
        try:
            result = cb()
        except Exception:
            log.exception("leader election callback failed")
            return None
        if not inspect.isawaitable(result):
            return None

        async def _await(aw: Awaitable[None]) -> None:
            await aw

        task = asyncio.ensure_future(_await(result))
        self._background.add(task)
        task.add_done_callback(self._callback_done)
        return task

    def _callback_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("leader election callback failed", exc_info=task.exception())
