"""The delaying queue: :meth:`DelayingQueue.add_after` adds an item once a delay has passed.

As in client-go:

* a delay of zero or less adds at once;
* an item waiting for several ready times is added once, at the earliest of them (a later
  ``add_after`` never postpones an earlier one);
* every ``add_after`` on a named queue counts in ``workqueue_retries_total``;
* shutting down drops the items still waiting for their time.

One timer task sleeps on the injected clock until the earliest ready time; it is replaced
when an earlier item arrives and is not running when nothing waits.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Hashable
from datetime import timedelta
from typing import TypeVar

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.workqueue.queue import Queue

__all__ = ["DelayingQueue", "seconds"]

T = TypeVar("T", bound=Hashable)


def seconds(delay: float | timedelta) -> float:
    """A delay in seconds, from seconds or a :class:`~datetime.timedelta`."""
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class _Waiting:
    """One heap entry; ``live`` is cleared instead of removing a superseded entry."""

    __slots__ = ("item", "live", "ready_at", "seq")

    def __init__(self, ready_at: float, seq: int, item: Hashable) -> None:
        self.ready_at = ready_at
        self.seq = seq
        self.item = item
        self.live = True

    def __lt__(self, other: _Waiting) -> bool:
        return (self.ready_at, self.seq) < (other.ready_at, other.seq)


class DelayingQueue(Queue[T]):
    """A :class:`Queue` that can also add items after a delay measured on ``clock``."""

    def __init__(self, name: str = "", *, clock: Clock = REAL_CLOCK) -> None:
        super().__init__(name, clock=clock)
        self._heap: list[_Waiting] = []
        self._waiting: dict[T, _Waiting] = {}
        self._seq = itertools.count()
        self._timer: asyncio.Task[None] | None = None
        self._timer_at: float | None = None

    def add_after(self, item: T, delay: float | timedelta) -> None:
        """Add ``item`` once ``delay`` (seconds or timedelta) has passed on the clock."""
        if self._shutting_down:
            return
        if self._metrics is not None:
            self._metrics.retry()
        wait = seconds(delay)
        if wait <= 0:
            self.add(item)
            return
        ready_at = self.clock.monotonic() + wait
        existing = self._waiting.get(item)
        if existing is not None:
            if existing.ready_at <= ready_at:
                return
            existing.live = False  # superseded by the earlier entry pushed below
        entry = _Waiting(ready_at, next(self._seq), item)
        self._waiting[item] = entry
        heapq.heappush(self._heap, entry)
        if self._timer_at is None or ready_at < self._timer_at:
            self._arm(ready_at)

    @property
    def waiting(self) -> int:
        """Number of items waiting for their ready time."""
        return len(self._waiting)

    def shut_down(self) -> None:
        super().shut_down()
        self._stop_timer()

    async def shut_down_with_drain(self) -> None:
        self._stop_timer()
        await super().shut_down_with_drain()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_at = None
        self._heap.clear()
        self._waiting.clear()

    def _arm(self, ready_at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = ready_at
        self._timer = asyncio.get_running_loop().create_task(
            self._wait_loop(), name=f"workqueue-delay:{self.name}"
        )

    def _pop_ready(self) -> None:
        now = self.clock.monotonic()
        heap = self._heap
        while heap and (not heap[0].live or heap[0].ready_at <= now):
            entry = heapq.heappop(heap)
            if entry.live:
                del self._waiting[entry.item]  # type: ignore[arg-type]
                self.add(entry.item)  # type: ignore[arg-type]

    async def _wait_loop(self) -> None:
        # Deadlines are absolute, so a timer that starts late (or a fake clock that moved
        # before this task first ran) still fires at the right time.
        while True:
            self._pop_ready()
            if not self._heap:
                break
            ready_at = self._heap[0].ready_at
            self._timer_at = ready_at
            await self.clock.sleep(ready_at - self.clock.monotonic())
        self._timer = None
        self._timer_at = None
