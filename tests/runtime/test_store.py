"""Store/Indexer: keys, indexes (multi-valued, added late), replace, and index consistency."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.runtime.cache import (
    NAMESPACE_INDEX,
    CompactStore,
    DeletedFinalStateUnknown,
    Lister,
    ObjectKeyError,
    Store,
    meta_namespace_index_func,
    meta_namespace_key,
    split_meta_namespace_key,
)


def obj(name: str, ns: str | None = "default", labels: dict[str, str] | None = None, rv: str = "1"):
    meta: dict[str, Any] = {"name": name, "resourceVersion": rv}
    if ns:
        meta["namespace"] = ns
    if labels is not None:
        meta["labels"] = labels
    return {"metadata": meta}


STORES = [Store, CompactStore]


@pytest.fixture(params=STORES, ids=["dicts", "compact"])
def store_cls(request: pytest.FixtureRequest) -> type[Store]:
    return request.param  # type: ignore[no-any-return]


def by_label_values(o: dict[str, Any]) -> list[str]:
    return [f"{k}={v}" for k, v in (o["metadata"].get("labels") or {}).items()]


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (obj("a", "ns1"), "ns1/a"),
        (obj("node-1", None), "node-1"),
        (DeletedFinalStateUnknown("ns/x", None), "ns/x"),
        ("ns/explicit", "ns/explicit"),
    ],
)
def test_meta_namespace_key(value: Any, key: str) -> None:
    assert meta_namespace_key(value) == key


def test_key_of_nameless_object_is_an_error() -> None:
    with pytest.raises(ObjectKeyError):
        meta_namespace_key({"metadata": {"namespace": "x"}})


def test_split_key() -> None:
    assert split_meta_namespace_key("ns/a") == ("ns", "a")
    assert split_meta_namespace_key("a") == (None, "a")
    with pytest.raises(ObjectKeyError):
        split_meta_namespace_key("a/b/c")


def test_add_get_update_delete(store_cls: type[Store]) -> None:
    s = store_cls()
    a = obj("a")
    s.add(a)
    assert s.get_by_key("default/a") == a
    assert s.get(obj("a")) == a
    a2 = obj("a", rv="2")
    s.update(a2)
    assert s.get_by_key("default/a") == a2 and len(s) == 1
    s.delete(obj("a"))
    assert s.get_by_key("default/a") is None and s.list() == []
    s.delete(obj("a"))  # deleting a missing key is harmless


def test_multi_valued_index_moves_objects_on_update(store_cls: type[Store]) -> None:
    s = store_cls(indexers={"labels": by_label_values, NAMESPACE_INDEX: meta_namespace_index_func})
    s.add(obj("a", labels={"app": "x", "tier": "web"}))
    s.add(obj("b", "other", labels={"app": "x"}))
    assert sorted(s.index_keys("labels", "app=x")) == ["default/a", "other/b"]
    assert [o["metadata"]["name"] for o in s.by_index("labels", "tier=web")] == ["a"]
    s.update(obj("a", labels={"app": "y"}))
    assert s.index_keys("labels", "app=x") == ["other/b"]
    assert s.index_keys("labels", "tier=web") == []
    assert sorted(s.list_index_func_values("labels")) == ["app=x", "app=y"]
    assert sorted(s.list_index_func_values(NAMESPACE_INDEX)) == ["default", "other"]
    assert [o["metadata"]["name"] for o in s.index("labels", obj("z", labels={"app": "x"}))] == [
        "b"
    ]
    s.delete(obj("b", "other"))
    assert "app=x" not in s.list_index_func_values("labels")


def test_add_indexers_after_items_indexes_existing_objects(store_cls: type[Store]) -> None:
    s = store_cls()
    s.add(obj("a", labels={"k": "v"}))
    s.add_indexers({"labels": by_label_values})
    assert s.index_keys("labels", "k=v") == ["default/a"]
    with pytest.raises(ValueError, match="already exist"):
        s.add_indexers({"labels": by_label_values})
    with pytest.raises(KeyError):
        s.by_index("nope", "x")


def test_replace_rebuilds_indexes(store_cls: type[Store]) -> None:
    s = store_cls(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
    s.add(obj("a", "ns1"))
    s.replace([obj("b", "ns2"), obj("c", None)], "42")
    assert sorted(s.list_keys()) == ["c", "ns2/b"]
    assert s.index_keys(NAMESPACE_INDEX, "ns1") == []
    assert s.index_keys(NAMESPACE_INDEX, "") == ["c"]


def test_lister_namespace_and_label_selector(store_cls: type[Store]) -> None:
    s = store_cls(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
    s.add(obj("a", "ns1", {"app": "web", "env": "prod"}))
    s.add(obj("b", "ns1", {"app": "db"}))
    s.add(obj("c", "ns2", {"app": "web"}))
    lister = Lister(s)
    assert lister.get("a", "ns1") is not None and lister.get("a", "ns2") is None
    names = lambda objs: sorted(o["metadata"]["name"] for o in objs)  # noqa: E731
    assert names(lister.list()) == ["a", "b", "c"]
    assert names(lister.list("ns1")) == ["a", "b"]
    assert names(lister.list(label_selector="app=web")) == ["a", "c"]
    assert names(lister.list(label_selector={"app": "web", "env": "prod"})) == ["a"]
    assert names(lister.list("ns1", "app in (web,db),env!=prod")) == ["b"]
    assert names(lister.list(label_selector="!env")) == ["b", "c"]
    # A lister over a store without the namespace index still filters by namespace.
    plain = store_cls()
    plain.add(obj("a", "ns1"))
    assert names(Lister(plain).list("ns1")) == ["a"] and Lister(plain).list("x") == []


ops = st.lists(
    st.tuples(
        st.sampled_from(["add", "delete"]),
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from(["n1", "n2"]),
        st.dictionaries(st.sampled_from(["x", "y"]), st.sampled_from(["1", "2"]), max_size=2),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_indexes_always_match_a_brute_force_scan(seq: list[Any]) -> None:
    for cls in STORES:
        s = cls(indexers={"labels": by_label_values, NAMESPACE_INDEX: meta_namespace_index_func})
        model: dict[str, dict[str, Any]] = {}
        for op, name, ns, labels in seq:
            if op == "add":
                s.add(obj(name, ns, labels))
                model[f"{ns}/{name}"] = obj(name, ns, labels)
            else:
                s.delete(obj(name, ns))
                model.pop(f"{ns}/{name}", None)
        assert {meta_namespace_key(o): o for o in s.list()} == model
        check_indexes(s)


def check_indexes(s: Store) -> None:
    for index, fn in (("labels", by_label_values), (NAMESPACE_INDEX, meta_namespace_index_func)):
        expected: dict[str, set[str]] = {}
        for o in s.list():
            for v in fn(o):
                expected.setdefault(v, set()).add(meta_namespace_key(o))
        assert set(s.list_index_func_values(index)) == set(expected)
        for v, keys in expected.items():
            assert set(s.index_keys(index, v)) == keys


def test_compact_store_returns_fresh_copies() -> None:
    s = CompactStore(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
    s.add(obj("a", labels={"k": "v"}))
    got = s.get_by_key("default/a")
    assert got is not None
    got["metadata"]["labels"]["k"] = "changed"
    assert s.get_by_key("default/a")["metadata"]["labels"] == {"k": "v"}  # type: ignore[index]
    assert s.put("default/a", obj("a", rv="9")) == obj("a", labels={"k": "v"})
    assert s.delete_key("default/a") == obj("a", rv="9") and s.delete_key("default/a") is None
