"""The planner, step by step, on whole runs: the test decides how each TaskRun ends."""

from __future__ import annotations

from typing import Any

from prsim import Sim, pipelinerun, task

from tekpy.pipelinerun import reasons


def _param(tr: dict[str, Any], name: str) -> Any:
    return next(p["value"] for p in tr["spec"]["params"] if p["name"] == name)


def test_dag_with_results_and_finally() -> None:
    spec = {
        "params": [{"name": "greeting", "default": "hi"}],
        "tasks": [
            task("a", results=["out"], params=[{"name": "g", "value": "$(params.greeting)"}]),
            task("b", results=["out"], params=[{"name": "in", "value": "$(tasks.a.results.out)"}]),
            task("c", runAfter=["a"]),
        ],
        "finally": [task("f", params=[{"name": "all", "value": "$(tasks.status)"},
                                      {"name": "b", "value": "$(tasks.b.status)"}])],
        "results": [{"name": "final", "value": "$(tasks.b.results.out)"}],
    }
    sim = Sim(pipelinerun(spec))
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-a"]
    assert _param(p.create[0], "g") == "hi"
    assert sim.condition["reason"] == reasons.RUNNING
    assert sim.condition["message"] == \
        "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 4, Skipped: 0"
    assert sim.step().create == []  # nothing new until a finishes
    sim.end("pr-a", results={"out": "from-a"})
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-b", "pr-c"]
    assert _param(p.create[0], "in") == "from-a"
    sim.end("pr-b", results={"out": "from-b"})
    assert sim.step().create == []  # finally waits for c
    sim.end("pr-c")
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-f"]
    assert p.create[0]["metadata"]["labels"]["tekton.dev/memberOf"] == "finally"
    assert _param(p.create[0], "all") == "Succeeded"
    assert _param(p.create[0], "b") == "Succeeded"
    assert p.status["finallyStartTime"]
    sim.end("pr-f")
    p = sim.step()
    assert sim.condition["status"] == "True"
    assert sim.condition["reason"] == reasons.SUCCEEDED
    assert sim.condition["message"] == "Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 0"
    assert p.status["results"] == [{"name": "final", "value": "from-b"}]
    assert p.status["completionTime"]
    assert [r["name"] for r in p.status["childReferences"]] == ["pr-a", "pr-b", "pr-c", "pr-f"]
    assert p.status["childReferences"][0]["pipelineTaskName"] == "a"
    # a done run stays as it is
    assert sim.step(3600).status == p.status


def test_when_skip_is_scoped_to_the_task() -> None:
    spec = {"tasks": [
        task("guard", results=["r"], when=[{"input": "x", "operator": "in", "values": ["y"]}]),
        task("after", runAfter=["guard"]),
        task("consumer", params=[{"name": "v", "value": "$(tasks.guard.results.r)"}]),
        task("grandchild", runAfter=["consumer"]),
        task("notin", when=[{"input": "x", "operator": "notin", "values": ["y"]}]),
    ]}
    sim = Sim(pipelinerun(spec))
    p = sim.step()
    # the guarded task is skipped; its dependant by runAfter still runs
    assert sorted(tr["metadata"]["name"] for tr in p.create) == ["pr-after", "pr-notin"]
    assert sim.skipped == {"guard": reasons.SKIP_WHEN, "consumer": reasons.SKIP_MISSING_RESULTS,
                           "grandchild": reasons.SKIP_PARENT}
    guard = next(s for s in p.status["skippedTasks"] if s["name"] == "guard")
    assert guard["whenExpressions"] == [{"input": "x", "operator": "in", "values": ["y"]}]
    sim.end("pr-after")
    sim.end("pr-notin")
    sim.step()
    assert sim.condition["status"] == "True"
    assert sim.condition["reason"] == reasons.COMPLETED
    assert sim.condition["message"] == "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 3"


