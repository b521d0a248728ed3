"""Cancellation, graceful cancel/stop, and the three timeouts."""

from __future__ import annotations

import pytest
from prsim import Sim, pipelinerun, task

from tekpy.pipelinerun import reasons

SPEC = {"tasks": [task("a"), task("b", runAfter=["a"]), task("quick")],
        "finally": [task("f")]}


def _patched(sim: Sim) -> dict[str, tuple[str, str]]:
    assert sim.last is not None
    return {p.name: (p.body["spec"]["status"], p.body["spec"]["statusMessage"])
            for p in sim.last.patches}


def test_cancel_cancels_running_children_and_ends_the_run() -> None:
    sim = Sim(pipelinerun(SPEC))
    sim.step()
    sim.end("pr-quick")
    sim.set_spec_status("Cancelled")
    p = sim.step()
    assert _patched(sim) == {"pr-a": ("TaskRunCancelled", reasons.CANCELLED_BY_PIPELINE_MSG)}
    assert p.create == []
    assert (sim.condition["status"], sim.condition["reason"], sim.condition["message"]) == \
        ("False", reasons.CANCELLED, 'PipelineRun "pr" was cancelled')
    assert p.status["completionTime"]
    assert [r["name"] for r in p.status["childReferences"]] == ["pr-a", "pr-quick"]


def test_cancelled_run_finally() -> None:
    sim = Sim(pipelinerun(SPEC))
    sim.step()
    sim.set_spec_status("CancelledRunFinally")
    sim.step()
    assert set(_patched(sim)) == {"pr-a", "pr-quick"}
    assert sim.condition["reason"] == reasons.CANCELLED_RUNNING_FINALLY
    # patched again? no: the plan sees spec.status already set
    sim.step()
    assert _patched(sim) == {}
    sim.cancelled("pr-a")
    sim.cancelled("pr-quick")
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-f"]
    assert sim.skipped == {"b": reasons.SKIP_STOPPING}
    sim.end("pr-f")
    sim.step()
    assert (sim.condition["status"], sim.condition["reason"], sim.condition["message"]) == \
        ("False", reasons.CANCELLED, 'PipelineRun "pr" was cancelled')


def test_stopped_run_finally_lets_running_tasks_finish() -> None:
    sim = Sim(pipelinerun(SPEC))
    sim.step()
    sim.set_spec_status("StoppedRunFinally")
    sim.step()
    assert _patched(sim) == {}
    assert sim.condition["reason"] == reasons.STOPPED_RUNNING_FINALLY
    sim.end("pr-a")
    sim.end("pr-quick")
    p = sim.step()
    assert sim.skipped == {"b": reasons.SKIP_GRACEFULLY_STOPPED}
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-f"]
    sim.end("pr-f")
    sim.step()
    assert (sim.condition["status"], sim.condition["reason"]) == ("False", reasons.CANCELLED)


def test_pipeline_timeout() -> None:
    sim = Sim(pipelinerun(SPEC, timeouts={"pipeline": "10m"}))
    p = sim.step()
    assert p.requeue_after == pytest.approx(600.001)
    # a section timeout not above default-timeout-minutes leaves the TaskRun's unset
    assert "timeout" not in p.create[0]["spec"]
    p = sim.step(600)  # exactly the timeout: not yet over it
    assert sim.condition["status"] == "Unknown" and p.requeue_after == pytest.approx(0.001)
    p = sim.step(1)
    assert _patched(sim) == {"pr-a": ("TaskRunCancelled", reasons.TIMED_OUT_BY_PIPELINE_MSG),
                             "pr-quick": ("TaskRunCancelled", reasons.TIMED_OUT_BY_PIPELINE_MSG)}
    assert (sim.condition["status"], sim.condition["reason"], sim.condition["message"]) == \
        ("False", reasons.TIMED_OUT, 'PipelineRun "pr" failed to finish within "10m0s"')
    # b waits for a, which is cancelled: b never starts (Tekton judges skips only once the
    # parents are done, so b is neither started nor listed as skipped)
    assert p.create == [] and "pr-b" not in sim.taskruns


def test_default_timeout_is_an_hour() -> None:
    sim = Sim(pipelinerun(SPEC))
    p = sim.step(0)
    assert "timeout" not in p.create[0]["spec"]
    sim.step(3601)
    assert sim.condition["message"] == 'PipelineRun "pr" failed to finish within "1h0m0s"'


def test_tasks_timeout_then_finally() -> None:
    sim = Sim(pipelinerun(SPEC, timeouts={"pipeline": "2h", "tasks": "10m"}))
    p = sim.step()
    assert "timeout" not in p.create[0]["spec"]
    sim.end("pr-quick")
    p = sim.step(601)
    assert _patched(sim) == {"pr-a": ("TaskRunCancelled", reasons.TIMED_OUT_BY_PIPELINE_MSG)}
    assert sim.condition["reason"] == reasons.TIMED_OUT_RUNNING_FINALLY
    sim.cancelled("pr-a")
    p = sim.step(5)
    # finally's section is pipeline - tasks (110m): longer than the default, so it is given
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-f"]
    assert p.create[0]["spec"]["timeout"] == "1h50m0s"
    sim.end("pr-f")
    sim.step()
    assert (sim.condition["status"], sim.condition["reason"], sim.condition["message"]) == (
        "False", reasons.TIMED_OUT,
        'PipelineRun "pr" failed due to tasks failed to finish within "10m0s"')


def test_finally_timeout_skips_unstarted_finally() -> None:
    spec = {"tasks": [task("a")], "finally": [task("f1")]}
    sim = Sim(pipelinerun(spec, timeouts={"pipeline": "1h", "finally": "5m"}))
    p = sim.step()
    assert "timeout" not in p.create[0]["spec"]  # 55m: not above the default
    sim.end("pr-a")
    p = sim.step(10)
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-f1"]
    p = sim.step(301)
    assert _patched(sim) == {"pr-f1": ("TaskRunCancelled", reasons.TIMED_OUT_BY_PIPELINE_MSG)}
    sim.cancelled("pr-f1")
    sim.step()
    assert (sim.condition["status"], sim.condition["reason"]) == ("False", reasons.FAILED)


def test_a_cancelled_taskrun_cancels_the_run() -> None:
    sim = Sim(pipelinerun({"tasks": [task("a"), task("b")]}))
    sim.step()
    sim.cancelled("pr-a")  # someone cancelled the TaskRun itself
    sim.step()
    assert (sim.condition["reason"], sim.condition["message"]) == (
        reasons.STOPPING, "Tasks Completed: 1 (Failed: 0, Cancelled 1), Incomplete: 1, Skipped: 0")
    sim.end("pr-b")
    sim.step()
    assert (sim.condition["status"], sim.condition["reason"], sim.condition["message"]) == (
        "False", reasons.CANCELLED, "Tasks Completed: 2 (Failed: 0, Cancelled 1), Skipped: 0")
