"""The cluster controllers the server embeds: garbage collector and namespace cleanup.

Like kube's, they run asynchronously after the write that triggers them: ``Api.notify``
queues work items and one task processes them. Items are level-based (each re-reads the
store), so duplicates are harmless.

- ``("removed", uid, owner_uids)``: an object is gone; its dependents lose that owner and are
  deleted (background propagation) once no owner is left; owners in foreground deletion are
  re-checked.
- ``("terminating", uid)``: an object got ``deletionTimestamp`` with the ``foregroundDeletion``
  finalizer (dependents are deleted first, then the finalizer is removed) or the ``orphan``
  finalizer (dependents lose the owner reference, then the finalizer is removed).
- ``("check", uid)``: a new object's owners must exist, or it is collected.
- ``("namespace", name)``: a terminating namespace deletes its content, then itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson

from .errors import ApiError
from .semantics import Api, DeleteOptions

__all__ = ["Collector"]

log = logging.getLogger(__name__)


class Collector:
    """Runs the queued follow-ups of writes."""

    def __init__(self, api: Api) -> None:
        self.api = api
        # an ordered set: an item queued twice is processed once (items are level-based,
        # and a namespace being emptied queues itself once per removed object)
        self.queue: dict[tuple[Any, ...], None] = {}
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        api.notify = self.enqueue

    def enqueue(self, item: tuple[Any, ...]) -> None:
        self.queue[item] = None
        self.wake.set()

    def _pop(self) -> tuple[Any, ...]:
        item = next(iter(self.queue))
        del self.queue[item]
        return item

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())
        if self.queue:
            self.wake.set()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            n = 0
            while self.queue:
                item = self._pop()
                try:
                    self.process(item)
                except ApiError as exc:  # the object changed under us; later items retry
                    log.debug("gc item %s: %s", item, exc.message)
                except Exception:
                    log.exception("gc item %s failed", item)
                n += 1
                if n % 100 == 0:
                    await asyncio.sleep(0)  # let requests run during a large cascade

    def drain(self) -> None:
        """Process everything queued now (used by tests and at shutdown)."""
        while self.queue:
            self.process(self._pop())

    # -- items -----------------------------------------------------------------------------
    def process(self, item: tuple[Any, ...]) -> None:
        kind = item[0]
        if kind == "removed":
            self._owner_removed(item[1])
            for owner in item[2]:
                self._terminating(owner)
        elif kind == "terminating":
            self._terminating(item[1])
        elif kind == "check":
            self._check_owners(item[1])
        elif kind == "namespace":
            self._namespace(item[1])

    def _info_for(self, skey: str) -> Any:
        infos = self.api.registry.by_storage_key(skey)
        return infos[0] if infos else None

    def _owner_removed(self, uid: str) -> None:
        for skey, ns, name in self.api.store.dependents_of(uid):
            try:  # one dependent failing must not spare the others
                self._drop_ref_or_delete(skey, ns, name)
            except ApiError as exc:
                log.debug("gc of %s/%s/%s: %s", skey, ns, name, exc.message)

    def _drop_ref_or_delete(self, skey: str, ns: str, name: str) -> None:
        store = self.api.store
        dep = store.get(skey, ns, name)
        if dep is None:
            return
        refs = dep.meta.get("ownerReferences") or []
        alive = [r for r in refs if store.key_of_uid(r.get("uid", "")) is not None]
        if alive:
            if len(alive) != len(refs):
                obj = orjson.loads(dep.raw)
                obj["metadata"]["ownerReferences"] = alive
                self.api.put_object(skey, obj)
            return
        info = self._info_for(skey)
        if info is not None:
            # the dependent goes with background propagation, honouring its own finalizers
            self.api.delete(info, ns, name, DeleteOptions({"propagationPolicy": "Background"}))

    def _terminating(self, uid: str) -> None:
        store = self.api.store
        key = store.key_of_uid(uid)
        if key is None:
            return
        owner = store.get(*key)
        if owner is None or not owner.meta.get("deletionTimestamp"):
            return
        fins = list(owner.meta.get("finalizers") or ())
        deps = store.dependents_of(uid)
        if "orphan" in fins:
            for skey, ns, name in deps:
                dep = store.get(skey, ns, name)
                if dep is None:
                    continue
                obj = orjson.loads(dep.raw)
                obj["metadata"]["ownerReferences"] = [
                    r for r in obj["metadata"].get("ownerReferences") or ()
                    if r.get("uid") != uid
                ]
                if not obj["metadata"]["ownerReferences"]:
                    del obj["metadata"]["ownerReferences"]
                self.api.put_object(skey, obj)
            self._remove_finalizer(key, "orphan")
        elif "foregroundDeletion" in fins:
            if not deps:
                self._remove_finalizer(key, "foregroundDeletion")
                return
            for skey, ns, name in deps:
                dep = store.get(skey, ns, name)
                info = self._info_for(skey)
                if dep is None or info is None or dep.meta.get("deletionTimestamp"):
                    continue
                try:
                    self.api.delete(info, ns, name,
                                    DeleteOptions({"propagationPolicy": "Foreground"}))
                except ApiError as exc:
                    log.debug("gc of %s/%s/%s: %s", skey, ns, name, exc.message)

    def _remove_finalizer(self, key: tuple[str, str, str], finalizer: str) -> None:
        cur = self.api.store.get(*key)
        if cur is None:
            return
        obj = orjson.loads(cur.raw)
        obj["metadata"]["finalizers"] = [
            f for f in obj["metadata"].get("finalizers") or () if f != finalizer]
        self.api.put_object(key[0], obj)

    def _check_owners(self, uid: str) -> None:
        key = self.api.store.key_of_uid(uid)
        if key is not None:
            self._drop_ref_or_delete(*key)

    def _namespace(self, name: str) -> None:
        store = self.api.store
        nss = store.get("/namespaces", "", name)
        if nss is None or not nss.meta.get("deletionTimestamp"):
            return
        remaining = store.namespaces_in_use(name)
        for skey, ns, obj_name in remaining:
            try:
                self._clean(skey, ns, obj_name)
            except ApiError as exc:
                log.debug("namespace cleanup of %s/%s/%s: %s", skey, ns, obj_name, exc.message)
        if not store.namespaces_in_use(name):
            self.api.remove_object("/namespaces", "", name)

    def _clean(self, skey: str, ns: str, obj_name: str) -> None:
        info = self._info_for(skey)
        cur = self.api.store.get(skey, ns, obj_name)
        if cur is not None:
            if info is None:
                self.api.remove_object(skey, ns, obj_name)
            elif skey == "/pods":
                # kube's namespace controller waits for kubelets; ours does not (a local node
                # agent may not run): pods go with a zero grace period
                self.api.delete(info, ns, obj_name, DeleteOptions({"gracePeriodSeconds": 0}))
            elif not cur.meta.get("deletionTimestamp"):
                self.api.delete(info, ns, obj_name, DeleteOptions())
