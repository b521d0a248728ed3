"""The client against the real embedded API server (TLS, token auth, fault hooks)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cache_fakes import wait_for

from tekpy.runtime.client import (
    CONFIGMAPS,
    NAMESPACES,
    PODS,
    ApiError,
    Client,
    ClientConfig,
    Resource,
    is_already_exists,
    is_conflict,
    is_expired,
    is_gone,
    is_internal_error,
    is_invalid,
    is_not_found,
    is_too_many_requests,
    is_unauthorized,
)
from tekpy.runtime.clock import FakeClock
from tekpy.runtime.metrics.registry import REGISTRY
from tekpy.testing import eventually


def cm(name: str, ns: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    }


def pod(name: str, ns: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


async def test_crud_round_trip(client: Client, namespace: str) -> None:
    created = await client.create(CONFIGMAPS, cm("a", namespace, x="1"))
    assert created["metadata"]["uid"] and created["data"] == {"x": "1"}
    with pytest.raises(ApiError) as e:
        await client.create(CONFIGMAPS, cm("a", namespace))
    assert is_already_exists(e.value) and e.value.status == 409
    got = await client.get(CONFIGMAPS, "a", namespace=namespace)
    got["data"]["x"] = "2"
    updated = await client.update(CONFIGMAPS, got)
    assert updated["data"] == {"x": "2"}
    got["data"]["x"] = "3"  # stale resourceVersion now
    with pytest.raises(ApiError) as e:
        await client.update(CONFIGMAPS, got)
    assert is_conflict(e.value)
    merged = await client.patch(CONFIGMAPS, "a", {"data": {"y": "m"}}, namespace=namespace)
    assert merged["data"] == {"x": "2", "y": "m"}
    jp = await client.patch(
        CONFIGMAPS,
        "a",
        [{"op": "remove", "path": "/data/x"}],
        namespace=namespace,
        patch_type="json",
    )
    assert jp["data"] == {"y": "m"}
    sp = await client.patch(
        CONFIGMAPS,
        "a",
        {"metadata": {"labels": {"l": "1"}}},
        namespace=namespace,
        patch_type="strategic",
    )
    assert sp["metadata"]["labels"] == {"l": "1"}
    dry = await client.create(CONFIGMAPS, cm("dry", namespace), dry_run=True)
    assert dry["metadata"]["name"] == "dry"
    with pytest.raises(ApiError) as e:
        await client.get(CONFIGMAPS, "dry", namespace=namespace)
    assert is_not_found(e.value)
    with pytest.raises(ApiError) as e:
        await client.delete(CONFIGMAPS, "a", namespace=namespace, preconditions={"uid": "nope"})
    assert is_conflict(e.value)
    await client.delete(
        CONFIGMAPS,
        "a",
        namespace=namespace,
        propagation_policy="Foreground",
        grace_period_seconds=0,
        preconditions={"uid": created["metadata"]["uid"]},
    )
    # Foreground deletion goes through the garbage collector (a foregroundDeletion finalizer
    # on kube-apiserver), so the object may linger for a moment.
    async def gone() -> ApiError | None:
        try:
            await client.get(CONFIGMAPS, "a", namespace=namespace)
        except ApiError as exc:
            return exc
        return None

    err = await eventually(gone, timeout=30)
    assert err is not None and is_not_found(err)
    assert err.details and err.details["name"] == "a"


async def test_status_subresource_and_apply(client: Client, namespace: str) -> None:
    p = await client.create(PODS, pod("p", namespace))
    p["status"] = {"phase": "Running"}
    p["spec"]["containers"][0]["image"] = "ignored-by-status-update"
    after = await client.update_status(PODS, p)
    assert after["status"]["phase"] == "Running"
    assert after["spec"]["containers"][0]["image"] == "busybox"
    patched = await client.patch(
        PODS, "p", {"status": {"phase": "Succeeded"}}, namespace=namespace, subresource="status"
    )
    assert patched["status"]["phase"] == "Succeeded"
    applied = await client.patch(
        CONFIGMAPS,
        "ap",
        cm("ap", namespace, k="v"),
        namespace=namespace,
        patch_type="apply",
        field_manager="tekpy-test",
        force=True,
    )
    assert applied["data"] == {"k": "v"}
    with pytest.raises(ValueError):
        await client.patch(CONFIGMAPS, "ap", {}, namespace=namespace, patch_type="apply")


async def test_invalid_object_reports_causes(client: Client, namespace: str) -> None:
    with pytest.raises(ApiError) as e:
        await client.create(CONFIGMAPS, cm("Not_A_Valid_Name", namespace))
    assert is_invalid(e.value) and e.value.causes


async def test_cluster_scoped_and_namespace_checks(client: Client, namespace: str) -> None:
    name = f"{namespace}-extra"
    ns = await client.create(NAMESPACES, {"metadata": {"name": name}})
    assert ns["metadata"]["name"] == name
    assert (await client.get(NAMESPACES, name))["metadata"]["name"] == name
    await client.delete(NAMESPACES, name)
    with pytest.raises(ValueError):
        await client.get(CONFIGMAPS, "x")  # namespaced: namespace required


async def test_list_pages_and_list_all(client: Client, namespace: str) -> None:
    for i in range(25):
        await client.create(CONFIGMAPS, cm(f"c{i:02d}", namespace))
    page = await client.list(CONFIGMAPS, namespace=namespace, limit=10)
    assert len(page["items"]) == 10 and page["metadata"]["continue"]
    assert all(i["kind"] == "ConfigMap" and i["apiVersion"] == "v1" for i in page["items"])
    items, rv = await client.list_all(CONFIGMAPS, namespace=namespace, page_size=10)
    assert sorted(i["metadata"]["name"] for i in items) == [f"c{i:02d}" for i in range(25)]
    assert rv == page["metadata"]["resourceVersion"] or int(rv) >= 25
    sel, _ = await client.list_all(
        CONFIGMAPS, namespace=namespace, field_selector="metadata.name=c03"
    )
    assert [i["metadata"]["name"] for i in sel] == ["c03"]


#: A kind without the 1 MiB cap kube-apiserver puts on ConfigMap data, for big objects.
BLOB_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "blobs.runtime-tests.tekpy.dev"},
    "spec": {
        "group": "runtime-tests.tekpy.dev",
        "scope": "Namespaced",
        "names": {"plural": "blobs", "singular": "blob", "kind": "Blob"},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "data": {"type": "object", "additionalProperties": {"type": "string"}},
            }}},
        }],
    },
}
BLOBS = Resource("runtime-tests.tekpy.dev", "v1", "blobs", "Blob")
#: aiohttp's ``readline`` gives up on a line longer than its buffer's high-water mark
#: (2 x its 64 KiB default limit): the watch line below must be longer than that.
AIOHTTP_LINE_LIMIT = 2 * 2**16


def blob(name: str, ns: str, v: str) -> dict[str, Any]:
    return {"apiVersion": "runtime-tests.tekpy.dev/v1", "kind": "Blob",
            "metadata": {"name": name, "namespace": ns}, "data": {"v": v}}


@pytest.mark.crds(BLOB_CRD)
async def test_watch_delivers_events_and_a_big_object(
    api_server_kind: str, client: Client, namespace: str
) -> None:
    lst = await client.list(BLOBS, namespace=namespace)
    rv = lst["metadata"]["resourceVersion"]
    # 2 MiB on the embedded server. On the real tier 1 MiB: a production etcd refuses
    # requests over 1.5 MiB (its default --max-request-bytes), so no real object is bigger.
    big = "x" * ((1 if api_server_kind == "realapi" else 2) * 1024 * 1024)
    assert len(big) > AIOHTTP_LINE_LIMIT
    seen: list[tuple[str, str, int]] = []
    async with client.watch(BLOBS, namespace=namespace, resource_version=rv) as events:
        await client.create(BLOBS, blob("small", namespace, "1"), namespace=namespace)
        try:
            await client.create(BLOBS, blob("big", namespace, big), namespace=namespace)
        except ApiError as e:
            pytest.fail(f"server refused a {len(big)} byte object: {e}")
        await client.delete(BLOBS, "small", namespace=namespace)
        async for ev in events:
            if ev.type == "BOOKMARK":
                continue
            seen.append((ev.type, ev.object["metadata"]["name"], len(ev.object["data"]["v"])))
            if len(seen) == 3:
                break
    assert seen == [("ADDED", "small", 1), ("ADDED", "big", len(big)), ("DELETED", "small", 1)]


async def test_watch_from_compacted_history_is_expired(
    api_server: Any, hooks: Any, client: Client, namespace: str
) -> None:
    first = await client.create(CONFIGMAPS, cm("a", namespace))
    await client.create(CONFIGMAPS, cm("b", namespace))
    hooks.compact()
    await client.create(CONFIGMAPS, cm("c", namespace))
    with pytest.raises(ApiError) as e:
        async with client.watch(
            CONFIGMAPS,
            namespace=namespace,
            resource_version=first["metadata"]["resourceVersion"],
        ) as events:
            async for _ in events:
                pass
    assert e.value.status == 410 and (is_expired(e.value) or is_gone(e.value))


async def test_429_retry_after_is_honoured(api_server: Any, hooks: Any, namespace: str) -> None:
    clock = FakeClock()
    c = await Client.from_kubeconfig(api_server.kubeconfig_path, clock=clock)
    try:
        hooks.fail_next(2, 429, verb="list", resource="configmaps", retry_after=3)
        task = asyncio.create_task(c.list(CONFIGMAPS, namespace=namespace))
        for _ in range(2):
            await wait_for(lambda: clock.sleepers == 1)
            assert clock.next_deadline() - clock.monotonic() == pytest.approx(3.0)
            await clock.advance(3.0)
        assert (await task)["kind"] == "ConfigMapList"
        # A 429 on a write is also replayed (it was not processed).
        hooks.fail_next(1, 429, verb="create", retry_after=1)
        task2 = asyncio.create_task(c.create(CONFIGMAPS, cm("w", namespace)))
        await wait_for(lambda: clock.sleepers == 1)
        assert clock.next_deadline() - clock.monotonic() == pytest.approx(1.0)  # type: ignore[operator]
        await clock.advance(1.0)
        assert (await task2)["metadata"]["name"] == "w"
    finally:
        await c.close()


async def test_500s_retried_on_reads_only(api_server: Any, hooks: Any, namespace: str) -> None:
    clock = FakeClock()
    c = await Client.from_kubeconfig(api_server.kubeconfig_path, clock=clock)
    try:
        await c.create(CONFIGMAPS, cm("a", namespace))
        hooks.fail_next(3, 500, verb="get", resource="configmaps")
        task = asyncio.create_task(c.get(CONFIGMAPS, "a", namespace=namespace))
        for _ in range(3):  # three backoffs, then success
            await wait_for(lambda: clock.sleepers == 1)
            await clock.advance(clock.next_deadline() - clock.monotonic())  # type: ignore[operator]
        assert (await task)["metadata"]["name"] == "a"
        hooks.fail_next(1, 500, verb="create")
        with pytest.raises(ApiError) as e:
            await c.create(CONFIGMAPS, cm("b", namespace))
        assert is_internal_error(e.value)
        # The failed create was not replayed.
        with pytest.raises(ApiError):
            await c.get(CONFIGMAPS, "b", namespace=namespace)
        hooks.fail_next(1, 429, verb="list")
        hooks.fail_next(1, 503, verb="list")
        # Retries exhausted -> the error surfaces.
        c.config.max_retries = 0
        with pytest.raises(ApiError) as e:
            await c.list(CONFIGMAPS, namespace=namespace)
        assert is_too_many_requests(e.value)
    finally:
        await c.close()


async def test_bad_token_is_unauthorized(api_server: Any, namespace: str) -> None:
    c = Client(ClientConfig(server=api_server.url, token="wrong", ca_file=api_server.ca_file))
    try:
        with pytest.raises(ApiError) as e:
            await c.list(CONFIGMAPS, namespace=namespace)
        assert is_unauthorized(e.value)
    finally:
        await c.close()


async def test_request_metrics_are_recorded(client: Client, namespace: str) -> None:
    host = client.config.server.split("://", 1)[1]

    def count(code: str, method: str) -> float:
        v = REGISTRY.get_sample_value(
            "rest_client_requests_total", {"code": code, "method": method, "host": host}
        )
        return v or 0.0

    before = count("200", "GET"), count("404", "GET")
    await client.list(CONFIGMAPS, namespace=namespace)
    with pytest.raises(ApiError):
        await client.get(CONFIGMAPS, "missing", namespace=namespace)
    assert count("200", "GET") == before[0] + 1 and count("404", "GET") == before[1] + 1
    n = REGISTRY.get_sample_value(
        "rest_client_request_duration_seconds_count", {"verb": "GET", "host": host}
    )
    assert n is not None and n >= 2
