"""``EmbeddedApiServer``: the in-process Kubernetes API server (see docs/apiserver.md)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import weakref
from typing import Any

from aiohttp import web

from .context import Context, Settings
from .discovery import Discovery
from .gc import Collector
from .handlers import Handler
from .hooks import FaultHooks
from .persistence import Persistence
from .registry import Registry
from .security import Credentials, write_kubeconfig
from .semantics import Api
from .store import DEFAULT_HISTORY, Store
from .watch import Hub

__all__ = ["EmbeddedApiServer"]


class EmbeddedApiServer:
    """A single-process Kubernetes API server speaking kube-apiserver's HTTP API.

    ``data_dir=None`` keeps objects in memory only (they survive ``restart()`` but not the
    process); with a directory, every acknowledged write is in SQLite there.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | None = None,
        tls: bool = True,
        *,
        kubeconfig_path: str | None = None,
        history_size: int = DEFAULT_HISTORY,
        settings: Settings | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.data_dir = data_dir
        self.tls = tls
        self.settings = settings or Settings()
        self.history_size = history_size
        self._tmp: str | None = None
        if data_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="tekpy-apiserver-")
            # removed by close(), or when the server is garbage collected (callers that only
            # stop() it), or at exit
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._tmp, True)
        self.state_dir = data_dir or self._tmp or ""
        self.credentials = Credentials(os.path.join(self.state_dir, "pki"), host, tls)
        self.kubeconfig_path = kubeconfig_path or os.path.join(self.state_dir, "kubeconfig")
        self.store: Store | None = None
        self.hub = Hub()
        self.hooks = FaultHooks(self._close_watches, self._compact)
        self._runner: web.ServerRunner | None = None
        self._collector: Collector | None = None
        self.ctx: Context | None = None

    # -- the server handle protocol ----------------------------------------------------------
    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def token(self) -> str:
        return self.credentials.token

    @property
    def ca_file(self) -> str | None:
        return self.credentials.ca_file if self.tls else None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Load (or create) the state, listen, and write the kubeconfig."""
        if self.store is None or self.data_dir is not None:
            persistence = Persistence(self.data_dir) if self.data_dir else None
            self.store = Store(persistence, history_size=self.history_size)
        store = self.store
        store.listeners = [self.hub.on_event]
        registry = Registry()
        api = Api(store, registry)
        api.on_unserve = self.hub.close_all
        self._collector = Collector(api)
        api.bootstrap()
        ctx = Context(store=store, registry=registry, api=api, hub=self.hub,
                      discovery=Discovery(registry), hooks=self.hooks, token=self.token,
                      host=self.host, port=self.port, settings=self.settings)
        server = web.Server(Handler(ctx), handler_cancellation=True, access_log=None)
        self._runner = web.ServerRunner(server, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port,
                           ssl_context=self.credentials.ssl_context(), backlog=1024,
                           reuse_address=True)
        await site.start()
        if self.port == 0:
            sock = site._server.sockets[0]  # type: ignore[union-attr]
            self.port = int(sock.getsockname()[1])
        ctx.port = self.port
        self.ctx = ctx
        self._collector.start()
        write_kubeconfig(self.kubeconfig_path, self.url, self.token, self.ca_file)

    async def stop(self) -> None:
        """Close watches, stop listening and release storage (in-memory data is kept)."""
        self._close_watches()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._collector is not None:
            await self._collector.stop()
            self._collector = None
        if self.store is not None and self.store.persistence is not None:
            self.store.persistence.close()
            self.store = None

    async def restart(self) -> None:
        """Stop and start again on the same port, keeping the data."""
        await self.stop()
        await self.start()

    async def close(self) -> None:
        """Stop and remove the temporary state directory (memory-only servers)."""
        await self.stop()
        if self._tmp is not None:
            self._cleanup()
            self._tmp = None

    async def __aenter__(self) -> EmbeddedApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # -- hooks -----------------------------------------------------------------------------
    def _close_watches(self) -> None:
        self.hub.close_all()

    def _compact(self) -> None:
        if self.store is not None:
            self.store.compact()

    def settle_gc(self) -> None:
        """Run queued garbage collection now (tests that want no asynchrony)."""
        if self._collector is not None:
            with contextlib.suppress(Exception):
                self._collector.drain()
