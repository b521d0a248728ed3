"""What a create remembers of repeated bodies (a spec's validity and owned fields) gives the
same results as computing them again, and equal field sets are shared between objects."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from _json_strategies import json_objects
from hypothesis import given

from tekpy.local.apiserver import podvalidation
from tekpy.local.apiserver.managedfields import (
    Scope,
    builtin_node,
    builtin_skeleton,
    entry,
    object_fields,
    ownership,
    record_create,
    shared,
)
from tekpy.local.apiserver.managedfields.ownership import STRIPPED_METADATA, _unadd
from tekpy.local.apiserver.memo import Memo

POD = Scope(builtin_node("", "Pod"), "v1", ignore=("status",),
            skeleton=builtin_skeleton("", "Pod"))


def _pod(name: str, image: str = "busybox:1.36") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"run": name}},
            "spec": {"restartPolicy": "Never", "containers": [
                {"name": "step", "image": image, "command": ["sh"],
                 "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                 "env": [{"name": "A", "value": "1"}],
                 "volumeMounts": [{"name": "v", "mountPath": "/v"}]}],
                "volumes": [{"name": "v", "emptyDir": {}}]}}


def _reference_fields(obj: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The owned fields of a new object, computed in full (nothing remembered)."""
    out: dict[str, Any] = {}
    for k in sorted(obj):
        if k in ("apiVersion", "kind") or "f:" + k in scope.ignore:
            continue
        v = obj[k]
        if k == "metadata" and type(v) is dict:
            meta = {"f:" + mk: entry(mv, scope.node.child("metadata").child(mk)) if mv else {}
                    for mk, mv in sorted(v.items()) if mk not in STRIPPED_METADATA}
            if meta:
                out["f:metadata"] = meta
        else:
            out["f:" + k] = entry(v, scope.node.child(k)) if v else {}
    _unadd(out, scope.skeleton or {}, obj)
    return out


def test_memo_keys_only_values_it_can_tell_apart() -> None:
    memo: Memo[int] = Memo(max_entries=2, max_key=64)
    assert memo.key({"a": 1}) == memo.key({"a": 1}) != memo.key({"a": 1.0})
    assert memo.key({"a": 1}, "x") != memo.key({"a": 1}, "y")
    # NaN encodes as null: no value with a null is remembered
    assert memo.key({"a": float("nan")}) is None
    assert memo.key({"a": None}) is None and memo.key([1, None]) is None
    assert memo.key({"a": "x" * 100}) is None  # too large
    assert memo.key({"a": 2**70}) is None  # not JSON orjson encodes
    k1, k2, k3 = memo.key(1), memo.key(2), memo.key(3)
    memo.put(k1, 1)
    memo.put(k2, 2)
    assert memo.get(k1) == 1 and memo.get(k2) == 2
    memo.put(k3, 3)  # full: cleared first
    assert memo.get(k1) is None and memo.get(k3) == 3
    assert memo.get(None) is None


def test_memo_keys_one_value_in_64_while_every_lookup_misses() -> None:
    memo: Memo[int] = Memo()
    for i in range(8):  # eight misses in a row
        key = memo.key(i)
        assert key is not None and memo.get(key) is None
        memo.put(key, i)
    assert [memo.key(i) for i in range(63)] == [None] * 63  # computed, not keyed
    probe = memo.key(3)
    assert memo.get(probe) == 3  # a hit: keyed again from now on
    assert all(memo.key(i) is not None for i in range(100))
    assert Memo(nulls=False).key({"f:a": {}, "k:null": {}}) is not None


@given(json_objects())
def test_owned_fields_of_a_repeated_spec_are_the_computed_ones(spec: dict[str, Any]) -> None:
    for name in ("a", "b"):  # the second is remembered
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": copy.deepcopy(spec), "status": {"phase": "Pending"}}
        assert orjson.dumps(object_fields(pod, POD)) == \
            orjson.dumps(_reference_fields(pod, POD))


def test_owned_fields_of_pods_with_the_same_spec_are_shared() -> None:
    for memo in (ownership._subtrees, shared._whole, *shared._parts.values()):
        memo.clear()  # whatever earlier tests taught them
    first = record_create(_pod("a"), POD, "m", "t") or []
    second = record_create(_pod("b"), POD, "m", "t") or []
    assert first[0]["fieldsV1"] == second[0]["fieldsV1"]
    assert first[0]["fieldsV1"]["f:spec"] is second[0]["fieldsV1"]["f:spec"]
    # a different label key: metadata differs, the spec's set is still the shared one
    other = _pod("c")
    other["metadata"]["labels"] = {"other": "x"}
    third = record_create(other, POD, "m", "t") or []
    assert third[0]["fieldsV1"]["f:metadata"] != first[0]["fieldsV1"]["f:metadata"]
    assert third[0]["fieldsV1"]["f:spec"] is first[0]["fieldsV1"]["f:spec"]


def test_only_valid_specs_are_remembered() -> None:
    bad = _pod("p")
    bad["spec"]["containers"][0]["name"] = "Not_A_Label"
    for _ in range(2):
        errs = podvalidation.pod_errors(copy.deepcopy(bad))
        assert [e.field for e in errs] == ["spec.containers[0].name"]
    for _ in range(2):
        assert podvalidation.pod_errors(_pod("p")) == []
