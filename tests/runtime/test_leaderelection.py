"""Every rule of the leader elector, driven by a FakeClock over an in-memory lock."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from lease_fakes import MemLock, MemStore

from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.leaderelection import (
    JITTER_FACTOR,
    LeaderElectionConfig,
    LeaderElectionRecord,
    LeaderElector,
)
from tekpy.runtime.metrics.registry import REGISTRY


class FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


class Events:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.leading = asyncio.Event()

    async def started(self) -> None:
        self.log.append("started")
        self.leading.set()
        await asyncio.Event().wait()  # lead until cancelled

    def stopped(self) -> None:
        self.log.append("stopped")

    def new_leader(self, identity: str) -> None:
        self.log.append(f"leader={identity}")


def make(
    store: MemStore,
    identity: str,
    clock: FakeClock,
    events: Events | None = None,
    *,
    release: bool = False,
    jitter: float = 0.0,
    name: str = "",
) -> LeaderElector:
    ev = events or Events()
    cfg = LeaderElectionConfig(
        lock=MemLock(store, identity),
        lease_duration=15,
        renew_deadline=10,
        retry_period=2,
        on_started_leading=ev.started,
        on_stopped_leading=ev.stopped,
        on_new_leader=ev.new_leader,
        release_on_cancel=release,
        name=name or f"test-{identity}-{id(store)}",
    )
    return LeaderElector(cfg, clock=clock, rng=FixedRandom(jitter))


def master_status(name: str) -> float | None:
    return REGISTRY.get_sample_value("leader_election_master_status", {"name": name})


async def leading(ev: Events) -> None:
    """Wait until leading, then let the elector reach its next sleep."""
    await asyncio.wait_for(ev.leading.wait(), 5)
    await settle()


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def held_by(holder: str, clock: FakeClock, transitions: int = 0) -> LeaderElectionRecord:
    return LeaderElectionRecord(holder, 15, clock.now(), clock.now(), transitions)


@pytest.mark.parametrize(
    ("lease", "renew", "retry", "message"),
    [
        pytest.param(10, 10, 2, "lease_duration must be greater", id="lease-not-above-renew"),
        pytest.param(15, 2.4, 2, r"retry_period\*JitterFactor", id="renew-within-jittered-retry"),
        pytest.param(0.9, 0.5, 0.1, "at least one second", id="sub-second-lease"),
        pytest.param(15, 10, 0, "greater than zero", id="zero-retry"),
    ],
)
def test_config_validation_rejects_unsafe_timings(
    lease: float, renew: float, retry: float, message: str
) -> None:
    cfg = LeaderElectionConfig(
        lock=MemLock(MemStore(), "a"),
        lease_duration=lease,
        renew_deadline=renew,
        retry_period=retry,
    )
    with pytest.raises(ValueError, match=message):
        LeaderElector(cfg)


def test_empty_identity_is_rejected() -> None:
    with pytest.raises(ValueError, match="identity"):
        LeaderElector(LeaderElectionConfig(lock=MemLock(MemStore(), "")))


async def test_absent_lock_is_created_and_leadership_starts() -> None:
    clock, store, ev = FakeClock(), MemStore(), Events()
    el = make(store, "a", clock, ev)
    assert master_status(el.name) == 0
    task = asyncio.create_task(el.run())
    await leading(ev)
    assert store.record is not None
    assert store.record.holder_identity == "a"
    assert store.record.lease_duration_seconds == 15
    assert store.record.leader_transitions == 0
    assert store.record.acquire_time == clock.now()
    assert el.is_leader() and el.get_leader() == "a"
    assert master_status(el.name) == 1
    assert ev.log == ["leader=a", "started"]
    await stop(task)
    assert ev.log[-1] == "stopped"
    assert master_status(el.name) == 0


async def test_valid_lease_of_another_is_respected_and_retried_with_jitter() -> None:
    clock, store = FakeClock(), MemStore()
    store.put(held_by("other", clock))
    ev = Events()
    el = make(store, "a", clock, ev, jitter=0.5)
    task = asyncio.create_task(el.run())
    await settle()
    assert not el.is_leader() and el.get_leader() == "other"
    assert ev.log == ["leader=other"]
    # The retry sleeps retry_period plus rand*JitterFactor*retry_period.
    assert clock.next_deadline() == pytest.approx(clock.monotonic() + 2 + 0.5 * JITTER_FACTOR * 2)
    await clock.advance(3.2)
    assert not el.is_leader()
    await stop(task)


async def test_expiry_is_measured_from_local_observation_not_remote_timestamps() -> None:
    clock, store = FakeClock(), MemStore()
    # The holder's renewTime is a day old by our wall clock: a skewed remote clock must not
    # make us take the lease early.
    old = clock.now() - timedelta(days=1)
    store.put(LeaderElectionRecord("other", 15, old, old, 4))
    ev = Events()
    el = make(store, "a", clock, ev)
    task = asyncio.create_task(el.run())
    await settle()
    assert not el.is_leader()
    await clock.advance(14)  # several retries; the record has not changed
    assert not ev.leading.is_set()
    await clock.advance(2)  # 16 s after we first saw it: expired
    await leading(ev)
    assert store.record is not None and store.record.holder_identity == "a"
    assert store.record.leader_transitions == 5
    await stop(task)


async def test_a_changing_record_restarts_the_countdown() -> None:
    clock, store = FakeClock(), MemStore()
    store.put(held_by("other", clock))
    ev = Events()
    el = make(store, "a", clock, ev)
    task = asyncio.create_task(el.run())
    await settle()
    for _ in range(5):  # the holder renews every 10 s; 50 s pass, far beyond 15 s
        await clock.advance(10)
        store.put(held_by("other", clock))
    assert not ev.leading.is_set()
    last_change = clock.monotonic()
    while not ev.leading.is_set():
        await clock.advance(1)
    # Expired 15 s after the elector saw the last change (at its next 2 s retry).
    assert 15 < clock.monotonic() - last_change <= 15 + 2 + 1
    await stop(task)


async def test_leader_renews_every_retry_period_keeping_acquire_time_and_transitions() -> None:
    clock, store = FakeClock(), MemStore()
    acquired = clock.now()
    store.put(LeaderElectionRecord("", 1, acquired, acquired, 3))  # released earlier
    ev = Events()
    el = make(store, "a", clock, ev)
    task = asyncio.create_task(el.run())
    await leading(ev)
    first = store.record
    assert first is not None and first.leader_transitions == 4
    writes = len(store.writes)
    for i in range(1, 4):
        await clock.advance(2)
        assert len(store.writes) == writes + i
        rec = store.record
        assert rec is not None
        assert rec.renew_time == clock.now()
        assert rec.acquire_time == first.acquire_time
        assert rec.leader_transitions == 4
    await stop(task)


async def test_leader_that_cannot_renew_within_deadline_stops_before_lease_expires() -> None:
    clock, store = FakeClock(), MemStore()
    ev = Events()
    el = make(store, "a", clock, ev)
    task = asyncio.create_task(el.run())
    await leading(ev)
    store.fail_writes = store.fail_reads = True
    start = clock.monotonic()
    await clock.advance(2)  # first renewal round begins and fails
    while not task.done():
        assert clock.monotonic() - start < 15, "must give up before the lease expires"
        await clock.advance(1)
    await task  # returns normally: leadership lost
    assert ev.log[-1] == "stopped"
    assert master_status(el.name) == 0
    # Gave up renew_deadline (10 s) after the failing round started, not before.
    assert clock.monotonic() - start >= 2 + 10


async def test_transient_renew_failure_within_deadline_keeps_leadership() -> None:
    clock, store = FakeClock(), MemStore()
    ev = Events()
    el = make(store, "a", clock, ev)
    task = asyncio.create_task(el.run())
    await leading(ev)
    store.fail_writes = True
    await clock.advance(2)
    await clock.advance(2)
    await clock.advance(2)
    store.fail_writes = False
    await clock.advance(2)
    assert not task.done() and el.is_leader()
    assert "stopped" not in ev.log
    await stop(task)


async def test_optimistic_update_conflict_falls_back_to_slow_path() -> None:
    clock, store = FakeClock(), MemStore()
    el = make(store, "a", clock, name="slowpath-test")
    task = asyncio.create_task(el.run())
    await settle()
    assert el.is_leader()
    # An outside write of our own record bumps the version: the fast path's update
    # conflicts, the slow path reads and renews.
    assert store.record is not None
    store.put(store.record)
    before = REGISTRY.get_sample_value("leader_election_slowpath_total", {"name": "slowpath-test"})
    await clock.advance(2)
    after = REGISTRY.get_sample_value("leader_election_slowpath_total", {"name": "slowpath-test"})
    assert (after or 0) == (before or 0) + 1
    assert store.record.renew_time == clock.now()
    assert el.is_leader()
    await stop(task)


async def test_takeover_by_another_during_renew_stops_leading() -> None:
    clock, store = FakeClock(), MemStore()
    ev = Events()
    el = make(store, "a", clock, ev)
    task = asyncio.create_task(el.run())
    await leading(ev)
    store.put(held_by("b", clock, 1))  # someone forcibly took the lease
    await clock.advance(2)
    assert el.get_leader() == "b" and not el.is_leader()
    for _ in range(6):
        await clock.advance(2)
    assert task.done()
    assert ev.log == ["leader=a", "started", "leader=b", "stopped"]


async def test_release_on_cancel_clears_holder_and_standby_takes_over_at_next_retry() -> None:
    clock, store = FakeClock(), MemStore()
    ev_a, ev_b = Events(), Events()
    a = make(store, "a", clock, ev_a, release=True)
    b = make(store, "b", clock, ev_b)
    ta = asyncio.create_task(a.run())
    await leading(ev_a)
    tb = asyncio.create_task(b.run())
    await settle()
    assert b.get_leader() == "a"
    await stop(ta)
    rec = store.record
    assert rec is not None
    assert rec.holder_identity == "" and rec.lease_duration_seconds == 1
    assert rec.leader_transitions == 0
    assert ev_a.log[-1] == "stopped"
    await clock.advance(2)  # b's next retry (jitter 0): holder empty -> acquire at once
    await leading(ev_b)
    assert store.record is not None and store.record.holder_identity == "b"
    assert store.record.leader_transitions == 1
    await stop(tb)


async def test_cancel_without_release_leaves_the_lease_held() -> None:
    clock, store = FakeClock(), MemStore()
    ev = Events()
    el = make(store, "a", clock, ev)
    task = asyncio.create_task(el.run())
    await leading(ev)
    await stop(task)
    assert store.record is not None and store.record.holder_identity == "a"


async def test_standby_takes_over_after_lease_duration_when_leader_vanishes() -> None:
    clock, store = FakeClock(), MemStore()
    ev_a, ev_b = Events(), Events()
    a = make(store, "a", clock, ev_a)
    b = make(store, "b", clock, ev_b)
    ta = asyncio.create_task(a.run())
    await leading(ev_a)
    tb = asyncio.create_task(b.run())
    await settle()
    await stop(ta)  # dies without releasing
    seen = clock.monotonic()
    while not ev_b.leading.is_set():
        await clock.advance(1)
        assert clock.monotonic() - seen <= 15 + 2 + 1
    assert clock.monotonic() - seen > 15
    assert store.record is not None and store.record.leader_transitions == 1
    await stop(tb)


async def test_check_reports_a_leader_that_stopped_renewing() -> None:
    clock, store = FakeClock(), MemStore()
    el = make(store, "a", clock)
    el.check(0)  # not leader: healthy
    task = asyncio.create_task(el.run())
    await settle()
    el.check(0)
    store.fail_writes = store.fail_reads = True
    clock.step(16)  # no renewal observed (tasks not run) for longer than the lease
    with pytest.raises(RuntimeError, match="failed election"):
        el.check(0)
    el.check(5)
    await stop(task)


async def test_a_hung_renewal_is_abandoned_at_the_renew_deadline() -> None:
    clock, store = FakeClock(), MemStore()
    ev = Events()
    el = make(store, "a", clock, ev)
    lock = el.config.lock
    assert isinstance(lock, MemLock)
    task = asyncio.create_task(el.run())
    await leading(ev)
    hang = asyncio.Event()

    async def hung_update(record: LeaderElectionRecord) -> None:
        await hang.wait()  # the API call never returns

    lock.update = hung_update  # type: ignore[method-assign]
    start = clock.monotonic()
    await clock.advance(2)  # the renewal round starts and hangs
    await clock.advance(9.9)
    assert not task.done()
    await clock.advance(0.2)  # 10 s (renew_deadline) after the round began
    await asyncio.wait_for(task, 5)
    assert ev.log[-1] == "stopped"
    assert clock.monotonic() - start == pytest.approx(12.1)


async def test_failed_renewal_stops_at_once_without_a_release_attempt() -> None:
    clock, store = FakeClock(), MemStore()
    ev = Events()
    el = make(store, "a", clock, ev, release=True)
    lock = el.config.lock
    assert isinstance(lock, MemLock)
    task = asyncio.create_task(el.run())
    await leading(ev)

    async def hung_update(record: LeaderElectionRecord) -> None:
        await asyncio.Event().wait()  # writes hang: a release attempt would hang too

    lock.update = hung_update  # type: ignore[method-assign]
    for _ in range(13):  # past retry_period + renew_deadline: the renewal round gives up
        await clock.advance(1)
    assert task.done() and ev.log[-1] == "stopped"
    assert store.record is not None and store.record.holder_identity == "a"
