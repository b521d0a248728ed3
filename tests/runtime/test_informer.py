"""SharedInformer and SharedInformerFactory semantics over an in-memory list/watch source."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cache_fakes import FakeListerWatcher, expired, wait_for

from tekpy.runtime.cache import (
    DeletedFinalStateUnknown,
    ResourceEventHandlerFuncs,
    SharedInformer,
    SharedInformerFactory,
)
from tekpy.runtime.client import CONFIGMAPS, PODS, Client, ClientConfig
from tekpy.runtime.clock import FakeClock


class Recorder:
    """A handler that records what it is told, optionally blocking on a gate."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.gate = gate

    async def _maybe_wait(self) -> None:
        if self.gate is not None:
            await self.gate.wait()

    async def on_add(self, obj: dict[str, Any], is_in_initial_list: bool) -> None:
        await self._maybe_wait()
        self.events.append(("add", obj["metadata"]["name"], is_in_initial_list))

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.events.append(
            (
                "update",
                new["metadata"]["name"],
                old["metadata"]["resourceVersion"],
                new["metadata"]["resourceVersion"],
            )
        )

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("tombstone", obj.key, obj.obj["metadata"]["resourceVersion"]))
        else:
            self.events.append(("delete", obj["metadata"]["name"]))


@pytest.fixture(params=[False, True], ids=["dicts", "compact"])
async def env(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[FakeListerWatcher, SharedInformer, FakeClock]]:
    lw, clock = FakeListerWatcher(), FakeClock()
    inf = SharedInformer(lw, clock=clock, resync_period=None, compact=request.param)
    yield lw, inf, clock
    # Tests start the informer themselves; cancel whatever is still running.
    for t in asyncio.all_tasks():
        if t.get_name().startswith("informer-under-test"):
            t.cancel()
            with pytest.raises(asyncio.CancelledError):
                await t


def start(inf: SharedInformer) -> asyncio.Task[None]:
    return asyncio.create_task(inf.run(), name="informer-under-test")


async def test_initial_list_then_events(env) -> None:
    lw, inf, _ = env
    lw.put("a")
    lw.put("b")
    rec = Recorder()
    reg = inf.add_event_handler(rec)
    assert not reg.has_synced()
    start(inf)
    assert await inf.wait_for_sync(5)
    await wait_for(reg.has_synced)
    assert sorted(rec.events) == [("add", "a", True), ("add", "b", True)]
    rec.events.clear()
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("c")
    lw.put("a")
    lw.remove("b")
    await wait_for(lambda: len(rec.events) == 3)
    assert rec.events == [("add", "c", False), ("update", "a", "1", "4"), ("delete", "b")]
    assert sorted(inf.store.list_keys()) == ["default/a", "default/c"]
    assert inf.lister().get("a", "default")["metadata"]["resourceVersion"] == "4"
    assert inf.last_sync_resource_version == "5"


async def test_relist_diffs_against_the_cache(env) -> None:
    lw, inf, clock = env
    for n in "abc":
        lw.put(n)
    rec = Recorder()
    inf.add_event_handler(rec)
    start(inf)
    await wait_for(lambda: lw.open_watches == 1 and len(rec.events) == 3)
    rec.events.clear()
    # While "disconnected": b deleted, c changed, d created, a untouched.
    lw.remove("b", emit=False)
    lw.put("c", emit=False)
    lw.put("d", emit=False)
    lw.fail_watches(expired())
    await wait_for(lambda: clock.sleepers == 1)
    await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
    await wait_for(lambda: len(rec.events) == 3)
    assert sorted(rec.events) == [
        ("add", "d", False),
        ("tombstone", "default/b", "2"),
        ("update", "c", "3", "5"),
    ]


async def test_handler_added_after_start_gets_current_contents(env) -> None:
    lw, inf, _ = env
    lw.put("a")
    start(inf)
    assert await inf.wait_for_sync(5)
    gate = asyncio.Event()
    late = Recorder(gate)
    reg = inf.add_event_handler(late)
    await asyncio.sleep(0.01)
    assert not reg.has_synced()  # its initial add has not been processed yet
    gate.set()
    await wait_for(reg.has_synced)
    assert late.events == [("add", "a", True)]


async def test_slow_handler_blocks_neither_the_watch_nor_other_handlers(env) -> None:
    lw, inf, _ = env
    gate = asyncio.Event()
    slow, fast = Recorder(gate), Recorder()
    slow_reg = inf.add_event_handler(slow)
    inf.add_event_handler(fast)
    start(inf)
    await wait_for(lambda: lw.open_watches == 1)
    for i in range(200):
        lw.put(f"p{i}")
    await wait_for(lambda: len(fast.events) == 200)
    assert len(inf.store) == 200 and slow.events == [] and slow_reg.pending >= 199
    gate.set()
    await wait_for(lambda: len(slow.events) == 200)
    assert [e[1] for e in slow.events] == [f"p{i}" for i in range(200)]


async def test_handler_errors_do_not_stop_delivery(env) -> None:
    lw, inf, _ = env
    seen: list[str] = []

    def on_add(obj: dict[str, Any], initial: bool) -> None:
        seen.append(obj["metadata"]["name"])
        if obj["metadata"]["name"] == "bad":
            raise RuntimeError("handler bug")

    inf.add_event_handler(ResourceEventHandlerFuncs(on_add=on_add))
    start(inf)
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("bad")
    lw.put("good")
    lw.put("good")  # update: no on_update given, ignored
    await wait_for(lambda: seen == ["bad", "good"])


