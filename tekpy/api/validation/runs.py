"""Validation of TaskRun and PipelineRun specs: refs, params, workspaces, timeouts, status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from tekpy.api.config import ALPHA, BETA
from tekpy.api.durations import DurationError, format_duration, parse_duration
from tekpy.api.errors import (
    ErrorList,
    err_disallowed_fields,
    err_generic,
    err_invalid_value,
    err_missing_field,
    err_missing_one_of,
    err_multiple_one_of,
)
from tekpy.api.refs import looks_like_result_ref
from tekpy.api.types import (
    Param,
    ParamSpec,
    PipelineRunSpec,
    PipelineTaskRunSpec,
    TaskRunSpec,
    WorkspaceBinding,
)
from tekpy.api.validation._ctx import Ctx
from tekpy.api.validation.inline_params import check_inline_param_usage
from tekpy.api.validation.params import param_spec_from_values
from tekpy.api.validation.pipeline import validate_pipeline_spec
from tekpy.api.validation.pipeline_vars import check_pipeline_param_refs, param_expressions
from tekpy.api.validation.refs import check_ref
from tekpy.api.validation.task import validate_task_spec

__all__ = ["check_workspace_binding", "validate_pipeline_run_spec", "validate_task_run_spec"]

_SOURCE_FIELDS = ("persistentvolumeclaim", "volumeclaimtemplate", "emptydir", "configmap",
                  "secret")


def check_workspace_binding(b: WorkspaceBinding) -> ErrorList:
    """Exactly one volume source, with its required field."""
    sources = b.sources()
    if len(sources) > 1:
        return err_multiple_one_of(*_SOURCE_FIELDS)
    if not sources:
        if not b.name and not b.sub_path:
            return err_missing_field("")
        return err_missing_one_of(*_SOURCE_FIELDS)
    if b.persistent_volume_claim is not None and not b.persistent_volume_claim.get("claimName"):
        return err_missing_field("persistentvolumeclaim.claimname")
    if b.config_map is not None and not b.config_map.get("name"):
        return err_missing_field("configmap.name")
    if b.secret is not None and not b.secret.get("secretName"):
        return err_missing_field("secret.secretName")
    if b.projected is not None and not b.projected.get("sources"):
        return err_missing_field("projected.sources")
    if b.csi is not None and not b.csi.get("driver"):
        return err_missing_field("csi.driver")
    return ErrorList()


def _bindings(bindings: Sequence[WorkspaceBinding]) -> ErrorList:
    errs = ErrorList()
    seen: set[str] = set()
    for i, b in enumerate(bindings):
        errs.add(check_workspace_binding(b).via_index(i))
        if b.name.lower() in seen:
            errs.add(err_multiple_one_of("name").via_index(i))
        seen.add(b.name.lower())
    return errs


def check_run_param_names(params: Sequence[Param]) -> ErrorList:
    """A run gives each param once (names compared case-insensitively; path ``[name].name``)."""
    errs = ErrorList()
    seen: set[str] = set()
    for p in params:
        if p.name.lower() in seen:
            errs.add(err_multiple_one_of("name").via_key(p.name))
        seen.add(p.name.lower())
    return errs


def _duration(text: str | None, path: str) -> tuple[float | None, ErrorList]:
    if text is None:
        return None, ErrorList()
    try:
        return parse_duration(text), ErrorList()
    except DurationError as exc:
        return None, err_invalid_value(str(exc), path)


def _combine(specs: dict[str, ParamSpec], p: ParamSpec) -> None:
    """Add a declared spec over one implied by a value; object properties are united."""
    have = specs.get(p.name)
    if have is None or not have.properties:
        specs[p.name] = p
        return
    props = dict(have.properties)
    props.update(p.properties or {})
    specs[p.name] = attrs.evolve(p, properties=props)


def _add_values(specs: dict[str, ParamSpec], params: Sequence[Param]) -> None:
    """Add specs implied by values; an object value adds its keys to a known object."""
    for name, implied in param_spec_from_values(params).items():
        have = specs.get(name)
        if have is None:
            specs[name] = implied
        elif implied.properties and have.properties is not None:
            props = dict(have.properties)
            props.update(implied.properties)
            specs[name] = attrs.evolve(have, properties=props)


def _combined_specs(given: Sequence[Param], *declared: Sequence[ParamSpec]
                    ) -> list[ParamSpec]:
    """Param specs for inline-spec checks, as Tekton builds them: given values first,
    then each declaration combined over them."""
    specs: dict[str, ParamSpec] = {}
    _add_values(specs, given)
    for group in declared:
        for p in group:
            _combine(specs, p)
    return list(specs.values())


def validate_task_run_spec(spec: TaskRunSpec, ctx: Ctx) -> ErrorList:
    """Tekton's TaskRunSpec checks, paths relative to the spec."""
    errs = ErrorList()
    if spec.task_ref is None and spec.task_spec is None:
        errs.add(err_missing_one_of("taskRef", "taskSpec"))
    if spec.task_ref is not None and spec.task_spec is not None:
        errs.add(err_multiple_one_of("taskRef", "taskSpec"))
    if spec.task_ref is not None:
        r = spec.task_ref
        errs.add(check_ref(r.name, r.resolver, r.params, ctx).via_field("taskRef"))
    if spec.task_spec is not None:
        if ctx.config.feature_flags.inline_spec_disabled("taskrun"):
            errs.add(err_disallowed_fields("taskSpec"))
        errs.add(validate_task_spec(spec.task_spec, ctx).via_field("taskSpec"))
        # propagated params: checked beside the spec, so these paths lack "taskSpec"
        specs = _combined_specs(spec.params, spec.task_spec.params)
        errs.add(check_inline_param_usage(spec.task_spec.steps, specs, ctx))
    errs.add(check_run_param_names(spec.params).via_field("params"))
    errs.add(_bindings(spec.workspaces).via_field("workspaces"))
    if spec.debug is not None:
        errs.add(ctx.gate("debug", ALPHA).via_field("debug"))
    if spec.step_specs:
        errs.add(ctx.gate("stepSpecs", BETA).via_field("stepSpecs"))
    if spec.sidecar_specs:
        errs.add(ctx.gate("sidecarSpecs", BETA).via_field("sidecarSpecs"))
    if spec.compute_resources is not None:
        errs.add(ctx.gate("computeResources", BETA).via_field("computeResources"))
    if spec.status and spec.status not in ("TaskRunCancelled", "TaskRunPending"):
        errs.add(err_invalid_value(
            f"{spec.status} should be TaskRunCancelled or TaskRunPending", "status"))
    if not spec.status and spec.status_message:
        errs.add(err_invalid_value(
            "statusMessage should not be set if status is not set, but it is currently set to "
            f"{spec.status_message}", "statusMessage"))
    if spec.retries < 0:
        errs.add(err_invalid_value(f"{spec.retries} should be >= 0", "retries"))
    errs.add(_forbidden_env(spec.pod_template, ctx))
    seconds, e = _duration(spec.timeout, "timeout")
    errs.add(e)
    if seconds is not None and seconds < 0:
        errs.add(err_invalid_value(f"{format_duration(seconds)} should be >= 0", "timeout"))
    if not ctx.legacy and spec.resources is not None:
        errs.add(err_disallowed_fields("resources"))
    return errs


