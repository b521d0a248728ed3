"""The reconciler's own pure helpers: events for condition changes, metric labels."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from tekpy.taskrun.reconciler.events import condition_events
from tekpy.taskrun.reconciler.metrics import TaskRunMetrics, task_tag
from tekpy.taskrun.reconciler.pods import is_controlled_by

RUNNING = {"type": "Succeeded", "status": "Unknown", "reason": "Running", "message": "m"}


@pytest.mark.parametrize(("before", "after", "events"), [
    pytest.param(None, {"status": "Unknown", "reason": "Started"},
                 [("Normal", "Started", "")], id="first"),
    pytest.param(None, {"status": "Unknown", "reason": "Pending", "message": "p"},
                 [("Normal", "Started", ""), ("Normal", "Pending", "p")], id="first-pending"),
    pytest.param(RUNNING, dict(RUNNING), [], id="unchanged"),
    pytest.param(RUNNING, {"status": "True", "reason": "Succeeded", "message": "ok"},
                 [("Normal", "Succeeded", "ok")], id="succeeded"),
    pytest.param(RUNNING, {"status": "False", "reason": "TaskRunTimeout", "message": "t"},
                 [("Warning", "Failed", "t")], id="failed"),
    pytest.param(RUNNING, None, [], id="no-condition"),
])
def test_condition_events(before: dict[str, Any] | None, after: dict[str, Any] | None,
                          events: list[tuple[str, str, str]]) -> None:
    assert condition_events(before, after) == events


@pytest.mark.parametrize(("tr", "tag"), [
    ({"spec": {"taskRef": {"name": "build"}}}, "build"),
    ({"spec": {"taskSpec": {}}, "metadata": {"labels": {"tekton.dev/pipelineTask": "t1"}}},
     "t1"),
    ({"spec": {"taskSpec": {}}}, "anonymous"),
    ({"spec": {"taskRef": {"resolver": "cluster"}},
      "metadata": {"labels": {"tekton.dev/task": "remote"}}}, "remote"),
])
def test_task_tag(tr: dict[str, Any], tag: str) -> None:
    assert task_tag(tr) == tag


def test_pipeline_taskruns_use_the_pipelinerun_histogram() -> None:
    reg = CollectorRegistry()
    metrics = TaskRunMetrics(reg, level="taskrun")
    from datetime import UTC, datetime

    tr = {"metadata": {"name": "pr-t1", "namespace": "ns",
                       "labels": {"tekton.dev/pipeline": "p", "tekton.dev/pipelineRun": "pr"}},
          "spec": {"taskRef": {"name": "t"}},
          "status": {"startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:01:40Z",
                     "conditions": [{"type": "Succeeded", "status": "True"}]}}
    metrics.duration_and_count(tr, datetime(2026, 1, 1, tzinfo=UTC))
    labels = {"namespace": "ns", "status": "success", "task": "t", "taskrun": "pr-t1",
              "pipeline": "p"}
    name = "tekton_pipelines_controller_pipelinerun_taskrun_duration_seconds"
    assert reg.get_sample_value(f"{name}_sum", labels) == 100.0
    assert reg.get_sample_value("tekton_pipelines_controller_taskrun_total",
                                {"status": "success"}) == 1.0
    with pytest.raises(ValueError):
        TaskRunMetrics(CollectorRegistry(), level="pipeline")


def test_is_controlled_by() -> None:
    owner = {"metadata": {"uid": "u1"}}
    assert is_controlled_by({"metadata": {"ownerReferences": [
        {"uid": "u1", "controller": True}]}}, owner)
    assert not is_controlled_by({"metadata": {"ownerReferences": [{"uid": "u1"}]}}, owner)
    assert not is_controlled_by({"metadata": {}}, owner)
