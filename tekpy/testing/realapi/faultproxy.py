"""A loopback HTTPS reverse proxy in front of a real kube-apiserver, with fault hooks.

The real tier has no in-process hooks, so :class:`FaultProxy` puts them on the wire: it
forwards every request to kube-apiserver (streaming responses chunk by chunk, so watches
flow unbuffered) and exposes ``hooks``, the same :class:`FaultHooks` as the embedded server:
``close_watches()``, ``fail_next()``, ``set_latency()``, ``compact()`` and ``clear()``.
``compact()`` compacts etcd and records the revision; from then on the proxy answers requests
for older resourceVersions itself, as kube-apiserver does for expired ones (see ``expiry``).
``suspend()``/``resume()`` make the server unreachable (connections refused) and back again
on the same port, as the embedded server's ``stop()``/``start()`` do.

The proxy runs on its own event loop in a daemon thread: the session's control plane is
started on a short-lived loop and shared by tests that each run on their own loop, so the
proxy must not belong to any of them. Hook methods are called from the test's thread;
they are synchronous like the embedded ones and take effect before they return.

``RealApiServer`` puts one in front by default (``fault_proxy=False`` or
``TEKPY_REALAPI_FAULT_PROXY=0`` to talk to kube-apiserver directly).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ssl
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import parse_qs

import aiohttp
import orjson
from aiohttp import web

from tekpy.local.apiserver.errors import ApiError
from tekpy.local.apiserver.hooks import FaultHooks
from tekpy.testing.realapi.expiry import expired_list, expired_watch

__all__ = ["FaultProxy", "request_info"]

#: Headers that describe one hop, not the message (RFC 9110 section 7.6.1), plus the ones
#: aiohttp recomputes for the forwarded body.
_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
    "upgrade", "host", "content-length",
})
_METHOD_VERBS = {
    "POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch",
    "DELETE": "delete",
}
#: Path segments kube's request info treats as verbs (``/api/v1/watch/...``).
_SPECIAL_VERBS = frozenset({"proxy", "watch"})
#: ``namespaces/<name>/<x>`` where x is a subresource of the namespace, not a resource.
_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_MAX_BODY = 64 * 1024 * 1024
_T = TypeVar("_T")


def request_info(method: str, path: str, query: str) -> tuple[str, str]:
    """(verb, resource) of a request, classified the way kube-apiserver's request info does.

    Resource requests (``/api/<v>/...``, ``/apis/<g>/<v>/...``) get the verbs get, list,
    watch, create, update, patch, delete or deletecollection and the resource's plural;
    anything else is a non-resource request: the lower-cased method and resource "".
    """
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or parts[0] not in ("api", "apis"):
        return method.lower(), ""
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    if len(parts) < (2 if parts[0] == "api" else 3):
        return method.lower(), ""
    verb = _METHOD_VERBS.get(method.upper(), "")
    if rest and rest[0] in _SPECIAL_VERBS:
        verb, rest = rest[0], rest[1:]
    if len(rest) > 2 and rest[0] == "namespaces" and rest[2] not in _NAMESPACE_SUBRESOURCES:
        rest = rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else ""
    if not name and verb == "get":
        verb = "list"
    if verb == "list" and any(v in _TRUE for v in parse_qs(query).get("watch", [])[-1:]):
        verb = "watch"
    if not name and verb == "delete":
        verb = "deletecollection"
    return verb, resource


class FaultProxy:
    """HTTPS on ``host``:<free port>, forwarding to ``upstream`` (see the module docstring).

    ``cert_file``/``key_file`` serve TLS (reuse the apiserver's serving pair, so clients
    trusting ``ca_file`` need no change); ``compact`` is awaited (on the proxy's loop) by
    ``hooks.compact()`` and returns the revision it compacted at. ``compacted_rv`` is the
    newest such revision (0 before any compaction).
    """

    def __init__(
        self,
        upstream: str,
        *,
        ca_file: str,
        cert_file: str,
        key_file: str,
        compact: Callable[[], Awaitable[int]],
        host: str = "127.0.0.1",
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self._ca_file = ca_file
        self._cert = (cert_file, key_file)
        self._compact_fn = compact
        self._host = host
        self._port = 0
        self.url = ""
        self.compacted_rv = 0
        self.hooks = FaultHooks(close_watches=self._close_watches, compact=self._compact)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._upstream_ssl: ssl.SSLContext | None = None
        self._serving_ssl: ssl.SSLContext | None = None
        self._watches: set[aiohttp.ClientResponse] = set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the proxy thread and return once it listens (``url`` is then set)."""
        started: concurrent.futures.Future[str] = concurrent.futures.Future()
        self._loop = loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                started.set_result(loop.run_until_complete(self._serve()))
            except BaseException as exc:  # report to start(), which re-raises
                started.set_exception(exc)
                return
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="tekpy-faultproxy", daemon=True)
        self._thread.start()
        self.url = started.result(timeout=30)

    def stop(self) -> None:
        """Close every connection and end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if threading.current_thread() is thread:  # a finalizer run by GC on our own thread
            loop.call_soon(loop.stop)
            return
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        self._loop = self._thread = None

    def suspend(self) -> None:
        """Stop listening and drop every connection: clients get connection refused."""
        self._run(self._unlisten)

    def resume(self) -> None:
        """Listen again on the same port after :meth:`suspend`."""
        self._run(self._listen)

    @property
    def suspended(self) -> bool:
        return self._runner is None

    async def _serve(self) -> str:
        self._upstream_ssl = ssl.create_default_context(cafile=self._ca_file)
        # No decompression: a gzip body passes through byte for byte with its header.
        self._session = aiohttp.ClientSession(
            auto_decompress=False, timeout=aiohttp.ClientTimeout(total=None, connect=10)
        )
        self._serving_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._serving_ssl.load_cert_chain(*self._cert)
        await self._listen()
        return f"https://{self._host}:{self._port}"

    async def _listen(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A short shutdown: suspend() must not wait for requests held by injected latency.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(
            runner, self._host, self._port, ssl_context=self._serving_ssl, reuse_address=True
        )
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        if not self._port:
            self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._runner = runner

    async def _unlisten(self) -> None:
        self._close_now()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()  # closes the listener, then every open connection

    async def _shutdown(self) -> None:
        await self._unlisten()
        if self._session is not None:
            await self._session.close()

    # -- hooks (called from the test's thread) -------------------------------------------

    def _run(self, fn: Callable[[], Awaitable[_T]], timeout: float = 60.0) -> _T:
        """Run ``fn()`` on the proxy loop and wait for its result."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the fault proxy is not running")
        if threading.current_thread() is self._thread:
            raise RuntimeError("a blocking fault-proxy call from the proxy's own thread")
        return asyncio.run_coroutine_threadsafe(_call_async(fn), loop).result(timeout)

    def _close_watches(self) -> None:
        if threading.current_thread() is self._thread:
            self._close_now()
        elif self._loop is not None:
            self._run(_as_async(self._close_now), timeout=10)

    def _close_now(self) -> None:
        # Closing the upstream response ends the copy loop, which then ends the client's
        # stream cleanly: clients see the watch end and re-watch, as on the embedded server.
        for resp in list(self._watches):
            resp.close()
        self._watches.clear()

    def _compact(self) -> None:
        # Synchronous like the embedded hook: when it returns, older versions are expired.
        self._run(self._run_compact, timeout=60)

    async def _run_compact(self) -> int:
        rv = int(await self._compact_fn())
        self.compacted_rv = max(self.compacted_rv, rv)
        return rv

    # -- forwarding ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        verb, resource = request_info(request.method, request.path, request.query_string)
        try:
            failure = self.hooks.failure(verb, resource)
        except ValueError:  # clear() ran between the match and its removal
            failure = None
        if failure is not None:
            return _status_response(failure)
        delay = self.hooks.latency(verb, resource)
        if delay > 0:
            await asyncio.sleep(delay)
        compacted = self.compacted_rv  # read after the delay: a held request sees compact()
        if compacted and verb == "watch":
            expired = expired_watch(request.query, compacted)
            if expired is not None:
                return await _error_event(request, expired)
        elif compacted and verb == "list":
            expired = expired_list(request.query, compacted)
            if expired is not None:
                return _status_response(expired)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        assert self._session is not None
        url = f"{self.upstream}{request.rel_url}"
        upstream: aiohttp.ClientResponse | None = None
        for attempt in range(2):
            try:
                upstream = await self._session.request(
                    request.method, url, headers=headers, data=body or None,
                    ssl=self._upstream_ssl or True, allow_redirects=False,
                )
                break
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                # A pooled keep-alive connection may have died with an apiserver restart:
                # try once more on a fresh one, then answer like an unreachable server.
                if attempt == 1:
                    return _status_response(
                        ApiError(503, "ServiceUnavailable", f"apiserver unreachable: {exc}"))
        assert upstream is not None
        try:
            return await self._relay(request, upstream, watch=verb == "watch")
        finally:
            upstream.release()

    async def _relay(
        self, request: web.Request, upstream: aiohttp.ClientResponse, *, watch: bool
    ) -> web.StreamResponse:
        resp = web.StreamResponse(status=upstream.status, reason=upstream.reason)
        for k, v in upstream.headers.items():
            if k.lower() not in _HOP:
                resp.headers.add(k, v)
        if not watch and upstream.content_length is not None:
            resp.content_length = upstream.content_length
        if watch:
            self._watches.add(upstream)
        try:
            await resp.prepare(request)
            while True:
                try:
                    chunk = await upstream.content.readany()
                except (TimeoutError, aiohttp.ClientError):
                    break  # upstream closed (close_watches, restart): end the stream
                if not chunk:
                    break
                await resp.write(chunk)
            await resp.write_eof()
        except (ConnectionResetError, aiohttp.ClientConnectionResetError):
            pass  # the client went away: nothing to tell it
        finally:
            self._watches.discard(upstream)
        return resp


def _status_response(err: ApiError) -> web.Response:
    headers = {"Content-Type": "application/json", **err.headers}
    return web.Response(status=err.code, body=orjson.dumps(err.status()), headers=headers)


async def _error_event(request: web.Request, err: ApiError) -> web.StreamResponse:
    """A watch that fails after being accepted, as kube sends it: 200, one ERROR event."""
    resp = web.StreamResponse(
        headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"}
    )
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    await resp.write(orjson.dumps({"type": "ERROR", "object": err.status()}) + b"\n")
    await resp.write_eof()
    return resp


async def _call_async(fn: Callable[[], Awaitable[_T]]) -> _T:
    return await fn()


def _as_async(fn: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        fn()

    return run
