"""Receiving a (re)list page by page into an informer (the reflector's ``ListSink``).

Each page's objects are transformed, keyed and, for a cache of bytes, encoded and indexed as
the page arrives (while the reflector fetches the next one); the decoded page then dies at
once instead of the whole list staying alive until it is applied. Nothing reaches the cache
or the handlers before :meth:`commit`, which applies the whole list at once (client-go's
``Replace``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from tekpy.runtime.cache.compact import CompactStore
from tekpy.runtime.cache.store import Store
from tekpy.runtime.cache.transform import TransformFunc

__all__ = ["EncodedListSink", "ObjectListSink"]

Obj = dict[str, Any]
_dumps = orjson.dumps


class ObjectListSink:
    """A list for a :class:`Store` of objects: ``entries`` maps keys to transformed objects."""

    encoded = False

    def __init__(
        self,
        store: Store,
        transform: TransformFunc | None,
        commit: Callable[[Any, str], None],
    ) -> None:
        self._key = store.key_func
        self._transform = transform
        self._commit = commit
        self.entries: dict[str, Any] = {}
        self.rvs: dict[str, Any] = {}
        self.index_values: dict[str, list[list[str]]] | None = None
        self.index_names: tuple[str, ...] = ()

    def add_items(self, items: list[Obj]) -> None:
        """Take one page (its objects become the sink's: transforms may modify them)."""
        tf, key_func, entries = self._transform, self._key, self.entries
        for obj in items:
            if tf is not None:
                obj = tf(obj)
            entries[key_func(obj)] = obj

    def commit(self, resource_version: str) -> None:
        """Apply the list received."""
        self._commit(self, resource_version)


class EncodedListSink(ObjectListSink):
    """A list for a :class:`CompactStore`: ``entries`` maps keys to compact JSON, with the
    objects' resourceVersions (``rvs``) and index values computed before encoding."""

    encoded = True

    def __init__(
        self,
        store: CompactStore,
        transform: TransformFunc | None,
        commit: Callable[[Any, str], None],
    ) -> None:
        super().__init__(store, transform, commit)
        indexers = store.get_indexers()
        self._fns = tuple(indexers.values())
        self.index_names = tuple(indexers)
        self.index_values = {}

    def add_items(self, items: list[Obj]) -> None:
        tf, key_func, fns = self._transform, self._key, self._fns
        entries, rvs, values = self.entries, self.rvs, self.index_values
        assert values is not None
        for obj in items:
            if tf is not None:
                obj = tf(obj)
            key = key_func(obj)
            entries[key] = _dumps(obj)
            rvs[key] = (obj.get("metadata") or {}).get("resourceVersion")
            values[key] = [list(fn(obj)) for fn in fns]
