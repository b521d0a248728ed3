"""Step states across a retry, as Tekton keeps them.

Tekton's ``retryTaskRun`` archives the status and clears only startTime, completionTime,
podName and results; ``MakeTaskRunStatus`` replaces ``steps`` only when the Pod reports
step container statuses (``if len(orderedStepStates) > 0``) while ``sidecars`` are rebuilt
from every Pod. So until the new attempt's Pod reports, ``steps`` still shows the previous
attempt's states, and the first report replaces them wholesale.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from status_support import NOW, cond, cs, pod, term

from tekpy.taskrun import derive_status, fail, is_retriable, retry

RUNNING = {"running": {"startedAt": "2026-01-02T03:05:00Z"}}


def _pod(name: str, phase: str, containers: list[dict[str, Any]]) -> dict[str, Any]:
    p = pod(phase, containers)
    p["metadata"]["name"] = name
    return p


def _failed_attempt() -> dict[str, Any]:
    """The status after attempt 1 (Pod ``tr-pod``) failed in its second step, then retried."""
    first = _pod("tr-pod", "Failed", [cs("step-a", term(0)), cs("step-b", term(1)),
                                      cs("sidecar-db", term(0))])
    status, errors = derive_status({"metadata": {"name": "tr"}, "status": {}}, first, None, NOW)
    assert errors == []
    assert cond(status)[0] == "False"
    assert is_retriable(1, status)
    retry(status, '"step-b" exited with code 1', NOW)
    return status


def test_retry_keeps_the_previous_steps_until_the_new_pod_reports() -> None:
    status = _failed_attempt()
    old_steps = status["steps"]
    assert [s["terminated"]["exitCode"] for s in old_steps] == [0, 1]
    # the new attempt's Pod exists but reports no container statuses yet
    new_pod = _pod("tr-pod-retry1", "Pending", [])
    later = NOW + timedelta(seconds=5)
    status2, errors = derive_status({"metadata": {"name": "tr"}, "status": status},
                                    new_pod, None, later)
    assert errors == []
    assert status2["podName"] == "tr-pod-retry1"
    assert cond(status2)[:2] == ("Unknown", "Pending")
    assert status2["steps"] == old_steps  # Tekton leaves them until the Pod reports
    assert "sidecars" not in status2  # rebuilt from the (empty) Pod every time
    (archived,) = status2["retriesStatus"]
    assert archived["podName"] == "tr-pod" and archived["steps"] == old_steps


def test_the_new_pods_first_report_replaces_every_step() -> None:
    status = _failed_attempt()
    new_pod = _pod("tr-pod-retry1", "Running", [cs("step-a", RUNNING),
                                                cs("step-b", {"waiting": {"reason": "x"}})])
    status2, _ = derive_status({"metadata": {"name": "tr"}, "status": status}, new_pod, None,
                               NOW + timedelta(seconds=5))
    assert [(s["name"], sorted(k for k in ("running", "waiting", "terminated") if k in s))
            for s in status2["steps"]] == [("a", ["running"]), ("b", ["waiting"])]
    assert cond(status2)[:2] == ("Unknown", "Running")
    # the archive keeps attempt 1's steps
    assert [s["terminated"]["exitCode"] for s in status2["retriesStatus"][0]["steps"]] == [0, 1]


def test_a_failed_retry_archives_its_own_steps() -> None:
    status = _failed_attempt()
    second = _pod("tr-pod-retry1", "Failed", [cs("step-a", term(2))])
    status2, _ = derive_status({"metadata": {"name": "tr"}, "status": status}, second, None,
                               NOW + timedelta(seconds=5))
    assert [s["name"] for s in status2["steps"]] == ["a"]
    fail(status2, "Failed", "again", NOW)
    retry(status2, "again", NOW)
    assert [[s["terminated"]["exitCode"] for s in a["steps"]]
            for a in status2["retriesStatus"]] == [[0, 1], [2]]
