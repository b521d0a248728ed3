"""tekpy's local node agent: runs the Pods bound to its Node as bubblewrap sandboxes.

It speaks only the Kubernetes HTTP API (through :mod:`tekpy.runtime`), so it serves the
embedded API server and a real kube-apiserver alike. Public names:

- :class:`NodeAgent` (``await start()``, ``await stop()``, ``run_forever()``),
  :class:`AgentConfig`, :func:`check_bwrap`, :class:`BwrapUnavailable`;
- :class:`ImageMap` and :func:`load_image_map` (image reference -> root file system).

See ``docs/kubelet.md``.
"""

from tekpy.local.kubelet.agent import (
    AgentConfig,
    BwrapUnavailable,
    NodeAgent,
    check_bwrap,
    default_node_name,
)
from tekpy.local.kubelet.entrypoint_build import EntrypointBuildError, ensure_entrypoint_build
from tekpy.local.kubelet.images import ImageMap, load_image_map

__all__ = [
    "AgentConfig",
    "BwrapUnavailable",
    "EntrypointBuildError",
    "ImageMap",
    "NodeAgent",
    "check_bwrap",
    "default_node_name",
    "ensure_entrypoint_build",
    "load_image_map",
]
