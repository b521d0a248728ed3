"""Checks of a run against its resolved Task or Pipeline, with Tekton's messages."""

from __future__ import annotations

from tekpy.api import Param, ParamSpec, ParamValue, structure
from tekpy.api.runchecks import (
    check_enum_params,
    check_pipeline_run_params,
    check_pipeline_workspaces,
    check_spec_overrides,
    check_task_params,
    check_task_workspaces,
)
from tekpy.api.types import (
    PipelineWorkspaceDeclaration,
    TaskSpec,
    WorkspaceBinding,
    WorkspaceDeclaration,
)

SPECS = [
    ParamSpec(name="a", type="string"),
    ParamSpec(name="b", type="array", default=ParamValue.of(["x"])),
    ParamSpec(name="o", type="object", properties={}, default=None),
]


def p(name: str, value: object) -> Param:
    return Param(name=name, value=ParamValue.of(value))


def test_task_params() -> None:
    assert check_task_params("t", SPECS, [p("b", ["1"])]) == (
        "invalid input params for task t: missing values for these params which have no "
        "default values: [a o]")
    assert check_task_params("t", SPECS, [p("a", ["x"]), p("o", {}), p("extra", "1")]) == (
        "invalid input params for task t: param types don't match the user-specified type: [a]")
    assert check_task_params("t", SPECS, [p("a", "1"), p("o", {}),
                                          p("b", "$(tasks.x.results.r[*])")]) is None
    specs = [structure({"name": "o", "properties": {"k": {}, "j": {}}}, ParamSpec)]
    assert check_task_params("t", specs, [p("o", {"k": "1"})]) == (
        "invalid input params for task t: missing keys for these params which are required in "
        "ParamSpec's properties map[o:[j]]")
    assert check_task_params("t", [ParamSpec(name="m", type="array")], [],
                             matrix_params=[p("m", ["1"])]) == (
        "invalid input params for task t: param types don't match the user-specified type: [m]")


def test_enum_params() -> None:
    specs = [ParamSpec(name="e", type="string", enum=["x", "y"])]
    assert check_enum_params([p("e", "x")], specs) is None
    assert check_enum_params([p("e", "z")], specs) == "param `e` value: z is not in the enum list"


def test_pipeline_run_params() -> None:
    assert check_pipeline_run_params(SPECS, [p("a", ["1"])]) == (
        "parameters have inconsistent types : [a]")
    assert check_pipeline_run_params(SPECS, [p("a", "1")]) == (
        "pipelineRun missing parameters: [o]")
    assert check_pipeline_run_params(SPECS, [p("a", "1"), p("o", {})]) is None


def test_workspaces() -> None:
    decls = [WorkspaceDeclaration(name="src"), WorkspaceDeclaration(name="opt", optional=True)]
    src = WorkspaceBinding(name="src", empty_dir={})
    assert check_task_workspaces(decls, [src]) is None
    assert check_task_workspaces(decls, []) == (
        'declared workspace "src" is required but has not been bound')
    assert check_task_workspaces(decls, [src, WorkspaceBinding(name="x", empty_dir={})]) == (
        'workspace binding "x" does not match any declared workspace')
    assert check_task_workspaces(decls, [WorkspaceBinding(name="src")]) == (
        'binding "src" is invalid: expected exactly one, got neither: configmap, emptydir, '
        "persistentvolumeclaim, secret, volumeclaimtemplate")
    assert check_pipeline_workspaces([PipelineWorkspaceDeclaration(name="w")], []) == (
        'pipeline requires workspace with name "w" be provided by pipelinerun')


def test_overrides_name_existing_steps() -> None:
    spec = structure({"steps": [{"name": "s", "image": "x"}], "sidecars": [{"name": "c"}]},
                     TaskSpec)
    assert check_spec_overrides(spec, ["s"], ["c"]) is None
    assert check_spec_overrides(spec, ["nope"], []) == "invalid StepOverride: No Step named nope"
    assert check_spec_overrides(spec, [], ["x"]) == (
        "invalid SidecarOverride: No Sidecar named x")
