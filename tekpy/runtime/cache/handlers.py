"""Event handlers and their per-handler buffered delivery (client-go's processorListener).

Each registered handler gets its own unbounded buffer and task, so a slow handler delays
only itself: the watch keeps being read and other handlers keep receiving events.
Handler methods may be plain functions or coroutines.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from tekpy.runtime.clock import Clock

__all__ = ["HandlerRegistration", "ResourceEventHandler", "ResourceEventHandlerFuncs"]

log = logging.getLogger("tekpy.runtime.cache.informer")

Obj = dict[str, Any]

_ADD, _ADD_INITIAL, _UPDATE, _DELETE = range(4)
# Flag on a notification whose new object is still encoded: (key, JSON bytes), decoded when
# delivered, so that a list's objects are not all alive at once in the buffer.
_ENCODED = 8

Decode = Callable[[str, bytes], Obj]


class ResourceEventHandler(Protocol):
    """Receives an informer's notifications (methods may be sync or async).

    ``on_delete`` gets the deleted object, or a :class:`DeletedFinalStateUnknown` when the
    deletion was only noticed by a relist.
    """

    def on_add(self, obj: Obj, is_in_initial_list: bool) -> Any:
        """``obj`` appeared (``is_in_initial_list``: it was in the list the handler started
        from, i.e. the informer's first list or the cache when the handler was added)."""
        ...

    def on_update(self, old: Obj, new: Obj) -> Any:
        """``old`` became ``new`` (equal resourceVersions: a periodic resync)."""
        ...

    def on_delete(self, obj: Any) -> Any:
        """``obj`` was deleted (or a :class:`DeletedFinalStateUnknown` tombstone)."""
        ...


class ResourceEventHandlerFuncs:
    """A handler from optional callables (missing ones ignore their notification)."""

    def __init__(
        self,
        on_add: Callable[[Obj, bool], Any] | None = None,
        on_update: Callable[[Obj, Obj], Any] | None = None,
        on_delete: Callable[[Any], Any] | None = None,
    ) -> None:
        self._add, self._update, self._delete = on_add, on_update, on_delete

    def on_add(self, obj: Obj, is_in_initial_list: bool) -> Any:
        return self._add(obj, is_in_initial_list) if self._add else None

    def on_update(self, old: Obj, new: Obj) -> Any:
        return self._update(old, new) if self._update else None

    def on_delete(self, obj: Any) -> Any:
        return self._delete(obj) if self._delete else None


class HandlerRegistration:
    """One handler's subscription to an informer: its buffer, delivery task and sync state."""

    def __init__(
        self,
        handler: ResourceEventHandler,
        informer_synced: Callable[[], bool],
        resync_period: float | None,
        clock: Clock,
        decode: Decode | None = None,
    ) -> None:
        self.handler = handler
        self._decode = decode
        self.resync_period = resync_period
        self._informer_synced = informer_synced
        self._clock = clock
        self._buf: deque[tuple[int, Any, Any]] = deque()
        self._wake: asyncio.Event | None = None
        self._pending_initial = 0
        self._task: asyncio.Task[None] | None = None
        self.next_resync: float | None = (
            clock.monotonic() + resync_period if resync_period else None
        )

    def has_synced(self) -> bool:
        """The informer has synced and this handler has processed every object of the
        initial list (as client-go's per-registration ``HasSynced``)."""
        return self._informer_synced() and self._pending_initial == 0

    @property
    def pending(self) -> int:
        """Notifications buffered and not yet delivered."""
        return len(self._buf)

    # ---- enqueueing (called synchronously by the informer) --------------------------------

    def _push(self, item: tuple[int, Any, Any]) -> None:
        self._buf.append(item)
        if self._wake is not None:
            self._wake.set()

    def add(self, obj: Obj, initial: bool) -> None:
        if initial:
            self._pending_initial += 1
            self._push((_ADD_INITIAL, obj, None))
        else:
            # Inlined _push: the watch hot path.
            self._buf.append((_ADD, obj, None))
            wake = self._wake
            if wake is not None:
                wake.set()

    def update(self, old: Obj, new: Obj) -> None:
        self._buf.append((_UPDATE, old, new))
        wake = self._wake
        if wake is not None:
            wake.set()

    def add_encoded(self, key: str, raw: bytes, initial: bool) -> None:
        """:meth:`add` of the object stored as ``raw`` under ``key`` (decoded on delivery)."""
        if initial:
            self._pending_initial += 1
            self._push((_ADD_INITIAL | _ENCODED, (key, raw), None))
        else:
            self._push((_ADD | _ENCODED, (key, raw), None))

    def update_encoded(self, old: Obj, key: str, raw: bytes) -> None:
        """:meth:`update` to the object stored as ``raw`` under ``key``."""
        self._push((_UPDATE | _ENCODED, old, (key, raw)))

    def delete(self, obj: Any) -> None:
        self._push((_DELETE, obj, None))

    # ---- delivery --------------------------------------------------------------------------

    def start(self) -> None:
        """Start delivering buffered and future notifications (in a task of its own)."""
        if self._task is None:
            self._wake = asyncio.Event()
            if self._buf:
                self._wake.set()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop delivering; undelivered notifications stay buffered for a restart."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        assert self._wake is not None
        buf, wake, h, decode = self._buf, self._wake, self.handler, self._decode
        while True:
            if not buf:
                wake.clear()
                await wake.wait()
                continue
            kind, a, b = buf.popleft()
            try:
                if kind & _ENCODED:
                    kind ^= _ENCODED
                    assert decode is not None
                    if kind == _UPDATE:
                        b = decode(*b)
                    else:
                        a = decode(*a)
                if kind == _UPDATE:
                    r = h.on_update(a, b)
                elif kind == _DELETE:
                    r = h.on_delete(a)
                else:
                    r = h.on_add(a, kind == _ADD_INITIAL)
                # Plain-function handlers return None: skip the (slower) awaitable check.
                if r is not None and inspect.isawaitable(r):
                    await r
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # we are being stopped
                # The handler let a CancelledError of its own escape: an ordinary failure,
                # which must not end delivery to this handler.
                log.error("msg=%r handler=%r", "event handler raised CancelledError", h)
            except Exception:
                log.exception("msg=%r handler=%r", "event handler failed", h)
            finally:
                if kind == _ADD_INITIAL:
                    self._pending_initial -= 1
