"""A container's environment and its ``$(VAR)`` expansion, as the kubelet computes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tekpy.local.kubelet.objects import ConfigError, Lookup, field_value, read_data, resource_value

__all__ = ["DEFAULT_PATH", "container_env", "expand"]

#: The PATH of a container whose image configuration is unknown (Docker's default).
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion: defined names are replaced, ``$$`` is a literal
    ``$``, and undefined references are kept verbatim."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "$" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2:end]
                    if name in env:
                        out.append(env[name])
                    else:
                        out.append(text[i:end + 1])
                    i = end + 1
                    continue
        out.append(c)
        i += 1
    return "".join(out)


async def container_env(pod: dict[str, Any], container: dict[str, Any],
                        lookup: Lookup) -> dict[str, str]:
    """The environment of ``container`` (defaults, ``envFrom``, then ``env`` in order, each
    value expanded against the variables before it). Raises :class:`ConfigError` for a
    missing non-optional ConfigMap, Secret or key."""
    meta = pod.get("metadata") or {}
    ns = meta.get("namespace", "default")
    env: dict[str, str] = {
        "PATH": DEFAULT_PATH,
        "HOSTNAME": str(meta.get("name", "")),
        "HOME": "/root",
    }
    for src in container.get("envFrom") or ():
        prefix = src.get("prefix") or ""
        for kind, key in (("configmap", "configMapRef"), ("secret", "secretRef")):
            ref = src.get(key)
            if not ref:
                continue
            data = await read_data(lookup, ns, kind, ref.get("name", ""),
                                   bool(ref.get("optional")))
            for k, v in (data or {}).items():
                env[prefix + k] = v.decode(errors="replace")
    for item in container.get("env") or ():
        name = item.get("name", "")
        if "valueFrom" not in item:
            env[name] = expand(str(item.get("value", "")), env)
            continue
        value = await _value_from(pod, container, item["valueFrom"], ns, lookup)
        if value is not None:
            env[name] = value
    return env


async def _value_from(pod: dict[str, Any], container: dict[str, Any], src: dict[str, Any],
                      ns: str, lookup: Lookup) -> str | None:
    if "fieldRef" in src:
        return field_value(pod, src["fieldRef"].get("fieldPath", ""))
    if "resourceFieldRef" in src:
        ref = src["resourceFieldRef"]
        named = container
        if ref.get("containerName"):
            spec = pod.get("spec") or {}
            named = next((c for k in ("containers", "initContainers")
                          for c in spec.get(k) or () if c.get("name") == ref["containerName"]),
                         container)
        return resource_value(named, ref.get("resource", ""), ref.get("divisor"))
    for kind, key, label in (("configmap", "configMapKeyRef", "ConfigMap"),
                             ("secret", "secretKeyRef", "Secret")):
        ref = src.get(key)
        if ref is None:
            continue
        optional = bool(ref.get("optional"))
        name = ref.get("name", "")
        data = await read_data(lookup, ns, kind, name, optional)
        if data is None:
            return None
        k = ref.get("key", "")
        if k not in data:
            if optional:
                return None
            raise ConfigError(f"couldn't find key {k} in {label} {ns}/{name}")
        return data[k].decode(errors="replace")
    raise ConfigError("unsupported valueFrom source")
