"""What the server fills in when built-in kinds are created (kube's PrepareForCreate)."""

from __future__ import annotations

from typing import Any

from .crds import crd_status, default_crd
from .fielderrors import ErrorType, FieldError
from .poddefaults import default_pod_spec, pod_qos_class
from .quantity import canonical
from .registry import ResourceInfo

__all__ = ["default_pod", "drop_empty", "go_zero_values", "immutable_errors",
           "normalize_pod_status", "prepare_create"]

_IMMUTABLE_MSG = "field is immutable when `immutable` is set"
# the content fields frozen by `immutable: true`, in the order kube checks them
_FROZEN = {"/configmaps": ("data", "binaryData"), "/secrets": ("data",)}

# ObjectMeta fields tagged omitempty: kube decodes into Go structs and re-encodes, so an empty
# map or list sent by a client is not stored (custom resources too: their metadata is typed)
_EMPTY_META = ("labels", "annotations", "finalizers", "ownerReferences", "managedFields")
# top-level omitempty maps of the built-in kinds whose bodies are otherwise free-form
_EMPTY_TOP = {"/configmaps": ("data", "binaryData"), "/secrets": ("data", "stringData")}


def _pod_status(pod: dict[str, Any]) -> dict[str, Any]:
    """A new Pod's status: Pending, with the QoS class kube derives from resources."""
    spec = pod.get("spec")
    return {"phase": "Pending", "qosClass": pod_qos_class(spec if isinstance(spec, dict) else {})}


def default_pod(pod: dict[str, Any]) -> None:
    """kube's defaulting of a Pod (see ``poddefaults``)."""
    spec = pod.get("spec")
    if isinstance(spec, dict):
        default_pod_spec(spec)


def normalize_pod_status(status: Any) -> None:
    """Fields Go's encoding of a PodStatus always writes (zero times as null, empty states)."""
    if not isinstance(status, dict):
        return
    for cond in status.get("conditions") or ():
        if isinstance(cond, dict):
            cond.setdefault("lastProbeTime", None)
            cond.setdefault("lastTransitionTime", None)
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or ():
            if isinstance(cs, dict):
                cs.setdefault("state", {})
                cs.setdefault("lastState", {})
                cs.setdefault("ready", False)
                cs.setdefault("restartCount", 0)
                cs.setdefault("image", "")
                cs.setdefault("imageID", "")


_NODE_INFO = ("machineID", "systemUUID", "bootID", "kernelVersion", "osImage",
              "containerRuntimeVersion", "kubeletVersion", "kubeProxyVersion", "operatingSystem",
              "architecture")
# Event fields Go's encoding always writes (no omitempty, or a struct): their zero values
_EVENT_ZERO = {
    "/events": (("involvedObject", dict), ("source", dict), ("firstTimestamp", None),
                ("lastTimestamp", None), ("eventTime", None), ("reportingComponent", ""),
                ("reportingInstance", "")),
    "events.k8s.io/events": (("eventTime", None), ("regarding", dict),
                             ("deprecatedSource", dict), ("deprecatedFirstTimestamp", None),
                             ("deprecatedLastTimestamp", None)),
}


def _node_status(status: dict[str, Any]) -> None:
    endpoints = status.get("daemonEndpoints")
    if not isinstance(endpoints, dict):
        endpoints = status["daemonEndpoints"] = {}
    kubelet = endpoints.get("kubeletEndpoint")
    if not isinstance(kubelet, dict):
        kubelet = endpoints["kubeletEndpoint"] = {}
    kubelet.setdefault("Port", 0)
    info = status.get("nodeInfo")
    if not isinstance(info, dict):
        info = status["nodeInfo"] = {}
    for key in _NODE_INFO:
        info.setdefault(key, "")
    for key in ("capacity", "allocatable"):
        resources = status.get(key)
        if isinstance(resources, dict):  # resource lists: canonical, rounded up to millis
            status[key] = {k: canonical(v, True) if isinstance(v, str) else v
                           for k, v in resources.items()}
    if status.get("allocatable") is None and status.get("capacity") is not None:
        status["allocatable"] = status["capacity"]  # kube's SetDefaults_NodeStatus
    for cond in status.get("conditions") or ():
        if isinstance(cond, dict):
            cond.setdefault("lastHeartbeatTime", None)
            cond.setdefault("lastTransitionTime", None)


def go_zero_values(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Fields kube's Go types always encode, filled in place with their zero values (and
    kube's defaulting of the same objects): Events and Nodes."""
    skey = info.storage_key
    zero = _EVENT_ZERO.get(skey)
    if zero is not None:
        for key, value in zero:
            if key not in obj:
                obj[key] = {} if value is dict else value
    elif skey == "/nodes":
        if not isinstance(obj.get("spec"), dict):
            obj["spec"] = {}
        status = obj.get("status")
        if not isinstance(status, dict):
            status = obj["status"] = {}
        _node_status(status)


def prepare_create(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Set the status (and other server-owned fields) of a new object in place."""
    skey = info.storage_key
    if skey == "/pods":
        default_pod(obj)
        obj["status"] = _pod_status(obj)
    elif skey == "/namespaces":
        obj.setdefault("spec", {})["finalizers"] = ["kubernetes"]
        obj["status"] = {"phase": "Active"}
        labels = obj["metadata"].setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = obj["metadata"].get("name", "")
    elif skey == "apiextensions.k8s.io/customresourcedefinitions":
        default_crd(obj)
        obj["status"] = crd_status(obj)
    elif skey == "/secrets":
        if not obj.get("type"):
            obj["type"] = "Opaque"  # kube's defaulting
    elif skey == "/persistentvolumeclaims":
        obj["status"] = {"phase": "Pending"}
    elif info.custom and info.has_status:
        obj.pop("status", None)  # the status subresource alone writes status
    else:
        go_zero_values(info, obj)


def drop_empty(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Remove empty omitempty maps and lists, in place, as Go's encoding would."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in _EMPTY_META:
            if key in meta and meta[key] in ({}, []):
                del meta[key]
    for key in _EMPTY_TOP.get(info.storage_key, ()):
        if key in obj and obj[key] in ({}, []):
            del obj[key]


def immutable_errors(
    info: ResourceInfo, old: dict[str, Any], new: dict[str, Any]
) -> list[FieldError]:
    """An immutable ConfigMap or Secret keeps its content and stays immutable."""
    frozen = _FROZEN.get(info.storage_key)
    if frozen is None or old.get("immutable") is not True:
        return []
    errs = []
    if new.get("immutable") is not True:
        errs.append(FieldError(ErrorType.FORBIDDEN, "immutable", _IMMUTABLE_MSG))
    for key in frozen:
        if (new.get(key) or {}) != (old.get(key) or {}):
            errs.append(FieldError(ErrorType.FORBIDDEN, key, _IMMUTABLE_MSG))
    return errs
