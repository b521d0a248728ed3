"""The webhook's HTTPS server: ``POST /validate`` answers AdmissionReviews, ``GET /healthz``
says it is up.

kube-apiserver only calls webhooks over TLS, so the server always serves HTTPS with the
given certificate and key (PEM files). A body that is not JSON is answered with HTTP 400 and
a denying AdmissionReview; anything JSON goes to :func:`tekpy.webhook.review.review`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import orjson
from aiohttp import web

from tekpy.api import Config
from tekpy.webhook.review import denial, review

__all__ = ["MAX_BODY_BYTES", "WebhookServer", "make_app", "serve"]

log = logging.getLogger(__name__)

#: An AdmissionReview carries the object and, on UPDATE, the old object: each may be near
#: etcd's 1.5 MiB limit.
MAX_BODY_BYTES = 8 * 1024 * 1024

_CONFIG_KEY: web.AppKey[Config] = web.AppKey("config", Config)


def make_app(config: Config) -> web.Application:
    """The aiohttp application (routes only; TLS is the runner's business)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[_CONFIG_KEY] = config
    app.router.add_post("/validate", _validate)
    app.router.add_get("/healthz", _healthz)
    return app


async def _validate(request: web.Request) -> web.Response:
    body = await request.read()
    try:
        decoded: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        answer = denial("", f"malformed AdmissionReview: the body is not JSON: {exc}")
        return _json(answer, status=400)
    answer = review(decoded, request.app[_CONFIG_KEY])
    response = answer["response"]
    if not response["allowed"]:
        log.info("denied uid=%s: %s", response["uid"], response["status"]["message"])
    return _json(answer)


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(value), status=status,
                        content_type="application/json")


def _tls(cert_file: str, key_file: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


class WebhookServer:
    """The webhook served over HTTPS on ``host:port`` (``port=0`` picks a free one; read
    :attr:`port` after :meth:`start`)."""

    def __init__(self, cert_file: str, key_file: str, config: Config | None = None, *,
                 host: str = "127.0.0.1", port: int = 8443) -> None:
        self.host = host
        self.port = port
        self._ssl = _tls(cert_file, key_file)  # fails here, before binding, on a bad pair
        self._runner = web.AppRunner(make_app(config or Config()), access_log=None)

    @property
    def url(self) -> str:
        """The base URL (``https://host:port``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and start serving."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self._ssl)
        await site.start()
        addresses = self._runner.addresses  # the bound socket tells the port for port=0
        if addresses:
            self.port = int(addresses[0][1])

    async def close(self) -> None:
        """Stop serving."""
        await self._runner.cleanup()


async def serve(cert_file: str, key_file: str, config: Config | None = None, *,
                host: str = "127.0.0.1", port: int = 8443,
                stop: asyncio.Event | None = None,
                ready: asyncio.Future[str] | None = None) -> None:
    """Serve until ``stop`` is set (forever when None); ``ready`` gets the URL once bound."""
    srv = WebhookServer(cert_file, key_file, config, host=host, port=port)
    await srv.start()
    try:
        if ready is not None and not ready.done():
            ready.set_result(srv.url)
        await (stop.wait() if stop is not None else asyncio.Event().wait())
    finally:
        await srv.close()
