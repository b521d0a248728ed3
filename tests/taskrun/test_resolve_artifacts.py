"""The ``enable-artifacts`` gate at resolution: step artifact references are left for the
entrypoint only when the flag is on; off, each gets Tekton's message for the disabled flag."""

from __future__ import annotations

from typing import Any

import pytest
from taskrun_support import make_taskrun

from tekpy.api import FeatureFlags
from tekpy.api.substitution import ARTIFACTS_FLAG_MESSAGE
from tekpy.taskrun import PodBuilderConfig, prepare_task_spec, resolve_task_spec

_SPEC: dict[str, Any] = {"taskSpec": {"steps": [
    {"name": "produce", "image": "i", "script": "write > $(step.artifacts.path)"},
    {"name": "consume", "image": "i",
     "command": ["echo", "$(steps.produce.outputs.image)"],
     "args": ["$(steps.produce.inputs.source)", "$(steps.produce.results.r)"],
     "env": [{"name": "A", "value": "x $(steps.produce.outputs.image)"}]},
    {"name": "script", "image": "i", "script": "echo '$(steps.produce.outputs.image)'"},
]}}


def _config(enabled: bool) -> PodBuilderConfig:
    return PodBuilderConfig(feature_flags=FeatureFlags(enable_artifacts=enabled))


def test_flag_on_leaves_step_artifacts_for_the_entrypoint() -> None:
    tr = make_taskrun(_SPEC)
    assert tr.spec.task_spec is not None
    spec, errors = prepare_task_spec(tr, tr.spec.task_spec, _config(True))
    assert not errors, errors
    produce, consume, script = spec.steps
    assert produce.script == "write > /tekton/steps/step-produce/artifacts/provenance.json"
    assert consume.command == ["echo", "$(steps.produce.outputs.image)"]
    assert consume.args == ["$(steps.produce.inputs.source)", "$(steps.produce.results.r)"]
    assert consume.env == [{"name": "A", "value": "x $(steps.produce.outputs.image)"}]
    assert script.script == "echo '$(steps.produce.outputs.image)'"


@pytest.mark.parametrize("config", [_config(False), None], ids=["flag-off", "default-config"])
def test_flag_off_reports_every_step_artifact_reference(config: PodBuilderConfig | None) -> None:
    tr = make_taskrun(_SPEC)
    assert tr.spec.task_spec is not None
    spec, errors = prepare_task_spec(tr, tr.spec.task_spec, config)
    assert sorted(errors.flat()) == [
        ("steps[1].args[0]", ARTIFACTS_FLAG_MESSAGE),
        ("steps[1].command[1]", ARTIFACTS_FLAG_MESSAGE),
        ("steps[1].env[0].value", ARTIFACTS_FLAG_MESSAGE),
        ("steps[2].script", ARTIFACTS_FLAG_MESSAGE),
    ]
    # the text stays as written (Tekton never rewrites it), other variables still resolve
    assert spec.steps[1].command == ["echo", "$(steps.produce.outputs.image)"]
    assert spec.steps[0].script.endswith("/step-produce/artifacts/provenance.json")


def test_resolve_task_spec_takes_the_flag_directly() -> None:
    tr = make_taskrun(_SPEC)
    assert tr.spec.task_spec is not None
    _, off = resolve_task_spec(tr, tr.spec.task_spec)
    _, on = resolve_task_spec(tr, tr.spec.task_spec, artifacts=True)
    assert len(list(off.flat())) == 4 and not on


def test_step_results_are_run_time_references_whatever_the_flag() -> None:
    spec = {"taskSpec": {"steps": [
        {"name": "a", "image": "i", "results": [{"name": "r"}], "script": "true"},
        {"name": "b", "image": "i", "args": ["$(steps.a.results.r)"]},
    ]}}
    tr = make_taskrun(spec)
    assert tr.spec.task_spec is not None
    for enabled in (False, True):
        out, errors = prepare_task_spec(tr, tr.spec.task_spec, _config(enabled))
        assert not errors
        assert out.steps[1].args == ["$(steps.a.results.r)"]
