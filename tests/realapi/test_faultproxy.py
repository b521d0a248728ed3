"""The fault proxy in front of the real kube-apiserver, through a plain aiohttp client."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from tekpy.testing.realapi import RealApiServer
from tekpy.testing.realapi.expiry import (
    CONTINUE_TOO_OLD,
    LIST_TOO_OLD,
    expired_list,
    expired_watch,
)
from tekpy.testing.realapi.faultproxy import request_info

pytestmark = pytest.mark.realapi


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/ns/configmaps", "", ("list", "configmaps")),
        ("GET", "/api/v1/namespaces/ns/configmaps", "watch=true", ("watch", "configmaps")),
        ("GET", "/api/v1/namespaces/ns/configmaps", "watch=1&x=y", ("watch", "configmaps")),
        ("GET", "/api/v1/namespaces/ns/configmaps", "watch=false", ("list", "configmaps")),
        ("GET", "/api/v1/watch/namespaces/ns/configmaps", "", ("watch", "configmaps")),
        ("GET", "/api/v1/namespaces/ns/configmaps/a", "", ("get", "configmaps")),
        ("POST", "/api/v1/namespaces/ns/configmaps", "", ("create", "configmaps")),
        ("PUT", "/api/v1/namespaces/ns/configmaps/a", "", ("update", "configmaps")),
        ("PATCH", "/apis/apps/v1/namespaces/ns/deployments/d", "", ("patch", "deployments")),
        ("DELETE", "/api/v1/namespaces/ns/configmaps/a", "", ("delete", "configmaps")),
        ("DELETE", "/api/v1/namespaces/ns/configmaps", "", ("deletecollection", "configmaps")),
        ("GET", "/api/v1/namespaces", "", ("list", "namespaces")),
        ("GET", "/api/v1/namespaces/ns", "", ("get", "namespaces")),
        ("PUT", "/api/v1/namespaces/ns/finalize", "", ("update", "namespaces")),
        ("PUT", "/api/v1/namespaces/ns/pods/p/status", "", ("update", "pods")),
        ("GET", "/apis/tekton.dev/v1/pipelineruns", "watch=true", ("watch", "pipelineruns")),
        ("GET", "/healthz", "", ("get", "")),
        ("GET", "/apis", "", ("get", "")),
    ],
)
def test_request_info_classifies_like_kube(
    method: str, path: str, query: str, expected: tuple[str, str]
) -> None:
    assert request_info(method, path, query) == expected


def _token(rv: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": "a\x00"}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"resourceVersion": "5"}, "too old resource version: 5 (10)"),
        ({"resourceVersion": "9", "watch": "1"}, "too old resource version: 9 (10)"),
        ({"resourceVersion": "10"}, None),  # nothing after it was lost
        ({"resourceVersion": "11"}, None),
        ({"resourceVersion": "0"}, None),  # any version: served from the cache
        ({}, None),
        ({"resourceVersion": "abc"}, None),  # kube-apiserver's own 500 to give
        ({"resourceVersion": "5", "sendInitialEvents": "true"}, None),  # starts from now
    ],
)
def test_which_watches_expire(query: dict[str, str], expected: str | None) -> None:
    err = expired_watch(query, 10)
    assert (err and (err.code, err.reason, err.message)) == (
        expected and (410, "Expired", expected))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"resourceVersion": "5", "resourceVersionMatch": "Exact"}, LIST_TOO_OLD),
        ({"resourceVersion": "10", "resourceVersionMatch": "Exact"}, None),
        ({"resourceVersion": "5", "resourceVersionMatch": "NotOlderThan"}, None),
        ({"resourceVersion": "5"}, None),  # not older than 5: a newer list will do
        ({"continue": _token(5), "limit": "1"}, CONTINUE_TOO_OLD),
        ({"continue": _token(10), "limit": "1"}, None),
        ({"continue": _token(-1), "limit": "1"}, None),  # kube's "inconsistent" token
        ({"continue": "not a token!"}, None),  # kube-apiserver's 400 to give
    ],
)
def test_which_lists_expire(query: dict[str, str], expected: str | None) -> None:
    err = expired_list(query, 10)
    assert (err and (err.code, err.reason, err.message)) == (
        expected and (410, "Expired", expected))


@pytest.fixture(scope="module")
def proxied(real_server: RealApiServer) -> Iterator[RealApiServer]:
    """The session's control plane, whose fault proxy is on by default (else one of our own
    behind a proxy, when the session's runs with TEKPY_REALAPI_FAULT_PROXY=0)."""
    if real_server.hooks is not None:
        yield real_server
        return
    server = RealApiServer(real_server.binaries, fault_proxy=True)
    asyncio.run(server.start())
    try:
        yield server
    finally:
        asyncio.run(server.stop())


