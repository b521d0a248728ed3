"""Reading one container's log through ``pods/log`` (for the results sidecar's log).

The runtime client decodes JSON bodies only, so the log is read with a plain GET built from
the client's own configuration (server, TLS, bearer token), as ``kubectl logs`` does. The
controller's ServiceAccount needs ``get`` on ``pods/log``.
"""

from __future__ import annotations

from urllib.parse import quote

import aiohttp

from tekpy.runtime.client import Client

__all__ = ["LogUnavailable", "read_container_log"]


class LogUnavailable(Exception):
    """The API server answered the log request with an error (``status`` is its code)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


async def read_container_log(client: Client, namespace: str, pod: str, container: str, *,
                             limit_bytes: int = 16 << 20, seconds: float = 30.0) -> bytes:
    """The whole log of ``container`` (at most ``limit_bytes``); raises
    :class:`LogUnavailable` for an HTTP error, ``aiohttp.ClientError`` or ``TimeoutError``
    when the server cannot be reached."""
    cfg = client.config
    token = cfg.token
    if cfg.token_provider is not None:
        token = await cfg.token_provider(False)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = (f"{cfg.server.rstrip('/')}/api/v1/namespaces/{quote(namespace)}/pods/"
           f"{quote(pod)}/log")
    ssl = cfg.ssl_context()
    async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ssl if ssl is not None else True),
            timeout=aiohttp.ClientTimeout(total=seconds)) as session, \
            session.get(url, params={"container": container, "limitBytes": str(limit_bytes)},
                        headers=headers) as resp:
        body = await resp.read()
        if resp.status != 200:
            raise LogUnavailable(resp.status, body[:200].decode(errors="replace"))
        return body
