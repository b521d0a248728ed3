"""Watch guarantees: ordering, resume, 410, bookmarks, initial events, slow consumers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from apiserver_helpers import Kube, client_ssl, cm, open_watch

from tekpy.local.apiserver import EmbeddedApiServer, Settings

CMS = "/api/v1/namespaces/default/configmaps"


async def test_events_in_order_with_types(kube: Kube) -> None:
    w = await open_watch(kube, CMS)
    a = await kube.ok("POST", CMS, cm("a"))
    a["data"] = {"k": "v"}
    await kube.ok("PUT", f"{CMS}/a", a)
    await kube.ok("DELETE", f"{CMS}/a")
    events = [await w.next() for _ in range(3)]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and len(set(rvs)) == 3
    w.close()


async def test_watch_without_rv_starts_with_current_state(kube: Kube) -> None:
    await kube.ok("POST", CMS, cm("pre"))
    w = await open_watch(kube, CMS)
    first = await w.next()
    assert first["type"] == "ADDED" and first["object"]["metadata"]["name"] == "pre"
    w.close()


async def test_resume_delivers_exactly_missed_events(kube: Kube) -> None:
    base = await kube.ok("GET", CMS)
    rv0 = base["metadata"]["resourceVersion"]
    await kube.ok("POST", CMS, cm("a"))
    b = await kube.ok("POST", CMS, cm("b"))
    await kube.ok("POST", "/api/v1/namespaces/default/secrets", {"metadata": {"name": "s"}})
    await kube.ok("DELETE", f"{CMS}/a")
    w = await open_watch(kube, CMS, resourceVersion=rv0)
    got = [await w.next() for _ in range(3)]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in got] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("DELETED", "a"),
    ]
    # resuming from b's version gives only what followed it
    w2 = await open_watch(kube, CMS, resourceVersion=b["metadata"]["resourceVersion"])
    e = await w2.next()
    assert (e["type"], e["object"]["metadata"]["name"]) == ("DELETED", "a")
    await kube.ok("POST", CMS, cm("c"))
    e = await w2.next()
    assert (e["type"], e["object"]["metadata"]["name"]) == ("ADDED", "c")
    w.close()
    w2.close()


async def test_long_resume_arrives_whole_and_in_order_in_slices(kube: Kube) -> None:
    # A backlog larger than one write slice (1,000 lines) goes out in several writes; the
    # events between them must neither be lost, duplicated nor reordered, and a live event
    # written meanwhile comes after the whole backlog.
    rv0 = (await kube.ok("GET", CMS))["metadata"]["resourceVersion"]
    n = 2_500
    for i in range(n):
        await kube.ok("POST", CMS, cm(f"r{i}"))
    w = await open_watch(kube, CMS, resourceVersion=rv0)
    first = await w.next()
    await kube.ok("POST", CMS, cm("live"))
    names = [first["object"]["metadata"]["name"]]
    names += [(await w.next())["object"]["metadata"]["name"] for _ in range(n)]
    assert names == [f"r{i}" for i in range(n)] + ["live"]
    w.close()


async def test_too_old_resource_version_is_410(kube: Kube) -> None:
    a = await kube.ok("POST", CMS, cm("a"))
    await kube.ok("POST", CMS, cm("b"))
    kube.srv.hooks.compact()
    w = await open_watch(kube, CMS, resourceVersion=a["metadata"]["resourceVersion"])
    e = await w.next()
    assert e["type"] == "ERROR"
    assert e["object"]["code"] == 410 and e["object"]["reason"] == "Expired"
    assert await w.ended()


async def test_selectors_filter_and_transitions(kube: Kube) -> None:
    w = await open_watch(kube, CMS, labelSelector="app=x")
    await kube.ok("POST", CMS, cm("other"))
    a = await kube.ok("POST", CMS, {"metadata": {"name": "a", "labels": {"app": "x"}}})
    e = await w.next()
    assert (e["type"], e["object"]["metadata"]["name"]) == ("ADDED", "a")
    a["metadata"]["labels"] = {"app": "y"}
    await kube.ok("PUT", f"{CMS}/a", a)
    e = await w.next()
    assert (e["type"], e["object"]["metadata"]["name"]) == ("DELETED", "a")
    w.close()
    single = await open_watch(kube, CMS, fieldSelector="metadata.name=other")
    e = await single.next()
    assert e["object"]["metadata"]["name"] == "other"
    single.close()


@pytest.fixture
async def fast_server() -> AsyncIterator[EmbeddedApiServer]:
    srv = EmbeddedApiServer(
        port=0, tls=False, settings=Settings(bookmark_interval=0.2, watcher_buffer=50)
    )
    await srv.start()
    try:
        yield srv
    finally:
        await srv.close()


@pytest.fixture
async def fast(fast_server: EmbeddedApiServer) -> AsyncIterator[Kube]:
    conn = aiohttp.TCPConnector(ssl=client_ssl(fast_server), limit=0)
    async with aiohttp.ClientSession(connector=conn) as session:
        yield Kube(fast_server, session)


async def test_bookmarks_arrive(fast: Kube) -> None:
    w = await open_watch(fast, CMS, allowWatchBookmarks="true", resourceVersion="1")
    created = await fast.ok("POST", CMS, cm("a"))
    e = await w.next()
    assert e["type"] == "ADDED"
    e = await w.next(wait=5)
    assert e["type"] == "BOOKMARK"
    assert int(e["object"]["metadata"]["resourceVersion"]) >= int(
        created["metadata"]["resourceVersion"]
    )
    w.close()


async def test_timeout_ends_watch_with_bookmark(fast: Kube) -> None:
    w = await open_watch(
        fast, CMS, allowWatchBookmarks="true", timeoutSeconds="1", resourceVersion="1"
    )
    types = []
    while True:
        try:
            types.append((await w.next(wait=5))["type"])
        except EOFError:
            break
    assert types and types[-1] == "BOOKMARK"


async def test_send_initial_events_ends_with_annotated_bookmark(fast: Kube) -> None:
    await fast.ok("POST", CMS, cm("a"))
    await fast.ok("POST", CMS, cm("b"))
    w = await open_watch(
        fast,
        CMS,
        sendInitialEvents="true",
        allowWatchBookmarks="true",
        resourceVersionMatch="NotOlderThan",
        resourceVersion="",
    )
    e1, e2, bm = (
        (await w.next() for _ in range(3))
        if False
        else (await w.next(), await w.next(), await w.next())
    )
    assert {e1["object"]["metadata"]["name"], e2["object"]["metadata"]["name"]} == {"a", "b"}
    assert bm["type"] == "BOOKMARK"
    assert bm["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    w.close()


async def test_stalled_consumer_does_not_delay_writers(fast: Kube) -> None:
    srv = fast.srv
    # a raw socket that asks for a watch and then never reads
    _reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
    writer.write(
        f"GET {CMS}?watch=true&resourceVersion=1 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {srv.token}\r\n\r\n".encode()
    )
    await writer.drain()
    live = await open_watch(fast, CMS, resourceVersion="1")
    n = 200

    async def consume() -> list[str]:
        return [(await live.next(wait=30))["object"]["metadata"]["name"] for _ in range(n)]

    consumer = asyncio.create_task(consume())
    blob = "x" * 100_000
    start = time.monotonic()
    for i in range(n):
        await fast.ok("POST", CMS, cm(f"c{i}", blob=blob))
    elapsed = time.monotonic() - start
    # 20 MB of events while a consumer is stalled: the writer was never blocked by it
    assert elapsed < 20
    # the live watcher got everything, in order
    assert await consumer == [f"c{i}" for i in range(n)]
    assert srv.hub.count() == 1  # the stalled watcher was closed (buffer bound 50)
    live.close()
    writer.close()


async def test_close_watches_hook_ends_streams(kube: Kube) -> None:
    w = await open_watch(kube, CMS, resourceVersion="1")
    kube.srv.hooks.close_watches()
    assert await w.ended()


async def test_thousand_watchers_receive_every_event(fast: Kube) -> None:
    n, events = 1000, 20
    watches = await asyncio.gather(*(open_watch(fast, CMS, resourceVersion="1") for _ in range(n)))
    for i in range(events):
        await fast.ok("POST", CMS, cm(f"e{i}"))

    async def drain(w: object) -> list[str]:
        names = []
        for _ in range(events):
            e = await w.next(wait=60)  # type: ignore[attr-defined]
            names.append(e["object"]["metadata"]["name"])
        return names

    results = await asyncio.gather(*(drain(w) for w in watches))
    expected = [f"e{i}" for i in range(events)]
    assert all(r == expected for r in results)
    for w in watches:
        w.close()
