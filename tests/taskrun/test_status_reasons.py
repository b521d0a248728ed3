"""Status derivation: the condition (status, reason, message) for every Pod situation."""

from __future__ import annotations

from typing import Any

import pytest
from status_support import NOW, cond, cs, pod, taskrun, term

from tekpy.taskrun import derive_status

RUNNING = {"running": {"startedAt": "2026-01-02T03:00:00Z"}}
MSG_RUNNING = "Not all Steps in the Task have finished executing"
TIMEOUT_MSG = [{"key": "Reason", "value": "TimeoutExceeded", "type": 3}]

CASES: list[tuple[str, dict[str, Any], tuple[str, str, str]]] = [
    ("pending without statuses", pod("Pending"), ("Unknown", "Pending", "Pending")),
    ("pending on a false pod condition",
     pod("Pending", conditions=[{"type": "PodScheduled", "status": "False",
                                 "message": "0/1 nodes"}]),
     ("Unknown", "Pending", 'pod status "PodScheduled":"False"; message: "0/1 nodes"')),
    ("exceeded node resources",
     pod("Pending", conditions=[{"type": "PodScheduled", "status": "False",
                                 "reason": "Unschedulable", "message": "Insufficient cpu"}]),
     ("Unknown", "ExceededNodeResources", "TaskRun Pod exceeded available resources")),
    ("create container config error",
     pod("Pending", [cs("step-a", {"waiting": {"reason": "CreateContainerConfigError",
                                               "message": 'secret "s" not found'}})]),
     ("False", "CreateContainerConfigError", "Failed to create pod due to config error")),
    ("subPath directory errors wait",
     pod("Pending", [cs("step-a", {"waiting": {
         "reason": "CreateContainerConfigError",
         "message": "failed to create subPath directory for volumeMount"}})]),
     ("Unknown", "Pending", "Waiting for subPath directory creation to complete")),
    ("image pull back-off while pending",
     pod("Pending", [cs("step-a", {"waiting": {"reason": "ImagePullBackOff",
                                               "message": "Back-off pulling image"}})]),
     ("Unknown", "PullImageFailed",
      'build step "step-a" is pending with reason "Back-off pulling image"')),
    ("running", pod("Running", [cs("step-a", RUNNING)]), ("Unknown", "Running", MSG_RUNNING)),
    ("succeeded", pod("Succeeded", [cs("step-a", term(0)), cs("step-b", term(0))]),
     ("True", "Succeeded", "All Steps have completed executing")),
    ("all steps done while a sidecar runs",
     pod("Running", [cs("step-a", term(0)), cs("sidecar-db", RUNNING)]),
     ("True", "Succeeded", "All Steps have completed executing")),
    ("step failed", pod("Failed", [cs("step-a", term(0)), cs("step-b", term(1, "Error"))]),
     ("False", "StepFailed", '"step-b" exited with code 1: Error')),
    ("step failed without a reason", pod("Running", [cs("step-a", term(2))]),
     ("False", "StepFailed", '"step-a" exited with code 2')),
    ("step timed out", pod("Failed", [cs("step-a", term(1, "Error", TIMEOUT_MSG))]),
     ("False", "StepFailed",
      '"step-a" exited because the step exceeded the specified timeout limit')),
    ("step OOM-killed while the pod still runs",
     pod("Running", [cs("step-a", term(137, "OOMKilled")), cs("step-b", RUNNING)]),
     ("False", "StepOOM", '"step-a" exited with code 137: OOMKilled')),
    ("sidecar OOM outranks a step failure",
     pod("Failed", [cs("step-a", term(1)), cs("sidecar-db", term(137, "OOMKilled"))]),
     ("False", "SidecarOOM", '"sidecar-db" exited with code 137: OOMKilled')),
    ("sidecar failed", pod("Failed", [cs("step-a", term(1)), cs("sidecar-db", term(3))]),
     ("False", "SidecarFailed", '"sidecar-db" exited with code 3')),
    ("init container failed",
     pod("Failed", [cs("step-a", {"waiting": {"reason": "PodInitializing"}})],
         [cs("prepare", term(0)), cs("place-scripts", term(1, "Error"))]),
     ("False", "InitContainerFailed",
      'init container failed, "place-scripts" exited with code 1: Error')),
    ("init container OOM",
     pod("Failed", [], [cs("prepare", term(137, "OOMKilled"))]),
     ("False", "InitContainerOOM",
      'init container failed, "prepare" exited with code 137: OOMKilled')),
    ("evicted",
     pod("Failed", [cs("step-a", term(137))], reason="Evicted",
         message="The node was low on resource: ephemeral-storage."),
     ("False", "PodEvicted", "The node was low on resource: ephemeral-storage.")),
    ("failed for an unknown reason with a pod message",
     pod("Failed", [], message="Pod was active on the node longer than deadline"),
     ("False", "Failed", "Pod was active on the node longer than deadline")),
    ("failed for an unknown reason", pod("Failed"),
     ("False", "Failed", "build failed for unspecified reasons.")),
]


@pytest.mark.parametrize(("pod_", "expected"), [(p, e) for _, p, e in CASES],
                         ids=[n for n, _, _ in CASES])
def test_condition(pod_: dict[str, Any], expected: tuple[str, str, str]) -> None:
    status, errors = derive_status(taskrun(), pod_, None, NOW)
    assert cond(status) == expected
    assert not errors
    assert status["podName"] == "tr-pod"
    done = expected[0] != "Unknown" and pod_["status"]["phase"] != "Pending"
    assert ("completionTime" in status) is done


def test_failure_ignored_for_a_pipeline_task_with_on_error_continue() -> None:
    tr = taskrun(annotations={"pipeline.tekton.dev/pipeline-task-on-error": "continue"})
    status, _ = derive_status(tr, pod("Failed", [cs("step-a", term(1))]), None, NOW)
    assert cond(status) == ("False", "FailureIgnored", '"step-a" exited with code 1')


def test_last_transition_time_changes_only_with_the_condition() -> None:
    first, _ = derive_status(taskrun(), pod("Running", [cs("step-a", RUNNING)]), None, NOW)
    from datetime import timedelta

    later = NOW + timedelta(seconds=30)
    again, _ = derive_status(taskrun(first), pod("Running", [cs("step-a", RUNNING)]), None,
                             later)
    assert again["conditions"] == first["conditions"]
    done, _ = derive_status(taskrun(again), pod("Succeeded", [cs("step-a", term(0))]), None,
                            later)
    assert done["conditions"][0]["lastTransitionTime"] == "2026-01-02T03:04:35Z"
    assert done["completionTime"] == "2026-01-02T03:04:35Z"


def test_existing_start_time_and_other_fields_are_kept() -> None:
    tr = taskrun({"startTime": "2026-01-02T02:00:00Z", "taskSpec": {"steps": []}})
    status, _ = derive_status(tr, pod("Running", [cs("step-a", RUNNING)]), None, NOW)
    assert status["startTime"] == "2026-01-02T02:00:00Z" and "taskSpec" in status


@pytest.mark.parametrize("pod_", [p for _, p, _ in CASES], ids=[n for n, _, _ in CASES])
def test_deriving_again_from_the_same_pod_changes_nothing(pod_: dict[str, Any]) -> None:
    """Level-based: a second reconcile over the same Pod yields the same status."""
    from datetime import timedelta

    once, _ = derive_status(taskrun(), pod_, None, NOW)
    twice, _ = derive_status(taskrun(once), pod_, None, NOW + timedelta(minutes=1))
    assert twice == once
