"""The typed model: structuring, lossless round trips, unknown fields, errors with paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.api import (
    ParamValue,
    Pipeline,
    PipelineRun,
    StructureError,
    Task,
    TaskRun,
    parse_documents,
    structure,
    unstructure,
)

KINDS = {"Task": Task, "TaskRun": TaskRun, "Pipeline": Pipeline, "PipelineRun": PipelineRun}


def test_examples_round_trip_losslessly(tekton_examples: Path) -> None:
    count = 0
    for f in sorted(tekton_examples.rglob("*.yaml")):
        text = f.read_text()
        for raw in yaml.safe_load_all(text):
            if not raw or raw.get("kind") not in KINDS:
                continue
            obj = structure(raw, KINDS[raw["kind"]])
            again = unstructure(obj)
            assert structure(again, KINDS[raw["kind"]]) == obj
            if "mountpath" not in text and "produce-consume-artifacts" not in f.name:
                assert again == raw, f
            count += 1
    assert count > 200


def test_unknown_fields_are_kept_at_every_level() -> None:
    raw = {
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "t"},
        "x-top": 1,
        "spec": {
            "x-spec": {"a": [1, 2]},
            "steps": [{"name": "s", "image": "busybox", "x-step": "kept"}],
            "params": [{"name": "p", "x-param": True}],
        },
    }
    task = structure(raw, Task)
    assert task.extra == {"x-top": 1}
    assert task.spec.extra == {"x-spec": {"a": [1, 2]}}
    assert task.spec.steps[0].extra == {"x-step": "kept"}
    assert unstructure(task) == raw


def test_field_names_match_case_insensitively_like_go() -> None:
    task = structure({"spec": {"steps": [{"image": "x", "workingdir": "/w"}]}}, Task)
    assert task.spec.steps[0].working_dir == "/w"
    assert task.spec.steps[0].extra == {}


def test_null_means_unset() -> None:
    task = structure({"spec": {"steps": None, "params": [{"name": "p", "default": None}]}}, Task)
    assert task.spec.steps == []
    assert task.spec.params[0].default is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x", ParamValue("string", string="x")),
        (["a", 1, True], ParamValue("array", array=("a", "1", "true"))),
        ({"k": "v", "n": 2}, ParamValue("object", object={"k": "v", "n": "2"})),
        (3, ParamValue("string", string="3")),
    ],
)
def test_param_values_take_tektons_three_shapes(value: Any, expected: ParamValue) -> None:
    assert ParamValue.of(value) == expected


def test_structure_errors_name_the_json_path() -> None:
    with pytest.raises(StructureError) as info:
        structure({"spec": {"steps": [{"image": "x"}, {"image": {"bad": 1}}]}}, Task)
    assert info.value.problems == [("spec.steps[1].image", "expected a string, got dict")]


def test_parse_documents_reports_bad_documents_without_raising() -> None:
    docs = parse_documents(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: a}\nspec: {steps: [1]}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
        "apiVersion: tekton.dev/v1\nkind: Nope\n"
    )
    assert [d.index for d in docs] == [0, 1, 2]
    assert docs[0].obj is None and docs[0].errors.paths() == ["spec.steps[0]"]
    assert docs[1].obj is None and not docs[1].errors and not docs[1].is_tekton
    assert str(docs[2].errors) == "unknown kind Nope in tekton.dev: kind"


def test_yaml_syntax_error_is_one_document_with_an_error() -> None:
    (doc,) = parse_documents("a: [\n")
    assert doc.obj is None
    assert "invalid YAML" in str(doc.errors)


# --- property tests -----------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(texts, st.integers(-5, 5), st.booleans())
json_values = st.one_of(scalars, st.lists(scalars, max_size=3),
                        st.dictionaries(names, scalars, max_size=3))
unknown = st.dictionaries(names.map(lambda n: "x-" + n), json_values, max_size=2)
param_values = st.one_of(texts.filter(bool), st.lists(texts, min_size=1, max_size=3),
                         st.dictionaries(names, texts, min_size=1, max_size=3))


def _with(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {**base, **extra}


steps = st.builds(
    _with,
    st.fixed_dictionaries({"name": names, "image": names},
                          optional={"command": st.lists(texts, min_size=1, max_size=3),
                                    "args": st.lists(texts, min_size=1, max_size=3),
                                    "script": texts.filter(bool),
                                    "env": st.lists(st.fixed_dictionaries(
                                        {"name": names, "value": texts}), min_size=1,
                                        max_size=2)}),
    unknown,
)
params = st.builds(_with, st.fixed_dictionaries({"name": names, "value": param_values}),
                   unknown)
task_docs = st.builds(
    lambda s, p, e: {
        "apiVersion": "tekton.dev/v1",
        "kind": "TaskRun",
        "metadata": {"name": "tr"},
        "spec": _with({"taskSpec": {"steps": s}, **({"params": p} if p else {})}, e),
    },
    st.lists(steps, min_size=1, max_size=4),
    st.lists(params, max_size=3),
    unknown,
)


@settings(max_examples=60, deadline=None)
@given(task_docs)
def test_round_trip_is_lossless_with_unknown_fields(doc: dict[str, Any]) -> None:
    obj = structure(doc, TaskRun)
    assert unstructure(obj) == doc
    assert structure(unstructure(obj), TaskRun) == obj


def test_status_round_trips_and_reads() -> None:
    raw = {
        "apiVersion": "tekton.dev/v1", "kind": "TaskRun",
        "metadata": {"name": "tr", "namespace": "ns", "uid": "u1"},
        "spec": {"taskRef": {"name": "t"}},
        "status": {
            "conditions": [{"type": "Succeeded", "status": "False", "reason": "Failed",
                            "message": "boom", "lastTransitionTime": "2026-01-01T00:00:00Z"}],
            "podName": "tr-pod", "startTime": "2026-01-01T00:00:00Z",
            "steps": [{"name": "s", "container": "step-s", "imageID": "sha",
                       "terminated": {"exitCode": 1}}],
            "results": [{"name": "r", "type": "array", "value": ["a"]}],
            "retriesStatus": [{"podName": "tr-pod-retry1", "conditions": []}],
            "observedGeneration": 2,
        },
    }
    tr = structure(raw, TaskRun)
    assert (tr.name, tr.namespace, tr.uid) == ("tr", "ns", "u1")
    assert tr.status is not None
    cond = tr.status.condition("Succeeded")
    assert cond is not None and (cond.status, cond.reason) == ("False", "Failed")
    assert tr.status.steps[0].image_id == "sha"
    assert tr.status.results[0].value == ParamValue.of(["a"])
    assert tr.status.retries_status[0].pod_name == "tr-pod-retry1"
    expected = dict(raw)
    expected["status"] = {k: v for k, v in raw["status"].items()}
    expected["status"]["retriesStatus"] = [{"podName": "tr-pod-retry1"}]  # [] is omitted
    assert unstructure(tr) == expected
