"""Pipelines in pipelines in the planner: the child PipelineRun a PipelineTask with
``pipelineRef``/``pipelineSpec`` creates, its status in the parent, and how the parent's
failure, cancellation and timeouts reach it."""

from __future__ import annotations

from typing import Any

import pytest
from prsim import CONFIG, T0, Sim, pipelinerun, task

from tekpy.pipelinerun import Patch, plan, reasons

CHILD_SPEC = {"params": [{"name": "greeting"}], "workspaces": [{"name": "src"}],
              "tasks": [task("hello")]}


def _spec(**child: Any) -> dict[str, Any]:
    body = child or {"pipelineRef": {"name": "child-pipeline"}}
    return {"params": [{"name": "who", "default": "world"}],
            "workspaces": [{"name": "shared"}],
            "tasks": [task("first"),
                      {"name": "child", "runAfter": ["first"], **body,
                       "params": [{"name": "greeting", "value": "hi $(params.who)"}],
                       "workspaces": [{"name": "src", "workspace": "shared",
                                       "subPath": "in"}]},
                      task("after", runAfter=["child"])],
            "finally": [task("report", params=[
                {"name": "s", "value": "$(tasks.child.status)"}])]}


def _run(spec: dict[str, Any], **kw: Any) -> Sim:
    pr = pipelinerun(spec, workspaces=[{"name": "shared", "emptyDir": {}}],
                     taskRunTemplate={"serviceAccountName": "builder"}, **kw)
    return Sim(pr)


def _names(created: list[dict[str, Any]]) -> list[str]:
    return [o["metadata"]["name"] for o in created]


@pytest.mark.parametrize(("name", "body", "pipeline_label", "spec_key"), [
    ("pipelineRef", {"pipelineRef": {"name": "child-pipeline"}}, "child-pipeline",
     "pipelineRef"),
    ("pipelineSpec", {"pipelineSpec": CHILD_SPEC}, "pl", "pipelineSpec"),
])
def test_child_pipelinerun_object(name: str, body: dict[str, Any], pipeline_label: str,
                                  spec_key: str) -> None:
    sim = _run(_spec(**body))
    sim.step()
    sim.end("pr-first")
    p = sim.step()
    (child,) = p.create
    assert child["kind"] == "PipelineRun" and child["apiVersion"] == "tekton.dev/v1", name
    meta = child["metadata"]
    assert meta["name"] == "pr-child" and meta["namespace"] == "ns"
    assert meta["ownerReferences"] == [{"apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
                                        "name": "pr", "uid": "uid-1", "controller": True,
                                        "blockOwnerDeletion": True}]
    assert meta["labels"] == {"team": "a", "tekton.dev/pipeline": pipeline_label,
                              "tekton.dev/pipelineRun": "pr",
                              "tekton.dev/pipelineRunUID": "uid-1",
                              "tekton.dev/pipelineTask": "child",
                              "tekton.dev/memberOf": "tasks"}
    spec = child["spec"]
    assert spec["params"] == [{"name": "greeting", "value": "hi world"}]
    assert spec["workspaces"] == [{"name": "src", "emptyDir": {}, "subPath": "in"}]
    assert spec["taskRunTemplate"]["serviceAccountName"] == "builder"
    assert spec_key in spec and "timeouts" not in spec and "timeout" not in spec
    ref = next(r for r in p.status["childReferences"] if r["pipelineTaskName"] == "child")
    assert ref == {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "name": "pr-child",
                   "pipelineTaskName": "child"}


def test_child_success_lets_the_dag_go_on() -> None:
    sim = _run(_spec())
    sim.step()
    sim.end("pr-first")
    sim.step()
    p = sim.step()
    assert p.create == [] and sim.condition["reason"] == reasons.RUNNING
    sim.end("pr-child")
    p = sim.step()
    assert _names(p.create) == ["pr-after"]
    sim.end("pr-after")
    p = sim.step()
    (report,) = p.create
    assert report["spec"]["params"] == [{"name": "s", "value": "Succeeded"}]
    sim.end("pr-report")
    sim.step()
    assert sim.condition["reason"] == reasons.SUCCEEDED
    assert sim.condition["message"] == "Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 0"


