"""Unknown fields of built-in kinds, for ``fieldValidation`` (Strict, Warn, Ignore).

kube-apiserver decodes a built-in object into its Go type, so a field the type does not
have is reported (Strict: 400, Warn: a ``Warning`` header) or silently dropped (Ignore). We
know the fields of ``ObjectMeta``, the top-level fields of each built-in kind and, for Pods,
the fields of the spec and its containers; other nested fields are not checked (kept as sent).
"""

from __future__ import annotations

from typing import Any

import orjson

from .errors import ApiError
from .fielderrors import ErrorType, FieldError

__all__ = ["drop_fields", "strict_patch_error", "unknown_fields"]

_META = frozenset((
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
))
_BASE = ("apiVersion", "kind", "metadata")
_SPEC_STATUS = (*_BASE, "spec", "status")

# top-level fields of the built-in types, by storage key
_TOP: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "/namespaces": _SPEC_STATUS,
    "/pods": _SPEC_STATUS,
    "/nodes": _SPEC_STATUS,
    "/services": _SPEC_STATUS,
    "/persistentvolumeclaims": _SPEC_STATUS,
    "/configmaps": (*_BASE, "data", "binaryData", "immutable"),
    "/secrets": (*_BASE, "data", "stringData", "type", "immutable"),
    "/serviceaccounts": (*_BASE, "secrets", "imagePullSecrets",
                         "automountServiceAccountToken"),
    "/events": (*_BASE, "involvedObject", "reason", "message", "source", "firstTimestamp",
                "lastTimestamp", "count", "type", "eventTime", "series", "action", "related",
                "reportingComponent", "reportingInstance"),
    "events.k8s.io/events": (*_BASE, "eventTime", "series", "reportingController",
                             "reportingInstance", "action", "reason", "regarding", "related",
                             "note", "type", "deprecatedSource", "deprecatedFirstTimestamp",
                             "deprecatedLastTimestamp", "deprecatedCount"),
    "coordination.k8s.io/leases": (*_BASE, "spec"),
    "apiextensions.k8s.io/customresourcedefinitions": _SPEC_STATUS,
    "authorization.k8s.io/selfsubjectaccessreviews": _SPEC_STATUS,
    "rbac.authorization.k8s.io/roles": (*_BASE, "rules"),
    "rbac.authorization.k8s.io/clusterroles": (*_BASE, "rules", "aggregationRule"),
    "rbac.authorization.k8s.io/rolebindings": (*_BASE, "subjects", "roleRef"),
    "rbac.authorization.k8s.io/clusterrolebindings": (*_BASE, "subjects", "roleRef"),
}.items()}


def _known_pod_spec(spec: dict[str, Any]) -> bool:
    """Whether every key of the spec and of its containers is known (the common case,
    checked as key-set comparisons)."""
    if not spec.keys() <= _POD_SPEC:
        return False
    for key in _CONTAINER_LISTS:
        items = spec.get(key)
        if isinstance(items, list):
            for c in items:
                if isinstance(c, dict) and not c.keys() <= _CONTAINER:
                    return False
    return True


def _pod_spec_unknown(spec: dict[str, Any], out: list[str]) -> None:
    if _known_pod_spec(spec):
        return
    for key, value in spec.items():
        if key not in _POD_SPEC:
            out.append(f"spec.{key}")
        elif key in _CONTAINER_LISTS and isinstance(value, list):
            known = _EPHEMERAL if key == "ephemeralContainers" else _CONTAINER
            for i, c in enumerate(value):
                if isinstance(c, dict):
                    out.extend(f"spec.{key}[{i}].{k}" for k in c if k not in known)


def unknown_fields(storage_key: str, obj: dict[str, Any]) -> list[str]:
    """Paths of fields the kind's Go type lacks, in document order (kube's order)."""
    top = _TOP.get(storage_key)
    if top is None:
        return []
    out: list[str] = []
    for key, value in obj.items():
        if key not in top:
            out.append(key)
        elif key == "metadata" and isinstance(value, dict):
            if not value.keys() <= _META:
                out.extend(f"metadata.{k}" for k in value if k not in _META)
        elif key == "spec" and storage_key == "/pods" and isinstance(value, dict):
            _pod_spec_unknown(value, out)
    return out


def drop_fields(obj: dict[str, Any], paths: list[str]) -> None:
    """Remove the ``unknown_fields`` paths from ``obj`` in place (Warn and Ignore)."""
    for path in paths:
        *parents, leaf = path.split(".")
        node: Any = obj
        for part in parents:
            name, _, index = part.partition("[")
            node = node[name]
            if index:
                node = node[int(index[:-1])]
        node.pop(leaf, None)


def strict_patch_error(patched: dict[str, Any], unknown: list[str]) -> ApiError:
    """kube's 422 for a Strict patch whose result has fields the built-in type lacks.

    The message quotes the patched object as kube encodes it: top-level keys sorted (it is
    a map there), metadata in ``ObjectMeta`` field order.
    """
    meta = patched.get("metadata") or {}
    ordered = {k: meta[k] for k in _META_ORDER if k in meta}
    ordered.update((k, v) for k, v in meta.items() if k not in ordered)
    doc = orjson.dumps(dict(patched, metadata=ordered), option=orjson.OPT_SORT_KEYS)
    # OPT_SORT_KEYS sorts metadata too: splice the ordered encoding back in
    doc = doc.replace(orjson.dumps(ordered, option=orjson.OPT_SORT_KEYS), orjson.dumps(ordered), 1)
    err = FieldError(ErrorType.INVALID, "patch", "strict decoding error: " + ", ".join(
        f'unknown field "{p}"' for p in unknown), doc.decode())
    return ApiError(422, "Invalid", f' "" is invalid: {err}', {"causes": [err.cause()]})


# the fields of a v1 PodSpec and Container (nested unknown fields are dropped as kube's decoder
# drops them: a strategic patch adding ``spec.noSuchField`` to a Pod succeeds)
_POD_SPEC = frozenset((
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
    "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
    "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
    "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
    "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
    "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
    "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
    "resourceClaims", "resources", "hostnameOverride",
))
_CONTAINER = frozenset((
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
    "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
))
_EPHEMERAL = _CONTAINER | {"targetContainerName"}
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

_META_ORDER = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
               "generation", "creationTimestamp", "deletionTimestamp",
               "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
               "finalizers", "managedFields")
