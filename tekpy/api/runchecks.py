"""Checks the reconcilers make once a run's Task or Pipeline is resolved.

Admission validation sees one object; these see the pair (run + resolved spec) and return
Tekton's message for the first problem, or ``None``. The reconcilers fail the run with it
(Tekton's reasons: ``InvalidParamValue``/``ParameterMissing``/``ParameterTypeMismatch``,
``InvalidWorkspaceBindings``, ``TaskRunValidationFailed``...).
"""

from __future__ import annotations

from collections.abc import Sequence

from tekpy.api.errors import go_value
from tekpy.api.refs import expressions
from tekpy.api.types import (
    OBJECT,
    Param,
    ParamSpec,
    PipelineWorkspaceDeclaration,
    TaskSpec,
    WorkspaceBinding,
    WorkspaceDeclaration,
)

__all__ = [
    "check_enum_params",
    "check_pipeline_run_params",
    "check_pipeline_workspaces",
    "check_spec_overrides",
    "check_task_params",
    "check_task_workspaces",
    "missing_object_keys",
]


def _type(spec: ParamSpec) -> str:
    if spec.type:
        return spec.type
    if spec.properties is not None:
        return OBJECT
    return spec.default.type if spec.default is not None else "string"


def missing_object_keys(specs: Sequence[ParamSpec], params: Sequence[Param]
                        ) -> dict[str, list[str]]:
    """Object params whose given value (or default) lacks declared keys."""
    needed = {s.name: list((s.properties or {}).keys()) for s in specs if _type(s) == OBJECT}
    provided: dict[str, list[str]] = {}
    for s in specs:
        if _type(s) == OBJECT and s.default is not None and s.default.type == OBJECT:
            provided.setdefault(s.name, []).extend(s.default.object)
    for p in params:
        if p.value.type == OBJECT:
            provided.setdefault(p.name, []).extend(p.value.object)
    out = {}
    for name, keys in provided.items():
        if name in needed:
            missing = [k for k in needed[name] if k not in keys]
            if missing:
                out[name] = missing
    return out


def check_task_params(task_name: str, specs: Sequence[ParamSpec], params: Sequence[Param],
                      matrix_params: Sequence[Param] = ()) -> str | None:
    """Every param without a default is given, with the declared type; objects have keys."""
    given = {p.name for p in (*params, *matrix_params)}
    missing = [s.name for s in specs if s.name not in given and s.default is None]
    problem = None
    if missing:
        problem = ("missing values for these params which have no default values: "
                   f"{go_value(missing)}")
    else:
        types = {s.name: _type(s) for s in specs}
        wrong = []
        for p in params:
            want = types.get(p.name)
            if want is None:
                continue  # extra params are allowed
            if p.value.type == "string" and want in ("array", OBJECT) and expressions(
                    p.value.string):
                continue  # a whole-array/object reference not substituted yet
            if p.value.type != want:
                wrong.append(p.name)
        wrong += [p.name for p in matrix_params if types.get(p.name) not in (None, "string")]
        if wrong:
            problem = f"param types don't match the user-specified type: {go_value(wrong)}"
        else:
            keys = missing_object_keys(specs, params)
            if keys:
                problem = ("missing keys for these params which are required in ParamSpec's "
                           f"properties {go_value(keys)}")
    return f"invalid input params for task {task_name}: {problem}" if problem else None


def check_enum_params(params: Sequence[Param], specs: Sequence[ParamSpec]) -> str | None:
    """Given string values are in the declared ``enum`` lists."""
    enums = {s.name: s.enum for s in specs if s.enum}
    for p in params:
        if p.value.type != "string" or not p.value.string or p.name not in enums:
            continue
        if p.value.string not in enums[p.name]:
            return f"param `{p.name}` value: {p.value.string} is not in the enum list"
    return None


def check_task_workspaces(decls: Sequence[WorkspaceDeclaration],
                          bindings: Sequence[WorkspaceBinding]) -> str | None:
    """Required workspaces are bound and every binding matches a declaration."""
    from tekpy.api.validation.runs import check_workspace_binding

    for b in bindings:
        errs = check_workspace_binding(b)
        if errs:
            return f'binding "{b.name}" is invalid: {errs}'
    bound = {b.name for b in bindings}
    declared = {d.name for d in decls}
    for d in decls:
        if not d.optional and d.name not in bound:
            return f'declared workspace "{d.name}" is required but has not been bound'
    for b in bindings:
        if b.name not in declared:
            return f'workspace binding "{b.name}" does not match any declared workspace'
    return None


def check_pipeline_run_params(specs: Sequence[ParamSpec], params: Sequence[Param]
                              ) -> str | None:
    """Types match, params without defaults are given, object keys are present."""
    types = {s.name: _type(s) for s in specs}
    wrong = [p.name for p in params if p.name in types and p.value.type != types[p.name]]
    if wrong:
        return f"parameters have inconsistent types : {go_value(wrong)}"
    given = {p.name for p in params}
    missing = [s.name for s in specs if s.default is None and s.name not in given]
    if missing:
        return f"pipelineRun missing parameters: {go_value(missing)}"
    keys = missing_object_keys(specs, params)
    if keys:
        return f"pipelineRun missing object keys for parameters: {go_value(keys)}"
    return None


def check_pipeline_workspaces(decls: Sequence[PipelineWorkspaceDeclaration],
                              bindings: Sequence[WorkspaceBinding]) -> str | None:
    """Every required Pipeline workspace is bound by the PipelineRun."""
    bound = {b.name for b in bindings}
    for d in decls:
        if not d.optional and d.name not in bound:
            return f'pipeline requires workspace with name "{d.name}" be provided by pipelinerun'
    return None


def check_spec_overrides(spec: TaskSpec, step_specs: Sequence[str],
                         sidecar_specs: Sequence[str]) -> str | None:
    """``stepSpecs``/``sidecarSpecs`` name existing steps and sidecars."""
    steps = {s.name for s in spec.steps}
    for name in step_specs:
        if name not in steps:
            return f"invalid StepOverride: No Step named {name}"
    sidecars = {s.name for s in spec.sidecars}
    for name in sidecar_specs:
        if name not in sidecars:
            return f"invalid SidecarOverride: No Sidecar named {name}"
    return None