async def test_resync_delivers_updates_with_identical_objects(env) -> None:
    lw, inf, clock = env
    lw.put("a")
    lw.put("b")
    rec = Recorder()
    inf.add_event_handler(rec, resync_period=10)
    start(inf)
    await wait_for(lambda: lw.open_watches == 1 and len(rec.events) == 2)
    rec.events.clear()
    await clock.advance(9)
    assert rec.events == []
    await clock.advance(1)
    await wait_for(lambda: len(rec.events) == 2)
    assert sorted(rec.events) == [("update", "a", "1", "1"), ("update", "b", "2", "2")]


async def test_transform_drops_managed_fields_by_default(env) -> None:
    lw, inf, _ = env
    lw.put("a", managedFields=[{"manager": "kubectl"}], labels={"x": "y"})
    start(inf)
    assert await inf.wait_for_sync(5)
    meta = inf.lister().get("a", "default")["metadata"]
    assert "managedFields" not in meta and meta["labels"] == {"x": "y"}


async def test_custom_indexers_and_lister(env) -> None:
    lw, inf, _ = env
    inf.add_indexers({"node": lambda o: [o["metadata"].get("labels", {}).get("node", "")]})
    lw.put("a", labels={"node": "n1"})
    lw.put("b", labels={"node": "n2"})
    start(inf)
    assert await inf.wait_for_sync(5)
    assert inf.store.index_keys("node", "n1") == ["default/a"]
    assert [o["metadata"]["name"] for o in inf.lister().list("default", "node=n2")] == ["b"]


async def test_factory_shares_one_informer_per_selection() -> None:
    client = Client(ClientConfig(server="http://127.0.0.1:9"))
    f = SharedInformerFactory(client, resync_period=30)
    a = f.informer_for(PODS, namespace="ns")
    assert f.informer_for(PODS, namespace="ns") is a
    assert f.informer_for(PODS) is not a
    assert f.informer_for(PODS, namespace="ns", label_selector={"b": "2", "a": "1"}) is (
        f.informer_for(PODS, namespace="ns", label_selector="a=1,b=2")
    )
    assert f.informer_for(CONFIGMAPS, namespace="ns") is not a
    assert f.informer_for(PODS, namespace="ns", field_selector="spec.nodeName=n") is not a
    assert a.resync_period == 30 and len(f.informers) == 5
    await client.close()


async def test_removed_handler_gets_nothing_more(env) -> None:
    lw, inf, _ = env
    rec, other = Recorder(), Recorder()
    reg = inf.add_event_handler(rec)
    inf.add_event_handler(other)
    start(inf)
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("a")
    await wait_for(lambda: len(rec.events) == 1 and len(other.events) == 1)
    await inf.remove_event_handler(reg)
    lw.put("b")
    await wait_for(lambda: len(other.events) == 2)
    assert rec.events == [("add", "a", False)]


async def test_a_stray_cancelled_error_from_a_handler_does_not_stop_delivery(env) -> None:
    # A handler that lets a CancelledError of its own escape (e.g. from a cancelled inner
    # future) is failing, not being cancelled: its delivery task must live on.
    lw, inf, _ = env
    seen: list[str] = []

    def on_add(obj: dict[str, Any], initial: bool) -> None:
        seen.append(obj["metadata"]["name"])
        if obj["metadata"]["name"] == "bad":
            raise asyncio.CancelledError()

    lw.put("bad")
    reg = inf.add_event_handler(ResourceEventHandlerFuncs(on_add=on_add))
    start(inf)
    await wait_for(lambda: lw.open_watches == 1)
    await wait_for(reg.has_synced)
    lw.put("good")
    await wait_for(lambda: seen == ["bad", "good"])


async def test_a_failing_transform_skips_that_event_without_relisting() -> None:
    # As client-go's watch handler: an event the store cannot take is logged and skipped;
    # the watch goes on (relisting would hit the same object again, and costs a full list).
    lw, clock = FakeListerWatcher(), FakeClock()

    def transform(obj: dict[str, Any]) -> dict[str, Any]:
        if obj["metadata"]["name"] == "bad":
            raise ValueError("cannot transform")
        return obj

    inf = SharedInformer(lw, clock=clock, transform=transform)
    rec = Recorder()
    inf.add_event_handler(rec)
    task = start(inf)
    await wait_for(lambda: lw.open_watches == 1)
    lw.put("bad")
    lw.put("good")
    await wait_for(lambda: rec.events == [("add", "good", False)])
    assert inf.reflector.list_count == 1 and len(lw.watch_calls) == 1
    assert inf.last_sync_resource_version == "2"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_informer_can_run_again_after_it_stopped(env) -> None:
    lw, inf, _ = env
    lw.put("a")
    task = start(inf)
    assert await inf.wait_for_sync(5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(RuntimeError):
        inf.add_event_handler(Recorder())  # stopped: no one would deliver to it
    start(inf)
    await wait_for(lambda: inf.reflector.list_count == 2)
    rec = Recorder()
    reg = inf.add_event_handler(rec)
    await wait_for(reg.has_synced)
    assert rec.events == [("add", "a", True)]
