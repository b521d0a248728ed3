"""Reflector semantics (client-go's), driven through an in-memory list/watch source."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from cache_fakes import FakeListerWatcher, expired, wait_for

from tekpy.runtime.cache import Reflector, Store
from tekpy.runtime.client import ApiError, WatchStalledError
from tekpy.runtime.clock import FakeClock


@pytest.fixture
async def env() -> AsyncIterator[tuple[FakeListerWatcher, Store, Reflector, FakeClock]]:
    lw, store, clock = FakeListerWatcher(), Store(), FakeClock()
    r = Reflector(lw, store, clock=clock, name="pods")
    task = asyncio.create_task(r.run())
    yield lw, store, r, clock
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def names(store: Store) -> list[str]:
    return sorted(o["metadata"]["name"] for o in store.list())


async def test_lists_at_rv0_then_watches_from_the_list_rv(env) -> None:
    lw, store, r, _ = env
    await wait_for(lambda: lw.open_watches == 1)
    assert lw.list_calls == [("0", 500, None)]
    assert lw.watch_calls[0][0] == "0"  # empty server: list RV is 0
    assert 300 <= lw.watch_calls[0][1] <= 600
    lw.put("a")
    lw.put("b")
    lw.put("a")
    await wait_for(lambda: r.last_sync_resource_version == "3")
    assert names(store) == ["a", "b"]
    lw.remove("b")
    await wait_for(lambda: names(store) == ["a"])


async def test_normal_close_rewatches_from_last_rv_without_relist(env) -> None:
    lw, store, r, _ = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    lw.put("b")
    await wait_for(lambda: r.last_sync_resource_version == "2")
    lw.close_watches()
    await wait_for(lambda: len(lw.watch_calls) == 2 and lw.open_watches == 1)
    assert lw.watch_calls[1][0] == "2" and len(lw.list_calls) == 1
    lw.bookmark()
    lw.put("c")
    await wait_for(lambda: names(store) == ["a", "b", "c"])


async def test_stalled_watch_rewatches_without_relist(env) -> None:
    lw, _, r, _ = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    await wait_for(lambda: r.last_sync_resource_version == "1")
    lw.fail_watches(WatchStalledError("silent"))
    await wait_for(lambda: len(lw.watch_calls) == 2 and lw.open_watches == 1)
    assert lw.watch_calls[1][0] == "1" and len(lw.list_calls) == 1


async def test_expired_watch_relists_at_last_rv_after_backoff(env) -> None:
    lw, store, r, clock = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    lw.put("b")
    await wait_for(lambda: r.last_sync_resource_version == "2")
    lw.remove("b", emit=False)  # a deletion the watch never delivers
    lw.fail_watches(expired())
    await wait_for(lambda: clock.sleepers == 1)  # backing off before the relist
    await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
    await wait_for(lambda: len(lw.list_calls) == 2 and lw.open_watches == 1)
    # Relist at the last RV seen, unpaginated (served "not older than" that RV).
    assert lw.list_calls[1] == ("2", None, None)
    assert names(store) == ["a"] and r.last_sync_resource_version == "3"


async def test_relist_falls_back_to_a_fresh_read_only_if_the_rv_is_gone(env) -> None:
    lw, _, r, clock = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    await wait_for(lambda: r.last_sync_resource_version == "1")
    lw.list_errors.append(expired())
    lw.fail_watches(expired())
    await wait_for(lambda: clock.sleepers == 1)
    await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
    await wait_for(lambda: lw.open_watches == 1 and len(lw.list_calls) == 3)
    assert lw.list_calls[1:] == [("1", None, None), ("", 500, None)]
    # The next relist goes back to the last RV (the fresh read succeeded).
    lw.fail_watches(expired())
    await wait_for(lambda: clock.sleepers == 1)
    await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
    await wait_for(lambda: len(lw.list_calls) == 4)
    assert lw.list_calls[3] == ("1", None, None)


@pytest.mark.parametrize(
    "err",
    [ConnectionRefusedError(), ApiError(429, "TooManyRequests", "slow down")],
    ids=["refused", "429"],
)
async def test_watch_refused_or_throttled_backs_off_and_rewatches_without_relist(
    env, err: BaseException
) -> None:
    lw, _, r, clock = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    await wait_for(lambda: r.last_sync_resource_version == "1")
    lw.watch_errors.extend([err, err])
    lw.close_watches()
    for _ in range(2):
        await wait_for(lambda: clock.sleepers == 1)
        await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
    await wait_for(lambda: lw.open_watches == 1)
    assert len(lw.list_calls) == 1
    assert [c[0] for c in lw.watch_calls] == ["0", "1", "1", "1"]


async def test_other_watch_errors_relist_and_errors_never_stop_the_loop(env) -> None:
    lw, _, r, clock = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    await wait_for(lambda: r.last_sync_resource_version == "1")
    lw.list_errors.extend([RuntimeError("boom")] * 3)
    lw.fail_watches(ApiError(500, "InternalError", "oops"))
    delays = []
    for _ in range(4):
        await wait_for(lambda: clock.sleepers == 1)
        delay = clock.next_deadline() - clock.monotonic()  # type: ignore[operator]
        delays.append(delay)
        await clock.advance(delay)
    await wait_for(lambda: lw.open_watches == 1)
    assert len(lw.list_calls) == 5
    # Backoff grows (0.8, 1.6, 3.2, 6.4 with jitter in [d, 2d)).
    for d, base in zip(delays, (0.8, 1.6, 3.2, 6.4)):
        assert base <= d < 2 * base


async def test_watch_closed_immediately_without_events_counts_as_failure(env) -> None:
    lw, _, _, clock = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.close_watches()  # zero events, under a second (fake time does not move)
    await wait_for(lambda: clock.sleepers == 1)
    await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
    await wait_for(lambda: len(lw.list_calls) == 2 and lw.open_watches == 1)


async def test_paginated_list_and_expired_continue_falls_back_to_full_list() -> None:
    lw, store, clock = FakeListerWatcher(), Store(), FakeClock()
    for n in "abcde":
        lw.put(n)
    lw.page_size_override = 2
    r = Reflector(lw, store, clock=clock, page_size=2)
    await r._list()
    assert [c[2] for c in lw.list_calls] == [None, "2", "4"]
    assert names(store) == list("abcde") and r.last_sync_resource_version == "5"
    lw.list_calls.clear()
    lw.continue_error = expired()
    r._last_rv = ""
    await r._list()
    assert lw.list_calls == [("0", 2, None), (None, 2, "2"), ("0", None, None)]
    assert names(store) == list("abcde")


async def test_a_stray_cancelled_error_from_the_source_does_not_end_the_reflector(env) -> None:
    # Only cancelling the reflector's task stops it; a CancelledError escaping a list or
    # watch call (a source bug, a cancelled inner future) is an error like any other.
    lw, store, r, clock = env
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    lw.fail_watches(asyncio.CancelledError())
    await wait_for(lambda: clock.sleepers == 1)
    await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
    await wait_for(lambda: len(lw.list_calls) == 2 and lw.open_watches == 1)
    assert names(store) == ["a"] and r.last_sync_resource_version == "1"
