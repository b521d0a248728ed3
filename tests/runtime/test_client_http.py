"""Client behaviour that needs a misbehaving HTTP peer: a tiny aiohttp server with canned,
kube-format responses (stalled streams, odd chunking, expired continue tokens)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web
from cache_fakes import wait_for

from tekpy.runtime.client import (
    CONFIGMAPS,
    ApiError,
    Client,
    ClientConfig,
    WatchStalledError,
    is_expired,
)
from tekpy.runtime.clock import REAL_CLOCK, Clock, FakeClock

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def peer() -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    runners: list[web.AppRunner] = []
    clients: list[Client] = []

    async def make(handler: Handler, clock: Clock = REAL_CLOCK, **cfg: Any) -> Client:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        c = Client(ClientConfig(server=f"http://127.0.0.1:{port}", token="t", **cfg), clock=clock)
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.close()
    for r in runners:
        await r.cleanup()


def status(code: int, reason: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": reason,
    }


def cm(name: str, rv: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "d", "resourceVersion": rv}}


async def test_list_all_restarts_as_a_full_list_when_continue_expires(peer) -> None:
    calls: list[dict[str, str]] = []

    async def handler(req: web.Request) -> web.Response:
        q = dict(req.query)
        calls.append(q)
        if "continue" in q:
            return web.json_response(status(410, "Expired"), status=410)
        if q.get("limit"):
            return web.json_response(
                {
                    "kind": "ConfigMapList",
                    "items": [cm("a", "1")],
                    "metadata": {"resourceVersion": "5", "continue": "tok"},
                }
            )
        return web.json_response(
            {
                "kind": "ConfigMapList",
                "items": [cm("a", "1"), cm("b", "2")],
                "metadata": {"resourceVersion": "7"},
            }
        )

    c = await peer(handler)
    items, rv = await c.list_all(CONFIGMAPS, namespace="d", page_size=1, resource_version="0")
    assert [i["metadata"]["name"] for i in items] == ["a", "b"] and rv == "7"
    assert calls == [
        {"limit": "1", "resourceVersion": "0"},
        {"limit": "1", "continue": "tok"},
        {"resourceVersion": "0"},
    ]
    assert items[0]["kind"] == "ConfigMap"  # filled in from the resource


async def test_watch_lines_split_across_odd_chunks_including_2mib(peer) -> None:
    big = {"type": "ADDED", "object": {**cm("big", "2"), "data": {"v": "y" * (2 << 20)}}}
    small = {"type": "MODIFIED", "object": cm("s", "3")}
    payload = orjson.dumps(big) + b"\n" + orjson.dumps(small) + b"\n"

    async def handler(req: web.Request) -> web.StreamResponse:
        assert req.query["watch"] == "true" and req.query["allowWatchBookmarks"] == "true"
        assert req.headers["Authorization"] == "Bearer t"
        resp = web.StreamResponse()
        await resp.prepare(req)
        for i in range(0, len(payload), 77777):  # chunk boundaries fall anywhere
            await resp.write(payload[i : i + 77777])
        return resp

    c = await peer(handler)
    async with c.watch(CONFIGMAPS, namespace="d", resource_version="1") as events:
        got = [(e.type, e.object["metadata"]["name"]) async for e in events]
    assert got == [("ADDED", "big"), ("MODIFIED", "s")]


async def test_watch_error_event_raises_api_error(peer) -> None:
    async def handler(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(orjson.dumps({"type": "ADDED", "object": cm("a", "2")}) + b"\n")
        await resp.write(orjson.dumps({"type": "ERROR", "object": status(410, "Expired")}) + b"\n")
        return resp

    c = await peer(handler)
    seen = []
    with pytest.raises(ApiError) as e:
        async with c.watch(CONFIGMAPS, namespace="d", resource_version="1") as events:
            async for ev in events:
                seen.append(ev.type)
    assert seen == ["ADDED"] and is_expired(e.value) and e.value.status == 410


async def test_silent_watch_raises_stalled(peer) -> None:
    release = asyncio.Event()

    async def handler(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(orjson.dumps({"type": "ADDED", "object": cm("a", "2")}) + b"\n")
        await release.wait()  # then say nothing at all
        return resp

    c = await peer(handler)
    loop = asyncio.get_running_loop()
    with pytest.raises(WatchStalledError):
        async with c.watch(CONFIGMAPS, namespace="d", inactivity_timeout=0.3) as events:
            async for ev in events:
                assert ev.object["metadata"]["name"] == "a"
                started = loop.time()
    assert 0.25 <= loop.time() - started < 3
    release.set()


async def test_dropped_connection_ends_the_watch_normally(peer) -> None:
    async def handler(req: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(req)
        await resp.write(orjson.dumps({"type": "ADDED", "object": cm("a", "2")}) + b'\n{"ty')
        assert req.transport is not None
        req.transport.close()  # mid-line, mid-stream
        return resp

    c = await peer(handler)
    async with c.watch(CONFIGMAPS, namespace="d") as events:
        got = [e.object["metadata"]["name"] async for e in events]
    assert got == ["a"]


async def test_non_status_error_bodies(peer) -> None:
    async def handler(req: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>bad gateway</html>")

    c = await peer(handler)
    c.config.max_retries = 0
    with pytest.raises(ApiError) as e:
        await c.get(CONFIGMAPS, "a", namespace="d")
    assert e.value.status == 502 and "bad gateway" in e.value.message


async def test_token_provider_refreshes_after_401(peer) -> None:
    seen: list[str] = []

    async def handler(req: web.Request) -> web.Response:
        seen.append(req.headers.get("Authorization", ""))
        if req.headers.get("Authorization") != "Bearer fresh":
            return web.json_response(status(401, "Unauthorized"), status=401)
        return web.json_response(cm("a", "1"))

    c = await peer(handler)
    tokens = iter(["stale", "fresh"])
    refreshes: list[bool] = []

    async def provider(refresh: bool = False) -> str:
        refreshes.append(refresh)
        return next(tokens)

    c.config.token_provider = provider
    assert (await c.get(CONFIGMAPS, "a", namespace="d"))["metadata"]["name"] == "a"
    assert seen == ["Bearer stale", "Bearer fresh"] and refreshes == [False, True]


async def test_client_side_qps_limit(peer) -> None:
    async def handler(req: web.Request) -> web.Response:
        return web.json_response(cm("a", "1"))

    clock = FakeClock()
    c = await peer(handler, clock=clock, qps=2.0, burst=2)
    await c.get(CONFIGMAPS, "a", namespace="d")
    await c.get(CONFIGMAPS, "a", namespace="d")  # the burst
    third = asyncio.create_task(c.get(CONFIGMAPS, "a", namespace="d"))
    await wait_for(lambda: clock.sleepers == 1)
    assert clock.next_deadline() - clock.monotonic() == pytest.approx(0.5)  # type: ignore[operator]
    assert not third.done()
    await clock.advance(0.5)
    assert (await third)["metadata"]["name"] == "a"
