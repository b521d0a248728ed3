"""SharedInformer: one list/watch, one cache, any number of event handlers.

The reflector feeds the informer directly (asyncio needs no DeltaFIFO between threads): each
event updates the indexed cache and is appended to every handler's buffer, so the watch is
never held up by a handler. A relist is diffed against the cache: new objects are adds,
changed ones (new resourceVersion) updates, and objects missing from the list are deletions
delivered as :class:`DeletedFinalStateUnknown`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import orjson

from tekpy.runtime.cache.compact import CompactStore
from tekpy.runtime.cache.handlers import HandlerRegistration, ResourceEventHandler
from tekpy.runtime.cache.keys import DeletedFinalStateUnknown, meta_namespace_key
from tekpy.runtime.cache.lister import Lister
from tekpy.runtime.cache.listsink import EncodedListSink, ObjectListSink
from tekpy.runtime.cache.listwatch import ListerWatcher
from tekpy.runtime.cache.reflector import Reflector
from tekpy.runtime.cache.store import (
    NAMESPACE_INDEX,
    IndexFunc,
    Store,
    meta_namespace_index_func,
)
from tekpy.runtime.cache.transform import TransformFunc, drop_managed_fields
from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = ["DEFAULT_DECODED_CACHE", "MINIMUM_RESYNC_PERIOD", "SharedInformer"]

log = logging.getLogger("tekpy.runtime.cache.informer")

Obj = dict[str, Any]
MINIMUM_RESYNC_PERIOD = 1.0
# Decoded objects a compact cache keeps: enough for the objects a controller's workers are
# reconciling at a time, small beside the cache (256 Pods of ~9 KB decoded: ~2 MB).
DEFAULT_DECODED_CACHE = 256


_loads = orjson.loads


def _rv(obj: Obj) -> Any:
    return (obj.get("metadata") or {}).get("resourceVersion")


class SharedInformer:
    """Caches one collection and notifies handlers of its changes.

    ``resync_period`` (seconds, None = never) re-delivers every cached object to handlers as
    ``on_update(obj, obj)``; ``transform`` runs on each object before it is cached (default:
    drop ``metadata.managedFields``). By default (``compact=True``) the cache keeps objects
    as compact JSON (:class:`CompactStore`: about a fifth of the memory of dicts, and nothing
    for the garbage collector to scan), with the ``decoded_cache`` most recently written or
    read objects kept decoded; a read that misses them costs one orjson decode.
    ``compact=False`` keeps plain dicts. Either way, cached objects are shared: read-only.
    """

    def __init__(
        self,
        lister_watcher: ListerWatcher,
        *,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_period: float | None = None,
        transform: TransformFunc | None = drop_managed_fields,
        clock: Clock = REAL_CLOCK,
        name: str = "",
        compact: bool = True,
        decoded_cache: int = DEFAULT_DECODED_CACHE,
    ) -> None:
        self.name = name or str(lister_watcher)
        indexes: dict[str, IndexFunc] = {NAMESPACE_INDEX: meta_namespace_index_func}
        self.store: Store = (
            CompactStore(meta_namespace_key, indexes, decoded_cache=decoded_cache)
            if compact
            else Store(meta_namespace_key, indexes)
        )
        if indexers:
            self.store.add_indexers(indexers)
        self.resync_period = resync_period
        self._transform = transform
        self._clock = clock
        self._registrations: list[HandlerRegistration] = []
        self._synced = False
        self._synced_event = asyncio.Event()
        self._running = False
        self._stopped = False
        self._handlers_changed = asyncio.Event()
        self.reflector = Reflector(lister_watcher, self, clock=clock, name=self.name)

    # ---- public API -----------------------------------------------------------------------

    def add_event_handler(
        self, handler: ResourceEventHandler, *, resync_period: float | None = None
    ) -> HandlerRegistration:
        """Subscribe ``handler``. If the informer already holds objects, the handler first
        receives each as ``on_add(obj, is_in_initial_list=True)``."""
        if self._stopped:
            raise RuntimeError(f"informer {self.name} has stopped")
        period = resync_period if resync_period is not None else self.resync_period
        if period:
            period = max(period, MINIMUM_RESYNC_PERIOD)
        store = self.store
        decode = store.load_delivered if isinstance(store, CompactStore) else None
        reg = HandlerRegistration(handler, self.has_synced, period or None, self._clock, decode)
        if isinstance(store, CompactStore):
            # Decoded when delivered (through the decoded cache), not all at once here.
            for key, raw in store.encoded_items():
                reg.add_encoded(key, raw, initial=True)
        else:
            for obj in store.list():
                reg.add(obj, initial=True)
        self._registrations.append(reg)
        self._handlers_changed.set()
        if self._running:
            reg.start()
        return reg

    async def remove_event_handler(self, registration: HandlerRegistration) -> None:
        """Unsubscribe; undelivered notifications of that handler are dropped."""
        if registration in self._registrations:
            self._registrations.remove(registration)
            await registration.stop()

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add indexes to the cache (allowed before or after start)."""
        self.store.add_indexers(indexers)

    def lister(self) -> Lister:
        """A :class:`Lister` over this informer's cache."""
        return Lister(self.store)

    def has_synced(self) -> bool:
        """The first list has been applied to the cache."""
        return self._synced

    async def wait_for_sync(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until :meth:`has_synced`; False on timeout."""
        if self._synced:
            return True
        try:
            async with asyncio.timeout(timeout):
                await self._synced_event.wait()
        except TimeoutError:
            return False
        return True

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion the cache reflects."""
        return self.reflector.last_sync_resource_version

    async def run(self) -> None:
        """Run the informer until cancelled (list, watch, deliver, resync)."""
        if self._running:
            raise RuntimeError(f"informer {self.name} is already running")
        self._running = True
        self._stopped = False  # a factory may start its informers again after a stop
        for reg in self._registrations:
            reg.start()
        resync = asyncio.get_running_loop().create_task(self._resync_loop())
        try:
            await self.reflector.run()
        finally:
            self._running = False
            self._stopped = True
            resync.cancel()
            for reg in self._registrations:
                await reg.stop()
            try:
                await resync
            except asyncio.CancelledError:
                pass

    # ---- reflector store protocol ---------------------------------------------------------

    def replace(self, items: list[Obj], resource_version: str) -> None:
        """Apply a (re)list: the cache becomes exactly ``items``."""
        sink = self.begin_list()
        sink.add_items(items)
        sink.commit(resource_version)

    def begin_list(self) -> ObjectListSink:
        """Receive a (re)list page by page (``add_items``), applied by ``commit(rv)``."""
        store = self.store
        if isinstance(store, CompactStore):
            return EncodedListSink(store, self._transform, self._apply_list)
        return ObjectListSink(store, self._transform, self._apply_list)

    def _apply_list(self, sink: ObjectListSink, resource_version: str) -> None:
        store = self.store
        new = sink.entries
        old_entries, old_decoded = store.swap(new, sink.index_values, sink.index_names)
        initial = not self._synced
        regs = self._registrations
        if regs and sink.encoded:
            # New objects' notifications carry their bytes, decoded on delivery.
            rvs = sink.rvs
            for key, raw in new.items():
                old_raw = old_entries.get(key)
                if old_raw is None:
                    for reg in regs:
                        reg.add_encoded(key, raw, initial)
                elif old_raw != raw:
                    old = old_decoded.get(key) or _loads(old_raw)
                    if _rv(old) != rvs[key]:
                        for reg in regs:
                            reg.update_encoded(old, key, raw)
        elif regs:
            for key, obj in new.items():
                old = old_entries.get(key)
                if old is None:
                    for reg in regs:
                        reg.add(obj, initial)
                elif _rv(old) != _rv(obj):
                    for reg in regs:
                        reg.update(old, obj)
        if len(old_entries) > len(new) or not old_entries.keys() <= new.keys():
            for key, entry in old_entries.items():
                if key not in new:
                    old = old_decoded.get(key) or (_loads(entry) if sink.encoded else entry)
                    tombstone = DeletedFinalStateUnknown(key, old)
                    for reg in regs:
                        reg.delete(tombstone)
        if not self._synced:
            self._synced = True
            self._synced_event.set()

    def add(self, obj: Obj) -> None:
        """Apply an ADDED event."""
        self.update(obj)

    def update(self, obj: Obj) -> None:
        """Apply a MODIFIED (or ADDED) event."""
        if self._transform is not None:
            obj = self._transform(obj)
        self._upsert(obj, None)

    def update_encoded(self, obj: Obj, raw: bytes | None) -> None:
        """Apply an ADDED or MODIFIED event whose object ``obj`` was decoded from ``raw``:
        when the transform leaves it unchanged (the default one and an object without
        managedFields, or no transform), a compact cache keeps ``raw`` without encoding."""
        # The watch hot path, hence the inlined default transform and key.
        tf = self._transform
        meta = obj.get("metadata")
        if tf is drop_managed_fields and type(meta) is dict:
            if "managedFields" in meta:
                del meta["managedFields"]
                raw = None
        elif tf is not None:
            obj, raw = tf(obj), None
            meta = obj.get("metadata")
        if type(meta) is dict and (name := meta.get("name")):
            ns = meta.get("namespace")
            key = f"{ns}/{name}" if ns else name
        else:
            key = meta_namespace_key(obj)  # raises the error of an object without name
        self._notify(self.store.put(key, obj, raw), obj)

    def _upsert(self, obj: Obj, raw: bytes | None) -> None:
        self._notify(self.store.put(meta_namespace_key(obj), obj, raw), obj)

    def _notify(self, old: Obj | None, obj: Obj) -> None:
        if old is None:
            for reg in self._registrations:
                reg.add(obj, False)
        else:
            for reg in self._registrations:
                reg.update(old, obj)

    def delete(self, obj: Obj) -> None:
        """Apply a DELETED event (handlers get the object's final state)."""
        if self._transform is not None:
            obj = self._transform(obj)
        self.store.delete(obj)
        for reg in self._registrations:
            reg.delete(obj)

    # ---- resync ---------------------------------------------------------------------------

    async def _resync_loop(self) -> None:
        while True:
            due = [r.next_resync for r in self._registrations if r.next_resync is not None]
            if not due:
                # No handler wants resyncs; wait for one that does to be added.
                self._handlers_changed.clear()
                await self._handlers_changed.wait()
                continue
            now = self._clock.monotonic()
            wait = min(due) - now
            if wait > 0:
                await self._clock.sleep(wait)
                continue
            objs = self.store.list() if self._synced else []
            for reg in self._registrations:
                if reg.next_resync is not None and reg.next_resync <= now:
                    assert reg.resync_period is not None
                    reg.next_resync = now + reg.resync_period
                    for obj in objs:
                        reg.update(obj, obj)
