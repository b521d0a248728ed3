"""The asyncio REST client.

Objects are plain dicts decoded with orjson (no model classes: decoding into models is what
costs Python controllers most of their CPU). Transport, retries and metrics live in
:mod:`tekpy.runtime.client.transport`.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Literal

from tekpy.runtime.client.config import (
    load_environment_config,
    load_in_cluster_config,
    load_kubeconfig,
)
from tekpy.runtime.client.errors import ApiError, is_expired
from tekpy.runtime.client.resource import Resource
from tekpy.runtime.client.transport import Transport
from tekpy.runtime.client.watch import WatchStream
from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = ["Client", "PatchType", "DEFAULT_PAGE_SIZE"]

PatchType = Literal["merge", "json", "strategic", "apply"]
_PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
# client-go's pager page size.
DEFAULT_PAGE_SIZE = 500

Selector = str | Mapping[str, str] | None


def _selector(sel: Selector) -> str | None:
    if sel is None or isinstance(sel, str):
        return sel or None
    return ",".join(f"{k}={v}" for k, v in sel.items()) or None


class Client(Transport):
    """Async client for any resource of a Kubernetes API server.

    Build it with :meth:`from_kubeconfig`, :meth:`in_cluster`, :meth:`from_environment` or
    ``Client(ClientConfig(...))``; use it as an async context manager or call :meth:`close`.
    """

    # ---- construction -------------------------------------------------------------------

    @classmethod
    async def from_kubeconfig(
        cls, path: str | None = None, context: str | None = None, *, clock: Clock = REAL_CLOCK
    ) -> Client:
        """A client for a kubeconfig context (default file: ``$KUBECONFIG``/``~/.kube/config``)."""
        return cls(await load_kubeconfig(path, context, clock=clock), clock=clock)

    @classmethod
    async def in_cluster(cls, *, clock: Clock = REAL_CLOCK) -> Client:
        """A client using the Pod's service account."""
        return cls(load_in_cluster_config(clock=clock), clock=clock)

    @classmethod
    async def from_environment(cls, *, clock: Clock = REAL_CLOCK) -> Client:
        """``$KUBECONFIG``, else in-cluster, else ``~/.kube/config``."""
        return cls(await load_environment_config(clock=clock), clock=clock)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def mapper(self) -> Any:
        """The discovery-backed :class:`RESTMapper` of this client (created on first use)."""
        if self._mapper is None:
            from tekpy.runtime.client.mapper import RESTMapper

            self._mapper = RESTMapper(self)
        return self._mapper

    # ---- reads ----------------------------------------------------------------------------

    async def get(
        self,
        resource: Resource,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """Read one object (``ApiError`` NotFound when absent)."""
        _need_ns(resource, namespace)
        return await self.request_json("GET", resource.path(namespace, name, subresource))

    async def get_bytes(
        self,
        resource: Resource,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> bytes:
        """Read a subresource whose body is not JSON, e.g. a container's log
        (``get_bytes(PODS, pod, namespace=ns, subresource="log", params={"container": c})``),
        with the same authentication, retries and metrics as every other request."""
        _need_ns(resource, namespace)
        resp = await self._send("GET", resource.path(namespace, name, subresource),
                                params=params)
        try:
            return await resp.read()
        finally:
            resp.release()

    async def list(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
        timeout_seconds: int | None = None,
    ) -> dict[str, Any]:
        """One page of a list: the raw list dict (``items``, ``metadata.resourceVersion``,
        ``metadata.continue``). Items get ``apiVersion``/``kind`` filled in when the server
        omits them."""
        params: dict[str, str] = {}
        if (ls := _selector(label_selector)) is not None:
            params["labelSelector"] = ls
        if field_selector:
            params["fieldSelector"] = field_selector
        if limit:
            params["limit"] = str(limit)
        if continue_:
            params["continue"] = continue_
        if resource_version is not None:
            params["resourceVersion"] = resource_version
        if resource_version_match:
            params["resourceVersionMatch"] = resource_version_match
        if timeout_seconds is not None:
            params["timeoutSeconds"] = str(timeout_seconds)
        result = await self.request_json("GET", resource.path(namespace), params=params)
        items = result.get("items")
        if items is None:
            result["items"] = []
        else:
            api_version, kind = resource.api_version, resource.kind
            for item in items:
                if "kind" not in item:
                    item["apiVersion"] = api_version
                    item["kind"] = kind
        return result

    async def list_all(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> tuple[builtins.list[dict[str, Any]], str]:
        """Every item, fetched in pages of ``page_size`` (0: one unpaginated request).

        Returns ``(items, resourceVersion)``. If a continue token expires (410) mid-way, the
        whole list is fetched again in one request at the requested resourceVersion, as
        client-go's pager does.
        """
        kw: dict[str, Any] = {
            "namespace": namespace,
            "label_selector": label_selector,
            "field_selector": field_selector,
        }
        page = await self.list(
            resource, limit=page_size or None, resource_version=resource_version, **kw
        )
        items: builtins.list[dict[str, Any]] = page["items"]
        rv = str(page.get("metadata", {}).get("resourceVersion", ""))
        cont = page.get("metadata", {}).get("continue")
        while cont:
            try:
                page = await self.list(resource, limit=page_size, continue_=cont, **kw)
            except ApiError as e:
                if not is_expired(e):
                    raise
                full = await self.list(resource, resource_version=resource_version, **kw)
                return full["items"], str(full.get("metadata", {}).get("resourceVersion", ""))
            items.extend(page["items"])
            cont = page.get("metadata", {}).get("continue")
        return items, rv

    @asynccontextmanager
    async def watch(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: Selector = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool = True,
        send_initial_events: bool | None = None,
        resource_version_match: str | None = None,
        inactivity_timeout: float | None = None,
    ) -> AsyncIterator[WatchStream]:
        """Open a watch; yields an async iterator of :class:`WatchEvent`.

        ``timeout_seconds`` asks the server to end the watch after that long;
        ``inactivity_timeout`` (default ``config.watch_inactivity_timeout``) ends a stream
        that delivered nothing for that long with :class:`WatchStalledError`.
        """
        params = {"watch": "true"}
        if (ls := _selector(label_selector)) is not None:
            params["labelSelector"] = ls
        if field_selector:
            params["fieldSelector"] = field_selector
        if resource_version is not None:
            params["resourceVersion"] = resource_version
        if timeout_seconds is not None:
            params["timeoutSeconds"] = str(timeout_seconds)
        if allow_watch_bookmarks:
            params["allowWatchBookmarks"] = "true"
        if send_initial_events is not None:
            params["sendInitialEvents"] = "true" if send_initial_events else "false"
        if resource_version_match:
            params["resourceVersionMatch"] = resource_version_match
        inactivity = inactivity_timeout
        if inactivity is None:
            inactivity = self.config.watch_inactivity_timeout
        resp = await self._send(
            "GET", resource.path(namespace), params=params, stream=True, read_timeout=inactivity
        )
        stream = WatchStream(resp, self.config.max_line_bytes)
        try:
            yield stream
        finally:
            resp.close()

    # ---- writes ---------------------------------------------------------------------------

    async def create(
        self,
        resource: Resource,
        body: dict[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Create ``body`` (namespace from the argument or ``body.metadata.namespace``)."""
        ns = _body_ns(resource, body, namespace)
        return await self._write("POST", resource.path(ns), body, field_manager, dry_run)

    async def update(
        self,
        resource: Resource,
        body: dict[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Replace the object named by ``body.metadata.name`` (a stale
        ``metadata.resourceVersion`` fails with Conflict)."""
        ns = _body_ns(resource, body, namespace)
        path = resource.path(ns, _body_name(body))
        return await self._write("PUT", path, body, field_manager, dry_run)

    async def update_status(
        self,
        resource: Resource,
        body: dict[str, Any],
        *,
        namespace: str | None = None,
        field_manager: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Replace the ``status`` subresource of the object in ``body``."""
        ns = _body_ns(resource, body, namespace)
        path = resource.path(ns, _body_name(body), "status")
        return await self._write("PUT", path, body, field_manager, dry_run)

    async def patch(
        self,
        resource: Resource,
        name: str,
        body: Any,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Patch an object: ``merge`` (RFC 7386), ``json`` (RFC 6902 list of operations),
        ``strategic`` (built-in kinds) or ``apply`` (server-side apply; needs
        ``field_manager``; ``force`` takes conflicting fields over)."""
        if patch_type not in _PATCH_CONTENT_TYPES:
            raise ValueError(f"unknown patch type {patch_type!r}")
        if patch_type == "apply" and not field_manager:
            raise ValueError("server-side apply needs a field_manager")
        if force is not None and patch_type != "apply":
            raise ValueError("force is only valid for apply patches")
        _need_ns(resource, namespace)
        params = _write_params(field_manager, dry_run)
        if force is not None:
            params["force"] = "true" if force else "false"
        return await self.request_json(
            "PATCH",
            resource.path(namespace, name, subresource),
            params=params,
            body=body,
            content_type=_PATCH_CONTENT_TYPES[patch_type],
        )

    async def delete(
        self,
        resource: Resource,
        name: str,
        *,
        namespace: str | None = None,
        propagation_policy: Literal["Orphan", "Background", "Foreground"] | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Delete an object. Returns the server's answer: a Status, or the object itself when
        finalizers keep it around. ``preconditions`` may hold ``uid``/``resourceVersion``."""
        _need_ns(resource, namespace)
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = dict(preconditions)
        if dry_run:
            options["dryRun"] = ["All"]
        return await self.request_json("DELETE", resource.path(namespace, name), body=options)

    async def _write(
        self, method: str, path: str, body: Any, field_manager: str | None, dry_run: bool
    ) -> dict[str, Any]:
        params = _write_params(field_manager, dry_run)
        return await self.request_json(method, path, params=params, body=body)


def _write_params(field_manager: str | None, dry_run: bool) -> dict[str, str]:
    params: dict[str, str] = {}
    if field_manager:
        params["fieldManager"] = field_manager
    if dry_run:
        params["dryRun"] = "All"
    return params


def _need_ns(resource: Resource, namespace: str | None) -> None:
    if resource.namespaced and not namespace:
        raise ValueError(f"{resource} is namespaced: pass namespace=")


def _body_ns(resource: Resource, body: Mapping[str, Any], namespace: str | None) -> str | None:
    if not resource.namespaced:
        return None
    ns = namespace or (body.get("metadata") or {}).get("namespace")
    if not ns:
        raise ValueError(f"{resource} is namespaced: set metadata.namespace or pass namespace=")
    return str(ns)


def _body_name(body: Mapping[str, Any]) -> str:
    name = (body.get("metadata") or {}).get("name")
    if not name:
        raise ValueError("body.metadata.name is required")
    return str(name)
