"""Malformed documents never crash reading or validation: they yield errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tekpy.api import parse_object, validate

SEED_DOCS: list[dict[str, Any]] = [
    {"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"},
     "spec": {"params": [{"name": "a", "type": "array", "default": ["x"]}],
              "workspaces": [{"name": "w"}],
              "tasks": [{"name": "t", "taskSpec": {"steps": [{"image": "x", "script": "echo"}]},
                         "params": [{"name": "p", "value": "$(params.a[*])"}],
                         "when": [{"input": "a", "operator": "in", "values": ["a"]}],
                         "matrix": {"params": [{"name": "m", "value": ["1"]}]},
                         "workspaces": [{"name": "w", "workspace": "w"}]}],
              "finally": [{"name": "f", "taskRef": {"name": "t"}}],
              "results": [{"name": "r", "value": "$(tasks.t.results.x)"}]}},
    {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "tr"},
     "spec": {"params": [{"name": "a", "value": {"k": "v"}}], "timeout": "1h",
              "workspaces": [{"name": "w", "emptyDir": {}}],
              "taskSpec": {"params": [{"name": "a", "properties": {"k": {}}}],
                           "steps": [{"name": "s", "image": "x", "args": ["$(params.a.k)"]}],
                           "sidecars": [{"name": "c", "image": "y"}],
                           "results": [{"name": "r", "type": "object",
                                        "properties": {"k": {}}}]}}},
    {"apiVersion": "tekton.dev/v1alpha1", "kind": "Pipeline", "metadata": {"name": "old"},
     "spec": {"resources": [{"name": "r", "type": "git"}],
              "tasks": [{"name": "a", "taskRef": {"name": "t"},
                         "resources": {"inputs": [{"name": "i", "resource": "r",
                                                   "from": ["b"]}]},
                         "conditions": [{"conditionRef": "c"}]}]}},
]

junk = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.booleans(),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                      st.integers(), max_size=2))


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return doc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(SEED_DOCS))), st.data(), junk)
def test_replacing_any_value_with_junk_never_crashes(i: int, data: st.DataObject,
                                                     value: Any) -> None:
    doc = copy.deepcopy(SEED_DOCS[i])
    paths = [p for p in _paths(doc) if len(p) > 1]
    target = data.draw(st.sampled_from(paths))
    doc = _set(doc, target, value)
    obj, errors = parse_object(doc)
    if obj is not None:
        validate(obj)  # must not raise
    else:
        assert errors


def test_every_example_document_survives_field_removal(tekton_examples: Path) -> None:
    # remove each top-level spec field in turn from each example document
    checked = 0
    for f in sorted(tekton_examples.glob("*/*.yaml"))[:60]:
        for raw in yaml.safe_load_all(f.read_text()):
            if not raw or not str(raw.get("apiVersion", "")).startswith("tekton.dev"):
                continue
            for key in list(raw.get("spec") or {}):
                doc = copy.deepcopy(raw)
                del doc["spec"][key]
                obj, _ = parse_object(doc)
                if obj is not None:
                    validate(obj)
                    checked += 1
    assert checked > 100
