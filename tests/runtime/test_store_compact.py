"""CompactStore's decoded cache and the reflector's GC pause."""

from __future__ import annotations

import gc
from typing import Any

from cache_fakes import FakeListerWatcher

from tekpy.runtime.cache import (
    NAMESPACE_INDEX,
    CompactStore,
    SharedInformer,
    meta_namespace_index_func,
)
from tekpy.runtime.cache.gcpause import gc_paused


def pod(name: str, ns: str = "default", rv: str = "1") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "resourceVersion": rv}}


def store(cap: int) -> CompactStore:
    return CompactStore(indexers={NAMESPACE_INDEX: meta_namespace_index_func}, decoded_cache=cap)


def test_recent_objects_are_served_decoded_and_consistently() -> None:
    s = store(2)
    a = pod("a")
    s.add(a)
    # The object just written is what readers get: no decode, and one object per key.
    assert s.get_by_key("default/a") is a
    assert s.by_index(NAMESPACE_INDEX, "default")[0] is a
    assert s.list()[0] is a


def test_lru_evicts_the_least_recently_used_and_stays_bounded() -> None:
    s = store(2)
    for n in "abc":
        s.add(pod(n))
    assert list(s._decoded) == ["default/b", "default/c"]
    got_b = s.get_by_key("default/b")  # b becomes the most recent
    s.add(pod("d"))
    assert list(s._decoded) == ["default/b", "default/d"]
    assert s.get_by_key("default/b") is got_b
    evicted = s.get_by_key("default/a")  # decoded again: equal, new object, cached now
    assert evicted == pod("a") and list(s._decoded) == ["default/b", "default/a"]
    assert len(s._decoded) == 2


def test_bulk_reads_do_not_churn_the_cache() -> None:
    s = store(1)
    for n in "abc":
        s.add(pod(n))
    assert [o["metadata"]["name"] for o in s.list()] == ["a", "b", "c"]
    assert len(s.by_index(NAMESPACE_INDEX, "default")) == 3
    assert list(s._decoded) == ["default/c"]


def test_updates_and_deletes_return_the_previous_state_and_drop_it() -> None:
    s = store(4)
    s.add(pod("a", rv="1"))
    assert s.put("default/a", pod("a", rv="2")) == pod("a", rv="1")
    assert s.get_by_key("default/a") == pod("a", rv="2")
    assert s.delete_key("default/a") == pod("a", rv="2")
    assert s.get_by_key("default/a") is None and not s._decoded
    s.add(pod("b"))
    s.replace([pod("c")])
    assert s.list_keys() == ["default/c"] and not s._decoded
    assert s.get_by_key("default/b") is None


def test_gc_pause_nests_and_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still on
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector disabled by the application stays so
    finally:
        gc.enable()


async def test_informers_cache_compactly_by_default_with_consistent_reads() -> None:
    inf = SharedInformer(FakeListerWatcher())
    assert isinstance(inf.store, CompactStore)
    inf.replace([pod("a"), pod("b", ns="other")], "2")
    lister = inf.lister()
    a = lister.get("a", "default")
    assert a == pod("a")
    # Lister reads, index reads and full lists agree on the object of a key.
    assert lister.list("default") == [a] and lister.list("default")[0] is a
    assert inf.store.by_index(NAMESPACE_INDEX, "default")[0] is a
    assert {o["metadata"]["name"] for o in lister.list()} == {"a", "b"}
    assert not isinstance(SharedInformer(FakeListerWatcher(), compact=False).store, CompactStore)
