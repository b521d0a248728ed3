"""The Manager's HTTP servers: ``/metrics`` and the health probes."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tekpy.runtime.manager.healthz import CheckSet
from tekpy.runtime.metrics import leaderelection as _leader_metrics
from tekpy.runtime.metrics.registry import REGISTRY

__all__ = ["HttpServer", "metrics_app", "parse_bind_address", "probes_app"]

log = logging.getLogger("tekpy.runtime.manager")

# Served even by a Manager without leader election, as controller-runtime always registers it.
del _leader_metrics


def parse_bind_address(address: str | None) -> tuple[str | None, int] | None:
    """``":8080"`` -> all interfaces; ``"127.0.0.1:0"`` -> an ephemeral port on loopback;
    ``"0"``, ``""`` or ``None`` -> disabled (controller-runtime's convention)."""
    if address is None or address in ("", "0"):
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"bind address {address!r} must be HOST:PORT or :PORT")
    host = host.strip("[]")
    return (host or None, int(port))


def metrics_app() -> web.Application:
    """``GET /metrics``: the runtime registry in Prometheus' text format."""

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


def probes_app(healthz: CheckSet, readyz: CheckSet) -> web.Application:
    """``/healthz``, ``/readyz`` and their per-check sub-paths."""
    app = web.Application()
    for checks in (healthz, readyz):
        app.router.add_get(f"/{checks.endpoint}", checks.handle)
        app.router.add_get(f"/{checks.endpoint}/{{name:.*}}", checks.handle)
    return app


class HttpServer:
    """One aiohttp application bound to one address, started and stopped by the Manager."""

    def __init__(self, name: str, app: web.Application, host: str | None, port: int) -> None:
        self.name = name
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.address: tuple[str, int] | None = None

    async def start(self) -> None:
        """Bind and serve; ``address`` then holds the bound (host, port)."""
        runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if runner.addresses:
            bound = runner.addresses[0]
            self.address = (str(bound[0]), int(bound[1]))
        log.info("serving %s address=%s", self.name, self.address)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
