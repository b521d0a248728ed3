"""Bucket mode, unit level: the key -> bucket hash and the controller's dequeue filter.

The hash is checked against FNV-1a's published vectors and against the vectors of
Knative's own BucketSet tests (same names, same keys, same owners), so a tekpy replica
assigns a key to the bucket a Knative controller would. The controller is real; the
informer is a small in-test stand-in with a store, as in test_controller.py.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

import pytest

from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.controller import (
    Controller,
    EnqueueRequestForObject,
    EnqueueRequestForOwner,
    LabelSelectorPredicate,
    Request,
    Result,
)
from tekpy.runtime.leaderelection import BucketSet, bucket_names
from tekpy.runtime.leaderelection.keyhash import KeyHasher, fnv1a64, namespaced_key

_names = itertools.count()


@pytest.mark.parametrize(
    ("data", "digest"),
    [
        pytest.param(b"", 0xCBF29CE484222325, id="empty"),
        pytest.param(b"a", 0xAF63DC4C8601EC8C, id="a"),
        pytest.param(b"foobar", 0x85944171F73967E8, id="foobar"),
    ],
)
def test_fnv1a64_published_vectors(data: bytes, digest: int) -> None:
    assert fnv1a64(data) == digest
    # Streaming: continuing from a prefix's state equals hashing the whole.
    assert fnv1a64(data[1:], fnv1a64(data[:1])) == digest


KNATIVE_BUCKETS = ["monsoon", "chubasco", "aguacero", "chaparrón"]


@pytest.mark.parametrize(
    ("buckets", "key", "owner"),
    [
        pytest.param(KNATIVE_BUCKETS, "hagel", "monsoon", id="known-key"),
        pytest.param(KNATIVE_BUCKETS, "snow", "chubasco", id="unknown-key"),
        pytest.param(KNATIVE_BUCKETS, "snow/hail", "monsoon", id="namespaced-name"),
        pytest.param([b for b in KNATIVE_BUCKETS if b != "chubasco"], "hagel", "monsoon",
                     id="stable-after-removal"),
    ],
)
def test_owner_matches_knatives_bucketset(buckets: list[str], key: str, owner: str) -> None:
    assert KeyHasher(buckets).bucket_of(key) == owner
    assert KeyHasher(reversed(buckets)).bucket_of(key) == owner


def test_a_removed_bucket_hands_its_keys_to_the_others() -> None:
    rest = [b for b in KNATIVE_BUCKETS if b != "chubasco"]
    assert KeyHasher(rest).bucket_of("snow") in rest


@pytest.mark.parametrize(
    ("key", "text"),
    [
        pytest.param(Request("ns", "name"), "ns/name", id="request"),
        pytest.param(Request("", "node-1"), "/node-1", id="cluster-scoped-request"),
        pytest.param("ns/name", "ns/name", id="cache-key"),
        pytest.param("node-1", "/node-1", id="cluster-scoped-cache-key"),
    ],
)
def test_keys_are_namespaced_names_as_knative_spells_them(key: Any, text: str) -> None:
    assert namespaced_key(key) == text


def test_one_bucket_owns_everything_and_lookups_are_memoised() -> None:
    one = BucketSet(bucket_names("c", 1), held=bucket_names("c", 1))
    assert all(one.has(f"ns/{i}") for i in range(100))
    four = BucketSet(bucket_names("c", 4))
    counts = Counter(four.owner_of(f"ns{i % 5}/run-{i}") for i in range(4000))
    assert set(counts) == set(bucket_names("c", 4))
    assert all(850 < n < 1150 for n in counts.values()), counts
    assert four.owner_of(Request("ns1", "run-1")) == four.owner_of("ns1/run-1")


# -- the controller's filter -------------------------------------------------------------


class StoreInformer:
    """An informer stand-in with a store (keys like the cache's ``ns/name``)."""

    def __init__(self, *objs: dict[str, Any]) -> None:
        self.handlers: list[Any] = []
        self.store = Store({_key(o): o for o in objs})

    def add_event_handler(self, handler: Any) -> None:
        self.handlers.append(handler)
        for o in self.store.objs.values():
            handler.on_add(o, True)

    def has_synced(self) -> bool:
        return True

    def update(self, o: dict[str, Any]) -> None:
        old = self.store.objs.get(_key(o), o)
        self.store.objs[_key(o)] = o
        for h in self.handlers:
            h.on_update(old, o)


class Store:
    def __init__(self, objs: dict[str, dict[str, Any]]) -> None:
        self.objs = objs

    def list_keys(self) -> list[str]:
        return list(self.objs)

    def list(self) -> list[dict[str, Any]]:
        return list(self.objs.values())


def _key(o: dict[str, Any]) -> str:
    return f"{o['metadata']['namespace']}/{o['metadata']['name']}"


def obj(name: str, rv: str = "1", **meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv, **meta}}


