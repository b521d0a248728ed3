"""Event handlers: turn informer events into reconcile :class:`Request`\\ s on a queue.

A handler has four methods, one per event kind, each given the object(s) (plain dicts) and
the controller's queue (anything with ``add(request)``):
``create(obj, queue, is_in_initial_list=False)``, ``update(old, new, queue)``,
``delete(obj, queue)``, ``generic(obj, queue)``.

* :class:`EnqueueRequestForObject`: the object itself (``for_``).
* :class:`EnqueueRequestForOwner`: the object's owner of a given group and kind, from
  ``metadata.ownerReferences`` (``owns``).
* :class:`EnqueueRequestsFromMapFunc`: whatever requests a function maps the object to
  (``watches``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from tekpy.runtime.controller.reconcile import Request

__all__ = [
    "EnqueueRequestForObject",
    "EnqueueRequestForOwner",
    "EnqueueRequestsFromMapFunc",
    "EventHandler",
    "MapFunc",
    "RequestQueue",
]

Obj = dict[str, Any]
#: Maps an object to the requests it should trigger.
MapFunc = Callable[[Obj], Iterable[Request]]
log = logging.getLogger("tekpy.runtime.controller.handlers")


class RequestQueue(Protocol):
    """The part of the controller's queue a handler uses."""

    def add(self, item: Request) -> None:
        """Enqueue ``item`` (deduplicated)."""
        ...


class EventHandler(Protocol):
    """Maps informer events to requests on ``queue``."""

    def create(self, obj: Obj, queue: RequestQueue, is_in_initial_list: bool = False) -> None:
        """An object was added."""
        ...

    def update(self, old: Obj, new: Obj, queue: RequestQueue) -> None:
        """An object changed (or was resynced)."""
        ...

    def delete(self, obj: Obj, queue: RequestQueue) -> None:
        """An object was deleted."""
        ...

    def generic(self, obj: Obj, queue: RequestQueue) -> None:
        """An event from outside the cluster."""
        ...


def _request_for(obj: Obj | None) -> Request | None:
    if not isinstance(obj, dict):
        return None
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        return None
    return Request(meta.get("namespace") or "", meta["name"])


class EnqueueRequestForObject:
    """Enqueues the request of the event's object (the new one for updates)."""

    def create(self, obj: Obj, queue: RequestQueue, is_in_initial_list: bool = False) -> None:
        self._add(obj, queue, "create")

    def update(self, old: Obj, new: Obj, queue: RequestQueue) -> None:
        self._add(new if isinstance(new, dict) else old, queue, "update")

    def delete(self, obj: Obj, queue: RequestQueue) -> None:
        self._add(obj, queue, "delete")

    def generic(self, obj: Obj, queue: RequestQueue) -> None:
        self._add(obj, queue, "generic")

    @staticmethod
    def _add(obj: Obj | None, queue: RequestQueue, kind: str) -> None:
        request = _request_for(obj)
        if request is None:
            log.error("%s event without object metadata: handler=EnqueueRequestForObject", kind)
            return
        queue.add(request)


def _group_of(api_version: str) -> str:
    group, _, _ = api_version.rpartition("/")
    return group


class EnqueueRequestForOwner:
    """Enqueues the owners of the event's object that have ``owner_group`` and ``owner_kind``.

    ``owner_group`` is an API group (``"tekton.dev"``, ``""`` for the core group) or an
    apiVersion (``"tekton.dev/v1"``, ``"v1"``); only the group is compared, so an owner
    reference written with another version of the group still matches. With
    ``is_controller=True`` (the default, as ``owns``) only the reference with
    ``controller: true`` counts. The owner's namespace is the object's own, since owner
    references cannot cross namespaces; pass ``cluster_scoped=True`` for cluster-scoped
    owners. For updates, the owners of both the old and the new object are enqueued, so an
    owner that lost a child hears of it.
    """

    def __init__(
        self,
        owner_group: str,
        owner_kind: str,
        *,
        is_controller: bool = True,
        cluster_scoped: bool = False,
    ) -> None:
        self.owner_group = _group_of(owner_group) if "/" in owner_group or owner_group == "v1" \
            else owner_group
        self.owner_kind = owner_kind
        self.is_controller = is_controller
        self.cluster_scoped = cluster_scoped

    def requests(self, obj: Obj | None) -> list[Request]:
        """The owner requests for one object."""
        if not isinstance(obj, dict):
            return []
        meta = obj.get("metadata") or {}
        refs = meta.get("ownerReferences") or []
        namespace = "" if self.cluster_scoped else meta.get("namespace") or ""
        out = []
        for ref in refs:
            if self.is_controller and not ref.get("controller"):
                continue
            if ref.get("kind") != self.owner_kind:
                continue
            if _group_of(ref.get("apiVersion") or "") != self.owner_group:
                continue
            name = ref.get("name")
            if name:
                out.append(Request(namespace, name))
            if self.is_controller:
                break  # at most one controller reference
        return out

    def create(self, obj: Obj, queue: RequestQueue, is_in_initial_list: bool = False) -> None:
        for request in self.requests(obj):
            queue.add(request)

    def update(self, old: Obj, new: Obj, queue: RequestQueue) -> None:
        for request in dict.fromkeys(self.requests(old) + self.requests(new)):
            queue.add(request)

    def delete(self, obj: Obj, queue: RequestQueue) -> None:
        self.create(obj, queue)

    def generic(self, obj: Obj, queue: RequestQueue) -> None:
        self.create(obj, queue)


class EnqueueRequestsFromMapFunc:
    """Enqueues the requests ``map_fn(obj)`` returns (for updates: of old and new objects,
    deduplicated). ``map_fn`` runs in the informer's dispatch, so it must be quick and must
    not block; it typically reads a cache or an index."""

    def __init__(self, map_fn: MapFunc) -> None:
        self.map_fn = map_fn

    def _enqueue(self, objs: Iterable[Obj | None], queue: RequestQueue) -> None:
        seen: set[Request] = set()
        for obj in objs:
            if not isinstance(obj, dict):
                continue
            for request in self.map_fn(obj):
                if request not in seen:
                    seen.add(request)
                    queue.add(request)

    def create(self, obj: Obj, queue: RequestQueue, is_in_initial_list: bool = False) -> None:
        self._enqueue((obj,), queue)

    def update(self, old: Obj, new: Obj, queue: RequestQueue) -> None:
        self._enqueue((old, new), queue)

    def delete(self, obj: Obj, queue: RequestQueue) -> None:
        self._enqueue((obj,), queue)

    def generic(self, obj: Obj, queue: RequestQueue) -> None:
        self._enqueue((obj,), queue)
