"""Update and apply ownership, merge and pruning, entries, conflicts (kube's semantics)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _json_strategies import json_objects
from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.apiserver.managedfields import (
    BEFORE_FIRST_APPLY,
    DEDUCED,
    ApplyConflict,
    Scope,
    applied_fields,
    apply,
    builtin_node,
    builtin_skeleton,
    decode,
    encode,
    fields_of,
    merge,
    paths,
    prune,
    record_create,
    record_update,
)
from tekpy.local.apiserver.managedfields.entries import ANCIENT, MAX_UPDATE_MANAGERS

CM = Scope(builtin_node("", "ConfigMap"), "v1")
POD = Scope(builtin_node("", "Pod"), "v1", ignore=("status",))
POD_STATUS = Scope(builtin_node("", "Pod"), "v1", "status", ignore=("spec",))


def cm(data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "c", **meta}}
    if data is not None:
        out["data"] = data
    return out


def stored(obj: dict[str, Any], entries: list[dict[str, Any]] | None) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["metadata"]["uid"] = "u"
    out["metadata"].pop("managedFields", None)
    if entries:
        out["metadata"]["managedFields"] = entries
    return out


def owners(entries: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {(e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"]
            for e in entries or ()}


# -- updates ---------------------------------------------------------------------------
def test_create_records_one_update_entry_without_server_fields() -> None:
    obj = cm({"a": "1"}, namespace="ns", uid="u", resourceVersion="1", generation=1,
             creationTimestamp="t", labels={"x": "y"}, generateName="c-")
    [entry] = record_create(obj, CM, "kubectl", "2026-01-01T00:00:00Z") or []
    assert entry == {"manager": "kubectl", "operation": "Update", "apiVersion": "v1",
                     "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {
                         "f:data": {".": {}, "f:a": {}},
                         "f:metadata": {"f:generateName": {},
                                        "f:labels": {".": {}, "f:x": {}}}}}
    assert list(entry) == ["manager", "operation", "apiVersion", "time", "fieldsType",
                           "fieldsV1"]
    assert record_create(cm(), CM, "m", "t") is None  # nothing to own


def test_reset_status_is_not_owned_on_the_main_resource() -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"x": 1}, "status": {"phase": "Pending"}}
    assert owners(record_create(pod, POD, "m", "t")) == {
        ("m", "Update", ""): {"f:spec": {".": {}, "f:x": {}}}}


def test_update_moves_changed_fields_to_the_writer() -> None:
    old = stored(cm({"a": "1", "b": "2"}), record_create(cm({"a": "1", "b": "2"}), CM, "one",
                                                         "t1"))
    new = copy.deepcopy(old)
    new["data"] = {"a": "9", "b": "2", "c": "3"}
    got = owners(record_update(old, new, CM, "two", "t2"))
    assert got == {("one", "Update", ""): {"f:data": {".": {}, "f:b": {}}},
                   ("two", "Update", ""): {"f:data": {"f:a": {}, "f:c": {}}}}
    # the same manager again: its entry grows, others keep theirs; removal drops fields
    newer = stored(new, record_update(old, new, CM, "two", "t2"))
    newer2 = copy.deepcopy(newer)
    newer2["data"] = {"a": "9", "c": "4"}
    got = owners(record_update(newer, newer2, CM, "two", "t3"))
    assert got == {("one", "Update", ""): {"f:data": {}},
                   ("two", "Update", ""): {"f:data": {"f:a": {}, "f:c": {}}}}


def test_no_change_keeps_entries_and_times() -> None:
    entries = record_create(cm({"a": "1"}), CM, "one", "t1")
    old = stored(cm({"a": "1"}), entries)
    assert record_update(old, copy.deepcopy(old), CM, "two", "t2") == entries


def test_update_bodies_managed_fields() -> None:
    entries = record_create(cm({"a": "1"}), CM, "one", "t1")
    old = stored(cm({"a": "1"}), entries)
    new = copy.deepcopy(old)
    new["data"]["a"] = "2"
    del new["metadata"]["managedFields"]  # a client that drops them keeps them
    assert ("two", "Update", "") in owners(record_update(old, new, CM, "two", "t2"))
    for reset in ([], [{}]):
        new["metadata"]["managedFields"] = reset
        assert record_update(old, new, CM, "two", "t2") is None
    # an object without entries stays without (kube tracks from create or apply)
    untracked = stored(cm({"a": "1"}), None)
    assert record_update(untracked, new | {"metadata": {"name": "c"}}, CM, "two", "t") is None
    # a valid list replaces the stored one
    new["metadata"]["managedFields"] = [{"manager": "x", "operation": "Apply",
                                         "apiVersion": "v1", "fieldsType": "FieldsV1",
                                         "fieldsV1": {"f:data": {"f:a": {}}}}]
    got = owners(record_update(old, new, CM, "two", "t2"))
    assert got == {("two", "Update", ""): {"f:data": {"f:a": {}}}}


def test_status_writes_get_their_own_entry() -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"x": 1}, "status": {"phase": "Pending"}}
    old = stored(pod, record_create(pod, POD, "creator", "t"))
    new = copy.deepcopy(old)
    new["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    [_, status] = record_update(old, new, POD_STATUS, "node", "t2") or []
    assert status["subresource"] == "status" and status["manager"] == "node"
    assert status["fieldsV1"] == {"f:status": {"f:conditions": {".": {}, 'k:{"type":"Ready"}': {
        ".": {}, "f:status": {}, "f:type": {}}}, "f:phase": {}}}
    assert list(status)[-1] == "subresource"


def test_create_with_managed_fields_reconciles_them() -> None:
    obj = cm({"a": "1"})
    obj["metadata"]["managedFields"] = [{"manager": "old", "operation": "Apply",
                                         "apiVersion": "v1", "fieldsType": "FieldsV1",
                                         "fieldsV1": {"f:data": {"f:a": {}, "f:zz": {}}}}]
    assert owners(record_create(obj, CM, "new", "t")) == {
        ("new", "Update", ""): {"f:data": {".": {}, "f:a": {}}},
        ("old", "Apply", ""): {"f:data": {"f:zz": {}}}}
    obj["metadata"]["managedFields"] = []
    assert owners(record_create(obj, CM, "new", "t")) == {
        ("new", "Update", ""): {"f:data": {".": {}, "f:a": {}}}}


def test_update_entries_are_capped() -> None:
    entries = record_create(cm({"k0": "0"}), CM, "m0", "2026-01-01T00:00:00Z")
    obj = stored(cm({"k0": "0"}), entries)
    for i in range(1, MAX_UPDATE_MANAGERS + 3):
        new = copy.deepcopy(obj)
        new["data"][f"k{i}"] = str(i)
        obj = stored(new, record_update(obj, new, CM, f"m{i}", f"2026-01-01T00:00:{i:02}Z"))
    got = obj["metadata"]["managedFields"]
    assert len(got) == MAX_UPDATE_MANAGERS
    ancient = [e for e in got if e["manager"] == ANCIENT]
    assert ancient and ancient[0]["fieldsV1"] == {"f:data": {".": {}, "f:k0": {}, "f:k1": {},
                                                            "f:k2": {}, "f:k3": {}}}


def test_entries_round_trip_in_kube_order() -> None:
    raw = [{"manager": "b", "operation": "Update", "apiVersion": "v1", "time": "2",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:x": {}}},
           {"manager": "a", "operation": "Update", "apiVersion": "v1", "time": "1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:y": {}}},
           {"manager": "z", "operation": "Apply", "apiVersion": "v1", "time": "3",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:z": {}}}]
    managed = decode(raw)
    assert managed is not None
    assert [e["manager"] for e in encode(managed)] == ["z", "a", "b"]
    assert decode([{"operation": "Bogus"}]) is None
    assert decode("x") is None


# -- merge and prune ----------------------------------------------------------------------
def test_merge_of_associative_lists_keeps_kube_order() -> None:
    node = builtin_node("", "Pod")
    live = {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"},
                                    {"name": "c", "image": "1"}]}}
    config = {"spec": {"containers": [{"name": "c", "image": "2"}, {"name": "d"},
                                      {"name": "a", "args": ["x"]}]}}
    merged = merge(live, config, node)["spec"]["containers"]
    assert merged == [{"name": "b", "image": "1"}, {"name": "c", "image": "2"}, {"name": "d"},
                      {"name": "a", "image": "1", "args": ["x"]}]
    # atomic lists are replaced, sets merge
    assert merge({"a": [1, 2]}, {"a": [3]}, DEDUCED) == {"a": [3]}
    meta = builtin_node("", "ConfigMap").child("metadata")
    assert merge({"finalizers": ["x", "y"]}, {"finalizers": ["z", "x"]}, meta) == \
        {"finalizers": ["z", "x", "y"]}


@given(json_objects(), json_objects())
def test_merge_is_idempotent_and_pure(live: dict[str, Any], config: dict[str, Any]) -> None:
    before = (repr(live), repr(config))
    merged = merge(live, config, DEDUCED)
    assert merge(merged, config, DEDUCED) == merged
    assert (repr(live), repr(config)) == before
    for k, v in config.items():
        if not isinstance(v, dict):
            assert merged[k] == v


def test_prune_keeps_what_survives_below_a_removed_node() -> None:
    obj = {"data": {"a": "1", "b": "2"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    node = builtin_node("", "Pod")
    assert prune(obj, {"f:data": {".": {}, "f:a": {}}}, node)["data"] == {"b": "2"}
    assert "data" not in prune(obj, {"f:data": {".": {}, "f:a": {}, "f:b": {}}}, node)
    out = prune(obj, {"f:spec": {"f:containers": {'k:{"name":"c"}': {".": {}, "f:name": {}}}}},
                node)
    assert out["spec"]["containers"] == [{"name": "c", "image": "i"}]  # identity stays
    out = prune(obj, {"f:spec": {"f:containers": {'k:{"name":"c"}': {
        ".": {}, "f:name": {}, "f:image": {}}}}}, node)
    assert out["spec"]["containers"] == []


# -- apply ------------------------------------------------------------------------------------
def test_apply_creates_owns_removes_and_conflicts() -> None:
    obj, entries = apply(None, cm({"a": "1", "b": "2"}), CM, "one", "t1")
    assert obj["data"] == {"a": "1", "b": "2"}
    assert entries == [{"manager": "one", "operation": "Apply", "apiVersion": "v1",
                        "time": "t1", "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}}}]
    live = stored(obj, entries)
    obj, entries = apply(live, cm({"a": "1"}), CM, "one", "t2")
    assert obj["data"] == {"a": "1"}  # b was applied before and is not now
    live = stored(obj, entries)
    with pytest.raises(ApplyConflict) as exc:
        apply(live, cm({"a": "other"}), CM, "two", "t3")
    assert exc.value.message == 'Apply failed with 1 conflict: conflict with "one": .data.a'
    assert exc.value.causes() == [{"reason": "FieldManagerConflict",
                                   "message": 'conflict with "one"', "field": ".data.a"}]
    obj, entries = apply(live, cm({"a": "other"}), CM, "two", "t3", force=True)
    assert obj["data"] == {"a": "other"}
    # one's last field went: its entry with it
    assert owners(entries) == {("two", "Apply", ""): {"f:data": {"f:a": {}}}}


def test_apply_shares_equal_values_and_keeps_fields_others_own() -> None:
    obj, entries = apply(None, cm({"a": "1", "b": "2"}), CM, "one", "t1")
    live = stored(obj, entries)
    obj, entries = apply(live, cm({"a": "1"}), CM, "two", "t2")  # same value: no conflict
    live = stored(obj, entries)
    obj, entries = apply(live, cm({"b": "2"}), CM, "one", "t3")  # a is still two's
    assert obj["data"] == {"a": "1", "b": "2"}
    live = stored(obj, entries)
    obj, entries = apply(live, cm({}), CM, "two", "t4")
    assert obj["data"] == {"b": "2"}


def test_several_conflicts_are_listed_by_manager() -> None:
    obj, entries = apply(None, cm({"a": "1"}), CM, "one", "t")
    obj, entries = apply(stored(obj, entries), cm({"b": "1", "c": "1"}), CM, "two", "t")
    new = copy.deepcopy(stored(obj, entries))
    new["data"]["d"] = "1"
    entries = record_update(stored(obj, entries), new, CM, "kubectl-edit", "t")
    with pytest.raises(ApplyConflict) as exc:
        apply(stored(new, entries), cm({"a": "x", "b": "x", "c": "x", "d": "x"}), CM,
              "three", "t")
    assert exc.value.message == (
        'Apply failed with 4 conflicts: conflicts with "kubectl-edit" using v1:\n- .data.d\n'
        'conflicts with "one":\n- .data.a\nconflicts with "two":\n- .data.b\n- .data.c')


def test_first_apply_to_an_untracked_object() -> None:
    live = stored(cm({"a": "1", "b": "2"}), None)
    with pytest.raises(ApplyConflict) as exc:
        apply(live, cm({"a": "2"}), CM, "one", "t")
    assert f'"{BEFORE_FIRST_APPLY}" using v1' in exc.value.message
    _, entries = apply(live, cm({"a": "1"}), CM, "one", "t")
    assert owners(entries) == {
        ("one", "Apply", ""): {"f:data": {"f:a": {}}},
        (BEFORE_FIRST_APPLY, "Update", ""): {"f:data": {".": {}, "f:a": {}, "f:b": {}}}}


def test_apply_time_changes_only_with_the_object() -> None:
    obj, entries = apply(None, cm({"a": "1"}), CM, "one", "t1")
    live = stored(obj, entries)
    _, again = apply(live, cm({"a": "1"}), CM, "one", "t2")
    assert again[0]["time"] == "t1"
    _, other = apply(live, cm({"a": "1"}), CM, "two", "t2")  # shares, changes nothing
    assert "time" not in next(e for e in other if e["manager"] == "two")


def test_status_is_ignored_by_main_resource_applies() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "i"}]},
           "status": {"phase": "Running"}}
    _, entries = apply(None, pod, POD, "one", "t")
    assert "f:status" not in entries[0]["fieldsV1"]
    live = stored(pod, record_create(pod, POD, "creator", "t"))
    _, entries = apply(live, {**pod, "status": {"phase": "Failed"}}, POD_STATUS, "node", "t")
    mine = next(e for e in entries if e["manager"] == "node")
    assert mine["subresource"] == "status"
    assert mine["fieldsV1"] == {"f:status": {"f:phase": {}}}  # applied maps are no members


@given(json_objects(), json_objects())
def test_applying_twice_changes_nothing(live: dict[str, Any], config: dict[str, Any]) -> None:
    scope = Scope(DEDUCED, "v1")
    base = {**live, "metadata": {"name": "x", "uid": "u"}}
    conf = {**config, "metadata": {"name": "x"}}
    obj, entries = apply(base, conf, scope, "one", "t1", force=True)
    obj2, entries2 = apply(stored(obj, entries), conf, scope, "one", "t2")
    assert obj2 == obj
    if entries:  # (an apply that owns nothing leaves the object untracked)
        assert entries2 == entries


def test_a_create_is_the_change_from_the_empty_typed_object() -> None:
    # kube compares with the kind's empty Go object: spec (a struct) and containers (null)
    # exist there, so only what is inside them is added
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]},
           "status": {"phase": "Pending"}}
    scope = Scope(builtin_node("", "Pod"), "v1", ignore=("status",),
                  skeleton=builtin_skeleton("", "Pod"))
    [entry] = record_create(pod, scope, "m", "t") or []
    assert entry["fieldsV1"] == {"f:spec": {"f:containers": {'k:{"name":"c"}': {
        ".": {}, "f:image": {}, "f:name": {}}}, "f:restartPolicy": {}}}
    # a zero value the empty object has already is no change
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
             "involvedObject": {"name": "x"}, "reportingComponent": "", "reason": "R"}
    scope = Scope(builtin_node("", "Event"), "v1", skeleton=builtin_skeleton("", "Event"))
    [entry] = record_create(event, scope, "m", "t") or []
    assert entry["fieldsV1"] == {"f:involvedObject": {"f:name": {}}, "f:reason": {}}
    lease = {"metadata": {"name": "l"}, "spec": {}}
    scope = Scope(builtin_node("coordination.k8s.io", "Lease"), "coordination.k8s.io/v1",
                  skeleton=builtin_skeleton("coordination.k8s.io", "Lease"))
    assert record_create(lease, scope, "m", "t") is None


def test_applied_fields_own_leaves_and_list_items() -> None:
    node = builtin_node("", "Pod")
    config = {"metadata": {"labels": {"a": "b"}}, "data": {},
              "spec": {"containers": [{"name": "c", "args": ["x"]}, {"name": "d"}]}}
    assert applied_fields(config, node) == {
        "f:metadata": {"f:labels": {"f:a": {}}},
        "f:spec": {"f:containers": {'k:{"name":"c"}': {".": {}, "f:args": {}, "f:name": {}},
                                    'k:{"name":"d"}': {".": {}, "f:name": {}}}}}


@given(st.lists(st.tuples(st.sampled_from(["update", "apply"]), st.sampled_from(["a", "b", "c"]),
                          json_objects()), min_size=1, max_size=6))
def test_owned_fields_always_exist(writes: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Whatever sequence of updates and forced applies, every owned path is in the object,
    and no entry is empty."""
    scope = Scope(DEDUCED, "v1")
    obj: dict[str, Any] = {"metadata": {"name": "x"}}
    obj = stored(obj, record_create(obj, scope, "creator", "t0"))
    for i, (op, manager, content) in enumerate(writes):
        if op == "update":
            new = {**content, "metadata": dict(obj["metadata"])}
            obj = stored(new, record_update(obj, new, scope, manager, f"t{i}"))
        else:
            merged, entries = apply(obj, {**content, "metadata": {"name": "x"}}, scope,
                                    manager, f"t{i}", force=True)
            obj = stored(merged, entries)
        present = set(paths(fields_of(obj, DEDUCED)))
        for e in obj["metadata"].get("managedFields") or ():
            assert e["fieldsV1"], e
            owned = {p for p in paths(e["fieldsV1"]) if p[0] != "f:metadata"}
            assert owned <= present, (e, obj)


