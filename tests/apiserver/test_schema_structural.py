"""CRD schemas kube-apiserver would reject are reported with kube's paths and messages."""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.local.apiserver.schema import check_structural

P = "spec.validation.openAPIV3Schema"

CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "valid",
        {
            "type": "object",
            "properties": {
                "metadata": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "maxLength": 5}},
                },
                "spec": {
                    "type": "object",
                    "properties": {
                        "port": {
                            "x-kubernetes-int-or-string": True,
                            "anyOf": [{"type": "integer"}, {"type": "string"}],
                        },
                        "any": {"x-kubernetes-preserve-unknown-fields": True},
                        "tpl": {
                            "type": "object",
                            "x-kubernetes-embedded-resource": True,
                            "x-kubernetes-preserve-unknown-fields": True,
                        },
                        "list": {
                            "type": "array",
                            "x-kubernetes-list-type": "map",
                            "x-kubernetes-list-map-keys": ["name"],
                            "items": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
        [],
    ),
    (
        "missing root type",
        {"properties": {}},
        [f"{P}.type: Required value: must not be empty at the root"],
    ),
    (
        "missing field and item types",
        {
            "type": "object",
            "properties": {"spec": {"properties": {"l": {"type": "array", "items": {}}}}},
        },
        [
            f"{P}.properties[spec].properties[l].items.type: Required value: must not be empty "
            "for specified array items",
            f"{P}.properties[spec].type: Required value: must not be empty for specified object "
            "fields",
        ],
    ),
    (
        "array without items",
        {"type": "object", "properties": {"l": {"type": "array"}}},
        [f"{P}.properties[l].items: Required value: must be specified"],
    ),
    (
        "root not object",
        {"type": "string"},
        [f'{P}.type: Invalid value: "string": must be object at the root'],
    ),
    (
        "metadata beyond name",
        {
            "type": "object",
            "properties": {
                "metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}
            },
        },
        [
            f"{P}.properties[metadata]: Forbidden: must not specify anything other than name "
            "and generateName, but metadata is implicitly specified"
        ],
    ),
    (
        "type inside anyOf",
        {
            "type": "object",
            "properties": {"x": {"type": "string", "anyOf": [{"type": "string", "minLength": 1}]}},
        },
        [f"{P}.properties[x].anyOf[0].type: Forbidden: must be empty to be structural"],
    ),
    (
        "uniqueItems",
        {
            "type": "object",
            "properties": {
                "l": {"type": "array", "uniqueItems": True, "items": {"type": "string"}}
            },
        },
        [
            f"{P}.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since "
            "the runtime complexity becomes quadratic"
        ],
    ),
    (
        "properties and additionalProperties",
        {
            "type": "object",
            "properties": {
                "m": {
                    "type": "object",
                    "properties": {"a": {"type": "string"}},
                    "additionalProperties": {"type": "string"},
                }
            },
        },
        [
            f"{P}.properties[m].additionalProperties: Forbidden: additionalProperties and "
            "properties are mutual exclusive"
        ],
    ),
    (
        "embedded resource without properties",
        {
            "type": "object",
            "properties": {"e": {"type": "object", "x-kubernetes-embedded-resource": True}},
        },
        [
            f"{P}.properties[e].properties: Required value: must not be empty if "
            "x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"
        ],
    ),
    (
        "list map without keys",
        {
            "type": "object",
            "properties": {
                "l": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "items": {"type": "object", "properties": {"a": {"type": "string"}}},
                }
            },
        },
        [
            f"{P}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty "
            "if x-kubernetes-list-type is map"
        ],
    ),
    (
        "additionalProperties at the root",
        {"type": "object", "additionalProperties": {"type": "string"}},
        [f"{P}.additionalProperties: Forbidden: must not be used at the root"],
    ),
]


@pytest.mark.parametrize(("name", "schema", "want"), CASES, ids=[c[0] for c in CASES])
def test_check_structural(name: str, schema: dict[str, Any], want: list[str]) -> None:
    assert [str(e) for e in check_structural(schema, P)] == want
