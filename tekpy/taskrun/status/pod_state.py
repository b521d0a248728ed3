"""Reading a Pod's status as Tekton does: is it done, did it fail, why, and what is it
waiting for (``pkg/pod/status.go``).

Failure reasons, in Tekton's priority order: ``PodEvicted``; then among init containers
``SidecarOOM``, ``InitContainerOOM``, ``SidecarFailed``, ``InitContainerFailed``; then among
containers ``SidecarOOM``, ``StepOOM``, ``SidecarFailed``, ``StepFailed``; else ``Failed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tekpy.taskrun.names import SIDECAR_PREFIX, STEP_PREFIX
from tekpy.taskrun.status import reasons as r
from tekpy.taskrun.status.results import INTERNAL, parse_termination_message

__all__ = [
    "did_fail",
    "failure",
    "is_complete",
    "sidecars_ready",
    "waiting_message",
]

OOM_KILLED = "OOMKilled"
EVICTED = "Evicted"
IMAGE_ERROR_REASONS = frozenset({"ImagePullBackOff", "ImageInspectError", "ErrImagePull",
                                 "ErrImageNeverPull", "RegistryUnavailable",
                                 "InvalidImageName"})
_SUBPATH = "failed to create subPath directory"


def _status(pod: dict[str, Any]) -> dict[str, Any]:
    return pod.get("status") or {}


def _terminated(cs: dict[str, Any]) -> dict[str, Any] | None:
    return (cs.get("state") or {}).get("terminated")


def _waiting(cs: dict[str, Any]) -> dict[str, Any] | None:
    return (cs.get("state") or {}).get("waiting")


def _is_step(name: str) -> bool:
    return name.startswith(STEP_PREFIX)


def _is_sidecar(name: str) -> bool:
    return name.startswith(SIDECAR_PREFIX)


def _oom(cs: dict[str, Any]) -> bool:
    t = _terminated(cs)
    return t is not None and t.get("reason") == OOM_KILLED


def is_complete(pod: dict[str, Any], also: Sequence[str] = ()) -> bool:
    """Every step container terminated (Pod running or succeeded), the Pod finished, or a
    step was OOM-killed (the Pod would only fail at its deadline). The containers named in
    ``also`` must have terminated too (the results sidecar, whose log is read after)."""
    st = _status(pod)
    phase = st.get("phase")
    if phase in ("Succeeded", "Failed"):
        return True
    statuses = st.get("containerStatuses") or []
    if any(_is_step(c.get("name", "")) and _oom(c) for c in statuses):
        return True
    if not statuses or phase not in ("Running", "Succeeded"):
        return False
    return all(_terminated(c) is not None for c in statuses
               if _is_step(c.get("name", "")) or c.get("name", "") in also)


def did_fail(pod: dict[str, Any]) -> bool:
    """The Pod failed, or a step exited non-zero or was OOM-killed."""
    st = _status(pod)
    if st.get("phase") == "Failed":
        return True
    for c in st.get("containerStatuses") or []:
        t = _terminated(c)
        if _is_step(c.get("name", "")) and t is not None and (t.get("exitCode", 0) != 0
                                                             or _oom(c)):
            return True
    return False


def _classify(pod: dict[str, Any]) -> tuple[str, dict[str, Any] | None, bool]:
    st = _status(pod)
    if st.get("reason") == EVICTED:
        return r.POD_EVICTED, None, False
    inits = [c for c in st.get("initContainerStatuses") or [] if _terminated(c) is not None]
    for test, reason in (
        (lambda c: _oom(c) and _is_sidecar(c["name"]), r.SIDECAR_OOM),
        (lambda c: _oom(c) and not _is_sidecar(c["name"]), r.INIT_CONTAINER_OOM),
        (lambda c: _exit(c) != 0 and _is_sidecar(c["name"]), r.SIDECAR_FAILED),
        (lambda c: _exit(c) != 0 and not _is_sidecar(c["name"]), r.INIT_CONTAINER_FAILED),
    ):
        for c in inits:
            if test(c):
                return reason, c, True
    conts = [c for c in st.get("containerStatuses") or [] if _terminated(c) is not None]
    for test, reason in (
        (lambda c: _oom(c) and _is_sidecar(c["name"]), r.SIDECAR_OOM),
        (lambda c: _oom(c) and _is_step(c["name"]), r.STEP_OOM),
        (lambda c: _exit(c) != 0 and _is_sidecar(c["name"]), r.SIDECAR_FAILED),
        (lambda c: _exit(c) != 0 and _is_step(c["name"]), r.STEP_FAILED),
    ):
        for c in conts:
            if test(c):
                return reason, c, False
    return r.FAILED, None, False


def _exit(c: dict[str, Any]) -> int:
    return int((_terminated(c) or {}).get("exitCode", 0))


def _container_message(c: dict[str, Any]) -> str:
    t = _terminated(c) or {}
    name = c.get("name", "")
    try:
        entries = parse_termination_message(t.get("message", ""))
    except ValueError:
        entries = []
    if any(e.type == INTERNAL and e.key == "Reason" and e.value == r.TERMINATION_TIMEOUT
           for e in entries):
        return f'"{name}" exited because the step exceeded the specified timeout limit'
    code = int(t.get("exitCode", 0))
    if code != 0:
        if t.get("reason"):
            return f'"{name}" exited with code {code}: {t["reason"]}'
        return f'"{name}" exited with code {code}'
    return ""


def failure(pod: dict[str, Any]) -> tuple[str, str]:
    """``(reason, message)`` of a failed Pod (call when :func:`did_fail` is true)."""
    st = _status(pod)
    reason, container, is_init = _classify(pod)
    if st.get("reason") == EVICTED:
        return reason, str(st.get("message", ""))
    if container is not None:
        msg = _container_message(container)
        if msg:
            return reason, ("init container failed, " + msg) if is_init else msg
    if st.get("message"):
        return reason, str(st["message"])
    for c in st.get("containerStatuses") or []:
        name = c.get("name", "")
        if (_is_step(name) or _is_sidecar(name)) and _oom(c):
            return reason, OOM_KILLED
    return reason, "build failed for unspecified reasons."


def _any_waiting(pod: dict[str, Any], test: Any) -> bool:
    st = _status(pod)
    for c in (*(st.get("initContainerStatuses") or []), *(st.get("containerStatuses") or [])):
        w = _waiting(c)
        if w is not None and test(w):
            return True
    return False


def exceeds_node_resources(pod: dict[str, Any]) -> bool:
    """The scheduler reported ``Unschedulable`` for lack of resources."""
    return any(c.get("reason") == "Unschedulable" and "Insufficient" in c.get("message", "")
               for c in _status(pod).get("conditions") or [])


def subpath_error(pod: dict[str, Any]) -> bool:
    return any((w := _waiting(c)) is not None and w.get("reason") == r.CREATE_CONTAINER_CONFIG_ERROR
               and _SUBPATH in w.get("message", "")
               for c in _status(pod).get("containerStatuses") or [])


def config_error(pod: dict[str, Any]) -> bool:
    return _any_waiting(pod, lambda w: w.get("reason") == r.CREATE_CONTAINER_CONFIG_ERROR
                        and _SUBPATH not in w.get("message", ""))


def pull_error(pod: dict[str, Any]) -> bool:
    return _any_waiting(pod, lambda w: w.get("reason") in IMAGE_ERROR_REASONS)


def waiting_message(pod: dict[str, Any]) -> str:
    """Why a pending Pod waits: a waiting step's message, a false Pod condition, the Pod's
    message, else ``Pending``."""
    st = _status(pod)
    for c in st.get("containerStatuses") or []:
        w = _waiting(c)
        if w is not None and w.get("message"):
            return f'build step "{c.get("name", "")}" is pending with reason "{w["message"]}"'
    for cond in st.get("conditions") or []:
        if cond.get("status") != "True":
            return (f'pod status "{cond.get("type", "")}":"{cond.get("status", "")}"; '
                    f'message: "{cond.get("message", "")}"')
    if st.get("message"):
        return str(st["message"])
    return r.MSG_PENDING_POD


def sidecars_ready(pod: dict[str, Any]) -> bool:
    """The Pod runs and every non-step container is ready or terminated (then the reconciler
    sets the ``tekton.dev/ready`` annotation that releases step 0)."""
    st = _status(pod)
    if st.get("phase") != "Running":
        return False
    for c in st.get("containerStatuses") or []:
        if _is_step(c.get("name", "")):
            continue
        state = c.get("state") or {}
        if state.get("running") is not None and c.get("ready"):
            continue
        if state.get("terminated") is not None:
            continue
        return False
    return True
