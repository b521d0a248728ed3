"""kube's defaulting of a Pod (``SetObjectDefaults_Pod``), applied to every decoded Pod.

The spec's own defaults (restart and DNS policy, grace period, scheduler), containers (pull
policy, termination message, ports' protocol, probes, ``fieldRef`` API version, requests
taken from limits, resource quantities in canonical form rounded up to millis) and volumes
(file modes, host path type, token expiry, the sources kube gives fixed defaults).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .quantity import canonical, parse

__all__ = ["default_pod_spec", "pod_qos_class"]

_MODE = 0o644  # the default file mode of secret, configMap, downwardAPI and projected volumes
_PROBES = (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
           ("failureThreshold", 3))
_PROBE_KEYS = ("livenessProbe", "readinessProbe", "startupProbe")
_VOLUME_FIXED = {
    "iscsi": (("iscsiInterface", "default"),),
    "rbd": (("pool", "rbd"), ("user", "admin"), ("keyring", "/etc/ceph/keyring")),
    "azureDisk": (("cachingMode", "ReadWrite"), ("fsType", "ext4"), ("readOnly", False),
                  ("kind", "Shared")),
    "scaleIO": (("storageMode", "ThinProvisioned"), ("fsType", "xfs")),
}


def _pull_policy(image: str) -> str:
    # kube: "Always" for :latest or an untagged image, else "IfNotPresent"
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _requirements(resources: dict[str, Any]) -> None:
    """The limits' and requests' quantities in kube's canonical form."""
    for name in ("limits", "requests"):
        value = resources.get(name)
        if isinstance(value, dict):
            for key, q in value.items():
                if isinstance(q, str):
                    value[key] = canonical(q, True)


def _field_refs(items: Any) -> None:
    """``fieldRef.apiVersion`` and the ``resourceFieldRef.divisor`` Go always writes."""
    for item in _dicts(items):
        ref = item.get("fieldRef")
        if isinstance(ref, dict) and not ref.get("apiVersion"):
            ref["apiVersion"] = "v1"
        res = item.get("resourceFieldRef")
        if isinstance(res, dict):
            divisor = res.get("divisor")
            res["divisor"] = canonical(divisor) if isinstance(divisor, str) else "0"


def _http_get(handler: Any) -> None:
    get = handler.get("httpGet") if isinstance(handler, dict) else None
    if isinstance(get, dict):
        get.setdefault("path", "/")
        get.setdefault("scheme", "HTTP")


def _container(c: dict[str, Any], host_network: bool) -> None:
    c.setdefault("resources", {})
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if isinstance(c.get("image"), str):
        c.setdefault("imagePullPolicy", _pull_policy(c["image"]))
    ports = c.get("ports")
    if ports:
        for port in _dicts(ports):
            port.setdefault("protocol", "TCP")
            if host_network and not port.get("hostPort"):
                port["hostPort"] = port.get("containerPort")
    env_vars = c.get("env")
    if env_vars:
        for env in _dicts(env_vars):
            source = env.get("valueFrom")
            if isinstance(source, dict):
                _field_refs([source])
                file_ref = source.get("fileKeyRef")
                if isinstance(file_ref, dict):
                    file_ref.setdefault("optional", False)
    resources = c["resources"]
    if isinstance(resources, dict) and resources:
        limits = resources.get("limits")
        if isinstance(limits, dict) and limits:  # requests default to the limits
            requests = resources.setdefault("requests", {})
            if isinstance(requests, dict):
                for key, value in limits.items():
                    requests.setdefault(key, value)
        _requirements(resources)
    for key in _PROBE_KEYS:
        probe = c.get(key)
        if isinstance(probe, dict):
            for field, value in _PROBES:
                if not probe.get(field):
                    probe[field] = value
            _http_get(probe)
            grpc = probe.get("grpc")
            if isinstance(grpc, dict):
                grpc.setdefault("service", "")
    lifecycle = c.get("lifecycle")
    if isinstance(lifecycle, dict):
        _http_get(lifecycle.get("postStart"))
        _http_get(lifecycle.get("preStop"))


