"""The Reflector: keeps a store in step with the server by listing, then watching.

Semantics follow client-go's reflector:

- The first list asks for ``resourceVersion="0"`` (any recent state, cheap for the server);
  later relists ask for the last resourceVersion seen, so the cache never goes back in time.
  If that resourceVersion is expired (410) or too new for the server, the list is retried at
  once with ``resourceVersion=""`` (a fresh, consistent read).
- The watch starts at the list's resourceVersion with bookmarks and a server-side timeout
  drawn from [5, 10] minutes to spread reconnects. When a watch ends normally (timeout,
  dropped connection, silent stream) it is re-opened from the last resourceVersion without
  relisting. If opening it fails with connection refused or 429, it is retried after a
  backoff, still without relisting. A 410 Expired/Gone, or any other error, ends the cycle
  and the reflector relists after a backoff.
- Backoff: 0.8 s doubling to 30 s with full jitter, reset after 2 minutes without errors.
- A watch event the store cannot take (no name, a failing transform) is logged and skipped,
  as client-go does; it neither ends the watch nor forces a relist.
- Nothing but cancellation of its task stops :meth:`Reflector.run`.

For speed, a paginated list fetches each next page while the current one is handed to the
store, and a store that offers ``begin_list`` takes the pages one by one (it still applies
the list at once, after its last page). Watch streams with ``next_events`` are applied a
network read at a time, passing each object's JSON bytes along to a store that offers
``update_encoded`` (see :class:`ReflectorStore`).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack
from typing import Any, Protocol

import aiohttp

from tekpy.runtime.cache.backoff import Backoff
from tekpy.runtime.cache.gcpause import gc_paused
from tekpy.runtime.cache.listwatch import ListerWatcher
from tekpy.runtime.client import (
    ApiError,
    WatchEvent,
    WatchStalledError,
    is_expired,
    is_gone,
    is_too_large_resource_version,
    is_too_many_requests,
)
from tekpy.runtime.client.watch import EncodedWatchEvent
from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = ["ListSink", "Reflector", "ReflectorStore", "VeryShortWatchError"]

log = logging.getLogger("tekpy.runtime.cache.reflector")

MIN_WATCH_TIMEOUT = 300


class ReflectorStore(Protocol):
    """Where a reflector delivers what it reads (a Store, or an informer).

    Optional, used when present: ``begin_list() -> ListSink`` (receive a list page by page
    instead of through ``replace``), and ``update_encoded(obj, raw)`` (an ADDED or MODIFIED
    event whose object's exact JSON bytes are ``raw``).
    """

    def replace(self, items: list[dict[str, Any]], resource_version: str) -> None: ...
    def add(self, obj: dict[str, Any]) -> None: ...
    def update(self, obj: dict[str, Any]) -> None: ...
    def delete(self, obj: dict[str, Any]) -> None: ...


class ListSink(Protocol):
    """Receives one list's pages; nothing is applied before :meth:`commit`."""

    def add_items(self, items: list[dict[str, Any]]) -> None: ...
    def commit(self, resource_version: str) -> None: ...


class _ReplaceSink:
    """A :class:`ListSink` collecting the items for ``store.replace``."""

    def __init__(self, store: ReflectorStore) -> None:
        self._store = store
        self._items: list[dict[str, Any]] = []

    def add_items(self, items: list[dict[str, Any]]) -> None:
        self._items.extend(items)

    def commit(self, resource_version: str) -> None:
        self._store.replace(self._items, resource_version)


def _discard(task: asyncio.Future[Any]) -> None:
    # A prefetched page nobody will read: stop it, and retrieve its outcome if it has one
    # (an unretrieved exception would be reported as a bug when the task is collected).
    if task.done():
        if not task.cancelled():
            task.exception()
    else:
        task.cancel()


class VeryShortWatchError(Exception):
    """A watch closed within a second without delivering any event (treated as a failure,
    so a server that keeps closing watches at once makes the reflector back off and relist)."""


def _is_expired(err: BaseException) -> bool:
    return is_expired(err) or is_gone(err)


def _is_connection_refused(err: BaseException) -> bool:
    if isinstance(err, ConnectionRefusedError):
        return True
    if isinstance(err, aiohttp.ClientConnectorError):
        return err.os_error is not None and err.os_error.errno == errno.ECONNREFUSED
    return False


class Reflector:
    """List-then-watch loop feeding ``store`` from ``lister_watcher``."""

    def __init__(
        self,
        lister_watcher: ListerWatcher,
        store: ReflectorStore,
        *,
        name: str = "",
        clock: Clock = REAL_CLOCK,
        page_size: int = 500,
        min_watch_timeout: int = MIN_WATCH_TIMEOUT,
        backoff: Backoff | None = None,
        rand: random.Random | None = None,
    ) -> None:
        self.name = name or str(lister_watcher)
        self._lw = lister_watcher
        self._store = store
        self._update_encoded = getattr(store, "update_encoded", None)
        self._clock = clock
        self._page_size = page_size
        self._min_watch_timeout = max(min_watch_timeout, 1)
        self._rand = rand or random.Random()
        self._backoff = backoff or Backoff(clock=clock, rand=self._rand.random)
        self._last_rv = ""
        self._rv_unavailable = False
        #: Counters for tests and debugging: completed lists, opened watches.
        self.list_count = 0
        self.watch_count = 0

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion of the last list or watch event applied to the store."""
        return self._last_rv

    async def run(self) -> None:
        """List and watch until cancelled; errors are logged and retried, never raised."""
        while True:
            try:
                await self.list_and_watch()
            except asyncio.CancelledError as e:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # we are being stopped
                # A CancelledError of the source's own must not end the reflector silently.
                log.warning(
                    "msg=%r reflector=%r error=%r",
                    "list and watch failed; backing off",
                    self.name,
                    f"{type(e).__name__}: {e}",
                )
            except Exception as e:
                log.warning(
                    "msg=%r reflector=%r error=%r",
                    "list and watch failed; backing off",
                    self.name,
                    f"{type(e).__name__}: {e}",
                )
            await self._clock.sleep(self._backoff.next())

    async def list_and_watch(self) -> None:
        """One cycle: list into the store, then watch until a relist is needed."""
        await self._list()
        await self._watch()

    # ---- list -----------------------------------------------------------------------------

    def _relist_rv(self) -> str:
        if self._rv_unavailable:
            return ""
        return self._last_rv or "0"

    async def _list(self) -> None:
        # Decoding and caching a list makes only acyclic objects: see gcpause.
        with gc_paused():
            await self._list_unpaused()

    async def _list_unpaused(self) -> None:
        rv = self._relist_rv()
        try:
            sink, list_rv = await self._list_pages(rv)
        except ApiError as e:
            if not (_is_expired(e) or is_too_large_resource_version(e)):
                raise
            # The resourceVersion we asked for is gone (or not there yet): read fresh.
            self._rv_unavailable = True
            sink, list_rv = await self._list_pages(self._relist_rv())
        self._rv_unavailable = False
        sink.commit(list_rv)
        self._last_rv = list_rv
        self.list_count += 1

    def _new_sink(self) -> ListSink:
        begin = getattr(self._store, "begin_list", None)
        return begin() if begin is not None else _ReplaceSink(self._store)

    async def _list_pages(self, rv: str) -> tuple[ListSink, str]:
        # As client-go: an exact-RV relist is not paginated (a paginated list would bypass
        # the server's watch cache); "0" and "" are.
        limit = self._page_size if rv in ("", "0") else None
        lst = self._lw.list
        page = await lst(resource_version=rv, limit=limit, continue_=None)
        sink = self._new_sink()
        meta = page.get("metadata") or {}
        list_rv = str(meta.get("resourceVersion") or "")
        while cont := meta.get("continue"):
            # Ask for the next page first: the server renders it while the store takes
            # this one.
            nxt = asyncio.ensure_future(lst(resource_version=None, limit=limit, continue_=cont))
            try:
                await asyncio.sleep(0)  # the request goes out
                sink.add_items(page.get("items") or [])
                page = await nxt
            except ApiError as e:
                if not is_expired(e):
                    raise
                # The continue token expired mid-way: one full list at the requested RV.
                page = await lst(resource_version=rv, limit=None, continue_=None)
                sink = self._new_sink()
                list_rv = str((page.get("metadata") or {}).get("resourceVersion") or "")
                break
            finally:
                _discard(nxt)
            meta = page.get("metadata") or {}
        sink.add_items(page.get("items") or [])
        return sink, list_rv

    # ---- watch ----------------------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            timeout = self._rand.randint(self._min_watch_timeout, 2 * self._min_watch_timeout)
            start = self._clock.monotonic()
            async with AsyncExitStack() as stack:
                try:
                    events = await stack.enter_async_context(
                        self._lw.watch(
                            resource_version=self._last_rv,
                            timeout_seconds=timeout,
                            allow_watch_bookmarks=True,
                        )
                    )
                except Exception as e:
                    if _is_connection_refused(e) or is_too_many_requests(e):
                        log.info("msg=%r reflector=%r error=%r", "watch refused", self.name, str(e))
                        await self._clock.sleep(self._backoff.next())
                        continue
                    raise
                self.watch_count += 1
                try:
                    await self._handle(events, start)
                except WatchStalledError:
                    log.info("msg=%r reflector=%r", "watch stalled; re-watching", self.name)
                    continue
                except ApiError as e:
                    if _is_expired(e):
                        # Relist at the last RV: a list is served "not older than" it, so
                        # this only falls back to a fresh read if the list fails too.
                        log.info("msg=%r reflector=%r", "watch expired; relisting", self.name)
                        return
                    if is_too_many_requests(e):
                        await self._clock.sleep(self._backoff.next())
                        continue
                    log.warning("msg=%r reflector=%r error=%r", "watch failed", self.name, str(e))
                    return

    async def _handle(self, events: AsyncIterator[WatchEvent], start: float) -> None:
        count = 0
        next_events = getattr(events, "next_events", None)
        if next_events is None:
            async for etype, obj in events:
                count += self._apply(((etype, obj, None),))
        else:
            # The events of a network read at once: no await per event.
            while (batch := await next_events()) is not None:
                count += self._apply(batch)
        if count == 0 and self._clock.monotonic() - start < 1.0:
            raise VeryShortWatchError(f"{self.name}: watch closed immediately without events")

    def _apply(self, events: Iterable[EncodedWatchEvent]) -> int:
        """Apply events to the store; returns how many were read."""
        store = self._store
        update_encoded = self._update_encoded
        count = 0
        for etype, obj, raw in events:
            count += 1
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            try:
                if (
                    raw is not None
                    and update_encoded is not None
                    and (etype == "ADDED" or etype == "MODIFIED")
                ):
                    update_encoded(obj, raw)
                elif etype == "ADDED":
                    store.add(obj)
                elif etype == "MODIFIED":
                    store.update(obj)
                elif etype == "DELETED":
                    store.delete(obj)
                elif etype == "BOOKMARK":
                    bookmark = getattr(store, "bookmark", None)
                    if bookmark is not None and rv:
                        bookmark(rv)
                else:
                    log.warning(
                        "msg=%r reflector=%r type=%r", "unknown watch event", self.name, etype
                    )
                    continue
            except Exception as e:
                # As client-go: an event the store cannot take (no name, a failing
                # transform) is reported and skipped. Ending the watch would relist the
                # whole collection, only to meet the same object again.
                log.error(
                    "msg=%r reflector=%r type=%r error=%r",
                    "cannot apply watch event; skipped",
                    self.name,
                    etype,
                    f"{type(e).__name__}: {e}",
                )
            if rv:
                self._last_rv = rv
        return count
