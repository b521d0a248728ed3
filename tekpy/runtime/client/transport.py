"""HTTP transport of the client: connection pool, authentication, retries and metrics.

Retries follow client-go: a 429 or 5xx carrying ``Retry-After`` is replayed for any verb
after the advertised delay (the server asked for it; client-go does the same for every verb
whose body it can replay), a 429 without it is replayed with backoff (it was not processed),
and a 5xx without it or a dropped connection only for reads (GET: get, list, and the
establishment of a watch). Connection refused is not retried here: a reflector backs off and
re-watches, a reconcile is requeued.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from tekpy.runtime.client.config import ClientConfig
from tekpy.runtime.client.errors import ApiError
from tekpy.runtime.client.ratelimit import TokenBucket
from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.metrics.rest_client import (
    REQUEST_DURATION_SECONDS,
    REQUEST_RETRIES_TOTAL,
    REQUESTS_TOTAL,
)

__all__ = ["Transport"]

_RETRY_BASE = 0.1
_RETRY_CAP = 5.0
_JSON = "application/json"


_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


def _retry_after(value: str | None) -> int | None:
    # client-go honours integral seconds only (Go's Atoi syntax: ASCII digits, optional sign;
    # Python's int() would also take "1_0" or non-ASCII digits). HTTP-dates are ignored.
    if value is None:
        return None
    value = value.strip()
    if not _INTEGER.fullmatch(value):
        return None
    return max(0, int(value))


class Transport:
    """Sends requests to one API server (the base of :class:`Client`)."""

    def __init__(self, config: ClientConfig, *, clock: Clock = REAL_CLOCK) -> None:
        self.config = config
        self.clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._limiter = TokenBucket(config.qps, config.burst, clock=clock) if config.qps else None
        self._host = urlsplit(config.server).netloc
        self._ssl = config.ssl_context()
        self._mapper: Any = None

    async def close(self) -> None:
        """Close the connection pool (open watches end)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- transport ----------------------------------------------------------------------

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl if self._ssl is not None else True, limit=0
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.config.user_agent, "Accept": _JSON},
                skip_auto_headers=("Content-Type",),
            )
        return self._session

    async def _auth(self, headers: dict[str, str], refresh: bool) -> None:
        token = self.config.token
        if self.config.token_provider is not None:
            token = await self.config.token_provider(refresh)
        if token:
            headers["Authorization"] = f"Bearer {token}"

    def _backoff(self, attempt: int) -> float:
        d = min(_RETRY_CAP, _RETRY_BASE * (2**attempt))
        return d + random.uniform(0, d)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        stream: bool = False,
        read_timeout: float | None = None,
    ) -> aiohttp.ClientResponse:
        """Send one request with retries; return the successful response (unread) or raise."""
        session = self._get_session()
        url = self.config.server + path
        cfg = self.config
        if stream:
            timeout = aiohttp.ClientTimeout(
                total=None, sock_connect=cfg.connect_timeout, sock_read=read_timeout
            )
        else:
            timeout = aiohttp.ClientTimeout(total=cfg.timeout, sock_connect=cfg.connect_timeout)
        attempt = 0
        refreshed = force_refresh = False
        while True:
            if self._limiter is not None:
                await self._limiter.acquire()
            headers: dict[str, str] = {}
            if content_type:
                headers["Content-Type"] = content_type
            await self._auth(headers, refresh=force_refresh)
            force_refresh = False
            start = time.perf_counter()
            try:
                resp = await session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                    server_hostname=cfg.tls_server_name,
                )
            except aiohttp.ClientConnectorError:
                # Connection refused/unreachable: not retried here (the reflector backs off
                # and re-watches; a reconcile is retried by its queue), as in client-go.
                self._observe("<error>", method, start)
                raise
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                self._observe("<error>", method, start)
                if method != "GET" or attempt >= cfg.max_retries:
                    raise
                REQUEST_RETRIES_TOTAL.labels("<error>", method, self._host).inc()
                await self.clock.sleep(self._backoff(attempt))
                attempt += 1
                continue
            except TimeoutError:
                self._observe("<error>", method, start)
                raise
            self._observe(str(resp.status), method, start)
            if resp.status < 400:
                return resp
            try:
                data = await resp.read()
            finally:
                resp.release()
            err = ApiError.from_response(resp.status, data)
            if resp.status == 401 and cfg.token_provider is not None and not refreshed:
                # Credentials may have rotated (exec plugin, projected token): refresh once.
                refreshed = force_refresh = True
                continue
            delay = self._retry_delay(method, resp.status, resp.headers.get("Retry-After"), attempt)
            if delay is None or attempt >= cfg.max_retries:
                raise err
            REQUEST_RETRIES_TOTAL.labels(str(resp.status), method, self._host).inc()
            await self.clock.sleep(delay)
            attempt += 1

    def _retry_delay(
        self, method: str, status: int, retry_after: str | None, attempt: int
    ) -> float | None:
        if status != 429 and status < 500:
            return None
        seconds = _retry_after(retry_after)
        if seconds is not None:
            return float(seconds)
        if status == 429 or (method == "GET" and status != 501):
            return self._backoff(attempt)
        return None

    def _observe(self, code: str, method: str, start: float) -> None:
        REQUESTS_TOTAL.labels(code, method, self._host).inc()
        REQUEST_DURATION_SECONDS.labels(method, self._host).observe(time.perf_counter() - start)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = _JSON,
    ) -> Any:
        """Send a request to ``path`` (e.g. ``/apis``) and decode the JSON response."""
        payload = body if body is None or isinstance(body, bytes) else orjson.dumps(body)
        ctype = content_type if payload is not None else None
        resp = await self._send(method, path, params=params, body=payload, content_type=ctype)
        try:
            data = await resp.read()
        finally:
            resp.release()
        return orjson.loads(data) if data else None
