"""Steps and sidecars of the model as Kubernetes container dicts.

Tekton-only fields (``timeout``, ``onError``, ``results``, ``workspaces``, ...) are dropped;
``computeResources`` becomes ``resources``. ``script`` is kept for :mod:`.scripts` to consume.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any

from tekpy.api.converter import unstructure
from tekpy.api.types import Sidecar, Step

__all__ = ["sidecar_container", "step_container", "working_dir_init"]

_STEP_KEYS = ("name", "image", "command", "args", "workingDir", "envFrom", "env",
              "volumeMounts", "volumeDevices", "imagePullPolicy", "securityContext", "script")
_SIDECAR_KEYS = (*_STEP_KEYS, "ports", "livenessProbe", "readinessProbe", "startupProbe",
                 "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "stdin",
                 "stdinOnce", "tty", "restartPolicy")


def _container(data: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    out = {k: data[k] for k in keys if k in data}
    res = data.get("computeResources")
    if res:
        out["resources"] = res
    return out


def step_container(step: Step) -> dict[str, Any]:
    """The container of a step (name still unprefixed)."""
    return _container(unstructure(step), _STEP_KEYS)


def sidecar_container(sidecar: Sidecar) -> dict[str, Any]:
    """The container of a sidecar (name still unprefixed)."""
    return _container(unstructure(sidecar), _SIDECAR_KEYS)


def working_dir_init(image: str, containers: Sequence[dict[str, Any]],
                     mounts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The ``working-dir-initializer`` init container creating relative working dirs.

    Relative ``workingDir``s and those under ``/workspace/`` are created (``mkdir -p`` run from
    ``/workspace`` in the shell image; Tekton ships a small ``workingdirinit`` binary).
    """
    dirs = sorted({c["workingDir"] for c in containers if c.get("workingDir")})
    todo = []
    for d in dirs:
        p = posixpath.normpath(d)
        if not p.startswith("/") or p.startswith("/workspace/"):
            todo.append(p)
    if not todo:
        return None
    return {"name": "working-dir-initializer", "image": image, "command": ["mkdir", "-p"],
            "args": todo, "workingDir": "/workspace", "volumeMounts": mounts}
