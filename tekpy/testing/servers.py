"""API servers for tests: the in-process embedded server, or a real kube-apiserver.

Both hand back the same handle (:class:`ApiServerHandle`): ``url``, ``token``, ``ca_file``,
``kubeconfig_path``, ``hooks`` (fault injection: the embedded server's own, or on the real
server those of its fault proxy; ``None`` only when the proxy is turned off with
``TEKPY_REALAPI_FAULT_PROXY=0``) and ``restart()``. :func:`unreachable` takes a server down
for the length of a block, whichever kind it is.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

__all__ = [
    "API_SERVER_KINDS",
    "ApiServerHandle",
    "ServerUnavailable",
    "api_server_kinds",
    "start_embedded",
    "unreachable",
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

    async def restart(self) -> None: ...


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


@asynccontextmanager
async def unreachable(server: Any) -> AsyncIterator[None]:
    """Inside the block ``server`` refuses connections; afterwards it serves again on the
    same URL with the same data.

    The embedded server is stopped and started again. The real one (shared by the session)
    keeps running behind its fault proxy, which stops listening meanwhile.
    """
    own = getattr(server, "unreachable", None)
    if own is not None:
        async with own():
            yield
        return
    await server.stop()
    try:
        yield
    finally:
        await server.start()
