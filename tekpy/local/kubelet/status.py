"""Pod status from the agent's container records (pure functions).

Phase and conditions follow the kubelet's rules: ``Pending`` until the init containers
succeeded and every container started; ``Running`` while any container runs or will be
restarted; ``Succeeded`` when all terminated with 0; ``Failed`` when all terminated and one
failed under ``restartPolicy: Never`` (or an init container failed, or the Pod hit its
deadline). Ready conditions turn False with reason ``PodCompleted`` once the Pod is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

__all__ = ["ContainerRecord", "PodOutcome", "build_status", "container_status", "now"]

HOST_IP = "127.0.0.1"


def now() -> str:
    """The current time as Kubernetes writes it (RFC 3339, seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.define
class ContainerRecord:
    """What the agent knows about one container of a Pod (mutable, owned by its worker)."""

    name: str
    image: str
    init: bool = False
    state: str = "waiting"  # waiting | running | terminated
    reason: str = "ContainerCreating"  # waiting reason, or terminated reason
    message: str = ""
    exit_code: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    restart_count: int = 0
    last_state: dict[str, Any] = attrs.field(factory=dict)
    container_id: str = ""
    # a terminated container the worker will start again (restart policy)
    will_restart: bool = False
    # a running container whose startup/readiness probe has not succeeded yet
    probing: bool = False

    @property
    def succeeded(self) -> bool:
        return self.state == "terminated" and self.exit_code == 0

    def terminated_state(self) -> dict[str, Any]:
        """The ``terminated`` state dict of a finished attempt."""
        t: dict[str, Any] = {"exitCode": self.exit_code, "reason": self.reason,
                             "startedAt": self.started_at, "finishedAt": self.finished_at}
        if self.message:
            t["message"] = self.message
        if self.container_id:
            t["containerID"] = self.container_id
        return t


@attrs.frozen
class PodOutcome:
    """A Pod-level verdict that overrides the containers' (deadline, lost containers)."""

    phase: str
    reason: str = ""
    message: str = ""


def container_status(rec: ContainerRecord) -> dict[str, Any]:
    """The ``containerStatuses`` entry of ``rec``."""
    state: dict[str, Any]
    if rec.state == "running":
        state = {"running": {"startedAt": rec.started_at}}
    elif rec.state == "terminated":
        state = {"terminated": rec.terminated_state()}
    else:
        w: dict[str, Any] = {"reason": rec.reason}
        if rec.message:
            w["message"] = rec.message
        state = {"waiting": w}
    ready = rec.succeeded if rec.init else rec.state == "running" and not rec.probing
    out: dict[str, Any] = {
        "name": rec.name, "image": rec.image, "imageID": "", "ready": ready,
        "restartCount": rec.restart_count, "started": rec.state == "running",
        "state": state, "lastState": rec.last_state,
    }
    if rec.container_id:
        out["containerID"] = rec.container_id
    return out


def _phase(init: Sequence[ContainerRecord], main: Sequence[ContainerRecord],
           restart_policy: str) -> str:
    for rec in init:
        if rec.state == "terminated" and not rec.succeeded and not rec.will_restart:
            return "Failed"
        if not rec.succeeded:
            return "Pending"
    if any(r.state == "waiting" and r.started_at is None and not r.restart_count
           for r in main):
        return "Pending"
    if any(r.state == "running" or r.will_restart for r in main):
        return "Running"
    if any(r.state == "waiting" for r in main):
        return "Running"  # waiting to be restarted
    if restart_policy == "Always":
        return "Running"
    if any(not r.succeeded for r in main):
        return "Failed" if restart_policy == "Never" else "Running"
    return "Succeeded"


def _condition(old: dict[str, dict[str, Any]], ctype: str, status: str, reason: str = "",
               message: str = "") -> dict[str, Any]:
    prev = old.get(ctype)
    ts = prev.get("lastTransitionTime") if prev and prev.get("status") == status else now()
    c: dict[str, Any] = {"type": ctype, "status": status, "lastProbeTime": None,
                         "lastTransitionTime": ts}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def build_status(pod: dict[str, Any], init: Sequence[ContainerRecord],
                 main: Sequence[ContainerRecord], *, start_time: str | None,
                 sandbox_ready: bool, outcome: PodOutcome | None = None) -> dict[str, Any]:
    """The Pod's new ``status``, keeping conditions other agents own."""
    spec = pod.get("spec") or {}
    old_status = pod.get("status") or {}
    old = {c.get("type", ""): c for c in old_status.get("conditions") or ()}
    phase = outcome.phase if outcome else _phase(init, main, spec.get("restartPolicy",
                                                                       "Always"))
    done = phase in ("Succeeded", "Failed")
    conds: list[dict[str, Any]] = []
    conds.append(_condition(old, "PodReadyToStartContainers",
                            "True" if sandbox_ready and not done else "False"))
    pending_init = [r.name for r in init if not r.succeeded]
    if pending_init and not done:
        conds.append(_condition(old, "Initialized", "False", "ContainersNotInitialized",
                                f"containers with incomplete status: [{' '.join(pending_init)}]"))
    elif pending_init:
        conds.append(_condition(old, "Initialized", "False", "PodCompleted"))
    else:
        conds.append(_condition(old, "Initialized", "True"))
    unready = [r.name for r in main if r.state != "running" or r.probing]
    for ctype in ("Ready", "ContainersReady"):
        if done:
            conds.append(_condition(old, ctype, "False", "PodCompleted"))
        elif unready:
            conds.append(_condition(old, ctype, "False", "ContainersNotReady",
                                    f"containers with unready status: [{' '.join(unready)}]"))
        else:
            conds.append(_condition(old, ctype, "True"))
    conds.append(old.get("PodScheduled") or _condition(old, "PodScheduled", "True"))
    ours = {c["type"] for c in conds}
    conds += [c for t, c in old.items() if t not in ours]
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": conds,
        "hostIP": HOST_IP, "hostIPs": [{"ip": HOST_IP}],
        "podIP": HOST_IP, "podIPs": [{"ip": HOST_IP}],
        "qosClass": old_status.get("qosClass") or _qos(spec),
        "containerStatuses": [container_status(r) for r in main],
    }
    if init:
        status["initContainerStatuses"] = [container_status(r) for r in init]
    if start_time:
        status["startTime"] = start_time
    if outcome and outcome.reason:
        status["reason"] = outcome.reason
    if outcome and outcome.message:
        status["message"] = outcome.message
    return status


def _qos(spec: dict[str, Any]) -> str:
    containers = [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]
    res = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    guaranteed = all(
        (r.get("limits") or {}).get(k) and
        (r.get("requests") or {}).get(k, (r.get("limits") or {}).get(k)) == r["limits"][k]
        for r in res for k in ("cpu", "memory"))
    return "Guaranteed" if guaranteed else "Burstable"