def test_when_uses_results_and_params() -> None:
    spec = {"params": [{"name": "env", "default": "prod"}],
            "tasks": [task("a", results=["go"]),
                      task("deploy", when=[{"input": "$(tasks.a.results.go)", "operator": "in",
                                            "values": ["yes"]},
                                           {"input": "$(params.env)", "operator": "in",
                                            "values": ["prod"]}]),
                      task("skipme", when=[{"input": "$(tasks.a.results.go)",
                                            "operator": "notin", "values": ["yes"]}])]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a", results={"go": "yes"})
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-deploy"]
    assert sim.skipped == {"skipme": reasons.SKIP_WHEN}
    # the skipped task reports its substituted expressions
    assert p.status["skippedTasks"][0]["whenExpressions"][0]["input"] == "yes"
    ref = next(r for r in p.status["childReferences"] if r["name"] == "pr-deploy")
    assert ref["whenExpressions"][0]["input"] == "yes"


def test_failure_stops_the_dag_and_runs_finally() -> None:
    spec = {"tasks": [task("a"), task("b", runAfter=["a"]), task("side")],
            "finally": [task("cleanup", params=[{"name": "s", "value": "$(tasks.a.status)"},
                                                {"name": "r", "value": "$(tasks.a.reason)"},
                                                {"name": "all", "value": "$(tasks.status)"}])]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a", ok=False)
    p = sim.step()
    assert p.create == []  # side is still running: no finally yet
    assert sim.skipped == {"b": reasons.SKIP_STOPPING}
    # with finally tasks still to run, Tekton keeps the run "Running"
    assert sim.condition["reason"] == reasons.RUNNING
    sim.end("pr-side")
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-cleanup"]
    assert _param(p.create[0], "s") == "Failed"
    assert _param(p.create[0], "r") == "Failed"
    assert _param(p.create[0], "all") == "Failed"
    sim.end("pr-cleanup")
    sim.step()
    assert sim.condition["status"] == "False"
    assert sim.condition["reason"] == reasons.FAILED
    assert sim.condition["message"] == "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 1"


def test_on_error_continue_does_not_stop_the_run() -> None:
    spec = {"tasks": [task("flaky", onError="continue"), task("next", runAfter=["flaky"])]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-flaky", ok=False)
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-next"]
    sim.end("pr-next")
    sim.step()
    assert sim.condition["status"] == "True"
    assert sim.condition["message"] == \
        "Tasks Completed: 2 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 0"


def test_failure_without_finally_is_stopping() -> None:
    sim = Sim(pipelinerun({"tasks": [task("a"), task("slow")]}))
    sim.step()
    sim.end("pr-a", ok=False)
    sim.step()
    assert (sim.condition["reason"], sim.condition["message"]) == \
        (reasons.STOPPING, "Tasks Completed: 1 (Failed: 1, Cancelled 0), Incomplete: 1, Skipped: 0")
    sim.end("pr-slow")
    sim.step()
    assert (sim.condition["status"], sim.condition["reason"]) == ("False", reasons.FAILED)


def test_missing_result_of_successful_task_fails_the_run() -> None:
    spec = {"tasks": [task("a", results=["r"]),
                      task("b", params=[{"name": "v", "value": "$(tasks.a.results.r)"}])]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a")  # succeeded without writing r
    p = sim.step()
    assert p.create == []
    assert (sim.condition["status"], sim.condition["reason"], sim.condition["message"]) == (
        "False", reasons.INVALID_TASK_RESULT_REFERENCE,
        "Invalid task result reference: Could not find result with name r for pipeline task a")


def test_finally_skips() -> None:
    spec = {"tasks": [task("a", results=["r"], onError="continue")],
            "finally": [task("needs", params=[{"name": "v", "value": "$(tasks.a.results.r)"}]),
                        task("guarded", when=[{"input": "$(tasks.a.status)", "operator": "in",
                                               "values": ["Succeeded"]}]),
                        task("on-fail", when=[{"input": "$(tasks.status)", "operator": "in",
                                               "values": ["Failed"]}])]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a", ok=False)
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-on-fail"]
    assert sim.skipped == {"needs": reasons.SKIP_MISSING_RESULTS,
                           "guarded": reasons.SKIP_WHEN}
    entries = {e["name"]: e for e in p.status["skippedTasks"]}
    assert "whenExpressions" not in entries["needs"]
    assert entries["guarded"]["whenExpressions"][0]["input"] == "Failed"


def test_pipeline_result_of_missing_result_fails_the_run() -> None:
    spec = {"tasks": [task("a", results=["r"])],
            "results": [{"name": "x", "value": "$(tasks.a.results.r)"},
                        {"name": "literal", "value": "no references"}]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a")
    p = sim.step()
    assert "results" not in p.status  # literal results are not reported either
    assert (sim.condition["status"], sim.condition["reason"], sim.condition["message"]) == (
        "False", reasons.COULDNT_GET_PIPELINE_RESULT,
        "Failed to get PipelineResult from TaskRun Results for PipelineRun pr: invalid "
        "pipelineresults [x], the referenced results don't exist")


def test_failed_producer_leaves_pipeline_result_out() -> None:
    spec = {"tasks": [task("a", results=["r"]), task("b", results=["r"])],
            "results": [{"name": "ra", "value": "$(tasks.a.results.r)"},
                        {"name": "rb", "value": "$(tasks.b.results.r)"},
                        {"name": "both", "type": "array",
                         "value": ["$(tasks.b.results.r)", "lit"]}]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a", ok=False, results={"r": "x"})
    sim.end("pr-b", results={"r": "y"})
    p = sim.step()
    assert sim.condition["reason"] == reasons.FAILED
    assert p.status["results"] == [{"name": "rb", "value": "y"},
                                   {"name": "both", "value": ["y", "lit"]}]


def test_array_and_object_results_flow() -> None:
    spec = {"tasks": [task("a", results=["arr", "obj"]),
                      task("b", params=[{"name": "all", "value": "$(tasks.a.results.arr[*])"},
                                        {"name": "one", "value": "$(tasks.a.results.arr[1])"},
                                        {"name": "k", "value": "$(tasks.a.results.obj.key)"}])]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a", results={"arr": ["x", "y"], "obj": {"key": "v"}})
    p = sim.step()
    tr = p.create[0]
    assert _param(tr, "all") == ["x", "y"]
    assert _param(tr, "one") == "y"
    assert _param(tr, "k") == "v"


def test_pending_then_started() -> None:
    sim = Sim(pipelinerun({"tasks": [task("a")]}, status="PipelineRunPending"))
    p = sim.step()
    assert p.create == [] and "startTime" not in p.status
    assert sim.condition == {**sim.condition, "status": "Unknown", "reason": reasons.PENDING,
                             "message": 'PipelineRun "pr" is pending'}
    sim.set_spec_status("")
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-a"]
    assert p.status["startTime"]


def test_invalid_graph_fails_the_run() -> None:
    # a dependency the API model's validation would reject; the planner still never crashes
    pr = pipelinerun({"tasks": [task("a")]})
    assert pr.spec.pipeline_spec is not None
    pr.spec.pipeline_spec.tasks[0].run_after = ["ghost"]
    p = Sim(pr).step()
    cond = p.status["conditions"][-1]
    assert (cond["status"], cond["reason"]) == ("False", reasons.INVALID_GRAPH)
    assert "ghost" in cond["message"] and p.create == []