class Recorder:
    def __init__(self, requeue_after: float = 0.0) -> None:
        self.seen: list[str] = []
        self.requeue_after = requeue_after

    async def reconcile(self, request: Request) -> Result:
        self.seen.append(request.name)
        return Result(requeue_after=self.requeue_after or None)


async def run(controller: Controller) -> asyncio.Task[None]:
    task = asyncio.create_task(controller.start())
    await settle()
    return task


async def test_filtered_keys_never_reach_the_reconciler_and_are_not_requeued() -> None:
    clock = FakeClock()
    rec = Recorder()
    mine: set[str] = {"a", "c"}
    ctl = Controller(f"bf-{next(_names)}", rec, clock=clock,
                     key_filter=lambda r: r.name in mine)
    informer = StoreInformer(obj("a"), obj("b"), obj("c"))
    ctl.watch(informer, EnqueueRequestForObject())
    task = await run(ctl)
    try:
        await settle()
        assert sorted(rec.seen) == ["a", "c"]
        # "b" was dropped: not waiting, not being retried, no backoff left behind.
        assert len(ctl.queue) == 0 and ctl.queue.waiting == 0
        assert ctl.queue.num_requeues(Request("ns", "b")) == 0
        informer.update(obj("b", rv="2"))  # a watch event for someone else's key
        await settle()
        assert sorted(rec.seen) == ["a", "c"]
    finally:
        await ctl.stop()
        await task


async def test_requeue_after_timer_of_a_key_that_moved_away_is_dropped() -> None:
    clock = FakeClock()
    rec = Recorder(requeue_after=5)
    mine = {"a", "b"}
    ctl = Controller(f"bf-{next(_names)}", rec, clock=clock,
                     key_filter=lambda r: r.name in mine)
    ctl.watch(StoreInformer(obj("a"), obj("b")), EnqueueRequestForObject())
    task = await run(ctl)
    try:
        await settle()
        assert sorted(rec.seen) == ["a", "b"]
        mine.discard("b")  # b's bucket went to another replica
        await clock.advance(5)
        await settle()
        assert sorted(rec.seen) == ["a", "a", "b"]
        assert ctl.queue.waiting == 1  # only a's next timer
    finally:
        await ctl.stop()
        await task


async def test_resync_enqueues_the_cached_keys_a_filter_selects() -> None:
    clock = FakeClock()
    rec = Recorder()
    ctl = Controller(f"bf-{next(_names)}", rec, clock=clock, key_filter=lambda r: True)
    informer = StoreInformer(*(obj(f"o{i}") for i in range(6)))
    ctl.watch(informer, EnqueueRequestForObject())
    task = await run(ctl)
    try:
        await settle()
        rec.seen.clear()
        assert ctl.resync(lambda r: r.name in {"o1", "o4"}) == 2
        await settle()
        assert sorted(rec.seen) == ["o1", "o4"]
        assert ctl.resync() == 6
    finally:
        await ctl.stop()
        await task


def test_resync_applies_predicates_and_maps_through_handlers_without_a_for_watch() -> None:
    ctl = Controller(f"bf-{next(_names)}", Recorder())
    owner_ref = {"apiVersion": "example.com/v1", "kind": "Parent", "name": "p1",
                 "controller": True}
    children = StoreInformer(
        obj("c1", ownerReferences=[owner_ref]),
        obj("c2", ownerReferences=[{**owner_ref, "name": "p2"}], labels={"skip": "yes"}),
    )
    ctl.watch(children, EnqueueRequestForOwner("example.com", "Parent"),
              LabelSelectorPredicate("skip!=yes"))
    assert ctl.resync() == 1
    assert len(ctl.queue) == 1
