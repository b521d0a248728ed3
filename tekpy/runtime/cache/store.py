"""A keyed object store with secondary indexes (client-go's thread-safe store + indexer).

asyncio runs one callback at a time, so no locking is needed. Stored objects are shared with
every reader: treat them as read-only (copy before modifying).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tekpy.runtime.cache.keys import meta_namespace_key

__all__ = [
    "NAMESPACE_INDEX",
    "IndexFunc",
    "Indexer",
    "KeyFunc",
    "Store",
    "meta_namespace_index_func",
]

Obj = dict[str, Any]
KeyFunc = Callable[[Any], str]
IndexFunc = Callable[[Obj], Iterable[str]]

NAMESPACE_INDEX = "namespace"


def meta_namespace_index_func(obj: Obj) -> builtins.list[str]:
    """Index by ``metadata.namespace`` (cluster-scoped objects are indexed under ``""``)."""
    return [(obj.get("metadata") or {}).get("namespace") or ""]


class Store:
    """Objects by key, plus named indexes: each index function maps an object to any number
    of values, and ``by_index(name, value)`` returns the objects having that value."""

    def __init__(
        self,
        key_func: KeyFunc = meta_namespace_key,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> None:
        self.key_func = key_func
        self._items: dict[str, Any] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        if indexers:
            self.add_indexers(indexers)

    # ---- writes -------------------------------------------------------------------------

    def add(self, obj: Obj) -> None:
        """Insert or replace ``obj`` under its key."""
        self.put(self.key_func(obj), obj)

    update = add

    def put(self, key: str, obj: Obj, raw: bytes | None = None) -> Obj | None:
        """Store ``obj`` under ``key`` (already computed); returns the object it replaced.

        ``raw``, if given, is ``obj``'s exact JSON encoding (a store of bytes keeps it
        instead of encoding ``obj``; this one ignores it)."""
        old = self._items.get(key)
        self._items[key] = obj
        if self._indexers:
            self._reindex(key, old, obj)
        return old

    def delete(self, obj: Any) -> None:
        """Remove the object with ``obj``'s key (an object, a tombstone or a key)."""
        self.delete_key(self.key_func(obj))

    def delete_key(self, key: str) -> Obj | None:
        """Remove ``key``; returns the object that was stored, if any."""
        old = self._items.pop(key, None)
        if old is not None and self._indexers:
            self._unindex(key, old)
        return old

    def replace(self, items: Iterable[Obj], resource_version: str = "") -> None:
        """Make the store hold exactly ``items``."""
        self._items = {self.key_func(o): o for o in items}
        self._rebuild()

    def swap(
        self,
        entries: dict[str, Any],
        index_values: Mapping[str, builtins.list[builtins.list[str]]] | None = None,
        index_names: tuple[str, ...] = (),
    ) -> tuple[dict[str, Any], Mapping[str, Obj]]:
        """Hold exactly ``entries`` (key to object, taken as is); returns the previous
        entries and (for stores of bytes) decoded objects. Index values precomputed by the
        caller are for stores of bytes; this one indexes the objects itself."""
        old = self._items
        self._items = entries
        self._rebuild()
        return old, {}

    def resync(self) -> None:
        """Nothing to do for a plain store (kept for the reflector-store protocol)."""

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add indexes; existing objects are indexed at once. Names must be new."""
        clash = set(indexers) & set(self._indexers)
        if clash:
            raise ValueError(f"indexer(s) {sorted(clash)} already exist")
        for name, fn in indexers.items():
            self._indexers[name] = fn
            index: dict[str, set[str]] = {}
            for key, obj in self._iter_objs():
                for value in fn(obj):
                    index.setdefault(value, set()).add(key)
            self._indices[name] = index

    # ---- reads --------------------------------------------------------------------------

    def get(self, obj: Any) -> Obj | None:
        """The stored object with ``obj``'s key, or None."""
        return self._items.get(self.key_func(obj))

    def get_by_key(self, key: str) -> Obj | None:
        """The object stored under ``key``, or None."""
        return self._items.get(key)

    def list(self) -> builtins.list[Obj]:
        """Every stored object."""
        return list(self._items.values())

    def list_keys(self) -> builtins.list[str]:
        """Every key."""
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get_indexers(self) -> dict[str, IndexFunc]:
        """The index functions by name."""
        return dict(self._indexers)

    def index(self, index_name: str, obj: Obj) -> builtins.list[Obj]:
        """Objects sharing at least one of ``obj``'s values in index ``index_name``."""
        fn = self._indexer(index_name)
        index = self._indices[index_name]
        keys: set[str] = set()
        for value in fn(obj):
            keys |= index.get(value, set())
        return self._load_many(keys)

    def by_index(self, index_name: str, value: str) -> builtins.list[Obj]:
        """Objects whose index function returned ``value``."""
        self._indexer(index_name)
        return self._load_many(self._indices[index_name].get(value, ()))

    def index_keys(self, index_name: str, value: str) -> builtins.list[str]:
        """Keys of the objects whose index function returned ``value``."""
        self._indexer(index_name)
        return list(self._indices[index_name].get(value, ()))

    def list_index_func_values(self, index_name: str) -> builtins.list[str]:
        """Every value currently present in index ``index_name``."""
        self._indexer(index_name)
        return list(self._indices[index_name])

    # ---- internals ----------------------------------------------------------------------

    def _indexer(self, name: str) -> IndexFunc:
        try:
            return self._indexers[name]
        except KeyError:
            raise KeyError(f"index {name!r} does not exist") from None

    def _reindex(self, key: str, old: Obj | None, obj: Obj) -> None:
        for name, fn in self._indexers.items():
            index = self._indices[name]
            if old is None:  # a new key: nothing to compare or remove
                for value in fn(obj):
                    keys = index.get(value)
                    if keys is None:
                        index[value] = {key}
                    else:
                        keys.add(key)
                continue
            new_values = set(fn(obj))
            if old is not None:
                old_values = set(fn(old))
                if old_values == new_values:
                    continue  # the common case: an update that does not move the object
                for value in old_values - new_values:
                    _discard(index, value, key)
                new_values -= old_values
            for value in new_values:
                index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, fn in self._indexers.items():
            index = self._indices[name]
            for value in fn(obj):
                _discard(index, value, key)

    def _iter_objs(self) -> Iterable[tuple[str, Obj]]:
        return self._items.items()

    def _load_many(self, keys: Iterable[str]) -> builtins.list[Obj]:
        items = self._items
        return [items[k] for k in keys]

    def _rebuild(self) -> None:
        for name, fn in self._indexers.items():
            index: dict[str, set[str]] = {}
            for key, obj in self._iter_objs():
                for value in fn(obj):
                    index.setdefault(value, set()).add(key)
            self._indices[name] = index


def _discard(index: dict[str, set[str]], value: str, key: str) -> None:
    keys = index.get(value)
    if keys is not None:
        keys.discard(key)
        if not keys:
            del index[value]  # keep list_index_func_values free of stale values


Indexer = Store
"""client-go's name for a store with indexes; here every :class:`Store` has them."""
