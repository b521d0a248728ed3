"""A deliberately plain aiohttp client for the real-API tier.

The tests talk HTTP themselves so that they measure the servers, not a client of ours.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import yaml

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


class ServerHandle(Protocol):
    url: str
    token: str
    ca_file: str


@dataclass
class Reply:
    """One HTTP answer: status code and the decoded JSON body (or the text if not JSON)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class Api:
    """Bearer-token HTTPS client for one server handle."""

    def __init__(self, handle: ServerHandle, *, limit: int = 100) -> None:
        self.url = handle.url.rstrip("/")
        self._ssl = ssl.create_default_context(cafile=handle.ca_file)
        self._headers = {"Authorization": f"Bearer {handle.token}", "Accept": "application/json"}
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self._ssl, limit=limit),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request; ``body`` is JSON-encoded unless ``raw`` bytes are given."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {**self._headers, **(headers or {})}
        if data is not None:
            headers["Content-Type"] = content_type
        async with self._session.request(
            method, self.url + path, data=data, headers=headers, params=params
        ) as resp:
            text = await resp.text()
            try:
                decoded: Any = json.loads(text) if text else None
            except ValueError:
                decoded = text
            return Reply(resp.status, decoded, dict(resp.headers))

    async def get(self, path: str, **params: str) -> Reply:
        return await self.request("GET", path, params=params or None)

    async def post(self, path: str, body: Any, **params: str) -> Reply:
        return await self.request("POST", path, body, params=params or None)

    async def put(self, path: str, body: Any, **params: str) -> Reply:
        return await self.request("PUT", path, body, params=params or None)

    async def patch(self, path: str, body: Any, content_type: str = MERGE, **params: str) -> Reply:
        return await self.request(
            "PATCH", path, body, content_type=content_type, params=params or None
        )

    async def delete(self, path: str, body: Any = None, **params: str) -> Reply:
        return await self.request("DELETE", path, body, params=params or None)

    @asynccontextmanager
    async def watch(self, path: str, **params: str) -> AsyncIterator[WatchStream]:
        """Open a watch (``?watch=1``) and yield a stream of decoded events."""
        query = {"watch": "1", **params}
        async with self._session.get(
            self.url + path,
            params=query,
            headers=self._headers,
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        ) as resp:
            yield WatchStream(resp)


class WatchStream:
    """Reads newline-delimited watch events from an open response."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.status = resp.status
        self._resp = resp

    async def next(self, within: float = 10.0) -> dict[str, Any] | None:
        """The next event, or None when the server ends the stream."""
        line = await asyncio.wait_for(self._resp.content.readline(), within)
        if not line:
            return None
        event: dict[str, Any] = json.loads(line)
        return event

    async def take(self, count: int, within: float = 10.0) -> list[dict[str, Any]]:
        """Up to ``count`` events: fewer if the stream ends or ``within`` seconds pass."""
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        while len(events) < count:
            try:
                event = await self.next(max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if event is None:
                break
            events.append(event)
        return events


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 60.0, interval: float = 0.2
) -> None:
    """Wait until ``check()`` is true, failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)  # poll interval between checks of a condition


def _crd_documents(sources: Iterable[Path | dict[str, Any]]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for source in sources:
        if isinstance(source, dict):
            docs.append(source)
            continue
        for doc in yaml.safe_load_all(Path(source).read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                docs.append(doc)
    return docs


async def install_crds(
    handle: Any, sources: Iterable[Path | dict[str, Any]], *, within: float = 60.0
) -> list[str]:
    """Create CustomResourceDefinitions and wait until each one is Established.

    Plain aiohttp, like the rest of this tier (tekpy.testing has the public equivalent).
    Works on any server handle (``url``, ``token``, ``ca_file``), embedded or real.
    ``sources`` are YAML files (every CRD document in them) or CRD dicts; a CRD that
    already exists is replaced with this definition. Returns the CRD names.
    """
    docs = _crd_documents(sources)
    base = f"{handle.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    ctx = ssl.create_default_context(cafile=handle.ca_file)
    headers = {"Authorization": f"Bearer {handle.token}"}
    names = [doc["metadata"]["name"] for doc in docs]
    async with aiohttp.ClientSession(headers=headers) as session:
        for doc in docs:
            async with session.post(base, json=doc, ssl=ctx) as r:
                if r.status == 409:  # exists: replace it, keeping its resourceVersion
                    url = f"{base}/{doc['metadata']['name']}"
                    async with session.get(url, ssl=ctx) as cur:
                        current = await cur.json()
                    doc = {**doc, "metadata": {**doc["metadata"], "resourceVersion":
                                               current["metadata"]["resourceVersion"]}}
                    async with session.put(url, json=doc, ssl=ctx) as put:
                        if put.status >= 300:
                            raise RuntimeError(f"replacing CRD {url}: {await put.text()}")
                elif r.status >= 300:
                    raise RuntimeError(f"creating CRD {doc['metadata']['name']}: {await r.text()}")
        deadline = time.monotonic() + within
        for name in names:
            while True:
                async with session.get(f"{base}/{name}", ssl=ctx) as r:
                    crd = await r.json()
                conditions = (crd.get("status") or {}).get("conditions") or []
                if any(c.get("type") == "Established" and c.get("status") == "True"
                       for c in conditions):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"CRD {name} not Established after {within}s")
                await asyncio.sleep(0.1)  # poll interval between checks of a condition
    return names
