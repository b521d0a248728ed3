"""The list/watch source a reflector reads from, and its implementation on :class:`Client`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from tekpy.runtime.client import Client, Resource, WatchEvent

__all__ = ["ListerWatcher", "ResourceListerWatcher"]


class ListerWatcher(Protocol):
    """Lists one page and opens watches of one collection (client-go's ``ListerWatcher``)."""

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_: str | None
    ) -> dict[str, Any]:
        """One page of the list (a list dict with ``items`` and ``metadata``)."""
        ...

    def watch(
        self, *, resource_version: str, timeout_seconds: int, allow_watch_bookmarks: bool
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        """A watch from ``resource_version``; entering it establishes the request."""
        ...


class ResourceListerWatcher:
    """Lists and watches ``resource`` (optionally one namespace and selectors) via a Client."""

    def __init__(
        self,
        client: Client,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_: str | None
    ) -> dict[str, Any]:
        return await self.client.list(
            self.resource,
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            resource_version=resource_version,
            limit=limit,
            continue_=continue_,
        )

    def watch(
        self, *, resource_version: str, timeout_seconds: int, allow_watch_bookmarks: bool
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        return self.client.watch(
            self.resource,
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
        )

    def __str__(self) -> str:
        where = f" in {self.namespace}" if self.namespace else ""
        return f"{self.resource}{where}"
