"""kube's printers for built-in kinds (``pkg/printers/internalversion``), computed wide."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from tekpy.local.apiserver.table.columns import (
    AGE,
    CREATED_DESCRIPTION,
    NAME,
    NAME_DESCRIPTION,
    Cell,
    Column,
    count_of,
    created_at,
    dig,
    field_of,
    human_duration,
    name_of,
    parse_time,
    since,
    string_column,
)
from tekpy.local.apiserver.table.descriptions import COLUMN_DESCRIPTIONS

__all__ = ["BUILTIN_COLUMNS", "DEFAULT_COLUMNS", "is_builtin_group", "row_conditions"]


# ------------------------------------------------------------------------------- pods
def _terminated_reason(state: Mapping[str, Any], prefix: str = "") -> str:
    if state.get("reason"):
        return prefix + str(state["reason"])
    if state.get("signal"):
        return f"{prefix}Signal:{state['signal']}"
    return f"{prefix}ExitCode:{state.get('exitCode', 0)}"


def _pod_summary(pod: Mapping[str, Any], now: datetime) -> tuple[str, str, str]:
    """(ready, status, restarts) exactly as kube's ``printPod`` derives them."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    sidecar = {n for n, c in init_specs.items() if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or []) + len(sidecar)
    ready = restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None
    reason = status.get("reason") or status.get("phase") or ""
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    def later(a: datetime | None, cs: Mapping[str, Any]) -> datetime | None:
        finished = parse_time(dig(cs, "lastState", "terminated", "finishedAt"))
        return finished if finished and (a is None or finished > a) else a

    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        restarts += int(cs.get("restartCount") or 0)
        last_restart = later(last_restart, cs)
        name = cs.get("name")
        if name in sidecar:
            sidecar_restarts += int(cs.get("restartCount") or 0)
            last_sidecar_restart = later(last_sidecar_restart, cs)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if name in sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + str(waiting["reason"])
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    initialized = any(
        c.get("type") == "Initialized" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    if not initializing or initialized:
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount") or 0)
            last_restart = later(last_restart, cs)
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif terminated is not None:
                reason = _terminated_reason(terminated)
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            ready_cond = any(c.get("type") == "Ready" for c in status.get("conditions") or [])
            reason = "Running" if ready_cond else "NotReady"
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and status.get("phase") not in ("Succeeded", "Failed"):
        reason = "Terminating"
    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        restarts_text = f"{restarts} ({human_duration((now - last_restart).total_seconds())} ago)"
    return f"{ready}/{total}", reason, restarts_text


def _pod_ip(pod: Mapping[str, Any], now: datetime) -> str:
    ips = dig(pod, "status", "podIPs") or []
    ip = ips[0].get("ip") if ips and isinstance(ips[0], Mapping) else None
    return ip or "<none>"


def _readiness_gates(pod: Mapping[str, Any], now: datetime) -> str:
    gates = dig(pod, "spec", "readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {c.get("type"): c.get("status") for c in dig(pod, "status", "conditions") or []}
    true = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return f"{true}/{len(gates)}"


# Ready/Status/Restarts come from one pass over the pod; remember the last pod's result so a
# row computes it once. The tuple is replaced as a whole, so concurrent rows stay correct.
_last_pod: tuple[Any, datetime | None, tuple[str, str, str]] = (None, None, ("", "", ""))


def _pod_cell(index: int) -> Cell:
    def cell(obj: Mapping[str, Any], now: datetime) -> str:
        global _last_pod
        last = _last_pod
        if last[0] is obj and last[1] == now:
            return last[2][index]
        summary = _pod_summary(obj, now)
        _last_pod = (obj, now, summary)
        return summary[index]

    return cell


_POD = [
    NAME,
    string_column("Ready", _pod_cell(0)),
    string_column("Status", _pod_cell(1)),
    string_column("Restarts", _pod_cell(2)),
    AGE,
    string_column("IP", _pod_ip, 1),
    string_column("Node", field_of("spec", "nodeName", default="<none>"), 1),
    string_column("Nominated Node", field_of("status", "nominatedNodeName", default="<none>"), 1),
    string_column("Readiness Gates", _readiness_gates, 1),
]


def row_conditions(group: str, kind: str, obj: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """A row's ``conditions`` (kube marks finished pods ``Completed``), or None."""
    if (group, kind) != ("", "Pod"):
        return None
    phase = dig(obj, "status", "phase")
    if phase in ("Succeeded", "Failed"):
        message = (
            "The pod has completed successfully." if phase == "Succeeded" else "The pod failed."
        )
        return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]
    return None


# ------------------------------------------------------------------------- other kinds
def _data_count(obj: Mapping[str, Any], now: datetime) -> int:
    return len(obj.get("data") or {}) + len(obj.get("binaryData") or {})


def _pvc_cells(obj: Mapping[str, Any]) -> dict[str, str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    phase = "Terminating" if dig(obj, "metadata", "deletionTimestamp") else status.get("phase", "")
    bound = bool(spec.get("volumeName"))
    short = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    modes = [short[m] for m in short if m in (status.get("accessModes") or [])]
    annotations = dig(obj, "metadata", "annotations") or {}
    return {
        "status": phase,
        "capacity": str(dig(status, "capacity", "storage") or "") if bound else "",
        "modes": ",".join(modes) if bound else "",
        "class": annotations.get("volume.beta.kubernetes.io/storage-class")
        or spec.get("storageClassName")
        or "",
        "vac": spec.get("volumeAttributesClassName") or "<unset>",
        "mode": spec.get("volumeMode") or "<unset>",
    }


def _pvc(key: str) -> Cell:
    return lambda obj, now: _pvc_cells(obj)[key]


_PVC = [
    NAME,
    string_column("Status", _pvc("status")),
    string_column("Volume", field_of("spec", "volumeName")),
    string_column("Capacity", _pvc("capacity")),
    string_column("Access Modes", _pvc("modes")),
    string_column("StorageClass", _pvc("class")),
    string_column("VolumeAttributesClass", _pvc("vac")),
    AGE,
    string_column("VolumeMode", _pvc("mode"), 1),
]


def _event(obj: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Core and events.k8s.io Events read alike (kube prints both with one printer)."""
    first_ts = obj.get("firstTimestamp") or obj.get("deprecatedFirstTimestamp")
    last_ts = obj.get("lastTimestamp") or obj.get("deprecatedLastTimestamp")
    first = since(first_ts or obj.get("eventTime"), now)
    last = since(last_ts, now) if last_ts else first
    count = obj.get("count") or obj.get("deprecatedCount") or 0
    series = obj.get("series")
    if series:
        last = since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif not count:
        count = 1
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = obj.get("source") or obj.get("deprecatedSource") or {}
    component = source.get("component") or obj.get("reportingController") or ""
    instance = source.get("host") or obj.get("reportingInstance") or ""
    return {
        "last": last,
        "first": first,
        "count": int(count),
        "target": target,
        "source": f"{component}, {instance}" if instance else component,
        "message": str(obj.get("message") or obj.get("note") or "").strip(),
        "subobject": involved.get("fieldPath") or "",
    }


def _ev(key: str) -> Cell:
    return lambda o, n: _event(o, n)[key]


_EVENT = [
    string_column("Last Seen", _ev("last")),
    string_column("Type", field_of("type")),
    string_column("Reason", field_of("reason")),
    string_column("Object", _ev("target")),
    string_column("Subobject", _ev("subobject"), 1),
    string_column("Source", _ev("source"), 1),
    string_column("Message", _ev("message")),
    string_column("First Seen", _ev("first"), 1),
    string_column("Count", _ev("count"), 1),
    Column("Name", "string", name_of, "name", NAME_DESCRIPTION, 1),
]


def _node_status(obj: Mapping[str, Any], now: datetime) -> str:
    ready = [c for c in dig(obj, "status", "conditions") or [] if c.get("type") == "Ready"]
    status = (
        ["Ready" if ready[-1].get("status") == "True" else "NotReady"] if ready else ["Unknown"]
    )
    if dig(obj, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_roles(obj: Mapping[str, Any], now: datetime) -> str:
    roles = set()
    for key, value in (dig(obj, "metadata", "labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key[len("node-role.kubernetes.io/") :]:
            roles.add(key[len("node-role.kubernetes.io/") :])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _node_address(kind: str) -> Cell:
    def cell(obj: Mapping[str, Any], now: datetime) -> str:
        for address in dig(obj, "status", "addresses") or []:
            if address.get("type") == kind:
                return str(address.get("address") or "")
        return "<none>"

    return cell


def _node_info(key: str) -> Cell:
    return field_of("status", "nodeInfo", key, default="<unknown>")


_NODE = [
    NAME,
    string_column("Status", _node_status),
    string_column("Roles", _node_roles),
    AGE,
    string_column("Version", field_of("status", "nodeInfo", "kubeletVersion")),
    string_column("Internal-IP", _node_address("InternalIP"), 1),
    string_column("External-IP", _node_address("ExternalIP"), 1),
    string_column("OS-Image", _node_info("osImage"), 1),
    string_column("Kernel-Version", _node_info("kernelVersion"), 1),
    string_column("Container-Runtime", _node_info("containerRuntimeVersion"), 1),
]


def _subjects(kind: str) -> Cell:
    def cell(obj: Mapping[str, Any], now: datetime) -> str:
        names = []
        for s in obj.get("subjects") or []:
            if s.get("kind") == kind:
                ns = s.get("namespace")
                names.append(f"{ns}/{s.get('name')}" if kind == "ServiceAccount" else s.get("name"))
        return ", ".join(str(n) for n in names)

    return cell


_CREATED_AT = Column("Created At", "date", created_at, "", CREATED_DESCRIPTION)
DEFAULT_COLUMNS = [NAME, _CREATED_AT]


def _role_ref(obj: Mapping[str, Any], now: datetime) -> str:
    return f"{dig(obj, 'roleRef', 'kind')}/{dig(obj, 'roleRef', 'name')}"


_BINDING = [
    NAME,
    string_column("Role", _role_ref),
    AGE,
    string_column("Users", _subjects("User"), 1),
    string_column("Groups", _subjects("Group"), 1),
    string_column("ServiceAccounts", _subjects("ServiceAccount"), 1),
]
_RBAC = "rbac.authorization.k8s.io"
BUILTIN_COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("", "Pod"): _POD,
    ("", "Namespace"): [NAME, string_column("Status", field_of("status", "phase")), AGE],
    ("", "ConfigMap"): [NAME, string_column("Data", _data_count), AGE],
    ("", "Secret"): [
        NAME,
        string_column("Type", field_of("type")),
        string_column("Data", _data_count),
        AGE,
    ],
    ("", "ServiceAccount"): [NAME, string_column("Secrets", count_of("secrets")), AGE],
    ("", "PersistentVolumeClaim"): _PVC,
    ("", "Event"): _EVENT,
    ("events.k8s.io", "Event"): _EVENT,
    ("", "Node"): _NODE,
    ("coordination.k8s.io", "Lease"): [
        NAME,
        string_column("Holder", field_of("spec", "holderIdentity")),
        AGE,
    ],
    (_RBAC, "Role"): DEFAULT_COLUMNS,
    (_RBAC, "ClusterRole"): DEFAULT_COLUMNS,
    (_RBAC, "RoleBinding"): _BINDING,
    (_RBAC, "ClusterRoleBinding"): _BINDING,
}


def _described(key: tuple[str, str], columns: list[Column]) -> list[Column]:
    texts = COLUMN_DESCRIPTIONS.get(key, {})
    return [attrs.evolve(c, description=texts.get(c.name, c.description)) for c in columns]


# each kind's columns with kube's descriptions (lists shared between kinds are copied)
BUILTIN_COLUMNS = {key: _described(key, columns) for key, columns in BUILTIN_COLUMNS.items()}
_BUILTIN_GROUPS = {"", "apps", "batch", "policy", "autoscaling"}


def is_builtin_group(group: str) -> bool:
    return group in _BUILTIN_GROUPS or group.endswith(".k8s.io")
