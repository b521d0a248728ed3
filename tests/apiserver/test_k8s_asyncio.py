"""kubernetes-asyncio's generated and dynamic clients against the server's kubeconfig."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from apiserver_helpers import WIDGET_CRD
from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client.rest import ApiException
from kubernetes_asyncio.dynamic import DynamicClient

from tekpy.local.apiserver import EmbeddedApiServer


@pytest.fixture
async def api(server: EmbeddedApiServer) -> AsyncIterator[client.ApiClient]:
    cfg = client.Configuration()
    await config.load_kube_config(config_file=server.kubeconfig_path,
                                  client_configuration=cfg)
    async with client.ApiClient(cfg) as api_client:
        yield api_client


async def test_configmap_crud_and_errors(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c1"), data={"a": "1"})
    created = await core.create_namespaced_config_map("default", body)
    assert created.metadata.uid and created.data == {"a": "1"}
    created.data["a"] = "2"
    replaced = await core.replace_namespaced_config_map("c1", "default", created)
    assert replaced.data == {"a": "2"}
    patched = await core.patch_namespaced_config_map("c1", "default", {"data": {"b": "3"}})
    assert patched.data == {"a": "2", "b": "3"}
    listed = await core.list_namespaced_config_map("default")
    assert [c.metadata.name for c in listed.items] == ["c1"]
    with pytest.raises(ApiException) as exc:
        await core.create_namespaced_config_map("default", body)
    assert exc.value.status == 409
    with pytest.raises(ApiException) as exc:
        await core.replace_namespaced_config_map("c1", "default", created)  # stale
    assert exc.value.status == 409
    await core.delete_namespaced_config_map("c1", "default")
    with pytest.raises(ApiException) as exc:
        await core.read_namespaced_config_map("c1", "default")
    assert exc.value.status == 404


async def test_pod_crud_status_and_watch(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    pod = client.V1Pod(metadata=client.V1ObjectMeta(name="p1", labels={"app": "x"}),
                       spec=client.V1PodSpec(containers=[client.V1Container(
                           name="main", image="busybox")]))
    created = await core.create_namespaced_pod("default", pod)
    assert created.status.phase == "Pending"
    rv = created.metadata.resource_version
    seen: list[tuple[str, str | None]] = []

    async def watcher() -> None:
        w = watch.Watch()
        async with w.stream(core.list_namespaced_pod, "default", resource_version=rv,
                            label_selector="app=x", timeout_seconds=20) as stream:
            async for ev in stream:
                seen.append((ev["type"], ev["object"].status.phase))
                if ev["type"] == "DELETED":
                    w.stop()

    task = asyncio.create_task(watcher())
    created.status.phase = "Running"
    await core.replace_namespaced_pod_status("p1", "default", created)
    await core.patch_namespaced_pod_status("p1", "default",
                                           {"status": {"phase": "Succeeded"}})
    await core.delete_namespaced_pod("p1", "default")
    await asyncio.wait_for(task, 20)
    assert seen == [("MODIFIED", "Running"), ("MODIFIED", "Succeeded"),
                    ("DELETED", "Succeeded")]


async def test_dynamic_client_on_custom_resource(api: client.ApiClient) -> None:
    ext = client.ApiextensionsV1Api(api)
    await ext.create_custom_resource_definition(WIDGET_CRD)  # type: ignore[arg-type]
    dyn = await DynamicClient(api)
    widgets = await dyn.resources.get(api_version="example.com/v1", kind="Widget")
    created = await widgets.create(body={
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"},
        "spec": {"size": 1}}, namespace="default")
    assert created.metadata.name == "w1"
    got = await widgets.get(name="w1", namespace="default")
    assert got.spec.size == 1
    patched = await widgets.patch(name="w1", namespace="default", body={"spec": {"size": 2}},
                                  content_type="application/merge-patch+json")
    assert patched.spec.size == 2
    listed = await widgets.get(namespace="default")
    assert [i.metadata.name for i in listed.items] == ["w1"]
    await widgets.delete(name="w1", namespace="default")
    listed = await widgets.get(namespace="default")
    assert listed.items == []
