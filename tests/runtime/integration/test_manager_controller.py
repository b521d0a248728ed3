"""A whole controller through the Manager, on the real embedded API server.

A parent ConfigMap labelled ``role=parent`` gets a child ConfigMap ``<name>-child`` that it
controls (ownerReference with ``controller: true``) and whose data mirrors the parent's.
``owns()`` maps child events back to the parent, so a deleted or edited child is repaired.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tekpy.runtime.client import CONFIGMAPS, Client, is_not_found
from tekpy.runtime.controller import ControllerBuilder, Request, Result
from tekpy.runtime.manager import Manager
from tekpy.testing import eventually


class MirrorReconciler:
    def __init__(self, client: Client, manager: Manager) -> None:
        self.client = client
        self.parents = manager.informers.lister_for(CONFIGMAPS, label_selector="role=parent")
        self.recorder = manager.event_recorder("mirror-controller")
        self.reconciled: list[Request] = []
        self.active = 0
        self.max_active = 0

    async def reconcile(self, request: Request) -> Result:
        self.reconciled.append(request)
        parent = self.parents.get(request.name, request.namespace)
        if parent is None:
            return Result()  # deleted: garbage collection removes the child
        child_name = f"{request.name}-child"
        desired = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": child_name,
                "namespace": request.namespace,
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "name": parent["metadata"]["name"],
                        "uid": parent["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "data": dict(parent.get("data") or {}),
        }
        try:
            child = await self.client.get(CONFIGMAPS, child_name, namespace=request.namespace)
        except Exception as exc:
            if not is_not_found(exc):
                raise
            await self.client.create(CONFIGMAPS, desired, namespace=request.namespace)
            self.recorder.event(parent, "Normal", "ChildCreated", f"created {child_name}")
            return Result()
        if child.get("data") != desired["data"]:
            child["data"] = desired["data"]
            await self.client.update(CONFIGMAPS, child, namespace=request.namespace)
        return Result()


def parent(ns: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": {"role": "parent"}},
        "data": data,
    }


async def child_data(client: Client, ns: str, name: str) -> dict[str, str] | None:
    try:
        obj = await client.get(CONFIGMAPS, f"{name}-child", namespace=ns)
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise
    return obj.get("data") or {}


async def test_builder_controller_reconciles_and_repairs_owned_children(
    client: Client, namespace: str
) -> None:
    mgr = Manager(
        client,
        namespace=namespace,
        metrics_bind_address="127.0.0.1:0",
        health_probe_bind_address="127.0.0.1:0",
        handle_signals=False,
    )
    rec = MirrorReconciler(client, mgr)
    (
        ControllerBuilder(mgr)
        .named("mirror")
        .for_(CONFIGMAPS, label_selector="role=parent")
        .owns(CONFIGMAPS)
        .with_options(max_concurrent_reconciles=2)
        .complete(rec)
    )
    await client.create(CONFIGMAPS, parent(namespace, "a", {"k": "1"}), namespace=namespace)
    task = asyncio.create_task(mgr.start())
    try:
        await asyncio.wait_for(mgr.elected.wait(), 10)
        assert await eventually(lambda: child_data(client, namespace, "a")) == {"k": "1"}

        # A parent change propagates.
        obj = await client.get(CONFIGMAPS, "a", namespace=namespace)
        obj["data"] = {"k": "2"}
        await client.update(CONFIGMAPS, obj, namespace=namespace)
        await eventually(lambda: _equals(child_data(client, namespace, "a"), {"k": "2"}))

        # Editing or deleting the owned child wakes the parent's reconcile, which repairs it.
        child = await client.get(CONFIGMAPS, "a-child", namespace=namespace)
        child["data"] = {"k": "tampered"}
        await client.update(CONFIGMAPS, child, namespace=namespace)
        await eventually(lambda: _equals(child_data(client, namespace, "a"), {"k": "2"}))
        await client.delete(CONFIGMAPS, "a-child", namespace=namespace)
        await eventually(lambda: _equals(child_data(client, namespace, "a"), {"k": "2"}))
        assert all(r == Request(namespace, "a") for r in rec.reconciled)

        # Ready once caches are synced; the reconcile metrics are served.
        addr = mgr.health_probe_address
        assert addr is not None and mgr.metrics_address is not None
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://{addr[0]}:{addr[1]}/readyz?verbose") as resp:
                assert resp.status == 200
                assert "[+]informer-sync ok" in await resp.text()
            host, port = mgr.metrics_address
            async with http.get(f"http://{host}:{port}/metrics") as resp:
                text = await resp.text()
        assert 'controller_runtime_reconcile_total{controller="mirror",result="success"}' in text
        assert 'workqueue_adds_total{controller="mirror",name="mirror"}' in text

        # The recorder wrote an Event about the parent (asynchronously).
        async def child_created_event() -> bool:
            events = await client.list(_EVENTS, namespace=namespace)
            return any(e["reason"] == "ChildCreated" for e in events["items"])

        await eventually(child_created_event)
    finally:
        mgr.stop()
        await asyncio.wait_for(task, 10)


async def _equals(aw: Any, expected: Any) -> bool:
    return bool(await aw == expected)


def _events_resource() -> Any:
    from tekpy.runtime.client import Resource

    return Resource("", "v1", "events", "Event")


_EVENTS = _events_resource()
