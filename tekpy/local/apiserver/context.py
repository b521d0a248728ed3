"""The state one running server shares between its handlers."""

from __future__ import annotations

import collections
from typing import Any

import attrs
import orjson

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
        return orjson.dumps(dict(s.obj, apiVersion=av))

    def view(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        av = info.api_version
        return obj if obj.get("apiVersion") == av else dict(obj, apiVersion=av)
