"""API servers for tests: the in-process embedded server, or a real kube-apiserver.

Both hand back the same handle (:class:`ApiServerHandle`): ``url``, ``token``, ``ca_file``,
``kubeconfig_path`` and ``hooks`` (fault injection; ``None`` on the real server).
"""

from __future__ import annotations

import os
from typing import Any, Protocol

__all__ = [
    "API_SERVER_KINDS",
    "ApiServerHandle",
    "ServerUnavailable",
    "api_server_kinds",
    "start_embedded",
]

API_SERVER_KINDS = ("embedded", "realapi")
"""Every kind of server the ``api_server`` fixture knows."""

ENV_VAR = "TEKPY_API_SERVERS"


class ApiServerHandle(Protocol):
    """What tests may rely on, whichever server runs."""

    url: str
    token: str
    ca_file: str
    kubeconfig_path: str
    hooks: Any


class ServerUnavailable(RuntimeError):
    """This kind of server cannot run here; ``reason`` is the skip reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def api_server_kinds(option: str | None = None) -> list[str]:
    """Parse ``embedded,realapi`` (from the option, else ``$TEKPY_API_SERVERS``, else
    ``embedded``); unknown kinds raise ``ValueError``."""
    raw = option or os.environ.get(ENV_VAR) or "embedded"
    kinds = [k.strip() for k in raw.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in API_SERVER_KINDS]
    if unknown:
        raise ValueError(f"unknown API server kind(s) {unknown}; known: {API_SERVER_KINDS}")
    return kinds or ["embedded"]


async def start_embedded(**kwargs: Any) -> Any:
    """Start an :class:`~tekpy.local.apiserver.EmbeddedApiServer` on an ephemeral loopback
    port (keyword arguments are passed on) and return it; ``await srv.stop()`` when done."""
    from tekpy.local.apiserver import EmbeddedApiServer

    kwargs.setdefault("host", "127.0.0.1")
    kwargs.setdefault("port", 0)
    srv = EmbeddedApiServer(**kwargs)
    await srv.start()
    return srv


def realapi_server() -> Any:
    """A not-yet-started RealApiServer, or raise :class:`ServerUnavailable` with E's reason."""
    try:
        from tekpy.testing.realapi import RealApiServer, RealApiUnavailable, ensure_binaries
    except ImportError as exc:  # pragma: no cover - the module ships with tekpy
        raise ServerUnavailable(f"tekpy.testing.realapi unavailable: {exc}") from exc
    try:
        binaries = ensure_binaries()
    except RealApiUnavailable as exc:
        raise ServerUnavailable(exc.reason) from exc
    return RealApiServer(binaries)
