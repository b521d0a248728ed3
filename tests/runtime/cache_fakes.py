"""Test helpers: an in-memory ListerWatcher, and convergence checks for informers.

It stands in for the API server (not for our client): it keeps objects with resourceVersions,
answers list pages and streams watch events, and can be told to fail in scripted ways.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from tekpy.runtime.cache import SharedInformer
from tekpy.runtime.client import CONFIGMAPS, ApiError, Client, WatchEvent


def expired() -> ApiError:
    return ApiError(410, "Expired", "too old resource version")


def pod(name: str, rv: int, ns: str = "default", **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "resourceVersion": str(rv), **extra},
    }


class FakeListerWatcher:
    def __init__(self) -> None:
        self.rv = 0
        self.objects: dict[str, dict[str, Any]] = {}
        self.list_calls: list[tuple[str | None, int | None, str | None]] = []
        self.watch_calls: list[tuple[str, int]] = []
        self.list_errors: deque[BaseException] = deque()
        self.watch_errors: deque[BaseException] = deque()
        self.page_size_override: int | None = None
        self.continue_error: BaseException | None = None
        self._watchers: list[asyncio.Queue[Any]] = []

    # ---- server-side mutations --------------------------------------------------------------

    def _emit(self, etype: str, obj: dict[str, Any]) -> None:
        for q in self._watchers:
            q.put_nowait(WatchEvent(etype, obj))

    def put(self, name: str, emit: bool = True, **extra: Any) -> dict[str, Any]:
        self.rv += 1
        o = pod(name, self.rv, **extra)
        etype = "MODIFIED" if name in self.objects else "ADDED"
        self.objects[name] = o
        if emit:
            self._emit(etype, o)
        return o

    def remove(self, name: str, emit: bool = True) -> None:
        self.rv += 1
        o = self.objects.pop(name)
        o = {**o, "metadata": {**o["metadata"], "resourceVersion": str(self.rv)}}
        if emit:
            self._emit("DELETED", o)

    def bookmark(self) -> None:
        self._emit("BOOKMARK", {"kind": "Pod", "metadata": {"resourceVersion": str(self.rv)}})

    def close_watches(self) -> None:
        for q in self._watchers:
            q.put_nowait(None)

    def fail_watches(self, err: BaseException) -> None:
        for q in self._watchers:
            q.put_nowait(err)

    @property
    def open_watches(self) -> int:
        return len(self._watchers)

    # ---- ListerWatcher protocol ----------------------------------------------------------------

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_: str | None
    ) -> dict[str, Any]:
        self.list_calls.append((resource_version, limit, continue_))
        await asyncio.sleep(0)
        if self.list_errors:
            raise self.list_errors.popleft()
        items = [self.objects[k] for k in sorted(self.objects)]
        size = limit and (self.page_size_override or limit)
        start = int(continue_ or 0)
        if continue_ and self.continue_error is not None:
            err, self.continue_error = self.continue_error, None
            raise err
        meta: dict[str, Any] = {"resourceVersion": str(self.rv)}
        if size and start + size < len(items):
            meta["continue"] = str(start + size)
            items = items[start : start + size]
        else:
            items = items[start:]
        return {"kind": "PodList", "metadata": meta, "items": [dict(i) for i in items]}

    def watch(
        self, *, resource_version: str, timeout_seconds: int, allow_watch_bookmarks: bool
    ) -> Any:
        return self._watch(resource_version, timeout_seconds)

    @asynccontextmanager
    async def _watch(
        self, rv: str, server_timeout: int
    ) -> AsyncIterator[AsyncIterator[WatchEvent]]:
        self.watch_calls.append((rv, server_timeout))
        await asyncio.sleep(0)
        if self.watch_errors:
            raise self.watch_errors.popleft()
        q: asyncio.Queue[Any] = asyncio.Queue()
        self._watchers.append(q)

        async def stream() -> AsyncIterator[WatchEvent]:
            while True:
                item = await q.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item

        try:
            yield stream()
        finally:
            self._watchers.remove(q)


async def wait_for(cond: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until ``cond()`` holds (checked at every loop turn), failing after ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.001)


async def server_state(client: Client, ns: str) -> dict[str, str]:
    items, _ = await client.list_all(CONFIGMAPS, namespace=ns)
    return {i["metadata"]["name"]: i["metadata"]["resourceVersion"] for i in items}


def cache_state(inf: SharedInformer) -> dict[str, str]:
    return {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in inf.store.list()}


async def converged(client: Client, inf: SharedInformer, ns: str, within: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        want = await server_state(client, ns)
        try:
            await wait_for(lambda w=want: cache_state(inf) == w, within=0.5)  # type: ignore[misc]
            return
        except AssertionError:
            if loop.time() > deadline:
                raise AssertionError(f"cache {cache_state(inf)} != server {want}") from None
