"""Custom resources are validated against structural schemas with kube's messages."""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.local.apiserver.fielderrors import ErrorType
from tekpy.local.apiserver.schema import validate

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["x"],
            "properties": {
                "x": {"type": "string"},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "format": "int32"},
                "ratio": {"type": "number", "exclusiveMaximum": True, "maximum": 1.5},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "level": {"type": "integer", "enum": [1, 2]},
                "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
                "when": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "id": {"type": "string", "format": "uuid"},
                "blob": {"type": "string", "format": "byte"},
                "port": {"x-kubernetes-int-or-string": True},
                "opt": {"type": "string", "nullable": True},
                "tags": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "maxItems": 2,
                    "x-kubernetes-list-type": "set",
                },
                "ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
                    },
                },
                "labels": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "maxProperties": 2,
                },
                "steps": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["image"],
                        "properties": {"image": {"type": "string"}},
                    },
                },
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                },
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        }
    },
}

# (name, spec, expected errors as kube prints them)
CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("valid", {"x": "a", "replicas": 3, "port": 80, "opt": None}, []),
    (
        "wrong type",
        {"x": "a", "replicas": "string"},
        [
            'spec.replicas: Invalid value: "string": spec.replicas in '
            'body must be of type integer: "string"'
        ],
    ),
    ("required", {}, ["spec.x: Required value"]),
    (
        "enum",
        {"x": "a", "mode": "c"},
        ['spec.mode: Unsupported value: "c": supported values: "a", "b"'],
    ),
    (
        "enum numbers",
        {"x": "a", "level": 3},
        ['spec.level: Unsupported value: 3: supported values: "1", "2"'],
    ),
    (
        "minimum",
        {"x": "a", "replicas": 0},
        [
            "spec.replicas: Invalid value: 0: spec.replicas in body "
            "should be greater than or equal to 1"
        ],
    ),
    (
        "maximum",
        {"x": "a", "replicas": 11},
        [
            "spec.replicas: Invalid value: 11: spec.replicas in body "
            "should be less than or equal to 10"
        ],
    ),
    (
        "exclusive maximum",
        {"x": "a", "ratio": 1.5},
        ["spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5"],
    ),
    ("integral float is an integer", {"x": "a", "replicas": 2.0}, []),
    (
        "bool is not an integer",
        {"x": "a", "replicas": True},
        [
            'spec.replicas: Invalid value: "boolean": spec.replicas in '
            'body must be of type integer: "boolean"'
        ],
    ),
    (
        "min length",
        {"x": "a", "name": "a"},
        ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long'],
    ),
    (
        "max length",
        {"x": "a", "name": "abcdef"},
        ["spec.name: Too long: may not be more than 5 bytes"],
    ),
    (
        "pattern",
        {"x": "a", "name": "ab1"},
        ["spec.name: Invalid value: \"ab1\": spec.name in body should match '^[a-z]+$'"],
    ),
    (
        "date-time",
        {"x": "a", "when": "yesterday"},
        [
            'spec.when: Invalid value: "yesterday": spec.when in body '
            'must be of type date-time: "yesterday"'
        ],
    ),
    ("date-time ok", {"x": "a", "when": "2024-01-02T03:04:05Z", "day": "2024-02-29"}, []),
    (
        "date",
        {"x": "a", "day": "2023-02-29"},
        [
            'spec.day: Invalid value: "2023-02-29": spec.day in body '
            'must be of type date: "2023-02-29"'
        ],
    ),
    (
        "uuid",
        {"x": "a", "id": "nope"},
        ['spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"'],
    ),
    (
        "byte",
        {"x": "a", "blob": "!!"},
        ['spec.blob: Invalid value: "!!": spec.blob in body must be of type byte: "!!"'],
    ),
    (
        "format on a non-string",
        {"x": "a", "when": 5},
        ['spec.when: Invalid value: "int64": spec.when in body must be of type date-time: "int64"'],
    ),
    ("int-or-string string", {"x": "a", "port": "http"}, []),
    (
        "int-or-string bool",
        {"x": "a", "port": True},
        [
            'spec.port: Invalid value: "boolean": spec.port in body must '
            'be of type integer,string: "boolean"'
        ],
    ),
    (
        "null not nullable",
        {"x": None},
        ['spec.x: Invalid value: "null": spec.x in body must be of type string: "null"'],
    ),
    (
        "min items",
        {"x": "a", "tags": []},
        ["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"],
    ),
    ("set duplicates", {"x": "a", "tags": ["a", "a"]}, ['spec.tags[1]: Duplicate value: "a"']),
    (
        "map list duplicates",
        {"x": "a", "ports": [{"name": "a", "port": 1}, {"name": "a", "port": 2}]},
        ['spec.ports[1]: Duplicate value: {"name":"a"}'],
    ),
    (
        "additionalProperties values",
        {"x": "a", "labels": {"k": 1}},
        [
            'spec.labels.k: Invalid value: "integer": spec.labels.k in '
            'body must be of type string: "integer"'
        ],
    ),
    (
        "items required",
        {"x": "a", "steps": [{"image": "i"}, {}]},
        ["spec.steps[1].image: Required value"],
    ),
    (
        "embedded resource needs kind and apiVersion",
        {"x": "a", "template": {"metadata": {}}},
        [
            "spec.template.apiVersion: Required value: must not be empty",
            "spec.template.kind: Required value: must not be empty",
        ],
    ),
    ("preserve unknown accepts anything", {"x": "a", "free": {"a": [1, {"b": None}]}}, []),
]


