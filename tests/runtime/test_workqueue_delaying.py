"""The delaying queue on a fake clock: ready times, earliest-wins, shutdown."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.runtime.clock import FakeClock, settle
from tekpy.runtime.workqueue import DelayingQueue, RateLimitingQueue
from tekpy.runtime.workqueue.ratelimiters import ItemExponentialFailureRateLimiter


async def test_item_is_added_only_when_its_delay_has_passed() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 5)
    await settle()
    assert len(q) == 0 and q.waiting == 1
    await clock.advance(4.999)
    assert len(q) == 0
    await clock.advance(0.001)
    assert len(q) == 1 and q.waiting == 0
    assert await q.get() == "a"


async def test_zero_or_negative_delay_adds_at_once() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 0)
    q.add_after("b", -1)
    assert len(q) == 2
    assert clock.sleepers == 0


async def test_timedelta_delays_are_accepted() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", timedelta(milliseconds=1500))
    await settle()
    await clock.advance(1.4)
    assert len(q) == 0
    await clock.advance(0.1)
    assert len(q) == 1


async def test_items_become_ready_in_ready_time_order() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("late", 3)
    q.add_after("early", 1)
    q.add_after("middle", 2)
    await settle()
    seen = []
    for _ in range(3):
        await clock.advance(1)
        seen.append(await q.get())
    assert seen == ["early", "middle", "late"]


async def test_earlier_ready_time_wins_for_duplicates() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 10)
    q.add_after("a", 2)  # earlier: replaces
    q.add_after("a", 5)  # later: ignored
    await settle()
    assert q.waiting == 1
    await clock.advance(2)
    assert len(q) == 1
    assert await q.get() == "a"
    q.done("a")
    await clock.advance(10)
    assert len(q) == 0  # the superseded 10 s entry does not fire


async def test_an_earlier_item_rearms_the_timer() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("slow", 100)
    await settle()
    assert clock.next_deadline() == clock.monotonic() + 100
    q.add_after("fast", 1)
    await settle()
    assert clock.next_deadline() == clock.monotonic() + 1
    await clock.advance(1)
    assert await q.get() == "fast"
    assert clock.next_deadline() == clock.monotonic() + 99


async def test_clock_moving_before_the_timer_task_runs_is_honoured() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 5)
    clock.step(10)  # the timer task has not run yet
    await settle()
    assert len(q) == 1


async def test_ready_item_already_waiting_is_not_duplicated() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add("a")
    q.add_after("a", 1)
    await settle()
    await clock.advance(1)
    assert len(q) == 1


async def test_shut_down_drops_waiting_items_and_stops_the_timer() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 1)
    await settle()
    assert clock.sleepers == 1
    q.shut_down()
    await settle()
    assert clock.sleepers == 0
    q.add_after("b", 1)  # ignored after shutdown
    await clock.advance(5)
    assert len(q) == 0 and q.waiting == 0


async def test_shut_down_with_drain_also_stops_the_timer() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 1)
    await settle()
    await asyncio.wait_for(q.shut_down_with_drain(), 5)
    await settle()
    assert clock.sleepers == 0


async def test_rate_limited_adds_follow_the_limiter() -> None:
    clock = FakeClock()
    q: RateLimitingQueue[str] = RateLimitingQueue(
        rate_limiter=ItemExponentialFailureRateLimiter(1.0, 100.0), clock=clock
    )
    q.add_rate_limited("a")  # 1 s
    await settle()
    await clock.advance(0.9)
    assert len(q) == 0
    await clock.advance(0.1)
    assert len(q) == 1
    q.done(await q.get())
    q.add_rate_limited("a")  # 2 s
    await settle()
    await clock.advance(1.9)
    assert len(q) == 0
    await clock.advance(0.1)
    assert len(q) == 1
    assert q.num_requeues("a") == 2
    q.forget("a")
    assert q.num_requeues("a") == 0
    assert len(q) == 1  # forget does not remove the item


async def test_rate_limiting_queue_defaults_to_the_controller_limiter() -> None:
    clock = FakeClock()
    q: RateLimitingQueue[str] = RateLimitingQueue(clock=clock)
    q.add_rate_limited("a")
    await settle()
    assert clock.next_deadline() == clock.monotonic() + 0.005


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 20)), min_size=1, max_size=30))
def test_each_item_becomes_ready_once_at_its_earliest_time(adds: list[tuple[int, int]]) -> None:
    async def run() -> None:
        clock = FakeClock()
        q: DelayingQueue[int] = DelayingQueue(clock=clock)
        expected: dict[int, int] = {}
        for item, delay in adds:
            q.add_after(item, delay)
            expected[item] = min(expected.get(item, delay), delay)
        await settle()
        ready_at: dict[int, list[int]] = {}
        for t in range(1, 22):
            await clock.advance(1)
            while len(q):
                item = await q.get()
                q.done(item)
                ready_at.setdefault(item, []).append(t)
        assert ready_at == {item: [t] for item, t in expected.items()}
        assert q.waiting == 0 and clock.sleepers == 0
        q.shut_down()

    asyncio.run(run())
