"""The Kubernetes JSONPath subset used by printer columns."""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.local.apiserver.jsonpath import JsonPathError, find, parse

DOC: dict[str, Any] = {
    "metadata": {"name": "n", "labels": {"app.kubernetes.io/name": "web", "tier": "fe"}},
    "spec": {"items": [{"name": "a", "n": 1}, {"name": "b", "n": 2}, {"name": "c", "n": 3}]},
    "status": {
        "conditions": [
            {"type": "Ready", "status": "False"},
            {"type": "Succeeded", "status": "True", "reason": "Done"},
        ]
    },
}

CASES: list[tuple[str, str, list[Any]]] = [
    ("field", ".metadata.name", ["n"]),
    ("braces and root", "{$.metadata.name}", ["n"]),
    ("missing key", ".metadata.nope.deeper", []),
    ("index", ".spec.items[0].name", ["a"]),
    ("negative index", ".spec.items[-1].name", ["c"]),
    ("index out of range", ".spec.items[7].name", []),
    ("wildcard", ".spec.items[*].name", ["a", "b", "c"]),
    ("dot wildcard on map", ".metadata.labels.*", ["web", "fe"]),
    ("slice", ".spec.items[0:2].name", ["a", "b"]),
    ("slice step", ".spec.items[::2].name", ["a", "c"]),
    ("quoted key", ".metadata.labels['app.kubernetes.io/name']", ["web"]),
    ("escaped dots", r".metadata.labels.app\.kubernetes\.io/name", ["web"]),
    ("union of keys", ".metadata.labels['tier','nope']", ["fe"]),
    ("filter equals", '.status.conditions[?(@.type=="Succeeded")].status', ["True"]),
    ("filter single quotes", ".status.conditions[?(@.type == 'Ready')].status", ["False"]),
    ("filter not equals", '.status.conditions[?(@.type!="Ready")].type', ["Succeeded"]),
    ("filter exists", ".status.conditions[?(@.reason)].type", ["Succeeded"]),
    ("filter number", ".spec.items[?(@.n >= 2)].name", ["b", "c"]),
    ("filter no match", '.status.conditions[?(@.type=="Nope")].status', []),
    ("recursive", "..type", ["Ready", "Succeeded"]),
]


@pytest.mark.parametrize(("name", "expr", "want"), CASES, ids=[c[0] for c in CASES])
def test_find(name: str, expr: str, want: list[Any]) -> None:
    assert find(DOC, expr) == want


@pytest.mark.parametrize("expr", ["metadata", ".a[", ".a[?(x)]", ".a['x", ".a[1:2:3:4]", ".a]"])
def test_parse_errors(expr: str) -> None:
    with pytest.raises(JsonPathError):
        parse(expr)


def test_first() -> None:
    assert parse(".spec.items[*].name").first(DOC) == "a"
    assert parse(".nope").first(DOC, "dflt") == "dflt"
