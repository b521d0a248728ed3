"""The plain work queue: client-go's dirty/processing rules, shutdown and drain."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.runtime.clock import settle
from tekpy.runtime.workqueue import Queue, ShutDown


async def test_fifo_order_and_len() -> None:
    q: Queue[str] = Queue()
    for item in ("a", "b", "c"):
        q.add(item)
    assert len(q) == 3
    assert [await q.get() for _ in range(3)] == ["a", "b", "c"]
    assert len(q) == 0


async def test_duplicate_adds_of_a_waiting_item_collapse() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    q.add("a")
    assert len(q) == 2
    assert await q.get() == "a"
    assert await q.get() == "b"


async def test_adds_while_processing_collapse_into_one_rerun_after_done() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    for _ in range(5):
        q.add("a")
    # Not handed out again while the first worker holds it.
    assert len(q) == 0
    q.done(item)
    assert len(q) == 1
    assert await q.get() == "a"
    q.done("a")
    assert len(q) == 0


async def test_done_without_new_add_does_not_requeue() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.done(await q.get())
    assert len(q) == 0
    assert q.processing == 0


async def test_get_waits_for_an_add() -> None:
    q: Queue[str] = Queue()
    getter = asyncio.create_task(q.get())
    await settle()
    assert not getter.done()
    q.add("x")
    assert await asyncio.wait_for(getter, 5) == "x"


async def test_each_add_wakes_one_waiting_getter() -> None:
    q: Queue[int] = Queue()
    getters = [asyncio.create_task(q.get()) for _ in range(3)]
    await settle()
    q.add(1)
    q.add(2)
    await settle()
    done = [g for g in getters if g.done()]
    assert sorted(g.result() for g in done) == [1, 2]
    q.shut_down()
    await settle()
    pending = [g for g in getters if g not in done]
    with pytest.raises(ShutDown):
        await pending[0]


async def test_cancelled_getter_passes_its_wakeup_on() -> None:
    q: Queue[str] = Queue()
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await settle()
    q.add("x")  # wakes `first`...
    first.cancel()  # ...which is cancelled before it runs
    await settle()
    assert first.cancelled()
    assert await asyncio.wait_for(second, 5) == "x"


async def test_shut_down_hands_out_waiting_items_then_raises() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    q.shut_down()
    assert q.shutting_down
    q.add("c")  # ignored after shutdown
    assert await q.get() == "a"
    assert await q.get() == "b"
    with pytest.raises(ShutDown):
        await q.get()


async def test_shut_down_wakes_blocked_getters() -> None:
    q: Queue[str] = Queue()
    getters = [asyncio.create_task(q.get()) for _ in range(4)]
    await settle()
    q.shut_down()
    results = await asyncio.wait_for(asyncio.gather(*getters, return_exceptions=True), 5)
    assert all(isinstance(r, ShutDown) for r in results)


async def test_shut_down_does_not_wait_for_processing() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    await q.get()
    q.shut_down()  # synchronous: returns with "a" still being processed
    assert q.processing == 1


async def test_shut_down_with_drain_waits_for_in_flight_items() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    a = await q.get()
    b = await q.get()
    drain = asyncio.create_task(q.shut_down_with_drain())
    await settle()
    assert not drain.done()
    q.done(a)
    await settle()
    assert not drain.done()
    q.done(b)
    await asyncio.wait_for(drain, 5)


async def test_shut_down_with_drain_returns_at_once_when_idle() -> None:
    q: Queue[str] = Queue()
    await asyncio.wait_for(q.shut_down_with_drain(), 5)
    with pytest.raises(ShutDown):
        await q.get()


async def test_shut_down_interrupts_a_drain() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    await q.get()
    drain = asyncio.create_task(q.shut_down_with_drain())
    await settle()
    assert not drain.done()
    q.shut_down()
    await asyncio.wait_for(drain, 5)
    assert q.processing == 1


async def test_item_readded_during_processing_is_dropped_after_shutdown_only_if_not_dirty() -> None:
    # client-go: an item dirtied before the shutdown is still re-queued by done().
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    q.add("a")
    q.shut_down()
    q.done(item)
    assert await q.get() == "a"
    q.done("a")
    with pytest.raises(ShutDown):
        await q.get()


async def test_no_item_is_processed_by_two_workers_at_once() -> None:
    q: Queue[int] = Queue()
    keys = list(range(10))
    in_flight: set[int] = set()
    overlaps: list[int] = []
    processed: list[int] = []
    rng = random.Random(7)

    async def worker() -> None:
        while True:
            try:
                key = await q.get()
            except ShutDown:
                return
            if key in in_flight:
                overlaps.append(key)
            in_flight.add(key)
            for _ in range(rng.randint(0, 3)):
                await asyncio.sleep(0)
            in_flight.discard(key)
            processed.append(key)
            q.done(key)

    workers = [asyncio.create_task(worker()) for _ in range(8)]
    for _ in range(2000):
        q.add(rng.choice(keys))
        if rng.random() < 0.3:
            await asyncio.sleep(0)
    # Every key is processed at least once after its last add.
    marker = len(processed)
    for key in keys:
        q.add(key)
    await asyncio.wait_for(q.shut_down_with_drain(), 10)
    # Workers still get the items left waiting (client-go), then ShutDown ends them.
    await asyncio.wait_for(asyncio.gather(*workers), 10)
    assert overlaps == []
    assert set(processed[marker:]) == set(keys)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "get", "done"]), st.integers(0, 4)), max_size=60))
def test_matches_a_model_of_dirty_and_processing_sets(ops: list[tuple[str, int]]) -> None:
    """Random add/get/done sequences against a reference model of client-go's rules."""

    async def run() -> None:
        q: Queue[int] = Queue()
        queue: list[int] = []
        dirty: set[int] = set()
        processing: set[int] = set()
        for op, key in ops:
            if op == "add":
                q.add(key)
                if key not in dirty:
                    dirty.add(key)
                    if key not in processing:
                        queue.append(key)
            elif op == "get":
                if not queue:
                    continue
                expected = queue.pop(0)
                assert await q.get() == expected
                processing.add(expected)
                dirty.discard(expected)
            elif key in processing:
                q.done(key)
                processing.discard(key)
                if key in dirty:
                    queue.append(key)
            assert len(q) == len(queue)
            assert q.processing == len(processing)

    asyncio.run(run())


async def test_drain_ends_when_the_last_in_flight_item_is_done_even_if_requeued() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    q.add("a")  # dirtied before the shutdown
    drain = asyncio.create_task(q.shut_down_with_drain())
    await settle()
    q.done(item)  # re-queued, but nothing is being processed any more
    await asyncio.wait_for(drain, 5)
    assert len(q) == 1
