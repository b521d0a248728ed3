"""Field sets of objects (kube's ToFieldSet) and comparisons (added/changed/removed)."""

from __future__ import annotations

from typing import Any

from _json_strategies import json_objects
from hypothesis import given

from tekpy.local.apiserver.managedfields import (
    DEDUCED,
    builtin_node,
    compare,
    crd_node,
    difference,
    fields_of,
    intersection,
    paths,
    sorted_set,
)

POD = builtin_node("", "Pod")

GADGET_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"spec": {
    "type": "object", "properties": {
        "ports": {"type": "array", "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["name", "proto"],
                  "items": {"type": "object", "properties": {
                      "name": {"type": "string"}, "proto": {"type": "string"},
                      "port": {"type": "integer"}}}},
        "tags": {"type": "array", "x-kubernetes-list-type": "set",
                 "items": {"type": "string"}},
        "args": {"type": "array", "items": {"type": "string"}},
        "selector": {"type": "object", "x-kubernetes-map-type": "atomic",
                     "additionalProperties": {"type": "string"}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "count": {"x-kubernetes-int-or-string": True},
    }}}}


def test_configmap_fields() -> None:
    cm = {"data": {"b": "2", "a": "1"}, "metadata": {"labels": {"x": "y"}}, "immutable": False}
    fs = fields_of(cm, builtin_node("", "ConfigMap"))
    assert fs == {"f:data": {".": {}, "f:a": {}, "f:b": {}}, "f:immutable": {},
                  "f:metadata": {".": {}, "f:labels": {".": {}, "f:x": {}}}}
    assert list(fs) == ["f:data", "f:immutable", "f:metadata"]  # already in fieldsV1 order
    assert list(fs["f:data"]) == [".", "f:a", "f:b"]


def test_pod_lists_by_their_keys() -> None:
    spec = {"containers": [
        {"name": "b", "image": "i", "ports": [{"containerPort": 80}],
         "env": [{"name": "X", "value": "1"}], "args": ["a", "b"]},
        {"name": "a", "image": "i"}]}
    fs = fields_of({"spec": spec, "metadata": {"finalizers": ["x/y"], "ownerReferences": [
        {"uid": "u1", "name": "o"}]}}, POD)
    containers = fs["f:spec"]["f:containers"]
    assert list(containers) == [".", 'k:{"name":"a"}', 'k:{"name":"b"}']
    b = containers['k:{"name":"b"}']
    assert b["f:args"] == {}  # atomic list
    assert b["f:env"] == {".": {}, 'k:{"name":"X"}': {".": {}, "f:name": {}, "f:value": {}}}
    # protocol is a key field with a default, as in kube's schema
    assert list(b["f:ports"]) == [".", 'k:{"containerPort":80,"protocol":"TCP"}']
    meta = fs["f:metadata"]
    assert meta["f:finalizers"] == {".": {}, 'v:"x/y"': {}}
    assert meta["f:ownerReferences"] == {".": {}, 'k:{"uid":"u1"}': {
        ".": {}, "f:name": {}, "f:uid": {}}}


def test_custom_resource_list_and_map_types() -> None:
    node = crd_node(GADGET_SCHEMA)
    assert crd_node(GADGET_SCHEMA) is node  # cached per schema object
    obj = {"apiVersion": "x/v1", "kind": "Gadget", "spec": {
        "ports": [{"name": "a", "proto": "UDP", "port": 1}, {"name": "a", "proto": "TCP"}],
        "tags": ["y", "x"], "args": ["1"], "selector": {"a": "b"}, "labels": {"k": "v"},
        "free": {"deep": {"er": 1}, "list": [1]}, "count": "50%"}}
    spec = fields_of(obj, node)["f:spec"]
    assert list(spec["f:ports"]) == [".", 'k:{"name":"a","proto":"TCP"}',
                                     'k:{"name":"a","proto":"UDP"}']
    assert spec["f:tags"] == {".": {}, 'v:"x"': {}, 'v:"y"': {}}
    assert spec["f:args"] == {} and spec["f:selector"] == {} and spec["f:count"] == {}
    assert spec["f:labels"] == {".": {}, "f:k": {}}
    assert spec["f:free"] == {".": {}, "f:deep": {".": {}, "f:er": {}}, "f:list": {}}


def test_compare_reports_changed_and_removed_paths() -> None:
    old = {"data": {"a": "1", "b": "2"}, "spec": {"containers": [
        {"name": "c", "image": "x", "env": [{"name": "E", "value": "1"}]}]}}
    new = {"data": {"a": "9", "c": "3"}, "spec": {"containers": [
        {"name": "c", "image": "y"}, {"name": "d", "image": "z"}]}}
    changed, removed = compare(old, new, POD)
    assert set(paths(changed)) == {
        ("f:data", "f:a"), ("f:data", "f:c"),
        ("f:spec", "f:containers", 'k:{"name":"c"}', "f:image"),
        ("f:spec", "f:containers", 'k:{"name":"d"}'),
        ("f:spec", "f:containers", 'k:{"name":"d"}', "f:image"),
        ("f:spec", "f:containers", 'k:{"name":"d"}', "f:name")}
    assert set(paths(removed)) == {
        ("f:data", "f:b"),
        ("f:spec", "f:containers", 'k:{"name":"c"}', "f:env"),
        ("f:spec", "f:containers", 'k:{"name":"c"}', "f:env", 'k:{"name":"E"}'),
        ("f:spec", "f:containers", 'k:{"name":"c"}', "f:env", 'k:{"name":"E"}', "f:name"),
        ("f:spec", "f:containers", 'k:{"name":"c"}', "f:env", 'k:{"name":"E"}', "f:value")}
    assert compare(old, old, POD) == ({}, {})


@given(json_objects(), json_objects())
def test_compare_agrees_with_the_field_sets(old: dict[str, Any], new: dict[str, Any]) -> None:
    changed, removed = compare(old, new, DEDUCED)
    before, after = fields_of(old, DEDUCED), fields_of(new, DEDUCED)
    # what appeared is changed, what disappeared is removed
    assert set(paths(difference(after, before))) <= set(paths(changed))
    assert set(paths(difference(before, after))) <= set(paths(removed))
    # nothing reported changed is absent from the new object
    assert set(paths(intersection(changed, after))) == set(paths(changed))
    if old == new:
        assert (changed, removed) == ({}, {})


@given(json_objects())
def test_fields_of_is_in_fieldsv1_order(obj: dict[str, Any]) -> None:
    fs = fields_of(obj, DEDUCED)
    assert repr(fs) == repr(sorted_set(fs))
