"""The planner's parts: matrix fan-out, names, the TaskRun object, claims, timeouts."""

from __future__ import annotations

from typing import Any

import pytest
from prsim import Sim, pipelinerun, task

from tekpy.api import structure
from tekpy.api.types import Matrix, WhenExpression
from tekpy.pipelinerun import (
    Timeouts,
    allows_all,
    combinations,
    pvc_name,
    reasons,
    taskrun_names,
    taskrun_timeout,
)
from tekpy.pipelinerun.reconciler.resolve import ResolvedPipeline, check_pair


def _matrix(data: dict[str, Any]) -> Matrix:
    return structure(data, Matrix)


@pytest.mark.parametrize(("name", "matrix", "expected"), [
    ("one param", {"params": [{"name": "os", "value": ["linux", "mac"]}]},
     [{"os": "linux"}, {"os": "mac"}]),
    ("first param varies fastest",
     {"params": [{"name": "os", "value": ["linux", "mac"]}, {"name": "v", "value": ["1", "2"]}]},
     [{"os": "linux", "v": "1"}, {"os": "mac", "v": "1"},
      {"os": "linux", "v": "2"}, {"os": "mac", "v": "2"}]),
    ("include adds to matching combinations",
     {"params": [{"name": "os", "value": ["linux", "mac"]}],
      "include": [{"name": "x", "params": [{"name": "os", "value": "mac"},
                                           {"name": "arch", "value": "arm"}]}]},
     [{"os": "linux"}, {"os": "mac", "arch": "arm"}]),
    ("include without shared params adds to all",
     {"params": [{"name": "os", "value": ["linux", "mac"]}],
      "include": [{"name": "x", "params": [{"name": "arch", "value": "amd"}]}]},
     [{"os": "linux", "arch": "amd"}, {"os": "mac", "arch": "amd"}]),
    ("unmatched include is a new combination",
     {"params": [{"name": "os", "value": ["linux"]}],
      "include": [{"name": "x", "params": [{"name": "os", "value": "win"},
                                           {"name": "arch", "value": "x86"}]}]},
     [{"os": "linux"}, {"os": "win", "arch": "x86"}]),
    ("include only", {"include": [{"name": "a", "params": [{"name": "p", "value": "1"}]},
                                  {"name": "b", "params": [{"name": "p", "value": "2"}]}]},
     [{"p": "1"}, {"p": "2"}]),
])
def test_matrix_combinations(name: str, matrix: dict[str, Any],
                             expected: list[dict[str, str]]) -> None:
    got = [{k: v.string for k, v in c.items()} for c in combinations(_matrix(matrix))]
    assert got == expected, name


@pytest.mark.parametrize(("exprs", "allowed"), [
    ([], True),
    ([("a", "in", ["a", "b"])], True),
    ([("a", "in", ["b"])], False),
    ([("a", "notin", ["b"])], True),
    ([("a", "notin", ["a"])], False),
    ([("a", "in", ["a"]), ("x", "in", ["y"])], False),
])
def test_when(exprs: list[tuple[str, str, list[str]]], allowed: bool) -> None:
    assert allows_all([WhenExpression(input=i, operator=o, values=v) for i, o, v in exprs]) \
        is allowed


def test_names() -> None:
    assert taskrun_names("run", "build") == ["run-build"]
    assert taskrun_names("run", "build", 3) == ["run-build-0", "run-build-1", "run-build-2"]
    long_pr = "p" * 60
    names = taskrun_names(long_pr, "build", 2) + taskrun_names(long_pr, "build")
    assert all(len(n) <= 63 for n in names)
    assert names[0].endswith("-build-0") and names[2].endswith("-build")
    assert len(set(names)) == 3
    assert taskrun_names(long_pr, "build") == taskrun_names(long_pr, "build")  # deterministic
    # a task name so long that hashing would drop the index: the index is kept at the end
    matrixed = taskrun_names(long_pr, "t" * 40, 12)
    assert all(n.endswith(f"-{i}") and len(n) <= 63 for i, n in enumerate(matrixed))
    assert len(set(matrixed)) == 12
    assert pvc_name("", "ws", "uid") == pvc_name("", "ws", "uid")
    assert pvc_name("", "ws", "uid").startswith("pvc-") and len(pvc_name("", "ws", "u")) == 14


def test_matrix_fan_out_results_and_length() -> None:
    spec = {"tasks": [
        task("m", results=["out"], matrix={"params": [{"name": "os", "value": ["a", "b", "c"]}]}),
        task("after", params=[{"name": "all", "value": "$(tasks.m.results.out[*])"},
                              {"name": "n", "value": "$(tasks.m.matrix.length)"}])]}
    sim = Sim(pipelinerun(spec))
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-m-0", "pr-m-1", "pr-m-2"]
    assert p.create[1]["spec"]["params"] == [{"name": "os", "value": "b"}]
    sim.end("pr-m-0", results={"out": "A"})
    sim.end("pr-m-1", results={"out": "B"})
    assert sim.step().create == []  # one combination still running
    sim.end("pr-m-2", results={"out": "C"})
    p = sim.step()
    params = {x["name"]: x["value"] for x in p.create[0]["spec"]["params"]}
    assert params == {"all": ["A", "B", "C"], "n": "3"}
    sim.end("pr-after")
    sim.step()
    # a matrixed task counts once
    assert sim.condition["message"] == "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0"


