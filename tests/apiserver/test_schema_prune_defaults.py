"""Pruning and defaulting of custom resources follow kube-apiserver."""

from __future__ import annotations

from typing import Any

import pytest
from _json_strategies import json_objects
from hypothesis import given

from tekpy.local.apiserver.schema import apply_defaults, prune, prune_fields

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "a": {"type": "string"},
                "list": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"k": {"type": "string"}}},
                },
                "map": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"v": {"type": "integer"}},
                    },
                },
                "free": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {
                        "known": {"type": "object", "properties": {"z": {"type": "string"}}}
                    },
                },
                "embedded": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "properties": {
                        "spec": {"type": "object", "properties": {"s": {"type": "string"}}}
                    },
                },
            },
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}


def test_prune_drops_unknown_fields_and_reports_paths() -> None:
    obj = {
        "apiVersion": "x.io/v1",
        "kind": "X",
        "metadata": {"name": "n", "labels": {"a": "b"}, "bogus": 1},
        "extra": 1,
        "spec": {
            "a": "x",
            "b": "drop",
            "list": [{"k": "1", "j": 2}],
            "map": {"one": {"v": 1, "w": 2}},
            "free": {"anything": {"goes": 1}, "known": {"z": "1", "y": "drop"}},
            "embedded": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p", "unknownMeta": 1},
                "spec": {"s": "1", "t": "drop"},
            },
        },
        "status": {"whatever": [1]},
    }
    out, pruned = prune_fields(obj, SCHEMA)
    assert out == {
        "apiVersion": "x.io/v1",
        "kind": "X",
        "metadata": {"name": "n", "labels": {"a": "b"}},
        "spec": {
            "a": "x",
            "list": [{"k": "1"}],
            "map": {"one": {"v": 1}},
            "free": {"anything": {"goes": 1}, "known": {"z": "1"}},
            "embedded": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"s": "1"},
            },
        },
        "status": {"whatever": [1]},
    }
    assert sorted(pruned) == sorted(
        [
            "extra",
            "metadata.bogus",
            "spec.b",
            "spec.list[0].j",
            "spec.map.one.w",
            "spec.free.known.y",
            "spec.embedded.metadata.unknownMeta",
            "spec.embedded.spec.t",
        ]
    )
    assert obj["extra"] == 1, "the input is not modified"
    assert prune(obj, SCHEMA) == out


def test_prune_without_schema_keeps_only_resource_keys() -> None:
    obj = {"apiVersion": "v", "kind": "K", "metadata": {"name": "n"}, "spec": {"a": 1}}
    assert prune(obj, None) == {"apiVersion": "v", "kind": "K", "metadata": {"name": "n"}}


@given(json_objects())
def test_property_prune_is_idempotent_and_preserve_unknown_keeps_all(obj: dict[str, Any]) -> None:
    once = prune(obj, SCHEMA)
    assert prune(once, SCHEMA) == once
    assert prune(obj, {"type": "object", "x-kubernetes-preserve-unknown-fields": True}) == obj


DEFAULTS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer", "default": 1},
                "mode": {"type": "string", "default": "fast"},
                "nullable": {"type": "string", "nullable": True, "default": "d"},
                "plain": {"type": "string"},
                "nested": {
                    "type": "object",
                    "default": {},
                    "properties": {"deep": {"type": "string", "default": "x"}},
                },
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"policy": {"type": "string", "default": "Always"}},
                    },
                },
                "byName": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"weight": {"type": "integer", "default": 5}},
                    },
                },
            },
        },
        "status": {"type": "object", "properties": {"phase": {"type": "string", "default": "New"}}},
    },
}

# (name, spec, defaulted spec)
DEFAULT_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "absent fields get defaults, nested defaults apply to defaulted objects",
        {},
        {"replicas": 1, "mode": "fast", "nullable": "d", "nested": {"deep": "x"}},
    ),
    (
        "present values win",
        {"replicas": 3, "mode": "slow"},
        {"replicas": 3, "mode": "slow", "nullable": "d", "nested": {"deep": "x"}},
    ),
    (
        "null of a non-nullable field is defaulted",
        {"replicas": None},
        {"replicas": 1, "mode": "fast", "nullable": "d", "nested": {"deep": "x"}},
    ),
    (
        "null of a nullable field stays",
        {"nullable": None},
        {"replicas": 1, "mode": "fast", "nullable": None, "nested": {"deep": "x"}},
    ),
    (
        "null without default is dropped",
        {"plain": None},
        {"replicas": 1, "mode": "fast", "nullable": "d", "nested": {"deep": "x"}},
    ),
    (
        "array items and additionalProperties are defaulted",
        {"items": [{}, {"policy": "Never"}], "byName": {"a": {}, "b": {"weight": 1}}},
        {
            "replicas": 1,
            "mode": "fast",
            "nullable": "d",
            "nested": {"deep": "x"},
            "items": [{"policy": "Always"}, {"policy": "Never"}],
            "byName": {"a": {"weight": 5}, "b": {"weight": 1}},
        },
    ),
]


@pytest.mark.parametrize(("name", "spec", "want"), DEFAULT_CASES, ids=[c[0] for c in DEFAULT_CASES])
def test_apply_defaults(name: str, spec: dict[str, Any], want: dict[str, Any]) -> None:
    obj = {"apiVersion": "x/v1", "kind": "X", "spec": spec}
    out = apply_defaults(obj, DEFAULTS)
    assert out["spec"] == want
    assert "status" not in out, "defaults never create an absent parent"
    assert apply_defaults(out, DEFAULTS) == out, "defaulting is idempotent"
