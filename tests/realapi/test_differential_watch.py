"""Differential: watch from a resourceVersion, selectors on watches, expiry, timeouts."""

from __future__ import annotations

import inspect
from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import Api

from tekpy.testing.realapi import RealApiServer

S = Scenarios()


def cm(name: str, labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, **extra}


def _by_name(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The initial ADDED events of a watch come in no promised order.
    return sorted(events, key=lambda e: (e["type"], e["object"]["metadata"].get("name", "")))


@S.add
async def watch_from_resource_version(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    first = (await r.api.post(base, cm("a", data={"n": "0"}))).body
    rv = first["metadata"]["resourceVersion"]
    await r.api.patch(f"{base}/a", {"data": {"n": "1"}})
    await r.api.post(base, cm("b"))
    await r.api.delete(f"{base}/a")
    async with r.api.watch(base, resourceVersion=rv) as w:
        r.record("watch status", w.status, None)
        r.record("events after rv", 0, await w.take(3))


@S.add
async def watch_initial_state(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    for name in ("x", "y"):
        await r.api.post(base, cm(name))
    async with r.api.watch(base) as w:
        r.record("no resourceVersion: ADDED for existing", w.status, _by_name(await w.take(2)))
        await r.api.post(base, cm("z"))
        r.record("then live events", 0, await w.take(1))
    async with r.api.watch(base, resourceVersion="0") as w:
        r.record("resourceVersion 0: ADDED for existing", w.status, _by_name(await w.take(3)))


@S.add
async def watch_with_selectors(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r.api.post(base, cm("in", {"app": "web"}))
    await r.api.post(base, cm("out", {"app": "db"}))
    async with r.api.watch(base, labelSelector="app=web", resourceVersion="0") as w:
        r.record("initial match", w.status, await w.take(1))
        await r.api.patch(f"{base}/out", {"metadata": {"labels": {"app": "web"}}})
        r.record("starts matching: ADDED", 0, await w.take(1))
        await r.api.patch(f"{base}/in", {"metadata": {"labels": {"app": "db"}}})
        r.record("stops matching: DELETED", 0, await w.take(1))
    async with r.api.watch(base, fieldSelector="metadata.name=in", resourceVersion="0") as w:
        r.record("field selector", w.status, await w.take(1))


@S.add
async def watch_expired_resource_version(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    for i in range(3):
        await r.api.post(base, cm(f"c{i}"))
    first_page = await r("first page before compaction", r.api.get(base, limit="1"))
    if r.compact is not None:
        done = r.compact()
        if inspect.isawaitable(done):
            await done
    async with r.api.watch(base, resourceVersion="1") as w:
        r.record("watch from a compacted version", w.status, await w.take(1))
    await r("list from a compacted version", r.api.get(
        base, resourceVersion="1", resourceVersionMatch="Exact"
    ))
    token = first_page.body["metadata"]["continue"]
    await r("continue after compaction", r.api.get(base, limit="1", **{"continue": token}))


@S.add
async def watch_timeout_and_bad_parameters(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    async with r.api.watch(base, timeoutSeconds="1") as w:
        r.record("stream ends after timeoutSeconds", w.status, await w.take(1, within=15))
    async with r.api.watch(base, resourceVersion="abc") as w:
        r.record("non-numeric resourceVersion", w.status, await w.take(1))
    async with r.api.watch(base, labelSelector="a in (b") as w:
        r.record("bad selector", w.status, await w.take(1))
    async with r.api.watch(f"/api/v1/namespaces/{r.ns}-nowhere/configmaps") as w:
        r.record("missing namespace still watches", w.status, None)


@S.add
async def watch_list_initial_events(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    for name in ("x", "y"):
        await r.api.post(base, cm(name))
    async with r.api.watch(base, sendInitialEvents="true", resourceVersionMatch="NotOlderThan",
                           allowWatchBookmarks="true") as w:
        events = await w.take(3)
        added = _by_name([e for e in events if e["type"] == "ADDED"])
        rest = [e for e in events if e["type"] != "ADDED"]
        r.record("initial events then a bookmark", w.status, added + rest)


@S.add
async def watch_finalizer_deletion(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    body = cm("f")
    body["metadata"]["finalizers"] = ["tekpy.dev/hold"]
    rv = (await r.api.post(base, body)).body["metadata"]["resourceVersion"]
    await r.api.delete(f"{base}/f")
    await r.api.patch(f"{base}/f", {"metadata": {"finalizers": None}})
    async with r.api.watch(base, resourceVersion=rv) as w:
        r.record("MODIFIED then DELETED", w.status, await w.take(2))


async def test_same_as_kube_apiserver(
    scenario: Scenario,
    real_server: RealApiServer,
    real_api: Api,
    embedded_server: Any,
    embedded_api: Api,
    ns_name: str,
) -> None:
    await run_differential(
        scenario, real_api, embedded_api, ns_name, embedded_server.hooks, real_server.compact
    )
