"""Injectable clocks.

Every time-dependent component (work queues, rate limiters, reflectors, leader election,
timeouts) takes a :class:`Clock`, so tests drive time with :class:`FakeClock` instead of
sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FakeClock", "RealClock", "REAL_CLOCK"]


class Clock(Protocol):
    """Source of time for a component."""

    def now(self) -> datetime:
        """Wall-clock time (timezone-aware, UTC). Use for timestamps written to objects."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards. Use for durations."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the caller for ``seconds`` of this clock's time."""
        ...


class RealClock:
    """The system clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


REAL_CLOCK: Clock = RealClock()


class FakeClock:
    """A clock that only moves when a test calls :meth:`step` or :meth:`advance`.

    ``sleep`` registers a waiter that resolves once the fake time reaches its deadline.
    """

    def __init__(
        self,
        start: datetime | None = None,
        monotonic_start: float = 1000.0,
    ) -> None:
        self._wall = start or datetime(2024, 1, 1, tzinfo=UTC)
        self._mono = monotonic_start
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (self._mono + seconds, next(self._seq), fut))
        await fut

    @property
    def sleepers(self) -> int:
        """Number of pending sleeps (useful to know the code under test is waiting)."""
        self._drop_cancelled()
        return len(self._waiters)

    def next_deadline(self) -> float | None:
        """Monotonic time of the earliest pending sleep, or None."""
        self._drop_cancelled()
        return self._waiters[0][0] if self._waiters else None

    def step(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has passed."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)
        while self._waiters and self._waiters[0][0] <= self._mono:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(None)

    async def advance(self, seconds: float) -> None:
        """``step`` and then let the woken tasks run."""
        self.step(seconds)
        await settle()

    def _drop_cancelled(self) -> None:
        self._waiters = [w for w in self._waiters if not w[2].done()]
        heapq.heapify(self._waiters)


async def settle(rounds: int = 20) -> None:
    """Yield to the event loop several times so that ready tasks run to their next await."""
    for _ in range(rounds):
        await asyncio.sleep(0)