def _forbidden_env(tpl: dict[str, Any] | None, ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    forbidden = ctx.config.defaults.default_forbidden_env
    for env in (tpl or {}).get("env", []) if forbidden else []:
        if isinstance(env, dict) and env.get("name") in forbidden:
            errs.add(err_invalid_value(
                f"PodTemplate cannot update a forbidden env: {env['name']}", "PodTemplate.Env"))
    return errs


def validate_pipeline_run_spec(spec: PipelineRunSpec, ctx: Ctx) -> ErrorList:
    """Tekton's PipelineRunSpec checks, paths relative to the spec."""
    errs = ErrorList()
    if spec.pipeline_ref is None and spec.pipeline_spec is None:
        errs.add(err_missing_one_of("pipelineRef", "pipelineSpec"))
    if spec.pipeline_ref is not None and spec.pipeline_spec is not None:
        errs.add(err_multiple_one_of("pipelineRef", "pipelineSpec"))
    if spec.pipeline_ref is not None:
        r = spec.pipeline_ref
        errs.add(check_ref(r.name, r.resolver, r.params, ctx).via_field("pipelineRef"))
    ps = spec.pipeline_spec
    if ps is not None:
        if ctx.config.feature_flags.inline_spec_disabled("pipelinerun"):
            errs.add(err_disallowed_fields("pipelineSpec"))
        errs.add(validate_pipeline_spec(ps, ctx).via_field("pipelineSpec"))
    if spec.params:
        errs.add(check_run_param_names(spec.params).via_field("params"))
        for p in spec.params:
            refs = [e for e in param_expressions(p.value) if looks_like_result_ref(e)]
            if refs:
                errs.add(err_invalid_value(
                    f"cannot use result expressions in [{' '.join(refs)}] as PipelineRun "
                    "parameter values", "value").via_field_key("params", p.name))
    if ps is not None and ps.tasks:
        by_name: dict[str, ParamSpec] = {}
        _add_values(by_name, spec.params)
        for decl in ps.params:
            _combine(by_name, decl)
        for pt in ps.tasks:
            _add_values(by_name, pt.params)
            for decl in pt.task_spec.params if pt.task_spec is not None else []:
                _combine(by_name, decl)
        specs = list(by_name.values())
        for pt in ps.tasks:
            # as Tekton: every task's steps against the whole combined set, paths beside
            # the pipelineSpec (spec.steps[i]...); finally tasks are not checked here
            if pt.task_spec is not None:
                errs.add(check_inline_param_usage(pt.task_spec.steps, specs, ctx))
        errs.add(check_pipeline_param_refs(ps.tasks, specs))
    errs.add(_timeouts(spec, ctx))
    for idx, trs in enumerate(spec.task_run_specs):
        errs.add(_task_run_spec(trs, spec, ctx).via_index(idx).via_field("taskRunSpecs"))
    if spec.status and spec.status not in ("Cancelled", "CancelledRunFinally",
                                           "StoppedRunFinally", "PipelineRunPending"):
        errs.add(err_invalid_value(
            f"{spec.status} should be Cancelled, CancelledRunFinally, StoppedRunFinally or "
            "PipelineRunPending", "status"))
    seen: dict[str, int] = {}
    for idx, ws in enumerate(spec.workspaces):
        errs.add(check_workspace_binding(ws).via_field_index("workspaces", idx))
        if ws.name in seen:
            errs.add(err_generic(
                f'workspace "{ws.name}" provided by pipelinerun more than once, at index '
                f"{seen[ws.name]} and {idx}", "name").via_field_index("workspaces", idx))
        seen[ws.name] = idx
    errs.add(_forbidden_env(spec.task_run_template.pod_template, ctx)
             .via_field("taskRunTemplate"))
    if not ctx.legacy and spec.resources:
        errs.add(err_disallowed_fields("resources"))
    return errs


def _timeouts(spec: PipelineRunSpec, ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    t = spec.timeouts
    if t is None:
        return errs
    values: dict[str, float | None] = {}
    for name, text in (("tasks", t.tasks), ("finally", t.finally_), ("pipeline", t.pipeline)):
        seconds, e = _duration(text, f"timeouts.{name}")
        errs.add(e)
        values[name] = seconds
        if seconds is not None and seconds < 0:
            errs.add(err_invalid_value(f"{format_duration(seconds)} should be >= 0",
                                       f"timeouts.{name}"))
    if values["pipeline"] is not None:
        limit, msg = values["pipeline"], "should be <= pipeline duration"
    else:
        # Tekton compares with the default minutes as a raw duration (a known quirk)
        limit = ctx.config.defaults.default_timeout_minutes / 1e9
        msg = "should be <= default timeout duration"
    tasks, fin = values["tasks"], values["finally"]
    for name, v in (("tasks", tasks), ("finally", fin)):
        if v is None:
            continue
        text = format_duration(v)
        bad = v > limit and limit != 0
        if v == 0 and limit != 0:
            bad, text = True, text + " (no timeout)"
        if bad:
            errs.add(err_invalid_value(f"{text} {msg}", f"timeouts.{name}"))
    if tasks is not None and fin is not None and tasks + fin > limit:
        text = f"{format_duration(tasks)} + {format_duration(fin)} {msg}"
        errs.add(err_invalid_value(text, "timeouts.tasks"))
        errs.add(err_invalid_value(text, "timeouts.finally"))
    return errs


def _task_run_spec(trs: PipelineTaskRunSpec, spec: PipelineRunSpec, ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    if trs.step_specs:
        errs.add(ctx.gate("stepSpecs", BETA).via_field("stepSpecs"))
    if trs.sidecar_specs:
        errs.add(ctx.gate("sidecarSpecs", BETA).via_field("sidecarSpecs"))
    if trs.compute_resources is not None:
        errs.add(ctx.gate("computeResources", BETA).via_field("computeResources"))
    errs.add(_forbidden_env(trs.pod_template, ctx))
    if trs.timeout is None:
        return errs
    seconds, e = _duration(trs.timeout, "timeout")
    if e or seconds is None:
        return errs.add(e)
    if seconds < 0:
        return errs.add(err_invalid_value(f"{format_duration(seconds)} should be >= 0",
                                          "timeout"))
    t = spec.timeouts
    if t is not None and t.tasks is not None:
        limit, _ = _duration(t.tasks, "timeout")
        source = "pipeline tasks duration"
    elif t is not None and t.pipeline is not None:
        limit, _ = _duration(t.pipeline, "timeout")
        source = "pipeline duration"
    else:
        limit = ctx.config.defaults.default_timeout_minutes * 60.0
        source = "default pipeline duration"
    if limit is not None and limit != 0 and seconds > limit:
        errs.add(err_invalid_value(
            f"{format_duration(seconds)} should be <= {source} {format_duration(limit)}",
            "timeout"))
    return errs

