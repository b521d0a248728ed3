"""Configuration, defaults, error rendering, durations and the docs' field coverage."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import attrs
import pytest

from tekpy.api import (
    Config,
    ConfigError,
    ErrorList,
    FieldError,
    Pipeline,
    PipelineRun,
    StepAction,
    Task,
    TaskRun,
    format_duration,
    parse_documents,
    parse_duration,
    with_defaults,
)
from tekpy.api.errors import err_generic, err_missing_field

ROOT = Path(__file__).resolve().parents[2]


def test_config_defaults_are_tektons() -> None:
    cfg = Config()
    assert cfg.gate == "beta"
    assert cfg.defaults.default_timeout_minutes == 60
    assert cfg.defaults.default_service_account == "default"
    assert cfg.defaults.default_managed_by_label_value == "tekton-pipelines"
    assert cfg.defaults.default_max_matrix_combinations_count == 256
    assert cfg.feature_flags.results_from == "termination-message"
    assert not cfg.feature_flags.enable_param_enum


def test_config_from_configmap_data() -> None:
    cfg = Config.from_maps(
        {"default-timeout-minutes": "5", "default-pod-template": "nodeSelector: {a: b}\n",
         "default-forbidden-env": "B, A"},
        {"enable-api-fields": "ALPHA", "enable-param-enum": "true", "results-from":
         "sidecar-logs", "disable-inline-spec": "pipeline,taskrun"},
    )
    assert cfg.defaults.default_timeout_minutes == 5
    assert cfg.defaults.default_pod_template == {"nodeSelector": {"a": "b"}}
    assert cfg.defaults.default_forbidden_env == ("A", "B")
    assert cfg.gate == "alpha" and cfg.feature_flags.enable_param_enum
    assert cfg.feature_flags.inline_spec_disabled("taskrun")
    assert not cfg.feature_flags.inline_spec_disabled("pipelinerun")


@pytest.mark.parametrize(("defaults", "flags", "message"), [
    ({}, {"enable-api-fields": "gamma"}, 'invalid value for feature flag "enable-api-fields"'),
    ({}, {"enable-param-enum": "yes"}, "enable-param-enum"),
    ({}, {"max-result-size": "2000000"}, "exceeding the CRD limit"),
    ({"default-timeout-minutes": "x"}, {}, 'failed parsing default config "default-timeout'),
])
def test_bad_config_values_are_refused(defaults: dict[str, str], flags: dict[str, str],
                                       message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_maps(defaults, flags)


def test_defaults_follow_config() -> None:
    (tr,) = parse_documents("apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: x}\n"
                            "spec:\n  taskRef: {name: t}\n  taskSpec:\n    params: "
                            "[{name: a, default: [x]}, {name: o, properties: {k: {}}}]\n")
    cfg = Config.from_maps({"default-timeout-minutes": "90", "default-service-account": "sa",
                            "default-pod-template": "securityContext: {runAsUser: 1}"})
    out = with_defaults(tr.obj, cfg)
    assert out.spec.timeout == "1h30m0s"
    assert out.spec.service_account_name == "sa"
    assert out.spec.pod_template == {"securityContext": {"runAsUser": 1}}
    assert out.spec.task_ref.kind == "Task"
    assert out.metadata["labels"] == {"app.kubernetes.io/managed-by": "tekton-pipelines"}
    assert [p.type for p in out.spec.task_spec.params] == ["array", "object"]
    assert out.spec.task_spec.params[1].properties["k"].type == "string"
    assert tr.obj.spec.timeout is None  # the original is untouched
    (pr,) = parse_documents("apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: "
                            "x}\nspec: {pipelineRef: {name: p}}\n")
    assert with_defaults(pr.obj).spec.timeouts.pipeline == "1h0m0s"


def test_error_rendering_matches_knative() -> None:
    errs = ErrorList()
    errs.add(err_missing_field("b").via_index(1).via_field("steps"))
    errs.add(err_missing_field("a").via_field_index("steps", 0))
    errs.add(err_generic("boom", "x", details="more"))
    assert str(errs) == "boom: x\nmore\nmissing field(s): steps[0].a, steps[1].b"
    assert errs.via_field("spec").paths() == ["spec.steps[1].b", "spec.steps[0].a", "spec.x"]
    assert str(FieldError("m", ("p",))) == "m: p"
    assert ErrorList().via_field("x") == ErrorList()


@pytest.mark.parametrize(("text", "seconds", "go"), [
    ("1h", 3600, "1h0m0s"), ("90s", 90, "1m30s"), ("1.5h", 5400, "1h30m0s"),
    ("500ms", 0.5, "500ms"), ("-5m", -300, "-5m0s"), ("0", 0, "0s"), ("1m0.25s", 60.25,
                                                                       "1m0.25s"),
])
def test_go_durations(text: str, seconds: float, go: str) -> None:
    assert parse_duration(text) == pytest.approx(seconds)
    assert format_duration(seconds) == go


def _model_types() -> list[type]:
    import types as pytypes

    from tekpy.api.types import ParamValue, PipelineResource, TektonCondition

    seen: list[type] = []

    def walk(cls: type) -> None:
        if cls in seen:
            return
        seen.append(cls)
        for a in attrs.fields(cls):
            stack = [typing.get_type_hints(cls)[a.name]]
            while stack:
                t = stack.pop()
                if typing.get_origin(t) in (typing.Union, pytypes.UnionType, list, tuple, dict):
                    stack.extend(typing.get_args(t))
                elif isinstance(t, type) and attrs.has(t) and t is not ParamValue:
                    walk(t)

    for root in (Task, TaskRun, Pipeline, PipelineRun, StepAction, PipelineResource,
                 TektonCondition):
        walk(root)
    return seen


def test_coverage_doc_has_a_row_per_model_field() -> None:
    from tekpy.api.types._base import json_name

    doc = (ROOT / "docs" / "api-coverage.md").read_text()
    sections = dict(re.findall(r"^## (\w+)\n\n((?:.*\n)+?)\n", doc + "\n", re.M))
    missing = []
    for cls in _model_types():
        body = sections.get(cls.__name__, "")
        for a in attrs.fields(cls):
            if a.name != "extra" and f"| `{json_name(a)}` |" not in body:
                missing.append(f"{cls.__name__}.{json_name(a)}")
    assert missing == []
    assert re.search(r"\| `resources` \| rejected \|", doc)


def test_defaults_never_touch_the_original_object() -> None:
    (tr,) = parse_documents("apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: x, "
                            "labels: {a: b}}\nspec:\n  taskRef: {name: t}\n  podTemplate: "
                            "{nodeSelector: {k: v}}\n")
    before = repr(tr.obj.metadata), repr(tr.obj.spec.pod_template)
    out = with_defaults(tr.obj, Config.from_maps({"default-pod-template": "hostNetwork: true"}))
    assert out.metadata["labels"]["app.kubernetes.io/managed-by"] == "tekton-pipelines"
    assert out.spec.pod_template == {"nodeSelector": {"k": "v"}, "hostNetwork": True}
    assert (repr(tr.obj.metadata), repr(tr.obj.spec.pod_template)) == before
