"""Listers: read-only, namespace-aware views of an informer's cache."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tekpy.runtime.cache.labels import parse_label_selector
from tekpy.runtime.cache.store import NAMESPACE_INDEX, Store

__all__ = ["Lister"]


class Lister:
    """Gets and lists objects from a cache without touching the API server.

    Returned objects are the cache's own: do not modify them (copy first).
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The object ``namespace/name`` (``name`` if cluster-scoped), or None."""
        return self._store.get_by_key(f"{namespace}/{name}" if namespace else name)

    def list(
        self,
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Objects in ``namespace`` (all namespaces when None) matching ``label_selector``."""
        if namespace is not None and NAMESPACE_INDEX in self._store.get_indexers():
            objs = self._store.by_index(NAMESPACE_INDEX, namespace)
        elif namespace is not None:
            objs = [
                o
                for o in self._store.list()
                if (o.get("metadata") or {}).get("namespace", "") == namespace
            ]
        else:
            objs = self._store.list()
        if not label_selector:
            return objs
        match = parse_label_selector(label_selector)
        return [o for o in objs if match((o.get("metadata") or {}).get("labels") or {})]