def test_matrix_from_params_and_empty_array_skip() -> None:
    spec = {"params": [{"name": "oses", "type": "array", "default": []}],
            "tasks": [task("m", matrix={"params": [{"name": "os", "value": "$(params.oses[*])"}]}),
                      task("next", runAfter=["m"])]}
    sim = Sim(pipelinerun(spec))
    p = sim.step()
    # Tekton spares only the dependants of when-skipped tasks: this skip cascades
    assert sim.skipped == {"m": reasons.SKIP_EMPTY_MATRIX, "next": reasons.SKIP_PARENT}
    assert p.create == []
    assert sim.condition["reason"] == reasons.COMPLETED
    sim2 = Sim(pipelinerun(spec, params=[{"name": "oses", "value": ["x", "y"]}]))
    p = sim2.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-m-0", "pr-m-1"]


def test_taskrun_object() -> None:
    spec = {"workspaces": [{"name": "src"}, {"name": "cache"}, {"name": "opt", "optional": True}],
            "tasks": [{"name": "build", "taskRef": {"name": "builder"}, "retries": 2,
                       "timeout": "5m",
                       "params": [{"name": "p", "value": "$(context.pipelineRun.name)"}],
                       "workspaces": [{"name": "source", "workspace": "src", "subPath": "dir"},
                                      {"name": "cache", "workspace": "cache"},
                                      {"name": "opt", "workspace": "opt"}]},
                      task("other")]}
    pr = pipelinerun(
        spec, workspaces=[
            {"name": "src", "persistentVolumeClaim": {"claimName": "c"}, "subPath": "base"},
            {"name": "cache", "volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}],
        taskRunTemplate={"serviceAccountName": "builder-sa", "podTemplate": {"hostNetwork": True}},
        taskRunSpecs=[{"pipelineTaskName": "other", "serviceAccountName": "other-sa",
                       "podTemplate": {"nodeSelector": {"a": "b"}},
                       "metadata": {"labels": {"extra": "1"}}}],
        )
    sim = Sim(pr)
    p = sim.step()
    build, other = p.create
    meta = build["metadata"]
    assert meta["labels"] == {"team": "a", "tekton.dev/pipeline": "pl",
                              "tekton.dev/pipelineRun": "pr", "tekton.dev/pipelineRunUID": "uid-1",
                              "tekton.dev/pipelineTask": "build", "tekton.dev/memberOf": "tasks"}
    assert meta["ownerReferences"] == [{"apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
                                        "name": "pr", "uid": "uid-1", "controller": True,
                                        "blockOwnerDeletion": True}]
    s = build["spec"]
    assert s["taskRef"]["name"] == "builder" and s["retries"] == 2 and s["timeout"] == "5m0s"
    assert s["params"] == [{"name": "p", "value": "pr"}]
    assert s["serviceAccountName"] == "builder-sa" and s["podTemplate"] == {"hostNetwork": True}
    claim = pvc_name("", "cache", "uid-1")
    assert s["workspaces"] == [
        {"name": "source", "persistentVolumeClaim": {"claimName": "c"}, "subPath": "base/dir"},
        {"name": "cache", "persistentVolumeClaim": {"claimName": claim}}]
    assert other["spec"]["serviceAccountName"] == "other-sa"
    assert other["spec"]["podTemplate"] == {"nodeSelector": {"a": "b"}}
    assert other["metadata"]["labels"]["extra"] == "1"
    assert "taskSpec" in other["spec"]
    assert [c["metadata"]["name"] for c in p.pvcs] == [claim]
    assert p.pvcs[0]["metadata"]["ownerReferences"][0]["kind"] == "PipelineRun"
    assert p.pvcs[0]["spec"] == {"accessModes": ["ReadWriteOnce"]}
    assert sim.step().pvcs == []  # once


H = 3600.0


@pytest.mark.parametrize(("name", "timeouts", "final", "own", "override", "want"), [
    ("section not above the default: unset", Timeouts(H), False, None, None, None),
    ("own timeout", Timeouts(H), False, "1m", None, 60),
    ("no timeouts section", Timeouts(2 * H), False, None, None, None),
    ("tasks above the default", Timeouts(3 * H, tasks=2 * H), False, None, None, 2 * H),
    ("tasks of zero", Timeouts(H, tasks=0), False, None, None, 0),
    ("tasks = pipeline - finally", Timeouts(4 * H, finally_=H), False, None, None, 3 * H),
    ("finally = pipeline - tasks", Timeouts(4 * H, tasks=H), True, None, None, 3 * H),
    ("finally short: unset", Timeouts(H, finally_=300), True, None, None, None),
    ("taskRunSpecs wins", Timeouts(H), False, "1m", "2h", 2 * H),
])
def test_taskrun_timeout(name: str, timeouts: Timeouts, final: bool, own: str | None,
                         override: str | None, want: float | None) -> None:
    got = taskrun_timeout(timeouts, final=final, task_timeout=own, spec_timeout=override,
                          default_minutes=60)
    assert got == want, name


def test_unsupported_tasks_are_reported() -> None:
    pr = pipelinerun({"tasks": [task("a")]})
    spec = pr.spec.pipeline_spec
    assert spec is not None and check_pair(pr, ResolvedPipeline(spec, "p")) is None
    custom = pipelinerun({"tasks": [{"name": "c", "taskRef": {"apiVersion": "example.dev/v1",
                                                               "kind": "Wait"}}]})
    assert custom.spec.pipeline_spec is not None
    problem = check_pair(custom, ResolvedPipeline(custom.spec.pipeline_spec, "p"))
    assert problem is not None and problem.reason == reasons.VALIDATION_FAILED
    assert "custom tasks are not supported" in problem.message
