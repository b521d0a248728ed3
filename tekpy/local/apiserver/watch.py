"""Watch fan-out: each store event goes to every matching watcher without blocking writers.

A ``Watcher`` holds a bounded buffer of encoded lines. ``Hub.on_event`` runs inside the
writer's (synchronous) store call and only appends shared bytes to buffers; each watch
request's own task drains its buffer to the socket in batches. A watcher whose buffer
overflows (a stalled consumer) is closed, as kube-apiserver closes a watcher that cannot keep
up; the client then re-watches from its last resourceVersion or relists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson

from .store import Event, Stored

__all__ = ["Watcher", "Hub", "DEFAULT_WATCHER_BUFFER"]

DEFAULT_WATCHER_BUFFER = 10_000  # events

Matcher = Callable[[dict[str, Any]], bool]


class Watcher:
    """One watch request: filters events and buffers their lines until sent."""

    def __init__(
        self,
        skey: str,
        ns: str | None,
        matcher: Matcher | None,
        *,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        max_buffer: int = DEFAULT_WATCHER_BUFFER,
    ) -> None:
        self.skey = skey
        self.ns = ns
        self.matcher = matcher
        # set when the watch wants objects as another version or as Tables: lines are then
        # encoded for this watcher alone
        self.transform = transform
        self.max_buffer = max_buffer
        self.buf: list[bytes] = []
        self.allowance = 0  # replayed lines (a resume's backlog) do not count against the bound
        self.wake = asyncio.Event()
        self.closed = False
        self.overflowed = False
        self.writing = False
        self.abort: Callable[[], None] | None = None  # aborts the transport of a stuck write

    def line_for(self, type: str, stored: Stored, shared: bytes | None) -> bytes:
        if self.transform is None:
            if shared is not None:
                return shared
            return b'{"type":"' + type.encode() + b'","object":' + stored.raw + b"}\n"
        return orjson.dumps({"type": type, "object": self.transform(stored.obj)}) + b"\n"

    def offer(self, event: Event, replay: bool = False) -> None:
        """Called synchronously by the writer: decide, append, never wait."""
        if self.closed or (self.ns is not None and event.ns != self.ns):
            return
        matcher = self.matcher
        if matcher is None:
            line = self.line_for(event.type, event.stored, event.line())
        else:
            now = matcher(event.stored.obj)
            if event.type == "MODIFIED":
                before = event.prev is not None and matcher(event.prev.obj)
                if now and before:
                    line = self.line_for("MODIFIED", event.stored, event.line())
                elif now:  # moved into the selection
                    line = self.line_for("ADDED", event.stored, None)
                elif before and event.prev is not None:
                    # moved out of it: kube sends DELETED with the previous object at the
                    # event's resourceVersion
                    prev = event.prev.obj
                    gone = dict(prev, metadata=dict(prev["metadata"],
                                                    resourceVersion=str(event.rv)))
                    line = self.line_for("DELETED", Stored(gone, orjson.dumps(gone), event.rv),
                                         None)
                else:
                    return
            elif now:
                line = self.line_for(event.type, event.stored, event.line())
            else:
                return
        self.push(line, replay)

    def push(self, line: bytes, replay: bool = False) -> None:
        """Buffer a line; past the bound (not counting a resume's replay) the watch closes."""
        if self.closed:
            return
        self.buf.append(line)
        if replay:
            self.allowance += 1
        elif len(self.buf) > self.max_buffer + self.allowance:
            self.overflowed = True
            self.close()
            return
        self.wake.set()

    def close(self) -> None:
        """Stop this watch; a write stuck on a stalled socket is aborted."""
        if self.closed:
            return
        self.closed = True
        self.wake.set()
        if self.writing and self.abort is not None:
            self.abort()

    def take(self, limit: int = 1000) -> bytes:
        """Up to ``limit`` buffered lines as one write. A resume's replay can be thousands
        of events: sending it in slices lets the client decode the first while the server
        encrypts and writes the rest, instead of waiting for the whole backlog."""
        buf = self.buf
        if len(buf) <= limit:
            data = b"".join(buf)
            buf.clear()
            self.allowance = 0
            self.wake.clear()
            return data
        data = b"".join(buf[:limit])
        del buf[:limit]
        self.allowance = max(0, self.allowance - limit)
        return data


class Hub:
    """Routes store events to the watchers of their resource."""

    def __init__(self) -> None:
        self.by_skey: dict[str, set[Watcher]] = {}

    def add(self, w: Watcher) -> None:
        self.by_skey.setdefault(w.skey, set()).add(w)

    def discard(self, w: Watcher) -> None:
        ws = self.by_skey.get(w.skey)
        if ws is not None:
            ws.discard(w)
            if not ws:
                del self.by_skey[w.skey]

    def on_event(self, event: Event) -> None:
        ws = self.by_skey.get(event.skey)
        if ws:
            for w in tuple(ws):
                w.offer(event)

    def close_all(self, skey: str | None = None) -> None:
        for key, ws in list(self.by_skey.items()):
            if skey is None or key == skey:
                for w in tuple(ws):
                    w.close()

    def count(self) -> int:
        return sum(len(ws) for ws in self.by_skey.values())
