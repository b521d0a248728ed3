"""LeaseLock and the elector on real coordination.k8s.io/v1 Leases (embedded API server).

Time is a FakeClock: the server only stores what the electors write, so expiry, renewal and
hand-over are all decided by fake time while every read and write is a real API call.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from tekpy.runtime.client import LEASES, Client
from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.leaderelection import (
    LeaderElectionConfig,
    LeaderElectionRecord,
    LeaderElector,
    LeaseLock,
)
from tekpy.runtime.leaderelection.record import parse_micro_time
from tekpy.testing import eventually


async def lease(client: Client, ns: str, name: str = "lock") -> dict[str, Any]:
    return await client.get(LEASES, name, namespace=ns)


def elector(
    client: Client, ns: str, identity: str, clock: FakeClock, *, release: bool = False
) -> tuple[LeaderElector, asyncio.Event]:
    leading = asyncio.Event()

    async def started() -> None:
        leading.set()
        await asyncio.Event().wait()

    cfg = LeaderElectionConfig(
        lock=LeaseLock(client, ns, "lock", identity, labels={"app": "test"}),
        lease_duration=15,
        renew_deadline=10,
        retry_period=2,
        on_started_leading=started,
        release_on_cancel=release,
        name=f"lease-{identity}-{ns}",
    )
    # No jitter: retries exactly every retry_period, so the bounds below are tight.
    return LeaderElector(cfg, clock=clock, rng=NoJitter()), leading


class NoJitter(random.Random):
    def random(self) -> float:
        return 0.0


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_lease_lock_round_trips_the_record(client: Client, namespace: str) -> None:
    clock = FakeClock()
    lock = LeaseLock(client, namespace, "rt", "me", labels={"team": "a"})
    assert await lock.get() is None
    rec = LeaderElectionRecord("me", 15, clock.now(), clock.now(), 3)
    await lock.create(rec)
    stored = await client.get(LEASES, "rt", namespace=namespace)
    assert stored["spec"] == {
        "holderIdentity": "me",
        "leaseDurationSeconds": 15,
        "leaseTransitions": 3,
        "acquireTime": "2024-01-01T00:00:00.000000Z",
        "renewTime": "2024-01-01T00:00:00.000000Z",
    }
    assert stored["metadata"]["labels"] == {"team": "a"}
    assert await lock.get() == rec
    assert lock.describe() == f"{namespace}/rt"


async def test_lease_lock_update_is_conditional_on_what_it_read(
    client: Client, namespace: str
) -> None:
    clock = FakeClock()
    a = LeaseLock(client, namespace, "race", "a")
    b = LeaseLock(client, namespace, "race", "b")
    await a.create(LeaderElectionRecord("a", 15, clock.now(), clock.now()))
    await b.get()
    clock.step(1)  # a real change: an identical update would not bump resourceVersion
    await a.update(LeaderElectionRecord("a", 15, clock.now(), clock.now()))
    with pytest.raises(Exception) as info:  # b's read is stale
        await b.update(LeaderElectionRecord("b", 15, clock.now(), clock.now(), 1))
    assert getattr(info.value, "status", None) == 409
    with pytest.raises(RuntimeError, match="call get"):
        await LeaseLock(client, namespace, "race", "c").update(LeaderElectionRecord())


async def test_one_leader_renews_and_standby_takes_over_after_expiry(
    client: Client, namespace: str
) -> None:
    clock = FakeClock()
    a, a_leading = elector(client, namespace, "a", clock)
    b, b_leading = elector(client, namespace, "b", clock)
    ta = asyncio.create_task(a.run())
    await asyncio.wait_for(a_leading.wait(), 10)
    tb = asyncio.create_task(b.run())
    await eventually(lambda: b.get_leader() == "a")
    spec = (await lease(client, namespace))["spec"]
    assert spec["holderIdentity"] == "a" and spec["leaseTransitions"] == 0

    # a renews on fake time: renewTime follows the clock while b stays out.
    for _ in range(12):
        clock.step(0.5)
        await _idle(clock)
    await eventually(lambda: _renewed_within(client, namespace, clock, 2.5))
    assert not b_leading.is_set()

    await stop(ta)  # a vanishes without releasing
    seen = clock.monotonic()
    while not b_leading.is_set():
        clock.step(0.5)
        await _idle(clock)
        # observed within one retry, expired 15 s later, taken at the next retry
        assert clock.monotonic() - seen <= 2 + 15 + 2 + 0.5
    assert clock.monotonic() - seen > 15 - 2  # b had last seen a change up to 2 s earlier
    spec = (await lease(client, namespace))["spec"]
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 1
    await stop(tb)


async def test_release_on_cancel_hands_over_at_the_next_retry(
    client: Client, namespace: str
) -> None:
    clock = FakeClock()
    a, a_leading = elector(client, namespace, "a", clock, release=True)
    b, b_leading = elector(client, namespace, "b", clock)
    ta = asyncio.create_task(a.run())
    await asyncio.wait_for(a_leading.wait(), 10)
    tb = asyncio.create_task(b.run())
    await eventually(lambda: b.get_leader() == "a")
    await stop(ta)
    spec = (await lease(client, namespace))["spec"]
    assert spec["holderIdentity"] == "" and spec["leaseDurationSeconds"] == 1
    start = clock.monotonic()
    while not b_leading.is_set():
        clock.step(0.5)
        await _idle(clock)
    assert clock.monotonic() - start <= 2  # at its next retry
    assert (await lease(client, namespace))["spec"]["leaseTransitions"] == 1
    await stop(tb)


async def _renewed_within(client: Client, ns: str, clock: FakeClock, seconds: float) -> bool:
    renewed = parse_micro_time((await lease(client, ns))["spec"]["renewTime"])
    assert renewed is not None
    return (clock.now() - renewed).total_seconds() <= seconds


async def _idle(clock: FakeClock) -> None:
    """Let API calls woken by a clock step finish (they do real I/O) before stepping again."""
    for _ in range(50):
        await settle()
        await asyncio.sleep(0.002)
