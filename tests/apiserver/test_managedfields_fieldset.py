"""Field sets in fieldsV1 form: algebra laws, canonical form, order and path printing."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.apiserver.managedfields import (
    FieldSet,
    difference,
    intersection,
    is_member,
    path_string,
    paths,
    sorted_set,
    union,
)

ELEMENTS = st.sampled_from(['f:a', 'f:b', 'f:c', 'k:{"name":"x"}', 'k:{"name":"y"}', 'v:1',
                            'i:0'])


def _canonical(node: FieldSet) -> FieldSet:
    """Drop non-member nodes without children (what generated trees may contain)."""
    out: FieldSet = {}
    for k, v in node.items():
        if k == ".":
            continue
        sub = _canonical(v)
        member = not v or "." in v
        if sub:
            out[k] = {".": {}, **sub} if member else sub
        elif member:
            out[k] = {}
    return out


def _trees() -> st.SearchStrategy[FieldSet]:
    node = st.recursive(
        st.just({}),
        lambda inner: st.builds(
            lambda children, member: {**({".": {}} if member else {}), **children},
            st.dictionaries(ELEMENTS, inner, max_size=3), st.booleans()),
        max_leaves=10)
    return st.dictionaries(ELEMENTS, node, max_size=4).map(_canonical)


def _members(tree: FieldSet) -> set[tuple[str, ...]]:
    return set(paths(tree))


@given(_trees(), _trees())
def test_union_is_the_union_of_member_paths(a: FieldSet, b: FieldSet) -> None:
    assert _members(union(a, b)) == _members(a) | _members(b)
    assert union(a, b) == union(b, a)


@given(_trees(), _trees())
def test_difference_and_intersection_are_set_operations(a: FieldSet, b: FieldSet) -> None:
    assert _members(difference(a, b)) == _members(a) - _members(b)
    assert _members(intersection(a, b)) == _members(a) & _members(b)


@given(_trees(), _trees(), _trees())
def test_algebra_laws(a: FieldSet, b: FieldSet, c: FieldSet) -> None:
    assert union(union(a, b), c) == union(a, union(b, c))
    assert union(a, a) == a
    assert difference(a, a) == {}
    assert union(difference(a, b), intersection(a, b)) == a
    assert difference(union(a, b), b) == difference(a, b)


@given(_trees(), _trees())
def test_results_stay_canonical(a: FieldSet, b: FieldSet) -> None:
    for result in (union(a, b), difference(a, b), intersection(a, b)):
        assert result == _canonical(result)


@given(_trees(), _trees())
def test_inputs_are_not_modified(a: FieldSet, b: FieldSet) -> None:
    before = (repr(a), repr(b))
    union(a, b), difference(a, b), intersection(a, b)
    assert (repr(a), repr(b)) == before


def test_membership_marker() -> None:
    assert is_member({})
    assert is_member({".": {}, "f:a": {}})
    assert not is_member({"f:a": {}})
    # a map that is owned and has owned children, minus the children: the map stays
    assert difference({"f:data": {".": {}, "f:a": {}}}, {"f:data": {"f:a": {}}}) == \
        {"f:data": {}}
    # minus the map itself: the children stay, unmarked
    assert difference({"f:data": {".": {}, "f:a": {}}}, {"f:data": {}}) == \
        {"f:data": {"f:a": {}}}
    assert union({"f:data": {"f:a": {}}}, {"f:data": {}}) == {"f:data": {".": {}, "f:a": {}}}


def test_sorted_set_orders_like_structured_merge_diff() -> None:
    tree: dict[str, Any] = {"i:1": {}, "v:\"b\"": {}, 'k:{"port":10}': {}, 'k:{"port":9}': {},
                            "f:z": {}, "f:a": {"f:y": {}, ".": {}, "f:b": {}}, "v:2": {}}
    out = sorted_set(tree)
    assert list(out) == ["f:a", "f:z", 'k:{"port":9}', 'k:{"port":10}', "v:2", 'v:"b"',
                         "i:1"]
    assert list(out["f:a"]) == [".", "f:b", "f:y"]


def test_paths_list_members_level_by_level() -> None:
    tree = {"f:data": {".": {}, "f:b": {}, "f:a": {}}, "f:metadata": {"f:labels": {
        "f:x": {}}}, "f:kind": {}}
    assert list(paths(tree)) == [
        ("f:data",), ("f:kind",), ("f:data", "f:a"), ("f:data", "f:b"),
        ("f:metadata", "f:labels", "f:x")]


def test_path_string_as_kube_prints_it() -> None:
    assert path_string(("f:data", "f:a")) == ".data.a"
    assert path_string(("f:spec", "f:containers", 'k:{"name":"c"}', "f:image")) == \
        '.spec.containers[name="c"].image'
    assert path_string(("f:ports", 'k:{"containerPort":80,"protocol":"TCP"}')) == \
        '.ports[containerPort=80,protocol="TCP"]'
    assert path_string(("f:finalizers", 'v:"a/b"')) == '.finalizers[="a/b"]'
    assert path_string(("f:x", "i:3", "v:true")) == ".x[3][=true]"
