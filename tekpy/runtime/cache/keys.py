"""Object keys (``namespace/name`` or ``name``) and the tombstone of a missed deletion."""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "DeletedFinalStateUnknown",
    "ObjectKeyError",
    "meta_namespace_key",
    "split_meta_namespace_key",
]


class DeletedFinalStateUnknown(NamedTuple):
    """Passed to ``on_delete`` when a relist shows an object gone whose deletion event was
    missed: ``obj`` is the last state the cache saw, which may be stale."""

    key: str
    obj: Any


class ObjectKeyError(ValueError):
    """An object without ``metadata.name`` cannot be keyed."""


def meta_namespace_key(obj: Any) -> str:
    """``namespace/name`` for namespaced objects, ``name`` for cluster-scoped ones.

    A :class:`DeletedFinalStateUnknown` yields its key and a string is taken as a key already
    (client-go's ``DeletionHandlingMetaNamespaceKeyFunc``).
    """
    if isinstance(obj, dict):
        meta = obj.get("metadata") or {}
        name = meta.get("name")
        if not name:
            raise ObjectKeyError("object has no metadata.name")
        ns = meta.get("namespace")
        return f"{ns}/{name}" if ns else name
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    if isinstance(obj, str):
        return obj
    raise ObjectKeyError(f"cannot key a {type(obj).__name__}")


def split_meta_namespace_key(key: str) -> tuple[str | None, str]:
    """``"ns/name"`` -> ``("ns", "name")``; ``"name"`` -> ``(None, "name")``."""
    ns, sep, name = key.partition("/")
    if not sep:
        return None, key
    if "/" in name or not ns or not name:
        raise ObjectKeyError(f"unexpected key format {key!r}")
    return ns, name
