"""The state one running server shares between its handlers."""

from __future__ import annotations

import collections
import functools
from typing import Any

import attrs
import orjson

from .crds import prune_for_view
from .discovery import Discovery
from .hooks import FaultHooks
from .registry import Registry, ResourceInfo
from .semantics import Api
from .store import Store, Stored
from .watch import DEFAULT_WATCHER_BUFFER, Hub

__all__ = ["Context", "Settings"]


@attrs.define
class Settings:
    """Tunables of a server instance (defaults follow kube-apiserver's behaviour)."""

    bookmark_interval: float = 60.0  # seconds between bookmarks on a watch
    watch_timeout: float = 1800.0  # kube's --min-request-timeout for watches without timeout
    watcher_buffer: int = DEFAULT_WATCHER_BUFFER  # events a watcher may lag before it is closed
    list_snapshots: int = 64  # paginated list snapshots kept for continue tokens


@attrs.define
class Context:
    """Everything a request handler needs."""

    store: Store
    registry: Registry
    api: Api
    hub: Hub
    discovery: Discovery
    hooks: FaultHooks
    token: str
    host: str
    port: int
    settings: Settings = attrs.Factory(Settings)
    # continue-token id -> (resourceVersion, the sorted matching objects of that list)
    snapshots: collections.OrderedDict[str, tuple[int, list[Stored]]] = attrs.Factory(
        collections.OrderedDict)

    def encode(self, info: ResourceInfo, s: Stored) -> bytes:
        """The object's bytes as served by ``info`` (shared bytes unless the version differs)."""
        av = info.api_version
        if s.obj.get("apiVersion") == av:
            return s.raw
        return orjson.dumps(self.view(info, s.obj))

    def view(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        av = info.api_version
        if obj.get("apiVersion") == av:
            return obj
        return prune_for_view(info, dict(obj, apiVersion=av))

    def encode_item(self, info: ResourceInfo, s: Stored) -> bytes:
        """The object's bytes as a list item.

        kube-apiserver omits ``kind`` and ``apiVersion`` from the items of a built-in list
        (they are typed, and the list's own kind says what they are); custom resources are
        unstructured, so their items keep them.
        """
        if info.custom:
            return self.encode(info, s)
        raw = s.raw
        # objects are usually encoded with these two keys first: slice them off instead of
        # encoding again (lists are a hot path)
        for prefix in _prefixes(str(s.obj.get("apiVersion")), info.kind):
            if raw.startswith(prefix):
                return b"{" + raw[len(prefix):]
        return orjson.dumps({k: v for k, v in s.obj.items() if k not in ("kind", "apiVersion")})


@functools.lru_cache(maxsize=512)
def _prefixes(api_version: str, kind: str) -> tuple[bytes, bytes]:
    # orjson writes compact JSON: '{"apiVersion":"v1","kind":"X",' (or kind first)
    av, k = orjson.dumps(api_version), orjson.dumps(kind)
    return (b'{"apiVersion":' + av + b',"kind":' + k + b",",
            b'{"kind":' + k + b',"apiVersion":' + av + b",")
