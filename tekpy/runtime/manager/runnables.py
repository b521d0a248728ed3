"""Runnables and the groups the Manager starts and stops together.

A runnable is anything the Manager runs for its lifetime:

* an object with ``async start()`` that runs until it is cancelled (cancellation is the
  stop signal: finish or abandon in-flight work promptly, then return or re-raise), or
* a coroutine function taking no arguments.

It runs only on the elected leader unless it says otherwise, through a
``needs_leader_election`` attribute (bool, or a method returning bool) or the ``add()``
argument of the same name. If it raises, the Manager stops and ``start()`` raises that error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

__all__ = ["Runnable", "RunnableGroup", "needs_leader_election"]

log = logging.getLogger("tekpy.runtime.manager")


@runtime_checkable
class Runnable(Protocol):
    """Something the Manager runs: ``start()`` returns when done or raises when cancelled."""

    async def start(self) -> None:
        """Run until cancelled."""
        ...


RunnableLike = Runnable | Callable[[], Awaitable[Any]]


def needs_leader_election(runnable: object, default: bool = True) -> bool:
    """The runnable's own ``needs_leader_election`` (attribute or method), else ``default``."""
    flag = getattr(runnable, "needs_leader_election", None)
    if callable(flag):
        flag = flag()
    return default if flag is None else bool(flag)


def _describe(runnable: object) -> str:
    name = getattr(runnable, "name", None) or getattr(runnable, "__qualname__", None)
    return str(name or type(runnable).__qualname__)


class RunnableGroup:
    """Runnables started together and stopped together (by cancellation, with a deadline)."""

    def __init__(self, name: str, on_error: Callable[[BaseException], None]) -> None:
        self.name = name
        self._on_error = on_error
        self._pending: list[RunnableLike] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self.started = False
        self.stopped = False

    def __len__(self) -> int:
        return len(self._pending) + len(self._tasks)

    def add(self, runnable: RunnableLike) -> None:
        """Queue ``runnable``; once the group has started, it starts at once."""
        if self.stopped:
            raise RuntimeError(f"cannot add to the stopped {self.name} group")
        if self.started:
            self._spawn(runnable)
        else:
            self._pending.append(runnable)

    def start(self) -> None:
        """Start every queued runnable (idempotent)."""
        if self.started or self.stopped:
            return
        self.started = True
        pending, self._pending = self._pending, []
        for runnable in pending:
            self._spawn(runnable)

    def _spawn(self, runnable: RunnableLike) -> None:
        name = _describe(runnable)

        async def run() -> None:
            start = getattr(runnable, "start", None)
            await (start() if callable(start) else runnable())  # type: ignore[operator]

        task = asyncio.create_task(run(), name=f"{self.name}:{name}")
        task.add_done_callback(lambda t: self._done(name, t))
        self._tasks.append(task)

    def _done(self, name: str, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and not self.stopped:
            log.error("runnable failed group=%s runnable=%s", self.name, name, exc_info=exc)
            self._on_error(exc)

    async def stop(self, grace: float) -> bool:
        """Cancel every runnable and wait up to ``grace`` s; True if all ended in time."""
        self.stopped = True
        self._pending.clear()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if not tasks:
            return True
        if grace <= 0:
            # No grace (the Lease was lost): let the first cancellation land, then cancel
            # again so that in-flight work is aborted rather than awaited.
            await asyncio.sleep(0)
            for task in tasks:
                if not task.done():
                    task.cancel()
            return False
        _, still_running = await asyncio.wait(tasks, timeout=grace)
        for task in still_running:
            # A second cancellation aborts in-flight work (a controller's running reconciles).
            task.cancel()
            log.warning(
                "runnable did not stop in time group=%s task=%s", self.name, task.get_name()
            )
        return not still_running
