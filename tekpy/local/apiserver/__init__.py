"""The embedded Kubernetes API server (local mode's control plane and test substrate).

``EmbeddedApiServer`` serves a faithful subset of kube-apiserver's HTTP API (see
docs/apiserver.md); ``FaultHooks`` injects failures in tests. The pure helpers
(``selectors``, ``patch``, ``schema``, ``validation``, ``table``) are importable on their own.
"""

from __future__ import annotations

from .context import Settings
from .hooks import FaultHooks
from .server import EmbeddedApiServer

__all__ = ["EmbeddedApiServer", "FaultHooks", "Settings"]
