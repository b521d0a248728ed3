"""Status transitions the TaskRun reconciler makes outside of reading the Pod.

Cancellation, timeout, pending, failures seen in waiting containers (image pulls, container
configuration), Pod creation errors and retries -- each with Tekton's reason and message.
All functions are pure: they update a status dict in place or return values.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from tekpy.taskrun.status import reasons as r
from tekpy.taskrun.status.conditions import (
    format_time,
    get_condition,
    mark_failed,
    mark_running,
    parse_time,
    set_condition,
)

__all__ = [
    "cancel",
    "check_pod_failed",
    "fail",
    "has_timed_out",
    "is_pod_archived",
    "is_retriable",
    "mark_pending",
    "pod_creation_failure",
    "retry",
    "time_out",
]

_WAIT_FAILURES = frozenset({"ImagePullBackOff", "InvalidImageName",
                            r.CREATE_CONTAINER_CONFIG_ERROR, "CreateContainerError"})
_QUIET_REASONS = (r.STARTED, r.RUNNING, r.PENDING)


def _with_previous(previous: dict[str, Any] | None, message: str) -> str:
    """Keep the context of a meaningful earlier condition in a failure message."""
    if previous is None or previous.get("reason") in _QUIET_REASONS:
        return message
    if previous.get("message"):
        return f"{message}\nPrevious status: [{previous.get('reason', '')}] {previous['message']}"
    return message


def fail(status: dict[str, Any], reason: str, message: str, now: datetime, *,
         created: str = "") -> None:
    """End the run: condition False, ``completionTime``, and running or waiting steps marked
    terminated with the reason (the reconciler then deletes the Pod). ``created`` is the
    TaskRun's creationTimestamp (the start of steps that never ran)."""
    mark_failed(status, reason, message, now)
    status["completionTime"] = format_time(now)
    if not status.get("podName"):
        return
    for step in status.get("steps") or []:
        began = None
        if step.get("running") is not None:
            began = step["running"].get("startedAt")
        elif step.get("waiting") is not None:
            began = created or None
        else:
            continue
        step.pop("running", None)
        step.pop("waiting", None)
        step["terminated"] = {
            "exitCode": 1,
            "reason": reason,
            "message": (f"Step {step.get('name', '')} terminated as pod "
                        f"{status['podName']} is terminated"),
            "startedAt": began,
            "finishedAt": status["completionTime"],
        }
        step["terminationReason"] = reason


def cancel(status: dict[str, Any], name: str, status_message: str, now: datetime, *,
           created: str = "") -> None:
    """``spec.status: TaskRunCancelled``: fail with ``TaskRunCancelled``."""
    previous = get_condition(status)
    message = _with_previous(previous, f'TaskRun "{name}" was cancelled. {status_message}')
    fail(status, r.CANCELLED, message, now, created=created)


def time_out(status: dict[str, Any], name: str, timeout: str, now: datetime, *,
             created: str = "") -> None:
    """The deadline passed: fail with ``TaskRunTimeout``. ``timeout`` is the duration text
    in Go's form (``1h0m0s``)."""
    previous = get_condition(status)
    message = _with_previous(previous, f'TaskRun "{name}" failed to finish within "{timeout}"')
    fail(status, r.TIMED_OUT, message, now, created=created)


def has_timed_out(status: dict[str, Any], timeout_seconds: float, now: datetime) -> bool:
    """Whether ``startTime + timeout`` has passed (a zero timeout never expires)."""
    start = status.get("startTime")
    if not start or timeout_seconds <= 0:
        return False
    return (now - parse_time(start)).total_seconds() >= timeout_seconds


def mark_pending(status: dict[str, Any], name: str, now: datetime) -> None:
    """``spec.status: TaskRunPending``: no Pod yet."""
    mark_running(status, r.PENDING, f'TaskRun "{name}" is pending', now)


def check_pod_failed(name: str, status: dict[str, Any], now: datetime, *,
                     pod: dict[str, Any] | None = None,
                     image_pull_backoff_timeout: float = 0.0,
                     create_container_error_timeout: float = 0.0) -> tuple[str, str] | None:
    """A failure visible in waiting steps or sidecars: ``(reason, message)`` or None.

    ``ImagePullBackOff`` and ``InvalidImageName`` give ``TaskRunImagePullFailed``,
    ``CreateContainerConfigError`` gives ``CreateContainerConfigError`` and
    ``CreateContainerError`` gives ``PodCreationFailed``. With a non-zero
    ``image_pull_backoff_timeout`` (or ``create_container_error_timeout`` for "context deadline
    exceeded" errors) the run is given that long after the Pod's ``Initialized`` /
    ``PodReadyToStartContainers`` condition changed; ``pod`` supplies those conditions.
    """
    for kind, items in (("step", status.get("steps") or []),
                        ("sidecar", status.get("sidecars") or [])):
        for item in items:
            w = item.get("waiting")
            if w is None or w.get("reason") not in _WAIT_FAILURES:
                continue
            found = _container_failure(name, kind, item, w, now, pod,
                                       image_pull_backoff_timeout,
                                       create_container_error_timeout)
            if found is not None:
                return found
    return None


