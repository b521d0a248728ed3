"""Reads of the objects a Pod refers to (ConfigMaps, Secrets) and downward API fields.

Shared by the volume and environment code. ``Lookup`` caches nothing: the agent reads a
ConfigMap or Secret when a container starts or a volume is prepared, as a kubelet without a
watch-based cache would; values are never logged.
"""

from __future__ import annotations

import base64
import re
from typing import Any, Protocol

__all__ = ["ConfigError", "Lookup", "field_value", "format_map"]


class ConfigError(Exception):
    """A reference the Pod makes cannot be satisfied (``CreateContainerConfigError``)."""


class Lookup(Protocol):
    """Reads ConfigMaps and Secrets of the Pod's namespace (None when absent)."""

    async def configmap(self, namespace: str, name: str) -> dict[str, Any] | None: ...

    async def secret(self, namespace: str, name: str) -> dict[str, Any] | None: ...


async def read_data(lookup: Lookup, namespace: str, kind: str, name: str,
                    optional: bool) -> dict[str, bytes] | None:
    """The data of a ConfigMap (``kind='configmap'``) or Secret, as bytes per key."""
    if kind == "configmap":
        obj = await lookup.configmap(namespace, name)
        what = "configmap"
    else:
        obj = await lookup.secret(namespace, name)
        what = "secret"
    if obj is None:
        if optional:
            return None
        raise ConfigError(f'{what} "{name}" not found')
    out: dict[str, bytes] = {}
    if kind == "configmap":
        for k, v in (obj.get("data") or {}).items():
            out[k] = str(v).encode()
        for k, v in (obj.get("binaryData") or {}).items():
            out[k] = base64.b64decode(v)
    else:
        for k, v in (obj.get("data") or {}).items():
            out[k] = base64.b64decode(v)
        for k, v in (obj.get("stringData") or {}).items():
            out[k] = str(v).encode()
    return out


_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")


def format_map(m: dict[str, str]) -> str:
    """Labels/annotations as the downward API writes them: ``key="value"`` lines, sorted."""
    return "\n".join(f'{k}="{_go_quote(v)}"' for k, v in sorted(m.items()))


def _go_quote(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def field_value(pod: dict[str, Any], path: str, *, host_ip: str = "127.0.0.1") -> str:
    """The value of a downward API ``fieldRef.fieldPath`` for ``pod``."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    m = _SUBSCRIPT.match(path)
    if m:
        return str((meta.get(m.group(1)) or {}).get(m.group(2), ""))
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": status.get("hostIP") or host_ip,
        "status.hostIPs": status.get("hostIP") or host_ip,
        "status.podIP": status.get("podIP") or host_ip,
        "status.podIPs": status.get("podIP") or host_ip,
    }
    if path in simple:
        return str(simple[path])
    if path == "metadata.labels":
        return format_map(meta.get("labels") or {})
    if path == "metadata.annotations":
        return format_map(meta.get("annotations") or {})
    raise ConfigError(f"unsupported fieldPath: {path}")


def resource_value(container: dict[str, Any] | None, resource: str, divisor: str | None) -> str:
    """A ``resourceFieldRef`` value: the container's limit (else request), or the node's
    capacity, in the divisor's unit (best effort: cpu in cores rounded up, memory in bytes)."""
    res = (container or {}).get("resources") or {}
    kind, _, name = resource.partition(".")
    value = ((res.get(kind) or {}).get(name) or (res.get("requests") or {}).get(name))
    if name == "cpu":
        cores = _cpu(value) if value else 2.0
        div = _cpu(divisor) if divisor else 1.0
        return str(max(1, -(-int(cores * 1000) // int(div * 1000))))
    mem = _mem(value) if value else 4 * 1024**3
    div_b = _mem(divisor) if divisor else 1
    return str(-(-mem // div_b))


def _cpu(q: str) -> float:
    q = str(q)
    return int(q[:-1]) / 1000 if q.endswith("m") else float(q)


_MEM_SUFFIX = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4, "k": 1000,
               "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}


def _mem(q: str) -> int:
    q = str(q)
    for suffix in sorted(_MEM_SUFFIX, key=len, reverse=True):
        if q.endswith(suffix):
            return int(float(q[: -len(suffix)]) * _MEM_SUFFIX[suffix])
    return int(float(q))
