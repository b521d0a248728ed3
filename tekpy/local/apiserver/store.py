"""In-memory object storage with one global resourceVersion and a watch history.

Stored objects are immutable once written: each ``Stored`` keeps the decoded dict (for
selectors and semantics) and its orjson encoding (sent as is on get, list and watch), so reads
never copy or re-encode. Writers build a new dict and call ``put``/``remove``; both are
synchronous, so under asyncio every write, its persistence and its event fan-out are atomic.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from .persistence import Persistence

__all__ = ["Stored", "Event", "Store", "ObjKey"]

ObjKey = tuple[str, str, str]  # (storage key, namespace, name)

# watch history kept for resumes: at most this many events and at most this old (kube keeps
# etcd history for 5 minutes between compactions); older resumes get 410 Expired
DEFAULT_HISTORY = 50_000
DEFAULT_HISTORY_SECONDS = 300.0


class Stored:
    """One version of an object: its dict (never mutated) and its JSON bytes."""

    __slots__ = ("obj", "raw", "rv")

    def __init__(self, obj: dict[str, Any], raw: bytes, rv: int) -> None:
        self.obj = obj
        self.raw = raw
        self.rv = rv

    @property
    def meta(self) -> dict[str, Any]:
        m: dict[str, Any] = self.obj["metadata"]
        return m


class Event:
    """A change in resourceVersion order; its watch line is encoded once, lazily."""

    __slots__ = ("_line", "at", "ns", "prev", "rv", "skey", "stored", "type")

    def __init__(
        self, type: str, rv: int, skey: str, ns: str, stored: Stored, prev: Stored | None
    ) -> None:
        self.type = type
        self.rv = rv
        self.skey = skey
        self.ns = ns
        self.stored = stored
        self.prev = prev  # the version before a MODIFIED (selector transitions need it)
        self.at = time.monotonic()
        self._line: bytes | None = None

    def line(self) -> bytes:
        """``{"type":..,"object":..}\\n``, shared by every watcher that receives the event."""
        if self._line is None:
            self._line = b'{"type":"' + self.type.encode() + b'","object":' + \
                self.stored.raw + b"}\n"
        return self._line


def owner_uids(obj: dict[str, Any]) -> list[str]:
    return [r.get("uid", "") for r in obj.get("metadata", {}).get("ownerReferences") or ()]


class Store:
    """All objects, the global resourceVersion and the bounded history of events."""

    def __init__(
        self, persistence: Persistence | None = None, history_size: int = DEFAULT_HISTORY,
        history_seconds: float = DEFAULT_HISTORY_SECONDS,
    ) -> None:
        self.rv = 0
        self.data: dict[str, dict[tuple[str, str], Stored]] = {}
        # per storage key, its object keys in (namespace, name) order; dropped when a key is
        # added or removed (updates keep it), so repeated lists do not sort again
        self._order: dict[str, list[tuple[str, str]]] = {}
        self.by_uid: dict[str, ObjKey] = {}
        self.dependents: dict[str, set[ObjKey]] = {}
        self.history: collections.deque[Event] = collections.deque()
        self.history_size = history_size
        self.history_seconds = history_seconds
        # resuming a watch from an RV older than this gets 410 Expired
        self.compacted_rv = 0
        self.listeners: list[Callable[[Event], None]] = []
        self.persistence = persistence
        if persistence is not None:
            self.rv = persistence.load(self._load_one)
            self.compacted_rv = self.rv

    # -- reads -----------------------------------------------------------------------------
    def get(self, skey: str, ns: str, name: str) -> Stored | None:
        bucket = self.data.get(skey)
        return bucket.get((ns, name)) if bucket else None

    def items(self, skey: str, ns: str | None = None) -> Iterator[Stored]:
        bucket = self.data.get(skey)
        if not bucket:
            return iter(())
        if ns is None:
            return iter(bucket.values())
        return (s for (n, _), s in bucket.items() if n == ns)

    def sorted_items(self, skey: str, ns: str | None = None) -> list[Stored]:
        """Objects of a resource (in one namespace, or all) in kube's list order."""
        bucket = self.data.get(skey)
        if not bucket:
            return []
        order = self._order.get(skey)
        if order is None:
            order = self._order[skey] = sorted(bucket)
        if ns is None:
            return [bucket[k] for k in order]
        return [bucket[k] for k in order if k[0] == ns]

    def count(self, skey: str) -> int:
        return len(self.data.get(skey) or ())

    def key_of_uid(self, uid: str) -> ObjKey | None:
        return self.by_uid.get(uid)

    def dependents_of(self, uid: str) -> list[ObjKey]:
        return sorted(self.dependents.get(uid, ()))

    def namespaces_in_use(self, ns: str) -> list[ObjKey]:
        return [
            (skey, n, name)
            for skey, bucket in self.data.items()
            for (n, name) in bucket
            if n == ns
        ]

    # -- writes ----------------------------------------------------------------------------
    def put(self, skey: str, obj: dict[str, Any], event_type: str) -> Stored:
        """Store a new version of ``obj`` (ADDED or MODIFIED); sets its resourceVersion."""
        rv = self.rv + 1
        meta = obj["metadata"]
        meta["resourceVersion"] = str(rv)
        # orjson's bytes keep its output buffer's capacity (about 8 kB of memory for a 3 kB
        # Pod): the stored copy is one of exactly its length
        raw = bytes(memoryview(orjson.dumps(obj)))
        ns = meta.get("namespace", "")
        name = meta["name"]
        if self.persistence is not None:
            self.persistence.put(skey, ns, name, raw, rv)
        self.rv = rv
        stored = Stored(obj, raw, rv)
        bucket = self.data.setdefault(skey, {})
        old = bucket.get((ns, name))
        if old is None:
            self._order.pop(skey, None)
        bucket[(ns, name)] = stored
        self._index(skey, ns, name, old.obj if old else None, obj)
        self._emit(Event(event_type, rv, skey, ns, stored, old))
        return stored

    def remove(
        self, skey: str, ns: str, name: str, final: dict[str, Any] | None = None
    ) -> Stored | None:
        """Delete an object; the DELETED event carries the deletion's resourceVersion.

        ``final`` is the state the event shows (default: the stored one), e.g. a Pod with the
        ``deletionTimestamp`` its immediate deletion stamped.
        """
        bucket = self.data.get(skey)
        old = bucket.get((ns, name)) if bucket else None
        if old is None or bucket is None:
            return None
        rv = self.rv + 1
        if self.persistence is not None:
            self.persistence.delete(skey, ns, name, rv)
        self.rv = rv
        del bucket[(ns, name)]
        self._order.pop(skey, None)
        base = final if final is not None else old.obj
        final = dict(base)
        final["metadata"] = dict(base["metadata"], resourceVersion=str(rv))
        stored = Stored(final, orjson.dumps(final), rv)
        self._index(skey, ns, name, old.obj, None)
        self._emit(Event("DELETED", rv, skey, ns, stored, old))
        return stored

    def compact(self) -> None:
        """Forget all history: resuming from any RV before now gets 410 Expired."""
        self.history.clear()
        self.compacted_rv = self.rv

    # -- internals -------------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        history = self.history
        history.append(event)
        if len(history) > self.history_size:
            self.compacted_rv = history.popleft().rv
        horizon = event.at - self.history_seconds
        while history and history[0].at < horizon:
            self.compacted_rv = history.popleft().rv
        for listener in self.listeners:
            listener(event)

    def _index(
        self, skey: str, ns: str, name: str,
        old: dict[str, Any] | None, new: dict[str, Any] | None,
    ) -> None:
        key = (skey, ns, name)
        if old is not None:
            if new is None:
                self.by_uid.pop(old["metadata"].get("uid", ""), None)
            for o in owner_uids(old):
                deps = self.dependents.get(o)
                if deps is not None:
                    deps.discard(key)
                    if not deps:
                        del self.dependents[o]
        if new is not None:
            uid = new["metadata"].get("uid")
            if uid:
                self.by_uid[uid] = key
            for o in owner_uids(new):
                self.dependents.setdefault(o, set()).add(key)

    def _load_one(self, skey: str, raw: bytes) -> None:
        obj = orjson.loads(raw)
        meta = obj["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        self._order.pop(skey, None)
        self.data.setdefault(skey, {})[(ns, name)] = Stored(
            obj, raw, int(meta.get("resourceVersion") or 0)
        )
        self._index(skey, ns, name, None, obj)
