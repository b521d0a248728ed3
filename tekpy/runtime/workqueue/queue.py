"""The plain work queue, with client-go's dirty/processing semantics.

* An item waits in the queue at most once: adding an item that is already waiting does
  nothing (``dirty`` set).
* An item is never handed to two workers at once: while an item is being processed, adds of
  it are remembered (it becomes dirty) and it goes back on the queue once, when the worker
  calls :meth:`Queue.done` (``processing`` set). Any number of adds during one processing
  collapse into exactly one re-run.
* After :meth:`Queue.shut_down`, adds are ignored; :meth:`Queue.get` still hands out the items
  that were waiting and then raises :class:`ShutDown`.
  :meth:`Queue.shut_down_with_drain` also waits until no item is being processed.

Everything runs on one event loop; none of the methods are thread-safe.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.metrics.workqueue import QueueMetrics, queue_metrics

__all__ = ["Queue", "ShutDown"]

T = TypeVar("T", bound=Hashable)


class ShutDown(Exception):
    """Raised by :meth:`Queue.get` once the queue is shut down and has no waiting items."""


class Queue(Generic[T]):
    """A FIFO work queue that deduplicates items and serialises work per item.

    ``name`` labels the ``workqueue_*`` metrics; an unnamed queue records none (as client-go).
    ``clock`` times the metrics.
    """

    def __init__(self, name: str = "", *, clock: Clock = REAL_CLOCK) -> None:
        self.name = name
        self.clock = clock
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._getters: deque[asyncio.Future[None]] = deque()
        self._shutting_down = False
        self._drain = False
        self._drained: asyncio.Future[None] | None = None
        self._metrics: QueueMetrics | None = queue_metrics(name, clock)

    def add(self, item: T) -> None:
        """Mark ``item`` as needing processing."""
        if self._shutting_down or item in self._dirty:
            return
        if self._metrics is not None:
            self._metrics.add(item)
        self._dirty.add(item)
        if item in self._processing:
            # Re-queued by done(); a second worker must not get it meanwhile.
            return
        self._queue.append(item)
        self._wake_one()

    def __len__(self) -> int:
        """Number of items waiting to be handed out (not counting those being processed)."""
        return len(self._queue)

    async def get(self) -> T:
        """Wait for the next item and mark it as being processed.

        The caller must call :meth:`done` with the item when finished. Raises
        :class:`ShutDown` when the queue is shut down and empty.
        """
        while not self._queue and not self._shutting_down:
            waiter = asyncio.get_running_loop().create_future()
            self._getters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    # We were woken for an item but will not take it: pass the wake-up on.
                    self._wake_one()
                else:
                    try:
                        self._getters.remove(waiter)
                    except ValueError:
                        pass
                raise
        if not self._queue:
            raise ShutDown(self.name)
        item = self._queue.popleft()
        if self._metrics is not None:
            self._metrics.get(item)
        self._processing.add(item)
        self._dirty.discard(item)
        return item

    def done(self, item: T) -> None:
        """Mark ``item`` as finished; it is queued again if it was added meanwhile."""
        if self._metrics is not None:
            self._metrics.done(item)
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
            self._wake_one()
        drained = self._drained
        if drained is not None and not self._processing and not drained.done():
            drained.set_result(None)

    def shut_down(self) -> None:
        """Stop accepting adds and wake every waiting :meth:`get`.

        Waiting items are still handed out; ``get`` raises :class:`ShutDown` once none are
        left. Interrupts a :meth:`shut_down_with_drain` in progress.
        """
        self._drain = False
        self._shutting_down = True
        self._wake_all()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    async def shut_down_with_drain(self) -> None:
        """Like :meth:`shut_down`, then wait until no item is being processed.

        Returns early if :meth:`shut_down` is called meanwhile.
        """
        self._drain = True
        self._shutting_down = True
        self._wake_all()
        while self._processing and self._drain:
            self._drained = asyncio.get_running_loop().create_future()
            try:
                await self._drained
            finally:
                self._drained = None

    @property
    def shutting_down(self) -> bool:
        """True once :meth:`shut_down` or :meth:`shut_down_with_drain` was called."""
        return self._shutting_down

    @property
    def processing(self) -> int:
        """Number of items handed out and not yet marked done."""
        return len(self._processing)

    def _wake_one(self) -> None:
        getters = self._getters
        while getters:
            waiter = getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _wake_all(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
