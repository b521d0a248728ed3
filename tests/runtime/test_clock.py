"""FakeClock: sleepers wake exactly when fake time reaches their deadline."""

import asyncio

from tekpy.runtime.clock import FakeClock, settle


async def test_sleep_wakes_only_after_deadline() -> None:
    clock = FakeClock()
    woke: list[float] = []

    async def sleeper(d: float) -> None:
        await clock.sleep(d)
        woke.append(d)

    tasks = [asyncio.create_task(sleeper(d)) for d in (3.0, 1.0, 2.0)]
    await settle()
    assert clock.sleepers == 3
    assert clock.next_deadline() == clock.monotonic() + 1.0
    await clock.advance(1.5)
    assert woke == [1.0]
    await clock.advance(1.5)
    assert woke == [1.0, 2.0, 3.0]
    await asyncio.gather(*tasks)


async def test_cancelled_sleep_is_dropped_and_wall_time_moves() -> None:
    clock = FakeClock()
    start = clock.now()
    task = asyncio.create_task(clock.sleep(5))
    await settle()
    task.cancel()
    await settle()
    assert clock.sleepers == 0
    clock.step(2.5)
    assert (clock.now() - start).total_seconds() == 2.5


async def test_zero_sleep_returns_without_time_passing() -> None:
    clock = FakeClock()
    before = clock.monotonic()
    await clock.sleep(0)
    assert clock.monotonic() == before
