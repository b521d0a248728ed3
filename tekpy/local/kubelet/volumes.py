"""A Pod's volumes as host directories that the sandbox binds at the mount paths.

Layout under the agent's data dir: ``pods/<uid>/volumes/<name>/`` for emptyDir, configMap,
secret, downwardAPI and projected volumes; ``claims/<namespace>/<claim>/`` for a
persistentVolumeClaim (kept after the Pod, like a bound volume). Files are written through a
temporary name and a rename, so a reader never sees half a file; downward API files are
rewritten when the Pod's labels or annotations change (:func:`refresh_downward`).
``hostPath`` is refused unless the agent allows it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from tekpy.local.kubelet.objects import (
    ConfigError,
    Lookup,
    field_value,
    read_data,
    resource_value,
)

__all__ = ["HostVolume", "VolumeContext", "refresh_downward", "setup_volumes"]

_DEFAULT_MODE = 0o644


@attrs.frozen
class HostVolume:
    """A prepared volume: its host directory (or file, for hostPath) and whether the
    volume itself is read-only (configMap, secret, downwardAPI, projected)."""

    path: str
    read_only: bool = False


@attrs.frozen
class VolumeContext:
    """What volume setup needs from the agent."""

    data_dir: Path
    lookup: Lookup
    allow_host_path: bool = False


def pod_dir(data_dir: Path, uid: str) -> Path:
    """The Pod's directory on the host."""
    return data_dir / "pods" / uid


async def setup_volumes(pod: dict[str, Any], ctx: VolumeContext) -> dict[str, HostVolume]:
    """Create every volume of ``pod``; raises :class:`ConfigError` with kube's message when a
    source is missing (the Pod then waits in ``ContainerCreating``)."""
    meta = pod.get("metadata") or {}
    ns = meta.get("namespace", "default")
    base = pod_dir(ctx.data_dir, meta.get("uid", "")) / "volumes"
    out: dict[str, HostVolume] = {}
    for vol in (pod.get("spec") or {}).get("volumes") or ():
        name = vol.get("name", "")
        target = base / name
        # A volume with no source is an emptyDir: kube-apiserver's defaulting makes it one,
        # and a Pod written by a client that skipped defaulting must run the same way.
        if "emptyDir" in vol or set(vol) <= {"name"}:
            target.mkdir(parents=True, exist_ok=True)
            os.chmod(target, 0o777)  # kube's emptyDir is world-writable
            out[name] = HostVolume(str(target))
        elif "persistentVolumeClaim" in vol:
            claim = vol["persistentVolumeClaim"].get("claimName", "")
            d = ctx.data_dir / "claims" / ns / claim
            d.mkdir(parents=True, exist_ok=True)
            out[name] = HostVolume(str(d), bool(vol["persistentVolumeClaim"].get("readOnly")))
        elif "hostPath" in vol:
            if not ctx.allow_host_path:
                raise ConfigError(f'volume "{name}": hostPath volumes are not allowed on this '
                                  "node (start the agent with --allow-host-path)")
            out[name] = _host_path(vol["hostPath"])
        elif any(k in vol for k in ("configMap", "secret", "downwardAPI", "projected")):
            target.mkdir(parents=True, exist_ok=True)
            files = await _projected_files(pod, vol, ns, ctx.lookup)
            _write_files(target, files)
            out[name] = HostVolume(str(target), True)
        else:
            kind = next((k for k in vol if k != "name"), "unknown")
            raise ConfigError(f'volume "{name}": {kind} volumes are not supported by the '
                              "local node agent")
    return out


def _host_path(hp: dict[str, Any]) -> HostVolume:
    path = Path(hp.get("path", ""))
    if hp.get("type") == "DirectoryOrCreate" and not path.exists():
        path.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        raise ConfigError(f"hostPath type check failed: {path} does not exist")
    return HostVolume(str(path))