@pytest.mark.parametrize(("name", "spec", "want"), CASES, ids=[c[0] for c in CASES])
def test_validate(name: str, spec: dict[str, Any], want: list[str]) -> None:
    obj = {"apiVersion": "x.io/v1", "kind": "X", "metadata": {"name": "n"}, "spec": spec}
    assert [str(e) for e in validate(obj, SCHEMA)] == want


def test_too_many_carries_counts() -> None:
    obj = {"spec": {"x": "a", "tags": ["a", "b", "c"], "labels": {"a": "1", "b": "2", "c": "3"}}}
    errs = validate(obj, SCHEMA)
    assert [(e.type, e.field, e.message, e.bad_value) for e in errs] == [
        (ErrorType.TOO_MANY, "spec.labels", "must have at most 2 items", 3),
        (ErrorType.TOO_MANY, "spec.tags", "must have at most 2 items", 3),
    ]


def test_type_error_stops_deeper_checks_and_cause_shape() -> None:
    errs = validate({"spec": "nope"}, SCHEMA)
    assert len(errs) == 1
    assert errs[0].cause() == {
        "reason": "FieldValueTypeInvalid",
        "message": 'Invalid value: "string": spec in body must be of type object: "string"',
        "field": "spec",
    }


def test_junctors() -> None:
    schema = {
        "type": "object",
        "properties": {
            "v": {"type": "string", "anyOf": [{"pattern": "^a"}, {"pattern": "^b"}]},
            "w": {"type": "integer", "not": {"minimum": 5}},
            "o": {"type": "integer", "oneOf": [{"minimum": 0}, {"maximum": 10}]},
        },
    }
    assert validate({"v": "a", "w": 1, "o": -1}, schema) == []
    messages = [e.message for e in validate({"v": "c", "w": 7, "o": 5}, schema)]
    assert "o in body must validate one and only one schema (oneOf)" in messages
    assert "v in body must validate at least one schema (anyOf)" in messages
    assert "w in body must not validate the schema (not)" in messages


def test_path_prefix() -> None:
    errs = validate({"x": 1}, {"type": "object", "properties": {"x": {"type": "string"}}}, "spec")
    assert [e.field for e in errs] == ["spec.x"]


def test_embedded_resource_metadata_is_validated() -> None:
    spec = {
        "x": "a",
        "template": {"apiVersion": "a/b/c", "kind": "", "metadata": {"labels": {"bad key": "v"}}},
    }
    errs = [str(e) for e in validate({"spec": spec}, SCHEMA)]
    assert (
        errs[0]
        == 'spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c'
    )
    assert errs[1] == 'spec.template.kind: Invalid value: "": must not be empty'
    assert errs[2].startswith(
        'spec.template.metadata.labels: Invalid value: "bad key": name part must'
    )
    assert len(errs) == 3
