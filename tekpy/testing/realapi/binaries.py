"""Finding (or, on request, building) the real control plane's binaries.

``hack/realapi.sh`` builds them into a cache outside the checkout; ``ensure_binaries``
asks it for the paths (``--check`` never builds) or, in an installed tekpy without the
checkout, looks in the cache directly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_K8S_VERSION", "RealApiBinaries", "RealApiUnavailable", "ensure_binaries"]

#: Must match the default in hack/realapi.sh; ``TEKPY_K8S_VERSION`` overrides both.
DEFAULT_K8S_VERSION = "v1.34.4"

_REPO_ROOT = Path(__file__).resolve().parents[3]
_BUILD_SCRIPT = _REPO_ROOT / "hack" / "realapi.sh"
_BINARY_KEYS = ("etcd", "kube-apiserver", "kube-controller-manager", "kubectl")


class RealApiUnavailable(RuntimeError):
    """The real control plane cannot run here; ``reason`` says why (use it as a skip reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RealApiBinaries:
    """Absolute paths of the control-plane binaries."""

    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path
    kubectl: Path | None
    version: str


def _cache_dir(version: str) -> Path:
    root = os.environ.get("TEKPY_REALAPI_CACHE") or str(Path.home() / ".cache/tekpy/realapi")
    return Path(root) / version / "bin"


def ensure_binaries(*, build: bool | None = None) -> RealApiBinaries:
    """Return the binaries' paths, building them first only when asked to.

    ``build`` defaults to the ``TEKPY_REALAPI_BUILD`` environment variable ("1" builds):
    a cold build takes tens of minutes, so tests never trigger one by surprise. Raises
    ``RealApiUnavailable`` with the reason when the binaries are missing or cannot be built.
    """
    if build is None:
        build = os.environ.get("TEKPY_REALAPI_BUILD") == "1"
    version = os.environ.get("TEKPY_K8S_VERSION") or DEFAULT_K8S_VERSION
    found: dict[str, str] = {}
    if _BUILD_SCRIPT.is_file():
        cmd = ["bash", str(_BUILD_SCRIPT)] + ([] if build else ["--check"])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = " | ".join(proc.stderr.strip().splitlines()[-5:])
            raise RealApiUnavailable(f"real kube-apiserver {version} unavailable: {tail}")
        for line in proc.stdout.splitlines():
            key, sep, value = line.partition("=")
            if sep and key in _BINARY_KEYS and value:
                found[key] = value
    else:  # an installed tekpy without the checkout: use whatever was built before
        bindir = _cache_dir(version)
        found = {k: str(bindir / k) for k in _BINARY_KEYS if (bindir / k).is_file()}
        if "kubectl" not in found and (kubectl := shutil.which("kubectl")):
            found["kubectl"] = kubectl
    missing = [k for k in _BINARY_KEYS[:3] if not (k in found and os.access(found[k], os.X_OK))]
    if missing:
        raise RealApiUnavailable(
            f"real kube-apiserver {version} unavailable: missing {', '.join(missing)} "
            f"(run hack/realapi.sh to build them into {_cache_dir(version)})"
        )
    return RealApiBinaries(
        etcd=Path(found["etcd"]),
        kube_apiserver=Path(found["kube-apiserver"]),
        kube_controller_manager=Path(found["kube-controller-manager"]),
        kubectl=Path(found["kubectl"]) if found.get("kubectl") else None,
        version=version,
    )
