"""What the server fills in when built-in kinds are created (kube's PrepareForCreate)."""

from __future__ import annotations

from typing import Any

from .crds import crd_status
from .fielderrors import ErrorType, FieldError
from .registry import ResourceInfo

__all__ = ["default_pod", "drop_empty", "immutable_errors", "normalize_pod_status",
           "prepare_create"]

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
    containers = (pod.get("spec") or {}).get("containers") or []
    reqs = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in reqs):
        qos = "BestEffort"
    elif all(
        (r.get("limits") or {}).get("cpu") and (r.get("limits") or {}).get("memory")
        and all((r.get("requests") or {}).get(k, (r.get("limits") or {}).get(k))
                == (r.get("limits") or {}).get(k) for k in ("cpu", "memory"))
        for r in reqs
    ):
        qos = "Guaranteed"
    else:
        qos = "Burstable"
    return {"phase": "Pending", "qosClass": qos}


def _pull_policy(image: str) -> str:
    # kube: "Always" for :latest or an untagged image, else "IfNotPresent"
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def default_pod(pod: dict[str, Any]) -> None:
    """kube's defaulting of a Pod spec (SetDefaults_PodSpec, SetDefaults_Container)."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or ():
            if not isinstance(c, dict):
                continue
            c.setdefault("resources", {})
            c.setdefault("terminationMessagePath", "/dev/termination-log")
            c.setdefault("terminationMessagePolicy", "File")
            if isinstance(c.get("image"), str):
                c.setdefault("imagePullPolicy", _pull_policy(c["image"]))


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
        obj["status"] = crd_status(obj)
    elif skey == "/secrets":
        if not obj.get("type"):
            obj["type"] = "Opaque"  # kube's defaulting
    elif skey == "/persistentvolumeclaims":
        obj["status"] = {"phase": "Pending"}
    elif info.custom and info.has_status:
        obj.pop("status", None)  # the status subresource alone writes status


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
