"""The informer's fast ingest paths: watch objects cached as the bytes they came in, lists
taken page by page (next page fetched meanwhile) and delivered to handlers decoded late."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import orjson
import pytest
from cache_fakes import FakeListerWatcher, pod, wait_for

from tekpy.runtime.cache import (
    CompactStore,
    DeletedFinalStateUnknown,
    Reflector,
    SharedInformer,
)
from tekpy.runtime.clock import FakeClock


class Log:
    """Records notifications: kind, name, resourceVersions; and the objects delivered."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, ...]] = []
        self.objects: list[dict[str, Any]] = []

    def on_add(self, obj: dict[str, Any], is_in_initial_list: bool) -> None:
        self.seen.append(("add", obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))
        self.objects.append(obj)

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        rvs = (old["metadata"]["resourceVersion"], new["metadata"]["resourceVersion"])
        self.seen.append(("update", new["metadata"]["name"], *rvs))
        self.objects.append(new)

    def on_delete(self, obj: Any) -> None:
        assert isinstance(obj, DeletedFinalStateUnknown)  # only relists here
        self.seen.append(("tombstone", obj.key, obj.obj["metadata"]["resourceVersion"]))


def stored_bytes(inf: SharedInformer, key: str) -> bytes:
    store = inf.store
    assert isinstance(store, CompactStore)
    return dict(store.encoded_items())[key]


async def test_watch_objects_without_managed_fields_are_cached_as_received() -> None:
    inf = SharedInformer(FakeListerWatcher())
    log = Log()
    inf.add_event_handler(log)
    obj = pod("a", 2, labels={"x": "<&>"})
    raw = b'{"kind":"Pod","metadata":' + orjson.dumps(obj["metadata"]) + b', "apiVersion":"v1"}'
    inf.update_encoded(orjson.loads(raw), raw)
    assert stored_bytes(inf, "default/a") is raw  # kept, not encoded again
    assert inf.store.get_by_key("default/a") == obj


async def test_managed_fields_or_a_custom_transform_make_the_cache_encode_the_result() -> None:
    inf = SharedInformer(FakeListerWatcher())
    obj = pod("a", 2, managedFields=[{"manager": "m"}])
    raw = orjson.dumps(obj)
    inf.update_encoded(orjson.loads(raw), raw)
    del obj["metadata"]["managedFields"]
    assert stored_bytes(inf, "default/a") == orjson.dumps(obj)

    def tag(o: dict[str, Any]) -> dict[str, Any]:
        o["metadata"]["labels"] = {"seen": "yes"}
        return o

    tagged = SharedInformer(FakeListerWatcher(), transform=tag)
    tagged.update_encoded(orjson.loads(raw), raw)
    assert orjson.loads(stored_bytes(tagged, "default/a"))["metadata"]["labels"] == {"seen": "yes"}
    plain = SharedInformer(FakeListerWatcher(), compact=False)
    plain.update_encoded(orjson.loads(raw), raw)
    assert plain.store.get_by_key("default/a") == obj  # dicts: bytes are not kept


async def test_an_unkeyable_encoded_event_is_skipped_by_the_reflector() -> None:
    inf = SharedInformer(FakeListerWatcher())
    r = inf.reflector
    nameless = {"metadata": {"namespace": "d", "resourceVersion": "3"}}
    r._apply([("ADDED", nameless, orjson.dumps(nameless)), ("ADDED", pod("a", 4), None)])
    assert inf.store.list_keys() == ["default/a"] and r.last_sync_resource_version == "4"


@pytest.mark.parametrize("compact", [False, True], ids=["dicts", "compact"])
async def test_a_paged_relist_notifies_only_what_changed(compact: bool) -> None:
    lw = FakeListerWatcher()
    for n in "abcde":
        lw.put(n, emit=False)
    lw.page_size_override = 2
    inf = SharedInformer(lw, compact=compact)
    log = Log()
    reg = inf.add_event_handler(log)
    await inf.reflector._list()
    assert [c[2] for c in lw.list_calls] == [None, "2", "4"]
    lw.remove("b", emit=False)
    lw.put("c", emit=False)
    lw.put("f", emit=False)
    inf.reflector._last_rv = ""  # relist at "0": paginated again
    await inf.reflector._list()
    reg.start()
    await wait_for(lambda: len(log.seen) == 8)
    assert log.seen[:5] == [("add", n, str(i + 1)) for i, n in enumerate("abcde")]
    assert sorted(log.seen[5:]) == [
        ("add", "f", "8"),
        ("tombstone", "default/b", "2"),
        ("update", "c", "3", "7"),
    ]
    assert sorted(inf.store.list_keys()) == [f"default/{n}" for n in "acdef"]
    assert sorted(inf.store.index_keys("namespace", "default")) == inf.store.list_keys()
    await reg.stop()