@pytest.fixture
async def http(proxied: RealApiServer) -> AsyncIterator[aiohttp.ClientSession]:
    real_server = proxied
    assert real_server.hooks is not None
    ctx = ssl.create_default_context(cafile=real_server.ca_file)
    headers = {"Authorization": f"Bearer {real_server.token}"}
    async with aiohttp.ClientSession(
        base_url=real_server.url, headers=headers, connector=aiohttp.TCPConnector(ssl=ctx)
    ) as s:
        yield s
    real_server.hooks.clear()


@pytest.fixture
async def ns(http: aiohttp.ClientSession) -> str:
    name = f"fp-{uuid.uuid4().hex[:8]}"
    async with http.post("/api/v1/namespaces", json={"metadata": {"name": name}}) as r:
        assert r.status == 201, await r.text()
    return name


def cm(name: str, value: str = "v") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"v": value}}


async def test_proxy_forwards_to_the_real_server(
    proxied: RealApiServer, http: aiohttp.ClientSession
) -> None:
    assert proxied.url != proxied.apiserver_url
    async with http.get("/version") as r:
        assert r.status == 200 and "gitVersion" in await r.json()
    async with http.get("/api/v1/namespaces", headers={"Authorization": "Bearer wrong"}) as r:
        assert r.status == 401  # the token is forwarded, not replaced


async def test_fail_next_answers_status_without_forwarding(
    proxied: RealApiServer, http: aiohttp.ClientSession, ns: str
) -> None:
    hooks = proxied.hooks
    hooks.fail_next(1, 429, verb="create", resource="configmaps", retry_after=2)
    async with http.get(f"/api/v1/namespaces/{ns}/configmaps") as r:
        assert r.status == 200  # a list does not match the rule
    async with http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("a")) as r:
        assert r.status == 429 and r.headers["Retry-After"] == "2"
        st = await r.json()
    assert st["kind"] == "Status" and st["reason"] == "TooManyRequests"
    assert st["details"]["retryAfterSeconds"] == 2
    async with http.get(f"/api/v1/namespaces/{ns}/configmaps/a") as r:
        assert r.status == 404  # the failed create never reached the server
    async with http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("a")) as r:
        assert r.status == 201 and not hooks.active


async def test_latency_delays_matching_requests_only(
    proxied: RealApiServer, http: aiohttp.ClientSession, ns: str
) -> None:
    proxied.hooks.set_latency(0.5, verb="list", resource="secrets")
    t0 = time.monotonic()
    async with http.get(f"/api/v1/namespaces/{ns}/configmaps") as r:
        assert r.status == 200
    assert time.monotonic() - t0 < 0.5
    t0 = time.monotonic()
    async with http.get(f"/api/v1/namespaces/{ns}/secrets") as r:
        assert r.status == 200
    assert time.monotonic() - t0 >= 0.5


async def _watch(http: aiohttp.ClientSession, ns: str, rv: str) -> aiohttp.ClientResponse:
    r = await http.get(
        f"/api/v1/namespaces/{ns}/configmaps",
        params={"watch": "true", "resourceVersion": rv, "allowWatchBookmarks": "false"},
        timeout=aiohttp.ClientTimeout(total=30),
    )
    assert r.status == 200
    return r


async def _list_rv(http: aiohttp.ClientSession, ns: str) -> str:
    async with http.get(f"/api/v1/namespaces/{ns}/configmaps") as r:
        rv: str = (await r.json())["metadata"]["resourceVersion"]
        return rv


async def test_watch_streams_with_low_latency_and_close_watches_ends_it(
    proxied: RealApiServer, http: aiohttp.ClientSession, ns: str
) -> None:
    w = await _watch(http, ns, await _list_rv(http, ns))
    delays = []
    for i in range(5):
        t0 = time.monotonic()
        async with http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm(f"c{i}")) as r:
            assert r.status == 201
        line = await asyncio.wait_for(w.content.readline(), 10)
        delays.append(time.monotonic() - t0)
        ev = json.loads(line)
        assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", f"c{i}")
    assert max(delays) < 1.0, delays
    proxied.hooks.close_watches()
    assert await asyncio.wait_for(w.content.read(), 10) == b""  # the stream ended
    w.release()