def _mode(source: Any, extra: Callable[[dict[str, Any]], None] | None = None) -> None:
    if isinstance(source, dict):
        if source.get("defaultMode") is None:
            source["defaultMode"] = _MODE
        if extra is not None:
            extra(source)


def _projected(source: dict[str, Any]) -> None:
    for item in _dicts(source.get("sources")):
        downward = item.get("downwardAPI")
        if isinstance(downward, dict):
            _field_refs(downward.get("items"))
        token = item.get("serviceAccountToken")
        if isinstance(token, dict) and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = 3600


def _empty_dir(source: Any) -> None:
    if isinstance(source, dict) and isinstance(source.get("sizeLimit"), str):
        source["sizeLimit"] = canonical(source["sizeLimit"])


def _host_path(source: Any) -> None:
    if isinstance(source, dict) and source.get("type") is None:
        source["type"] = ""


def _downward_api(source: Any) -> None:
    _mode(source, lambda s: _field_refs(s.get("items")))


def _projected_volume(source: Any) -> None:
    _mode(source, _projected)


def _fixed(fixed: tuple[tuple[str, Any], ...], source: Any) -> None:
    if isinstance(source, dict):
        for key, value in fixed:
            if source.get(key) in (None, ""):
                source[key] = value


def _ephemeral(source: Any) -> None:
    template = source.get("volumeClaimTemplate") if isinstance(source, dict) else None
    if not isinstance(template, dict):
        return
    template.setdefault("metadata", {})  # Go writes the template's ObjectMeta always
    claim = template.get("spec")
    if isinstance(claim, dict):
        claim.setdefault("volumeMode", "Filesystem")
        resources = claim.get("resources")
        if isinstance(resources, dict):
            _requirements(resources)


# each volume source's defaults touch that source alone, so a volume runs those of the
# sources it has (usually one), in any order
_VOLUME_SOURCES: dict[str, Callable[[Any], None]] = {
    "emptyDir": _empty_dir, "hostPath": _host_path, "secret": _mode, "configMap": _mode,
    "downwardAPI": _downward_api, "projected": _projected_volume, "ephemeral": _ephemeral,
    **{name: functools.partial(_fixed, fixed) for name, fixed in _VOLUME_FIXED.items()},
}


def _volume(v: dict[str, Any]) -> None:
    for key, value in v.items():
        if key != "name" and value is not None:
            break
    else:  # no source: kube's default is an emptyDir
        v["emptyDir"] = {}
    for key, value in v.items():
        default = _VOLUME_SOURCES.get(key)
        if default is not None:
            default(value)


def default_pod_spec(spec: dict[str, Any]) -> None:
    """Apply kube's Pod defaults to ``spec`` in place (idempotent)."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    # the deprecated serviceAccount mirrors serviceAccountName (either may be sent)
    account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if account:
        spec["serviceAccountName"] = spec["serviceAccount"] = account
    host_network = spec.get("hostNetwork") is True
    for v in _dicts(spec.get("volumes")):
        _volume(v)
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in _dicts(spec.get(key)):
            _container(c, host_network and key != "ephemeralContainers")


def _qos_value(q: Any) -> Any:
    parsed = parse(q) if isinstance(q, str) else None
    return parsed[0] if parsed is not None else 0


def pod_qos_class(spec: dict[str, Any]) -> str:
    """kube's QoS class of a defaulted Pod: every container's (and init container's) cpu and
    memory requests and limits decide it."""
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for c in _dicts(spec.get("containers")) + _dicts(spec.get("initContainers")):
        resources = c.get("resources")
        if not resources or not isinstance(resources, dict):
            guaranteed = False  # no cpu and memory limits
            continue
        for name, q in (resources.get("requests") or {}).items():
            value = _qos_value(q)
            if name in ("cpu", "memory") and value > 0:
                requests[name] = requests.get(name, 0) + value
        found = set()
        for name, q in (resources.get("limits") or {}).items():
            value = _qos_value(q)
            if name in ("cpu", "memory") and value > 0:
                found.add(name)
                limits[name] = limits.get(name, 0) + value
        if found != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and len(requests) == len(limits) and all(
            limits.get(name) == value for name, value in requests.items()):
        return "Guaranteed"
    return "Burstable"