def test_child_failure_fails_the_parent() -> None:
    sim = _run(_spec())
    sim.step()
    sim.end("pr-first")
    sim.step()
    sim.end("pr-child", ok=False, reason="Failed")
    p = sim.step()
    assert sim.skipped == {"after": reasons.SKIP_STOPPING}
    (report,) = p.create
    assert report["spec"]["params"] == [{"name": "s", "value": "Failed"}]
    sim.end("pr-report")
    sim.step()
    assert sim.condition["status"] == "False"
    assert sim.condition["reason"] == reasons.FAILED
    assert sim.condition["message"] == "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 1"


def test_cancelled_child_counts_as_cancelled() -> None:
    sim = _run(_spec())
    sim.step()
    sim.end("pr-first")
    sim.step()
    sim.end("pr-child", ok=False, reason="Cancelled")
    sim.step()
    sim.end("pr-report")
    sim.step()
    assert sim.condition["reason"] == reasons.CANCELLED
    assert sim.condition["message"] == "Tasks Completed: 3 (Failed: 0, Cancelled 1), Skipped: 1"


@pytest.mark.parametrize(("name", "spec_status", "timeouts", "advance", "child_status",
                          "reason"), [
    ("cancelled", reasons.SPEC_CANCELLED, None, 0, "Cancelled", reasons.CANCELLED),
    ("gracefully cancelled", reasons.SPEC_CANCELLED_RUN_FINALLY, None, 0,
     "CancelledRunFinally", reasons.CANCELLED_RUNNING_FINALLY),
    ("pipeline timeout", None, {"pipeline": "10m"}, 601, "Cancelled", reasons.TIMED_OUT),
    ("tasks timeout", None, {"pipeline": "1h", "tasks": "10m"}, 601, "Cancelled",
     reasons.TIMED_OUT_RUNNING_FINALLY),
])
def test_parent_stop_cancels_the_running_child(name: str, spec_status: str | None,
                                               timeouts: dict[str, str] | None, advance: float,
                                               child_status: str, reason: str) -> None:
    sim = _run(_spec(), **({"timeouts": timeouts} if timeouts else {}))
    sim.step()
    sim.end("pr-first")
    sim.step()
    if spec_status:
        sim.set_spec_status(spec_status)
    p = sim.step(advance)
    assert p.patches == [Patch("pr-child", {"spec": {"status": child_status}},
                               kind="PipelineRun")], name
    assert sim.condition["reason"] == reason
    # patched once: the next reconcile sees the child's spec already cancelled
    assert sim.step().patches == []


def test_stopped_run_finally_lets_the_child_finish() -> None:
    sim = _run(_spec())
    sim.step()
    sim.end("pr-first")
    sim.step()
    sim.set_spec_status(reasons.SPEC_STOPPED_RUN_FINALLY)
    assert sim.step().patches == []


@pytest.mark.parametrize(("ancestors", "message"), [
    (["outer"], None),
    (["child-pipeline"], 'detected cycle in pipeline-in-pipeline: pipeline "child-pipeline" is '
                         "already running in ancestor chain [pl]"),
    (["", "outer", "child-pipeline", "root"],
     'detected cycle in pipeline-in-pipeline: pipeline "child-pipeline" is already running in '
     "ancestor chain [pl outer]"),
])
def test_pipeline_ref_cycle(ancestors: list[str], message: str | None) -> None:
    spec = {"tasks": [{"name": "child", "pipelineRef": {"name": "child-pipeline"}}]}
    sim = _run(spec)
    p = plan(sim.pr, sim.spec, {}, T0, CONFIG, pipeline_name="pl", ancestors=ancestors)
    cond = next(c for c in p.status["conditions"] if c["type"] == "Succeeded")
    if message is None:
        assert _names(p.create) == ["pr-child"]
        assert cond["status"] == "Unknown"
    else:
        assert p.create == []
        assert (cond["status"], cond["reason"], cond["message"]) == \
            ("False", reasons.CREATE_RUN_FAILED, message)
