"""Informers against the API servers (embedded and real), with injected faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cache_fakes import cache_state, converged, wait_for

from tekpy.runtime.cache import DeletedFinalStateUnknown, SharedInformer, SharedInformerFactory
from tekpy.runtime.client import CONFIGMAPS, NAMESPACES, ApiError, Client


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_add(self, obj: dict[str, Any], is_in_initial_list: bool) -> None:
        self.events.append(("add", obj["metadata"]["name"], is_in_initial_list))

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.events.append(("update", new["metadata"]["name"]))

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("tombstone", obj.key))
        else:
            self.events.append(("delete", obj["metadata"]["name"]))


def cm(name: str, ns: str, **data: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns}, "data": data}


@pytest.fixture
async def factory(client: Client) -> AsyncIterator[SharedInformerFactory]:
    f = SharedInformerFactory(client)
    yield f
    await f.stop()


async def start_informer(
    client: Client, factory: SharedInformerFactory, ns: str
) -> tuple[SharedInformer, Recorder]:
    try:
        await client.create(NAMESPACES, {"metadata": {"name": ns}})
    except ApiError:
        pass
    inf = factory.informer_for(CONFIGMAPS, namespace=ns)
    rec = Recorder()
    reg = inf.add_event_handler(rec)
    await factory.start()
    assert await factory.wait_for_cache_sync(10)
    await wait_for(reg.has_synced)
    return inf, rec


async def test_watch_closed_mid_stream_recovers_without_relist(
    api_server: Any, hooks: Any, client: Client, factory: SharedInformerFactory, namespace: str
) -> None:
    await client.create(CONFIGMAPS, cm("pre", namespace))
    inf, rec = await start_informer(client, factory, namespace)
    assert rec.events == [("add", "pre", True)]
    await client.create(CONFIGMAPS, cm("a", namespace))
    await wait_for(lambda: "a" in cache_state(inf))
    for round_ in range(3):
        watches = inf.reflector.watch_count
        hooks.close_watches()
        await wait_for(lambda: inf.reflector.watch_count > watches)  # noqa: B023
        await client.create(CONFIGMAPS, cm(f"after{round_}", namespace))
        await wait_for(lambda: f"after{round_}" in cache_state(inf))  # noqa: B023
    await converged(client, inf, namespace)
    assert inf.reflector.list_count == 1
    assert [e for e in rec.events if e[0] != "add"] == []


async def test_compaction_forces_a_relist_that_reports_missed_deletions(
    api_server: Any, hooks: Any, client: Client, factory: SharedInformerFactory, namespace: str
) -> None:
    for n in "abc":
        await client.create(CONFIGMAPS, cm(n, namespace))
    inf, rec = await start_informer(client, factory, namespace)
    await client.create(CONFIGMAPS, cm("z", namespace))  # so the current watch has seen an event
    # handlers are notified after the cache changes: wait for the handler, not the cache
    await wait_for(lambda: ("add", "z", False) in rec.events)
    rec.events.clear()
    # Hold the re-watch at the server while we change things and compact the history
    # (long enough that the changes below land first even on a loaded machine).
    hooks.set_latency(5.0, verb="watch", resource="configmaps")
    hooks.close_watches()
    await client.delete(CONFIGMAPS, "b", namespace=namespace)
    c = await client.get(CONFIGMAPS, "c", namespace=namespace)
    c["data"] = {"changed": "yes"}
    await client.update(CONFIGMAPS, c)
    await client.create(CONFIGMAPS, cm("d", namespace))
    hooks.compact()
    await wait_for(lambda: inf.reflector.list_count == 2, within=15)
    hooks.clear()
    await converged(client, inf, namespace)
    assert sorted(rec.events) == [
        ("add", "d", False), ("tombstone", f"{namespace}/b"), ("update", "c")
    ]


async def test_server_restart(
    api_server: Any, hooks: Any, client: Client, factory: SharedInformerFactory, namespace: str
) -> None:
    inf, _ = await start_informer(client, factory, namespace)
    await client.create(CONFIGMAPS, cm("a", namespace))
    await wait_for(lambda: "a" in cache_state(inf))
    await api_server.restart()
    await client.create(CONFIGMAPS, cm("b", namespace))
    await client.delete(CONFIGMAPS, "a", namespace=namespace)
    await converged(client, inf, namespace, within=20)
    assert inf.has_synced()


async def test_watch_429_with_retry_after_rewatches_without_relist(
    api_server: Any, hooks: Any, client: Client, factory: SharedInformerFactory, namespace: str
) -> None:
    inf, _ = await start_informer(client, factory, namespace)
    await client.create(CONFIGMAPS, cm("a", namespace))
    await wait_for(lambda: "a" in cache_state(inf))
    hooks.fail_next(2, 429, verb="watch", resource="configmaps", retry_after=1)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    hooks.close_watches()
    await client.create(CONFIGMAPS, cm("b", namespace))
    await wait_for(lambda: "b" in cache_state(inf), within=15)
    assert loop.time() - t0 >= 2.0  # two Retry-After: 1 waits
    assert inf.reflector.list_count == 1 and not hooks.active


async def test_500s_on_list_and_watch_are_retried(
    api_server: Any, hooks: Any, client: Client, factory: SharedInformerFactory, namespace: str
) -> None:
    await client.create(CONFIGMAPS, cm("a", namespace))
    hooks.fail_next(3, 500, verb="list", resource="configmaps")
    hooks.fail_next(2, 503, verb="watch", resource="configmaps")
    inf, rec = await start_informer(client, factory, namespace)
    assert rec.events == [("add", "a", True)] and inf.reflector.list_count == 1
    await client.create(CONFIGMAPS, cm("b", namespace))
    await converged(client, inf, namespace)
    assert not hooks.active


async def test_handlers_share_one_informer_and_late_handlers_catch_up(
    client: Client, factory: SharedInformerFactory, namespace: str
) -> None:
    inf, _ = await start_informer(client, factory, namespace)
    await client.create(CONFIGMAPS, cm("a", namespace))
    await wait_for(lambda: "a" in cache_state(inf))
    assert factory.informer_for(CONFIGMAPS, namespace=namespace) is inf
    late = Recorder()
    reg = inf.add_event_handler(late)
    await wait_for(reg.has_synced)
    assert late.events == [("add", "a", True)]
    assert inf.reflector.watch_count == 1


async def test_informers_requested_after_start_start_at_once(
    client: Client, factory: SharedInformerFactory, namespace: str
) -> None:
    await factory.start()
    await client.create(CONFIGMAPS, cm("a", namespace))
    inf = factory.informer_for(CONFIGMAPS, namespace=namespace)
    assert await factory.wait_for_cache_sync(10) and factory.has_synced()
    assert list(cache_state(inf)) == ["a"]
    assert factory.lister_for(CONFIGMAPS, namespace=namespace).get("a", namespace) is not None
