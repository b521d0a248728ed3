"""Watch streams: newline-delimited watch events decoded into :class:`WatchEvent`.

The stream ends normally when the server closes it (its ``timeoutSeconds`` elapsed, or it
went away mid-stream: like client-go, a dropped connection is an ordinary end and the caller
re-watches from its last resourceVersion). An ``ERROR`` event raises :class:`ApiError` (a
410 is ``is_expired``), and a stream silent for longer than the inactivity timeout raises
:class:`WatchStalledError`.

Besides iteration event by event, :meth:`WatchStream.next_events` returns every event already
received at once (no await per event), each with its object's JSON bytes cut out of the line
when that is exact (an informer then caches those bytes instead of encoding them again).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

import aiohttp
import orjson

from tekpy.runtime.client.errors import ApiError, WatchStalledError
from tekpy.runtime.client.lines import LineSplitter

__all__ = ["EncodedWatchEvent", "WatchEvent", "WatchStream", "split_watch_line"]

# Errors of a connection that went away while we were reading: client-go treats these
# ("probable EOF", connection reset) as a normal end of the watch.
_DISCONNECTS = (
    aiohttp.ClientPayloadError,
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientOSError,
    ConnectionResetError,
)

_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


class WatchEvent(NamedTuple):
    """One watch event: ``type`` is ADDED, MODIFIED, DELETED or BOOKMARK; ``object`` the
    object (for BOOKMARK, only ``metadata.resourceVersion`` is meaningful)."""

    type: str
    object: dict[str, Any]


EncodedWatchEvent = tuple[str, dict[str, Any], bytes | None]
"""``(type, object, raw)``: a watch event with, when known exactly, ``raw``: the JSON bytes
of ``object`` as the server sent them (None when they could not be cut out of the line)."""

_TYPE_FIRST = b'{"type":"'  # kube-apiserver's field order: {"type":"T","object":{...}}
_OBJECT_NEXT = b'","object":'
_OBJECT_FIRST = b'{"object":'  # the other order: {"object":{...},"type":"T"}
_TYPE_NEXT = b',"type":"'
_OPEN, _CLOSE = 0x7B, 0x7D  # "{", "}"
_TYPES = {t.encode(): t for t in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR")}


def split_watch_line(line: bytes) -> EncodedWatchEvent:
    """Decode one watch line into ``(type, object, raw)``.

    ``raw`` is the line's ``object`` value, sliced out without re-encoding, when the line is
    exactly ``{"type":"T","object":V}`` or ``{"object":V,"type":"T"}`` (no whitespace
    outside V, T letters only, V an object): V is then decoded on its own, which succeeds
    only if V is one whole JSON value, so the slice is that value and nothing else. Any other
    shape (whitespace, more members, escapes in the type) is decoded as a whole and gets
    ``raw=None``. Raises ``ValueError`` for a line that is not a watch event.
    """
    raw: bytes | None = None
    etype = b""
    if line.startswith(_TYPE_FIRST):
        q = line.find(b'"', 9)
        if q > 9 and line.startswith(_OBJECT_NEXT, q) and line[-1] == _CLOSE:
            etype = line[9:q]
            raw = line[q + 11 : -1]
    elif line.startswith(_OBJECT_FIRST) and line.endswith(b'"}'):
        p = line.rfind(_TYPE_NEXT)
        if p > 10:
            etype = line[p + 9 : -2]
            raw = line[10:p]
    # V must be an object with no whitespace around it, T letters only.
    if raw and raw[0] == _OPEN and raw[-1] == _CLOSE:
        t = _TYPES.get(etype) or (etype.decode() if etype.isalpha() else None)
        if t is not None:
            try:
                obj = _loads(raw)
            except _JSONDecodeError:
                obj = None
            if type(obj) is dict:
                return t, obj, raw
    doc = _loads(line)
    t = doc.get("type") if type(doc) is dict else None
    obj = doc.get("object") if type(doc) is dict else None
    if t == "ERROR" and not isinstance(obj, dict):
        return t, {}, None  # raised as an ApiError without details
    if not isinstance(t, str) or not isinstance(obj, dict):
        raise ValueError(f"malformed watch event: {doc!r:.200}")
    return t, obj, None


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
        if pending:
            ev = split_watch_line(pending.popleft())
        else:
            tail = await self._receive()
            if pending:
                ev = split_watch_line(pending.popleft())
            elif tail is None:
                raise StopAsyncIteration
            else:
                ev = tail
        self._check(ev)
        self.events_received += 1
        return WatchEvent(ev[0], ev[1])

    async def next_events(self) -> Iterator[EncodedWatchEvent] | None:
        """The events received so far (waiting for at least one), as ``(type, object,
        raw)`` (see :func:`split_watch_line`); None once the stream has ended.

        The iterator decodes each line as it is reached (so an event dies before the next
        is decoded if its consumer lets it); iterate it to its end before calling again.
        An ``ERROR`` event or a malformed line raises where it stands in the stream.
        """
        if not self._pending:
            tail = await self._receive()
            if not self._pending:
                if tail is None:
                    return None
                self._check(tail)
                self.events_received += 1
                return iter((tail,))
        return self._drain()

    def _drain(self) -> Iterator[EncodedWatchEvent]:
        pending = self._pending
        while pending:
            ev = split_watch_line(pending.popleft())
            if ev[0] == "ERROR":
                self._check(ev)  # raises
            self.events_received += 1
            yield ev

    async def _receive(self) -> EncodedWatchEvent | None:
        """Read until lines are pending; at the end of the stream, return its final line
        (sent without newline) if it is a whole event, else None."""
        pending = self._pending
        while not pending:
            if self._done:
                return None
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
                    _loads(tail)
                except _JSONDecodeError:
                    return None
                return split_watch_line(tail)
        return None

    def _check(self, ev: EncodedWatchEvent) -> EncodedWatchEvent:
        if ev[0] == "ERROR":
            self._done = True
            self._pending.clear()
            raise ApiError.from_status(ev[1])
        return ev

    def close(self) -> None:
        """Drop the connection (the stream then ends)."""
        self._done = True
        self._resp.close()
