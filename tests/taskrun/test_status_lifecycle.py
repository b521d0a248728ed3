"""The reconciler's transitions: cancel, timeout, pending, container and creation failures,
retries, sidecar readiness."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from status_support import NOW, cond, cs, pod, term

from tekpy.taskrun import (
    cancel,
    check_pod_failed,
    fail,
    has_timed_out,
    initialize,
    is_pod_archived,
    is_retriable,
    mark_pending,
    pod_creation_failure,
    reasons,
    retry,
    sidecars_ready,
    time_out,
)


def _running_status() -> dict[str, Any]:
    status: dict[str, Any] = {}
    initialize(status, NOW - timedelta(minutes=5))
    status["podName"] = "tr-pod"
    status["steps"] = [
        {"terminated": {"exitCode": 0}, "name": "a", "container": "step-a"},
        {"running": {"startedAt": "2026-01-02T03:01:00Z"}, "name": "b", "container": "step-b"},
        {"waiting": {"reason": "PodInitializing"}, "name": "c", "container": "step-c"},
    ]
    return status


def test_initialize_sets_start_time_and_started() -> None:
    status: dict[str, Any] = {}
    initialize(status, NOW)
    assert status["startTime"] == "2026-01-02T03:04:05Z"
    assert cond(status) == ("Unknown", "Started", "")


def test_cancel_terminates_unfinished_steps() -> None:
    status = _running_status()
    cancel(status, "tr", "by user", NOW, created="2026-01-02T02:59:00Z")
    assert cond(status) == ("False", "TaskRunCancelled", 'TaskRun "tr" was cancelled. by user')
    assert status["completionTime"] == "2026-01-02T03:04:05Z"
    a, b, c = status["steps"]
    assert "terminationReason" not in a
    assert b["terminated"] == {"exitCode": 1, "reason": "TaskRunCancelled",
                               "message": "Step b terminated as pod tr-pod is terminated",
                               "startedAt": "2026-01-02T03:01:00Z",
                               "finishedAt": "2026-01-02T03:04:05Z"}
    assert "running" not in b and "waiting" not in c
    assert c["terminated"]["startedAt"] == "2026-01-02T02:59:00Z"
    assert c["terminationReason"] == "TaskRunCancelled"


def test_timeout_keeps_the_previous_condition_context() -> None:
    status = _running_status()
    status["conditions"] = [{"type": "Succeeded", "status": "Unknown",
                             "reason": "PullImageFailed", "message": "back-off"}]
    assert has_timed_out(status, 60, NOW)
    assert not has_timed_out(status, 3600, NOW) and not has_timed_out(status, 0, NOW)
    time_out(status, "tr", "1m0s", NOW)
    assert cond(status) == ("False", "TaskRunTimeout",
                            'TaskRun "tr" failed to finish within "1m0s"\n'
                            "Previous status: [PullImageFailed] back-off")
    assert status["steps"][1]["terminationReason"] == "TaskRunTimeout"


def test_pending() -> None:
    status: dict[str, Any] = {}
    mark_pending(status, "tr", NOW)
    assert cond(status) == ("Unknown", "TaskRunPending", 'TaskRun "tr" is pending')


@pytest.mark.parametrize("reason", [reasons.RESOURCE_VERIFICATION_FAILED,
                                    reasons.FAILED_VALIDATION, reasons.FAILED_RESOLUTION])
def test_fail_before_a_pod_exists(reason: str) -> None:
    status: dict[str, Any] = {}
    fail(status, reason, "bad", NOW)
    assert cond(status) == ("False", reason, "bad") and "steps" not in status


WAITING = [
    ("ImagePullBackOff", "TaskRunImagePullFailed",
     'the step "a" in TaskRun "tr" failed to pull the image "img". The pod errored with the '
     'message: "Back-off."'),
    ("InvalidImageName", "TaskRunImagePullFailed",
     'the step "a" in TaskRun "tr" failed to pull the image "img". The pod errored with the '
     'message: "Back-off."'),
    ("CreateContainerConfigError", "CreateContainerConfigError",
     'the step "a" in TaskRun "tr" failed to start. The pod errored with the message: '
     '"Back-off."'),
    ("CreateContainerError", "PodCreationFailed",
     'the step "a" in TaskRun "tr" failed to start. The pod errored with the message: '
     '"Back-off."'),
]


@pytest.mark.parametrize(("waiting", "reason", "message"), WAITING,
                         ids=[w for w, _, _ in WAITING])
def test_failures_seen_in_waiting_containers(waiting: str, reason: str, message: str) -> None:
    status = {"steps": [{"waiting": {"reason": waiting, "message": "Back-off"}, "name": "a",
                         "imageID": "img"}]}
    assert check_pod_failed("tr", status, NOW) == (reason, message)


def test_image_pull_back_off_grace_and_sidecars() -> None:
    status = {"sidecars": [{"waiting": {"reason": "ImagePullBackOff", "message": "m"},
                            "name": "db"}]}
    p = {"status": {"conditions": [{"type": "Initialized", "status": "True",
                                    "lastTransitionTime": "2026-01-02T03:04:00Z"}]}}
    assert check_pod_failed("tr", status, NOW, pod=p, image_pull_backoff_timeout=60) is None
    found = check_pod_failed("tr", status, NOW + timedelta(minutes=2), pod=p,
                             image_pull_backoff_timeout=60)
    assert found is not None and found[0] == "TaskRunImagePullFailed"
    assert found[1].startswith('the sidecar "db"')
    assert check_pod_failed("tr", {"steps": [{"waiting": {"reason": "ErrImagePull"}}]},
                            NOW) is None


CREATION = [
    ({"error_message": 'pods "x" is forbidden: exceeded quota: q', "forbidden": True},
     ("ExceededResourceQuota",
      'TaskRun Pod exceeded available resources: pods "x" is forbidden: exceeded quota: q',
      False)),
    ({"error_message": "conflict", "conflict_kind": "resourcequotas"},
     ("Pending", "tried to create pod, but it failed with ResourceQuotaConflictError", False)),
    ({"error_message": "TaskRun validation failed. x"},
     ("TaskRunValidationFailed", "TaskRun validation failed. x", True)),
    ({"error_message": "exists", "already_exists": True},
     ("Pending", "tried to create pod, but it already exists", False)),
    ({"error_message": "violates PodSecurity restricted", "forbidden": True},
     ("PodAdmissionFailed", "violates PodSecurity restricted", True)),
    ({"error_message": "boom", "task_ref": "t", "namespace": "ns"},
     ("PodCreationFailed",
      'failed to create task run pod "tr": boom. Maybe missing or invalid Task ns/t', True)),
    ({"error_message": "boom"},
     ("PodCreationFailed", 'failed to create task run pod "tr": boom. Maybe invalid TaskSpec',
      True)),
]


@pytest.mark.parametrize(("kw", "expected"), CREATION, ids=[e[0] for _, e in CREATION])
def test_pod_creation_failures(kw: dict[str, Any], expected: tuple[str, str, bool]) -> None:
    assert pod_creation_failure("tr", **kw) == expected


def test_retry_archives_the_attempt() -> None:
    status = _running_status()
    fail(status, "StepFailed", '"step-b" exited with code 1', NOW)
    status["results"] = [{"name": "r", "value": "x"}]
    assert is_retriable(2, status)
    retry(status, '"step-b" exited with code 1', NOW)
    assert cond(status) == ("Unknown", "ToBeRetried", '"step-b" exited with code 1')
    (archived,) = status["retriesStatus"]
    assert archived["podName"] == "tr-pod" and archived["conditions"][0]["status"] == "False"
    for key in ("startTime", "completionTime", "podName", "results"):
        assert key not in status
    assert is_pod_archived("tr-pod", status) and not is_pod_archived("tr-pod-retry1", status)
    retry(status, "again", NOW)
    assert not is_retriable(2, status)
    assert "retriesStatus" not in status["retriesStatus"][1]


def test_sidecars_ready() -> None:
    running = {"running": {"startedAt": "x"}}
    assert not sidecars_ready(pod("Pending", [cs("sidecar-db", running, ready=True)]))
    assert sidecars_ready(pod("Running", [cs("step-a", {"waiting": {}}),
                                          cs("sidecar-db", running, ready=True),
                                          cs("sidecar-done", term(0))]))
    assert not sidecars_ready(pod("Running", [cs("sidecar-db", running, ready=False)]))
    assert sidecars_ready(pod("Running", [cs("step-a", running)]))
