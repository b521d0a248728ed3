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

    def put(self, key: str, obj: Obj) -> Obj | None:
        raw = self._items.get(key)
        old = None if raw is None else self._decoded.pop(key, None)
        if old is None and raw is not None:
            old = _loads(raw)
        self._items[key] = _dumps(obj)
        if self._cap:
            self._remember(key, obj)
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
        decoded = self._decoded
        decoded[key] = obj
        decoded.move_to_end(key)
        if len(decoded) > self._cap:
            decoded.popitem(last=False)
