"""Sharded (Knative-style) leader election: key -> bucket mapping and per-bucket Leases."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lease_fakes import MemLock, MemStore

from tekpy.runtime.client import LEASES, Client
from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.controller import Request
from tekpy.runtime.leaderelection import (
    BucketedElection,
    BucketSet,
    LeaderElectionRecord,
    bucket_names,
)
from tekpy.testing import eventually


def test_bucket_names_follow_knative() -> None:
    assert bucket_names("Ctl.Queue", 3) == [
        "ctl.queue.00-of-03",
        "ctl.queue.01-of-03",
        "ctl.queue.02-of-03",
    ]
    with pytest.raises(ValueError):
        bucket_names("x", 0)


def test_keys_spread_evenly_and_deterministically() -> None:
    names = bucket_names("c", 3)
    a, b = BucketSet(names), BucketSet(reversed(names))
    keys = [f"ns{i % 7}/obj-{i}" for i in range(3000)]
    assert [a.owner_of(k) for k in keys] == [b.owner_of(k) for k in keys]
    counts = Counter(a.owner_of(k) for k in keys)
    assert set(counts) == set(names)
    assert all(800 < n < 1200 for n in counts.values()), counts
    assert a.owner_of(Request("ns1", "obj-1")) == a.owner_of("ns1/obj-1")
    held = BucketSet(names, held=[names[0]])
    assert [held.has(k) for k in keys] == [a.owner_of(k) == names[0] for k in keys]


@given(st.lists(st.text(min_size=1, max_size=20), max_size=50), st.integers(1, 8))
def test_adding_a_bucket_moves_keys_only_to_the_new_bucket(keys: list[str], n: int) -> None:
    before = BucketSet(bucket_names("c", n))
    after = BucketSet([*bucket_names("c", n), "c.new"])
    for key in keys:
        assert after.owner_of(key) in (before.owner_of(key), "c.new")


def mem_election(
    stores: dict[str, MemStore], identity: str, clock: FakeClock, log: list[str]
) -> BucketedElection:
    def lock_for(name: str) -> MemLock:
        return MemLock(stores.setdefault(name, MemStore()), identity)

    return BucketedElection(
        "ctl",
        3,
        identity,
        lock_for=lock_for,
        on_promote=lambda b: log.append(f"{identity}+{b}"),
        on_demote=lambda b: log.append(f"{identity}-{b}"),
        clock=clock,
    )


async def stop(task: asyncio.Task[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_each_bucket_has_one_leader_and_keys_follow_their_bucket() -> None:
    clock, stores, log = FakeClock(), {}, []  # type: ignore[var-annotated]
    # Bucket 01 is already held by someone else.
    stores["ctl.01-of-03"] = MemStore()
    stores["ctl.01-of-03"].put(LeaderElectionRecord("other", 15, clock.now(), clock.now()))
    a = mem_election(stores, "a", clock, log)
    task = asyncio.create_task(a.run())
    await settle()
    assert a.held == {"ctl.00-of-03", "ctl.02-of-03"}
    assert sorted(log) == ["a+ctl.00-of-03", "a+ctl.02-of-03"]
    keys = [f"ns/k{i}" for i in range(60)]
    for key in keys:
        assert a.has(key) == (a.buckets.owner_of(key) != "ctl.01-of-03")
    await stop(task)
    assert sorted(log)[-2:] == ["a-ctl.00-of-03", "a-ctl.02-of-03"]
    assert a.held == frozenset()
    # release_on_cancel (the default here): the Leases are free for the next replica.
    assert stores["ctl.00-of-03"].record is not None
    assert stores["ctl.00-of-03"].record.holder_identity == ""


async def test_buckets_of_a_departed_replica_move_to_the_survivor() -> None:
    clock, stores, log = FakeClock(), {}, []  # type: ignore[var-annotated]
    a = mem_election(stores, "a", clock, log)
    b = mem_election(stores, "b", clock, log)
    ta = asyncio.create_task(a.run())
    await settle()
    tb = asyncio.create_task(b.run())
    await settle()
    assert len(a.held) == 3 and b.held == frozenset()
    await stop(ta)
    for _ in range(5):  # b's next (jittered, <= 4.4 s) retry on each bucket
        await clock.advance(1)
    assert len(b.held) == 3
    assert all(b.has(f"x/{i}") for i in range(20))
    await stop(tb)


async def test_bucket_leases_on_the_api_server(client: Client, namespace: str) -> None:
    promoted: list[str] = []
    election = BucketedElection(
        "shard",
        2,
        "replica-1",
        client=client,
        namespace=namespace,
        on_promote=promoted.append,
    )
    task = asyncio.create_task(election.run())
    try:
        await eventually(lambda: len(election.held) == 2)
        for name in bucket_names("shard", 2):
            lease = await client.get(LEASES, name, namespace=namespace)
            assert lease["spec"]["holderIdentity"] == "replica-1"
        assert sorted(promoted) == bucket_names("shard", 2)
    finally:
        await stop(task)
    lease = await client.get(LEASES, "shard.00-of-02", namespace=namespace)
    assert lease["spec"]["holderIdentity"] == ""  # released on cancel
