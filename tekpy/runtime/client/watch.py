"""Watch streams: newline-delimited watch events decoded into :class:`WatchEvent`.

The stream ends normally when the server closes it (its ``timeoutSeconds`` elapsed, or it
went away mid-stream: like client-go, a dropped connection is an ordinary end and the caller
re-watches from its last resourceVersion). An ``ERROR`` event raises :class:`ApiError` (a
410 is ``is_expired``), and a stream silent for longer than the inactivity timeout raises
:class:`WatchStalledError`.
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

import aiohttp
import orjson

from tekpy.runtime.client.errors import ApiError, WatchStalledError
from tekpy.runtime.client.lines import LineSplitter

__all__ = ["WatchEvent", "WatchStream"]

# Errors of a connection that went away while we were reading: client-go treats these
# ("probable EOF", connection reset) as a normal end of the watch.
_DISCONNECTS = (
    aiohttp.ClientPayloadError,
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientOSError,
    ConnectionResetError,
)


class WatchEvent(NamedTuple):
    """One watch event: ``type`` is ADDED, MODIFIED, DELETED or BOOKMARK; ``object`` the
    object (for BOOKMARK, only ``metadata.resourceVersion`` is meaningful)."""

    type: str
    object: dict[str, Any]


class WatchStream:
    """Async iterator over the events of one watch response."""

    __slots__ = ("_done", "_pending", "_resp", "_splitter", "events_received")

    def __init__(self, resp: aiohttp.ClientResponse, max_line_bytes: int) -> None:
        self._resp = resp
        self._splitter = LineSplitter(max_line_bytes)
        self._pending: deque[bytes] = deque()
        self._done = False
        self.events_received = 0

    def __aiter__(self) -> WatchStream:
        return self

    async def __anext__(self) -> WatchEvent:
        pending = self._pending
        while not pending:
            if self._done:
                raise StopAsyncIteration
            try:
                chunk = await self._resp.content.readany()
            except TimeoutError as e:
                self._done = True
                self._resp.close()
                raise WatchStalledError("watch stream inactive past its timeout") from e
            except _DISCONNECTS:
                # The connection went away; a partial last line is lost with it.
                self._done = True
                continue
            if chunk:
                pending.extend(self._splitter.feed(chunk))
                continue
            self._done = True
            tail = self._splitter.tail().strip()
            if tail:
                # A final line without newline: use it if it is whole, as a JSON decoder at
                # EOF would (a truncated one is an unexpected EOF: a normal end).
                try:
                    raw = orjson.loads(tail)
                except orjson.JSONDecodeError:
                    raise StopAsyncIteration from None
                return self._event(raw)
        return self._event(orjson.loads(pending.popleft()))

    def _event(self, raw: Any) -> WatchEvent:
        etype = raw.get("type")
        obj = raw.get("object")
        if etype == "ERROR":
            self._done = True
            self._pending.clear()
            raise ApiError.from_status(obj if isinstance(obj, dict) else {})
        if not isinstance(etype, str) or not isinstance(obj, dict):
            raise ValueError(f"malformed watch event: {raw!r:.200}")
        self.events_received += 1
        return WatchEvent(etype, obj)

    def close(self) -> None:
        """Drop the connection (the stream then ends)."""
        self._done = True
        self._resp.close()