def _no_empty_maps(v: Any) -> Any:
    """``v`` without empty maps and lists in maps (which own nothing, so stay)."""
    if isinstance(v, dict):
        out = {k: _no_empty_maps(x) for k, x in v.items()}
        return {k: x for k, x in out.items() if x != {} and x != []}
    if isinstance(v, list):
        return [_no_empty_maps(x) for x in v]
    return v


@given(json_objects(), json_objects())
def test_a_sole_applier_gets_exactly_its_configuration(first: dict[str, Any],
                                                       second: dict[str, Any]) -> None:
    """Fields dropped from the configuration are removed: applying ``first`` then
    ``second`` leaves what applying ``second`` alone leaves (empty maps own nothing)."""
    scope = Scope(DEDUCED, "v1")
    meta = {"metadata": {"name": "x"}}
    obj, entries = apply(None, {**first, **meta}, scope, "m", "t")
    # (force: an apply that owned nothing left the object untracked, see kube's
    # before-first-apply)
    obj, _ = apply(stored(obj, entries), {**second, **meta}, scope, "m", "t", force=True)
    alone, _ = apply(None, {**second, **meta}, scope, "m", "t")
    strip = ("metadata",)
    assert _no_empty_maps({k: v for k, v in obj.items() if k not in strip}) == \
        _no_empty_maps({k: v for k, v in alone.items() if k not in strip})


def _containers() -> st.SearchStrategy[list[dict[str, Any]]]:
    env = st.lists(st.builds(lambda n, v: {"name": n, "value": v}, st.sampled_from("XYZ"),
                             st.sampled_from("01")), max_size=3, unique_by=lambda e: e["name"])
    container = st.fixed_dictionaries({"name": st.sampled_from("abc")}, optional={
        "image": st.sampled_from(["i", "j"]), "env": env, "args": st.lists(st.just("x"))})
    return st.lists(container, max_size=3, unique_by=lambda c: c["name"])


@given(_containers(), _containers())
def test_a_sole_applier_of_associative_lists(first: list[dict[str, Any]],
                                             second: list[dict[str, Any]]) -> None:
    scope = Scope(builtin_node("", "Pod"), "v1")
    meta = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    obj, entries = apply(None, {**meta, "spec": {"containers": first}}, scope, "m", "t")
    obj, _ = apply(stored(obj, entries), {**meta, "spec": {"containers": second}}, scope,
                   "m", "t", force=True)
    alone, _ = apply(None, {**meta, "spec": {"containers": second}}, scope, "m", "t")
    assert _no_empty_maps(obj.get("spec")) == _no_empty_maps(alone.get("spec"))