def _within_grace(pod: dict[str, Any] | None, grace: float, now: datetime) -> bool:
    for c in ((pod or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Initialized", "PodReadyToStartContainers") and \
                c.get("lastTransitionTime"):
            if (now - parse_time(c["lastTransitionTime"])).total_seconds() < grace:
                return True
    return False


def _container_failure(name: str, kind: str, item: dict[str, Any], w: dict[str, Any],
                       now: datetime, pod: dict[str, Any] | None, pull_grace: float,
                       create_grace: float) -> tuple[str, str] | None:
    reason = w.get("reason", "")
    cname, image = item.get("name", ""), item.get("imageID", "")
    wmsg = w.get("message", "")
    pull = (f'the {kind} "{cname}" in TaskRun "{name}" failed to pull the image "{image}". '
            f'The pod errored with the message: "{wmsg}."')
    start = (f'the {kind} "{cname}" in TaskRun "{name}" failed to start. '
             f'The pod errored with the message: "{wmsg}."')
    if reason == "ImagePullBackOff":
        if pull_grace and _within_grace(pod, pull_grace, now):
            return None
        return r.IMAGE_PULL_FAILED, pull
    if reason in (r.CREATE_CONTAINER_CONFIG_ERROR, "CreateContainerError") and \
            "context deadline exceeded" in wmsg and create_grace and \
            _within_grace(pod, create_grace, now):
        return None
    if reason == r.CREATE_CONTAINER_CONFIG_ERROR:
        return r.CREATE_CONTAINER_CONFIG_ERROR, start
    if reason == "InvalidImageName":
        return r.IMAGE_PULL_FAILED, pull
    return r.POD_CREATION_FAILED, start


def pod_creation_failure(name: str, error_message: str, *, status_code: int = 0,
                         forbidden: bool = False, conflict_kind: str = "",
                         already_exists: bool = False, task_ref: str = "",
                         namespace: str = "") -> tuple[str, str, bool]:
    """Classify a failed Pod create: ``(reason, message, terminal)``.

    Quota exhaustion (403 ``exceeded quota``) is ``ExceededResourceQuota`` and a quota update
    conflict is ``Pending`` (retry later); ``TaskRun validation failed`` errors are
    ``TaskRunValidationFailed``; Pod security rejections are ``PodAdmissionFailed``; anything
    else is ``PodCreationFailed``.
    """
    if conflict_kind == "resourcequotas":
        return (r.POD_PENDING,
                "tried to create pod, but it failed with ResourceQuotaConflictError", False)
    if forbidden and "exceeded quota" in error_message:
        return (r.EXCEEDED_RESOURCE_QUOTA,
                f"TaskRun Pod exceeded available resources: {error_message}", False)
    if "TaskRun validation failed" in error_message:
        return r.FAILED_VALIDATION, error_message, True
    if already_exists:
        return r.POD_PENDING, "tried to create pod, but it already exists", False
    if forbidden and ("violates PodSecurity" in error_message
                      or "security context constraint" in error_message):
        return r.POD_ADMISSION_FAILED, error_message, True
    what = f"missing or invalid Task {namespace}/{task_ref}" if task_ref else "invalid TaskSpec"
    return (r.POD_CREATION_FAILED,
            f'failed to create task run pod "{name}": {error_message}. Maybe {what}', True)


def is_retriable(spec_retries: int, status: dict[str, Any]) -> bool:
    """Whether another attempt is allowed (``len(retriesStatus) < spec.retries``)."""
    return len(status.get("retriesStatus") or []) < spec_retries


def retry(status: dict[str, Any], message: str, now: datetime) -> None:
    """Archive this attempt in ``retriesStatus`` and reset for the next one (its Pod is
    ``<tr>-pod-retry<N>``): condition Unknown ``ToBeRetried``."""
    archived = copy.deepcopy(status)
    archived.pop("retriesStatus", None)
    status.setdefault("retriesStatus", []).append(archived)
    for key in ("startTime", "completionTime", "podName", "results"):
        status.pop(key, None)
    set_condition(status, "Unknown", r.TO_BE_RETRIED, message, now)


def is_pod_archived(pod_name: str, status: dict[str, Any]) -> bool:
    """Whether a Pod belongs to an earlier attempt."""
    return any(a.get("podName") == pod_name for a in status.get("retriesStatus") or [])