async def test_list_notifications_are_decoded_on_delivery_and_share_the_cached_object() -> None:
    inf = SharedInformer(FakeListerWatcher(), decoded_cache=4)
    inf.replace([pod("a", 1)], "1")
    log = Log()
    reg = inf.add_event_handler(log)
    assert reg.pending == 1 and not inf.store._decoded  # type: ignore[attr-defined]
    reg.start()
    await wait_for(reg.has_synced)
    assert log.objects == [pod("a", 1)]
    assert inf.lister().get("a", "default") is log.objects[0]
    # The relist's update is delivered after the cache moved on: decoded on its own.
    inf.replace([pod("a", 2)], "2")
    inf.update_encoded(pod("a", 3), orjson.dumps(pod("a", 3)))
    await wait_for(lambda: len(log.seen) == 3)
    assert log.seen[1:] == [("update", "a", "1", "2"), ("update", "a", "2", "3")]
    assert log.objects[1] == pod("a", 2) and inf.lister().get("a", "default") is log.objects[2]
    await reg.stop()


async def test_indexes_added_while_a_list_is_received_index_it_all() -> None:
    lw = FakeListerWatcher()
    for n in "abc":
        lw.put(n, emit=False, labels={"app": n})
    inf = SharedInformer(lw)
    sink = inf.begin_list()
    sink.add_items([pod("a", 1, labels={"app": "a"})])
    inf.add_indexers({"app": lambda o: [o["metadata"]["labels"]["app"]]})
    sink.add_items([pod("b", 2, labels={"app": "b"})])
    sink.commit("2")
    assert [o["metadata"]["name"] for o in inf.store.by_index("app", "a")] == ["a"]
    assert inf.store.index_keys("namespace", "default") != []
    assert sorted(inf.store.list_index_func_values("app")) == ["a", "b"]


class FailingContinue(FakeListerWatcher):
    """Fails continue requests at once (before awaiting) while ``fail`` is set."""

    fail = True

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_: str | None
    ) -> dict[str, Any]:
        if continue_ and self.fail:
            raise RuntimeError("continue failed")
        return await super().list(
            resource_version=resource_version, limit=limit, continue_=continue_
        )


@pytest.mark.parametrize("prefetch_fails", [False, True])
async def test_a_failing_page_discards_the_prefetched_one_cleanly(prefetch_fails: bool) -> None:
    lw = FailingContinue()
    lw.fail = prefetch_fails
    for n in "abcd":
        lw.put(n, emit=False)
    lw.page_size_override = 2
    calls = 0

    def transform(obj: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("bad object")
        return obj

    inf = SharedInformer(lw, transform=transform)
    r = Reflector(lw, inf, clock=FakeClock())
    reported: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, ctx: reported.append(ctx))
    try:
        with pytest.raises(ValueError, match="bad object"):
            await r._list()  # the first page fails while the second is being fetched
        await asyncio.sleep(0.01)
        gc.collect()
        assert reported == []  # no "exception was never retrieved"
        assert not inf.has_synced() and len(inf.store) == 0
        lw.fail = False
        await r._list()  # the next list is whole
        assert sorted(inf.store.list_keys()) == [f"default/{n}" for n in "abcd"]
    finally:
        loop.set_exception_handler(None)


async def test_list_deliveries_fill_the_decoded_cache_but_never_churn_it() -> None:
    inf = SharedInformer(FakeListerWatcher(), decoded_cache=2)
    inf.replace([pod(n, i) for i, n in enumerate("abcde")], "5")
    log = Log()
    reg = inf.add_event_handler(log)
    reg.start()
    await wait_for(reg.has_synced)
    assert [o["metadata"]["name"] for o in log.objects] == list("abcde")
    assert list(inf.store._decoded) == ["default/a", "default/b"]  # type: ignore[attr-defined]
    assert inf.lister().get("a", "default") is log.objects[0]
    assert inf.lister().get("e", "default") == log.objects[4]  # decoded again when read
    await reg.stop()