async def test_2mib_bodies_pass_both_ways(
    proxied: RealApiServer, http: aiohttp.ClientSession, ns: str
) -> None:
    big = "x" * (2 * 1024 * 1024)
    async with http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("big", big)) as r:
        # The whole body reached kube-apiserver, whose validation caps a ConfigMap at 1 MiB.
        assert r.status == 422 and "FieldValueTooLong" in await r.text()
    part = "y" * (900 * 1024)
    for i in range(3):
        async with http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm(f"p{i}", part)) as r:
            assert r.status == 201, (await r.text())[:300]
    async with http.get(f"/api/v1/namespaces/{ns}/configmaps") as r:
        body = await r.read()
    assert len(body) > 2 * 1024 * 1024
    assert [len(i["data"]["v"]) for i in json.loads(body)["items"]] == [len(part)] * 3


async def test_compact_expires_older_resource_versions(
    proxied: RealApiServer, http: aiohttp.ClientSession, ns: str
) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    async with http.post(base, json=cm("a")) as r:
        old = (await r.json())["metadata"]["resourceVersion"]
    async with http.post(base, json=cm("b")) as r:
        assert r.status == 201
    async with http.get(base, params={"limit": "1"}) as r:
        token = (await r.json())["metadata"]["continue"]
    async with http.post(base, json=cm("after-token")) as r:  # the token's version is history
        assert r.status == 201
    await asyncio.to_thread(proxied.hooks.compact)
    compacted = proxied._proxy.compacted_rv  # type: ignore[union-attr]
    assert compacted > int(old)
    # etcd itself is compacted: a read at the old revision is refused.
    async with aiohttp.ClientSession() as etcd:
        body = {"key": "Lw==", "revision": old}
        async with etcd.post(f"{proxied.etcd_url}/v3/kv/range", json=body) as r:
            assert "compacted" in (await r.json()).get("message", "")
    # A watch from before the compaction: kube's answer for an expired version.
    w = await _watch(http, ns, old)
    assert w.headers["Content-Type"] == "application/json"
    ev = json.loads(await asyncio.wait_for(w.content.readline(), 10))
    assert ev == {"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f"too old resource version: {old} ({compacted})", "reason": "Expired",
        "code": 410,
    }}
    assert await asyncio.wait_for(w.content.read(), 10) == b""  # and the stream ends
    w.release()
    async with http.get(base, params={"resourceVersion": old,
                                      "resourceVersionMatch": "Exact"}) as r:
        assert r.status == 410 and (await r.json())["message"] == LIST_TOO_OLD
    async with http.get(base, params={"limit": "1", "continue": token}) as r:
        assert r.status == 410 and (await r.json())["message"] == CONTINUE_TOO_OLD
    async with http.get(base, params={"resourceVersion": old}) as r:
        assert r.status == 200  # "not older than" is served at a newer version
    # From the compacted version on, watches resume normally.
    w = await _watch(http, ns, str(compacted))
    async with http.post(base, json=cm("c")) as r:
        assert r.status == 201
    ev = json.loads(await asyncio.wait_for(w.content.readline(), 10))
    assert (ev["type"], ev["object"]["metadata"]["name"]) == ("ADDED", "c")
    w.close()


async def test_unreachable_refuses_connections_then_serves_on_the_same_url(
    proxied: RealApiServer, http: aiohttp.ClientSession, ns: str
) -> None:
    w = await _watch(http, ns, await _list_rv(http, ns))
    async with proxied.unreachable():
        assert await asyncio.wait_for(w.content.read(), 10) == b""  # open watches end
        with pytest.raises(aiohttp.ClientConnectorError) as e:
            async with http.get(f"/api/v1/namespaces/{ns}/configmaps"):
                pass
        assert isinstance(e.value.os_error, ConnectionRefusedError)
    w.release()
    async with http.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm("back")) as r:
        assert r.status == 201


async def test_restart_keeps_data_and_the_controller_manager_working(
    proxied: RealApiServer, http: aiohttp.ClientSession, ns: str
) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    async with http.post(base, json=cm("kept")) as r:
        assert r.status == 201
    w = await _watch(http, ns, await _list_rv(http, ns))
    await proxied.restart()
    assert await asyncio.wait_for(w.content.read(), 10) == b""  # the watch ended
    w.release()
    async with http.get(f"{base}/kept") as r:
        assert r.status == 200
    # The namespace controller (talking to the new kube-apiserver) still empties and
    # removes a deleted namespace.
    async with http.delete(f"/api/v1/namespaces/{ns}") as r:
        assert r.status == 200
    deadline = time.monotonic() + 60
    while True:
        async with http.get(f"/api/v1/namespaces/{ns}") as r:
            if r.status == 404:
                break
        assert time.monotonic() < deadline, "namespace not deleted after a restart"
        await asyncio.sleep(0.2)
