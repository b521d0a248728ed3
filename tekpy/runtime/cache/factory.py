"""SharedInformerFactory: one informer (one watch) per collection and selector, per process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from tekpy.runtime.cache.informer import SharedInformer
from tekpy.runtime.cache.lister import Lister
from tekpy.runtime.cache.listwatch import ResourceListerWatcher
from tekpy.runtime.cache.transform import TransformFunc, drop_managed_fields
from tekpy.runtime.client import Client, Resource
from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = ["SharedInformerFactory"]

log = logging.getLogger("tekpy.runtime.cache.factory")

_Key = tuple[Resource, str | None, str | None, str | None]


def _selector_key(sel: str | Mapping[str, str] | None) -> str | None:
    if sel is None or isinstance(sel, str):
        return sel or None
    return ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or None


class SharedInformerFactory:
    """Hands out shared informers: every caller asking for the same (resource, namespace,
    label selector, field selector) gets the same informer, hence one watch in total.

    Informers requested after :meth:`start` start immediately. ``compact`` (default True)
    makes every informer keep its cache as compact JSON (see :class:`SharedInformer`);
    ``compact=False`` keeps plain dicts.
    """

    def __init__(
        self,
        client: Client,
        *,
        resync_period: float | None = None,
        clock: Clock = REAL_CLOCK,
        transform: TransformFunc | None = drop_managed_fields,
        compact: bool = True,
    ) -> None:
        self.client = client
        self.compact = compact
        self.resync_period = resync_period
        self.clock = clock
        self._transform = transform
        self._informers: dict[_Key, SharedInformer] = {}
        self._tasks: dict[_Key, asyncio.Task[None]] = {}
        self._started = False

    def informer_for(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
    ) -> SharedInformer:
        """The shared informer for this collection and selection (created on first request)."""
        ls = _selector_key(label_selector)
        key: _Key = (resource, namespace or None, ls, field_selector or None)
        informer = self._informers.get(key)
        if informer is None:
            lw = ResourceListerWatcher(
                self.client,
                resource,
                namespace=namespace or None,
                label_selector=ls,
                field_selector=field_selector or None,
            )
            informer = SharedInformer(
                lw,
                resync_period=self.resync_period,
                transform=self._transform,
                clock=self.clock,
                compact=self.compact,
            )
            self._informers[key] = informer
            if self._started:
                self._start_one(key, informer)
        return informer

    def lister_for(
        self,
        resource: Resource,
        *,
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
        field_selector: str | None = None,
    ) -> Lister:
        """A lister over the shared informer of that selection."""
        return self.informer_for(
            resource,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
        ).lister()

    @property
    def informers(self) -> list[SharedInformer]:
        """Every informer handed out so far."""
        return list(self._informers.values())

    async def start(self) -> None:
        """Start every informer not yet running (and any requested later)."""
        self._started = True
        for key, informer in self._informers.items():
            if key not in self._tasks:
                self._start_one(key, informer)

    def _start_one(self, key: _Key, informer: SharedInformer) -> None:
        self._tasks[key] = asyncio.get_running_loop().create_task(
            informer.run(), name=f"informer {informer.name}"
        )

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until every started informer has synced; False on timeout."""
        informers = [self._informers[k] for k in self._tasks]
        try:
            async with asyncio.timeout(timeout):
                for informer in informers:
                    await informer.wait_for_sync()
        except TimeoutError:
            return False
        return True

    def has_synced(self) -> bool:
        """Every started informer has synced."""
        return all(self._informers[k].has_synced() for k in self._tasks)

    async def stop(self) -> None:
        """Stop every informer and wait for them to finish."""
        self._started = False
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for t in tasks:
            t.cancel()
        for t in tasks:
            try:
                await t
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("msg=%r", "informer task failed")