async def _projected_files(pod: dict[str, Any], vol: dict[str, Any], ns: str,
                           lookup: Lookup) -> dict[str, tuple[bytes, int]]:
    """Relative path -> (content, mode) of a configMap/secret/downwardAPI/projected volume."""
    if "projected" in vol:
        proj = vol["projected"]
        sources = proj.get("sources") or ()
        default_mode = proj.get("defaultMode", _DEFAULT_MODE)
    else:
        sources = [vol]
        default_mode = next(
            (vol[k].get("defaultMode", _DEFAULT_MODE) for k in ("configMap", "secret",
                                                                 "downwardAPI") if k in vol),
            _DEFAULT_MODE)
    files: dict[str, tuple[bytes, int]] = {}
    for src in sources:
        for kind, key, ref_name in (("configmap", "configMap", "name"),
                                    ("secret", "secret", "secretName")):
            if key not in src:
                continue
            ref = src[key]
            name = ref.get(ref_name) or ref.get("name", "")
            optional = bool(ref.get("optional"))
            data = await read_data(lookup, ns, kind, name, optional)
            if data is None:
                continue
            items = ref.get("items")
            if items:
                for item in items:
                    k = item.get("key", "")
                    if k not in data:
                        if optional:
                            continue
                        label = "configmap" if kind == "configmap" else "secret"
                        raise ConfigError(f'configmap references non-existent config key: {k}'
                                          if label == "configmap" else
                                          f'references non-existent secret key: {k}')
                    files[item.get("path", k)] = (data[k], item.get("mode", default_mode))
            else:
                for k, v in data.items():
                    files[k] = (v, default_mode)
        if "downwardAPI" in src:
            files.update(downward_files(pod, src["downwardAPI"], default_mode))
        if "serviceAccountToken" in src:
            # No TokenRequest here: the file exists (empty) so that mounts succeed.
            files[src["serviceAccountToken"].get("path", "token")] = (b"", default_mode)
    return files


def downward_files(pod: dict[str, Any], spec: dict[str, Any],
                   default_mode: int = _DEFAULT_MODE) -> dict[str, tuple[bytes, int]]:
    """The files of a downward API projection for the Pod as it is now."""
    files: dict[str, tuple[bytes, int]] = {}
    mode_default = spec.get("defaultMode", default_mode)
    containers = {c.get("name"): c for c in (pod.get("spec") or {}).get("containers") or ()}
    for item in spec.get("items") or ():
        path = item.get("path", "")
        if "fieldRef" in item:
            value = field_value(pod, item["fieldRef"].get("fieldPath", ""))
        elif "resourceFieldRef" in item:
            ref = item["resourceFieldRef"]
            value = resource_value(containers.get(ref.get("containerName")),
                                   ref.get("resource", ""), ref.get("divisor"))
        else:
            continue
        files[path] = (value.encode(), item.get("mode", mode_default))
    return files


def _safe_join(base: Path, rel: str) -> Path:
    p = (base / rel).resolve()
    if base.resolve() not in p.parents:
        raise ConfigError(f"invalid volume item path {rel!r}")
    return p


def _write_files(base: Path, files: dict[str, tuple[bytes, int]]) -> bool:
    """Write changed files atomically; returns True when anything changed."""
    changed = False
    for rel, (content, mode) in files.items():
        path = _safe_join(base, rel)
        try:
            if path.read_bytes() == content:
                continue
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, content)
            os.fchmod(fd, mode & 0o7777)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        changed = True
    return changed


def refresh_downward(pod: dict[str, Any], volumes: dict[str, HostVolume]) -> bool:
    """Rewrite the downward API files of ``pod`` (labels/annotations may have changed)."""
    changed = False
    for vol in (pod.get("spec") or {}).get("volumes") or ():
        hv = volumes.get(vol.get("name", ""))
        if hv is None:
            continue
        specs: list[tuple[dict[str, Any], int]] = []
        if "downwardAPI" in vol:
            specs.append((vol["downwardAPI"], vol["downwardAPI"].get("defaultMode",
                                                                     _DEFAULT_MODE)))
        elif "projected" in vol:
            mode = vol["projected"].get("defaultMode", _DEFAULT_MODE)
            specs += [(s["downwardAPI"], mode) for s in vol["projected"].get("sources") or ()
                      if "downwardAPI" in s]
        for spec, mode in specs:
            try:
                changed |= _write_files(Path(hv.path), downward_files(pod, spec, mode))
            except ConfigError:
                continue
    return changed
