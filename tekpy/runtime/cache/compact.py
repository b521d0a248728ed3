"""A store that keeps each object as its compact JSON, decoding it on read.

A decoded Pod costs five to six times its JSON size in Python dicts and strings, and every
one of those objects is tracked by the cyclic garbage collector, whose full collections then
scan the whole cache. This store keeps the bytes instead (about 1.1x the JSON size including
keys and indexes; bytes are not GC-tracked) and pays one orjson decode (a few microseconds)
per read that misses its small cache of decoded objects.

``decoded_cache`` (default 0) keeps that many recently written or read objects decoded, in
least-recently-used order. Controllers read few objects per reconcile, mostly the one whose
event just arrived, which is exactly what the cache holds. With it, a key read twice returns
the same dict, so objects must be treated as read-only, as with :class:`Store`; with
``decoded_cache=0`` every read returns a fresh dict that callers may modify.
"""

from __future__ import annotations

import builtins
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from tekpy.runtime.cache.keys import meta_namespace_key
from tekpy.runtime.cache.store import IndexFunc, KeyFunc, Store

__all__ = ["CompactStore"]

Obj = dict[str, Any]
_dumps = orjson.dumps
_loads = orjson.loads


class CompactStore(Store):
    """:class:`Store` holding compact JSON bytes; same interface, objects decoded on read."""

    def __init__(
        self,
        key_func: KeyFunc = meta_namespace_key,
        indexers: Mapping[str, IndexFunc] | None = None,
        *,
        decoded_cache: int = 0,
    ) -> None:
        # Set before Store.__init__, which may index (and so decode) through our methods.
        self._cap = max(decoded_cache, 0)
        # LRU of decoded objects. An OrderedDict, not a dict: evicting a plain dict's first
        # entry again and again makes finding the next first entry scan the freed slots.
        self._decoded: OrderedDict[str, Obj] = OrderedDict()
        super().__init__(key_func, indexers)

    def put(self, key: str, obj: Obj, raw: bytes | None = None) -> Obj | None:
        items = self._items
        prev = items.get(key)
        old = None if prev is None else self._decoded.pop(key, None)
        if old is None and prev is not None:
            old = _loads(prev)
        # The exact bytes the object was decoded from, if we have them, need no encoding.
        items[key] = _dumps(obj) if raw is None else raw
        if self._cap:  # inlined _remember (the key is not in the cache: popped above)
            decoded = self._decoded
            decoded[key] = obj
            if len(decoded) > self._cap:
                decoded.popitem(last=False)
        if self._indexers:
            self._reindex(key, old, obj)
        return old

    def delete_key(self, key: str) -> Obj | None:
        raw = self._items.pop(key, None)
        if raw is None:
            return None
        old = self._decoded.pop(key, None)
        if old is None:
            old = _loads(raw)
        if self._indexers:
            self._unindex(key, old)
        return old

    def replace(self, items: Iterable[Obj], resource_version: str = "") -> None:
        key_func = self.key_func
        self._decoded.clear()
        self._items = {key_func(o): _dumps(o) for o in items}
        self._rebuild()

    def swap(
        self,
        entries: dict[str, Any],
        index_values: Mapping[str, builtins.list[builtins.list[str]]] | None = None,
        index_names: tuple[str, ...] = (),
    ) -> tuple[dict[str, Any], Mapping[str, Obj]]:
        """Hold exactly ``entries`` (key to JSON bytes); returns the previous entries and
        decoded objects. ``index_values[key][i]`` are the values of the ``i``-th index
        function (of ``index_names``, the indexes when they were computed) for that key;
        without them, or if the indexes changed since, every object is decoded to index it.
        """
        old, old_decoded = self._items, self._decoded
        self._items = entries
        self._decoded = OrderedDict()
        if index_values is not None and index_names == tuple(self._indexers):
            for i, name in enumerate(index_names):
                index: dict[str, set[str]] = {}
                for key, values in index_values.items():
                    for value in values[i]:
                        keys = index.get(value)
                        if keys is None:
                            index[value] = {key}
                        else:
                            keys.add(key)
                self._indices[name] = index
        else:
            self._rebuild()
        return old, old_decoded

    def encoded_items(self) -> Iterable[tuple[str, bytes]]:
        """``(key, JSON bytes)`` of every object, without decoding."""
        return self._items.items()

    def load_delivered(self, key: str, raw: bytes) -> Obj:
        """Decode ``raw``, an encoding this store held for ``key``, for a handler: the
        cached object if ``raw`` is still the stored encoding and decoded already, else a
        decode of its own, which joins the decoded cache only while the cache has room.

        Deliveries come in bulk (a list's objects), in the order controllers will read them
        back: letting each evict the oldest would only churn the cache with objects evicted
        again before anyone reads them.
        """
        if self._items.get(key) is not raw:
            return _loads(raw)  # a newer version has been stored since
        decoded = self._decoded
        obj = decoded.get(key)
        if obj is None:
            obj = _loads(raw)
            if len(decoded) < self._cap:
                decoded[key] = obj
        return obj

    def get(self, obj: Any) -> Obj | None:
        return self.get_by_key(self.key_func(obj))

    def get_by_key(self, key: str) -> Obj | None:
        raw = self._items.get(key)
        return None if raw is None else self._load(key, raw)

    def list(self) -> builtins.list[Obj]:
        # A full list bypasses the decoded cache's LRU order (it would evict everything) but
        # still returns the cached dicts, so a key reads as the same object everywhere.
        decoded = self._decoded
        return [decoded.get(k) or _loads(raw) for k, raw in self._items.items()]

    def _iter_objs(self) -> Iterable[tuple[str, Obj]]:
        decoded = self._decoded
        return ((k, decoded.get(k) or _loads(raw)) for k, raw in self._items.items())

    def _load_many(self, keys: Iterable[str]) -> builtins.list[Obj]:
        # Like list(): index reads can return many objects; they must not flush the cache.
        items, decoded = self._items, self._decoded
        return [decoded.get(k) or _loads(items[k]) for k in keys]

    def _load(self, key: str, raw: bytes) -> Obj:
        if not self._cap:
            return _loads(raw)
        decoded = self._decoded
        obj = decoded.get(key)
        if obj is None:
            obj = _loads(raw)
            self._remember(key, obj)
        else:
            decoded.move_to_end(key)
        return obj

    def _remember(self, key: str, obj: Obj) -> None:
        # Callers only remember keys not in the cache: a new key goes to the end already.
        decoded = self._decoded
        decoded[key] = obj
        if len(decoded) > self._cap:
            decoded.popitem(last=False)
