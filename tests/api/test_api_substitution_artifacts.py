"""Artifact references: step artifacts are left for the entrypoint (behind
``enable-artifacts``), task artifacts are propagated by the PipelineRun."""

from __future__ import annotations

import json

import pytest

from tekpy.api import Config, ParamValue, TaskSpec, parse_documents, structure, validate
from tekpy.api.substitution import (
    ARTIFACTS_FLAG_MESSAGE,
    Replacements,
    is_runtime_reference,
    is_step_artifact_reference,
    substitute,
)
from tekpy.api.types import Step
from tekpy.api.variables import task_artifact_variables


@pytest.mark.parametrize(("key", "artifact", "runtime"), [
    ("steps.produce.outputs.image", True, True),
    ("steps.produce.inputs.source", True, True),
    ("steps.step-unnamed-0.outputs.a-b_c", True, True),
    ("steps.produce.results.digest", False, True),
    ("steps.produce.results.digest[*]", False, True),
    ("steps.produce.results.digest.path", False, False),
    ("steps.produce.exitCode.path", False, False),
    ("steps.produce.outputs", False, False),          # Tekton's pattern needs a name
    ("steps.produce.outputs.a.b", False, False),      # ... and exactly one
    ("steps.produce.artifacts.image", False, False),
    ("tasks.t.outputs.image", False, False),          # the PipelineRun resolves these
    ("step.artifacts.path", False, False),
])
def test_reference_kinds(key: str, artifact: bool, runtime: bool) -> None:
    assert is_step_artifact_reference(key) is artifact
    assert is_runtime_reference(key) is runtime


def _spec() -> TaskSpec:
    return structure({"steps": [
        {"name": "produce", "image": "i", "script": "cat > $(step.artifacts.path)"},
        {"name": "consume", "image": "i",
         "command": ["echo", "$(steps.produce.outputs.image)"],
         "args": ["$(steps.produce.inputs.source)", "$(steps.produce.results.r)"],
         "env": [{"name": "A", "value": "$(steps.produce.outputs.image)"}],
         "script": "echo '$(steps.produce.inputs.source)'"},
    ]}, TaskSpec)


def test_step_artifacts_are_left_for_the_entrypoint() -> None:
    spec = _spec()
    r = Replacements().add("step.artifacts.path", "/tekton/steps/step-produce/artifacts/p.json")
    out, errors = substitute(spec, r)
    assert not errors
    consume = out.steps[1]
    assert consume.command == ["echo", "$(steps.produce.outputs.image)"]
    assert consume.args == ["$(steps.produce.inputs.source)", "$(steps.produce.results.r)"]
    assert consume.env == [{"name": "A", "value": "$(steps.produce.outputs.image)"}]
    assert consume.script == "echo '$(steps.produce.inputs.source)'"
    assert out.steps[0].script == "cat > /tekton/steps/step-produce/artifacts/p.json"


def test_with_the_flag_off_step_artifacts_get_tektons_message() -> None:
    out, errors = substitute(_spec(), Replacements().add("step.artifacts.path", "p"),
                             artifacts=False)
    assert sorted(errors.flat()) == [
        ("steps[1].args[0]", ARTIFACTS_FLAG_MESSAGE),
        ("steps[1].command[1]", ARTIFACTS_FLAG_MESSAGE),
        ("steps[1].env[0].value", ARTIFACTS_FLAG_MESSAGE),
        ("steps[1].script", ARTIFACTS_FLAG_MESSAGE),
    ]
    # step results stay run-time references either way; the text is left as written
    assert out.steps[1].args == ["$(steps.produce.inputs.source)", "$(steps.produce.results.r)"]


def test_other_unknown_references_next_to_an_artifact_are_still_reported() -> None:
    step = Step(name="s", image="i", script="$(steps.p.outputs.a) $(params.nope)")
    _, errors = substitute(step, Replacements())
    assert errors.flat() == [
        ("script", 'non-existent variable in "$(steps.p.outputs.a) $(params.nope)"')]
    _, errors = substitute(step, Replacements(), artifacts=False)
    assert sorted(m for _, m in errors.flat()) == [
        ARTIFACTS_FLAG_MESSAGE,
        'non-existent variable in "$(steps.p.outputs.a) $(params.nope)"']


def test_validation_gates_artifacts_with_tektons_message() -> None:
    text = """
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  steps:
  - {name: produce, image: i, script: "cat > $(step.artifacts.path)"}
  - {name: consume, image: i, script: "echo $(steps.produce.outputs.image)"}
"""
    (doc,) = parse_documents(text)
    assert not validate(doc.obj, Config.for_gate("alpha", enable_artifacts="true"))
    errors = validate(doc.obj, Config.for_gate("alpha"))
    assert errors.flat() == [("spec.steps[0]", ARTIFACTS_FLAG_MESSAGE),
                             ("spec.steps[1]", ARTIFACTS_FLAG_MESSAGE)]


def test_task_artifacts_propagate_as_json_text() -> None:
    r = task_artifact_variables({
        "produce": {
            "inputs": [{"name": "src", "values": [{"uri": "pkg:in", "digest": {}}]}],
            "outputs": [
                {"name": "image", "values": [
                    {"uri": "pkg:github/x@1", "digest": {"sha256": "df", "sha1": "95"},
                     "extra": "dropped"}]},
                {"name": "none"},
            ],
        },
        "skipped": None,
    })
    image = '[{"digest":{"sha1":"95","sha256":"df"},"uri":"pkg:github/x@1"}]'
    assert r.strings == {
        "tasks.produce.inputs.src": '[{"uri":"pkg:in"}]',
        "tasks.produce.inputs": '[{"uri":"pkg:in"}]',
        "tasks.produce.outputs.image": image,
        "tasks.produce.outputs": image,
        "tasks.produce.outputs.none": "null",
    }
    assert json.loads(r.apply("$(tasks.produce.outputs.image)"))[0]["uri"] == "pkg:github/x@1"


def test_task_artifacts_reach_an_embedded_task_spec() -> None:
    from tekpy.api.apply_pipeline import apply_pipeline_task
    from tekpy.api.types import PipelineTask

    pt = structure({"name": "consume", "params": [
        {"name": "img", "value": "$(tasks.produce.outputs.image)"}],
        "taskSpec": {"steps": [{"image": "py", "script":
                                "data = json.loads('$(tasks.produce.outputs.image)')"}]}},
        PipelineTask)
    r = task_artifact_variables({"produce": {"outputs": [
        {"name": "image", "values": [{"uri": "u"}]}]}})
    out, errors = apply_pipeline_task(pt, r)
    assert not errors
    assert out.params[0].value == ParamValue.of('[{"uri":"u"}]')
    assert out.task_spec.steps[0].script == "data = json.loads('[{\"uri\":\"u\"}]')"
