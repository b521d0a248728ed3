"""The real control plane works: auth, CRUD, CRDs, watch, garbage collection, namespaces."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import yaml
from realapi_http import Api, eventually, install_crds

from tekpy.testing.realapi import RealApiServer, RealApiUnavailable

CRD_FILES = sorted(Path(__file__).resolve().parents[2].glob("manifests/crds/*.yaml"))


def _exists(path: str) -> bool:
    return os.path.exists(path)


def cm(name: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, **extra}


async def test_configmap_crud_over_https_with_token(real_api: Api, real_ns: str) -> None:
    base = f"/api/v1/namespaces/{real_ns}/configmaps"
    created = await real_api.post(base, cm("a", data={"k": "v"}))
    assert created.status == 201, created.body
    assert created.body["metadata"]["uid"]
    got = await real_api.get(f"{base}/a")
    assert got.status == 200 and got.body["data"] == {"k": "v"}
    got.body["data"]["k"] = "w"
    updated = await real_api.put(f"{base}/a", got.body)
    assert updated.status == 200
    assert int(updated.body["metadata"]["resourceVersion"]) > int(
        created.body["metadata"]["resourceVersion"]
    )
    stale = await real_api.put(f"{base}/a", got.body)  # still carries the old resourceVersion
    assert stale.status == 409 and stale.body["reason"] == "Conflict"
    deleted = await real_api.delete(f"{base}/a")
    assert deleted.status == 200
    missing = await real_api.get(f"{base}/a")
    assert missing.status == 404 and missing.body["reason"] == "NotFound"


async def test_requests_without_the_token_are_unauthorized(real_server: RealApiServer) -> None:
    class Anonymous:
        url = real_server.url
        token = "not-a-valid-token"
        ca_file = real_server.ca_file

    async with Api(Anonymous()) as api:
        reply = await api.get("/api/v1/namespaces")
    assert reply.status == 401


async def test_crd_becomes_served(real_api: Api, real_ns: str) -> None:
    group = f"{real_ns}.tekpy.dev"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"size": {"type": "integer"}},
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    reply = await real_api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert reply.status == 201, reply.body
    path = f"/apis/{group}/v1/namespaces/{real_ns}/widgets"
    body = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"size": 3, "dropped": True}}

    async def served() -> bool:
        return (await real_api.post(path, body)).status == 201

    await eventually(served, within=30)
    got = await real_api.get(f"{path}/w")
    assert got.body["spec"] == {"size": 3}  # unknown fields are pruned by the schema


async def test_watch_from_a_resource_version(real_api: Api, real_ns: str) -> None:
    base = f"/api/v1/namespaces/{real_ns}/configmaps"
    first = (await real_api.post(base, cm("w", data={"n": "0"}))).body
    obj = first
    for n in (1, 2):
        obj["data"]["n"] = str(n)
        obj = (await real_api.put(f"{base}/w", obj)).body
    async with real_api.watch(base, resourceVersion=first["metadata"]["resourceVersion"]) as w:
        assert w.status == 200
        events = await w.take(2)
    assert [(e["type"], e["object"]["data"]["n"]) for e in events] == [
        ("MODIFIED", "1"),
        ("MODIFIED", "2"),
    ]
    assert events[-1]["object"]["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


async def test_owner_garbage_collection(real_api: Api, real_ns: str) -> None:
    base = f"/api/v1/namespaces/{real_ns}/configmaps"
    owner = (await real_api.post(base, cm("owner"))).body
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
           "uid": owner["metadata"]["uid"]}
    dependent = cm("dependent")
    dependent["metadata"]["ownerReferences"] = [ref]
    assert (await real_api.post(base, dependent)).status == 201
    reply = await real_api.delete(f"{base}/owner", {"propagationPolicy": "Background"})
    assert reply.status == 200

    async def dependent_gone() -> bool:
        return (await real_api.get(f"{base}/dependent")).status == 404

    await eventually(dependent_gone, within=60)


async def test_foreground_deletion_waits_for_dependents(real_api: Api, real_ns: str) -> None:
    base = f"/api/v1/namespaces/{real_ns}/configmaps"
    owner = (await real_api.post(base, cm("owner"))).body
    dependent = cm("dependent")
    dependent["metadata"]["ownerReferences"] = [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
        "uid": owner["metadata"]["uid"], "blockOwnerDeletion": True,
    }]
    dependent["metadata"]["finalizers"] = ["tekpy.dev/hold"]
    assert (await real_api.post(base, dependent)).status == 201
    reply = await real_api.delete(f"{base}/owner", {"propagationPolicy": "Foreground"})
    assert reply.status == 200
    assert reply.body["metadata"]["finalizers"] == ["foregroundDeletion"]

    async def dependent_deleting() -> bool:
        got = await real_api.get(f"{base}/dependent")
        return "deletionTimestamp" in got.body["metadata"]

    await eventually(dependent_deleting, within=60)
    assert (await real_api.get(f"{base}/owner")).status == 200  # blocked by the dependent
    patch = {"metadata": {"finalizers": None}}
    assert (await real_api.patch(f"{base}/dependent", patch)).status == 200

    async def owner_gone() -> bool:
        return (await real_api.get(f"{base}/owner")).status == 404

    await eventually(owner_gone, within=60)


async def test_namespace_deletion_removes_its_contents(real_api: Api, real_ns: str) -> None:
    base = f"/api/v1/namespaces/{real_ns}/configmaps"
    assert (await real_api.post(base, cm("inside"))).status == 201
    held = cm("held")  # its finalizer keeps the namespace Terminating until released
    held["metadata"]["finalizers"] = ["tekpy.dev/hold"]
    assert (await real_api.post(base, held)).status == 201
    reply = await real_api.delete(f"/api/v1/namespaces/{real_ns}")
    assert reply.status == 200
    assert reply.body["status"]["phase"] == "Terminating"
    refused = await real_api.post(base, cm("late"))
    assert refused.status == 403 and "being terminated" in refused.body["message"]

    async def contents_deleted() -> bool:
        inside = await real_api.get(f"{base}/inside")
        held = await real_api.get(f"{base}/held")
        return inside.status == 404 and "deletionTimestamp" in held.body["metadata"]

    await eventually(contents_deleted, within=90)
    assert (await real_api.patch(f"{base}/held", {"metadata": {"finalizers": None}})).status == 200

    async def namespace_gone() -> bool:
        return (await real_api.get(f"/api/v1/namespaces/{real_ns}")).status == 404

    await eventually(namespace_gone, within=90)


async def test_kubeconfig_works_with_kubectl(real_server: RealApiServer) -> None:
    kubectl = real_server.binaries.kubectl or shutil.which("kubectl")
    assert kubectl, "ensure_binaries always finds or builds a kubectl"
    proc = await asyncio.create_subprocess_exec(
        str(kubectl), "--kubeconfig", real_server.kubeconfig_path, "get", "namespace",
        "default", "-o", "name",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip() == "namespace/default"
    assert oct(os.stat(real_server.kubeconfig_path).st_mode & 0o777) == "0o600"


async def test_stop_leaves_no_processes_or_files(real_server: RealApiServer) -> None:
    server = RealApiServer(real_server.binaries, controller_manager=True)
    await server.start()
    pids = [p.popen.pid for p in server._procs]
    tmp = server.log_dir
    assert len(pids) == 3 and _exists(tmp)
    await server.stop()
    for pid in pids:
        assert not _exists(f"/proc/{pid}"), f"process {pid} survived stop()"
    assert not _exists(tmp)


async def test_a_failed_start_raises_and_cleans_up(real_server: RealApiServer) -> None:
    server = RealApiServer(
        real_server.binaries, controller_manager=False, extra_apiserver_args=["--no-such-flag"]
    )
    try:
        await server.start()
    except RealApiUnavailable as exc:
        assert "kube-apiserver exited" in exc.reason
        assert "no-such-flag" in exc.reason  # the log tail says why
    else:
        await server.stop()
        raise AssertionError("start() accepted a bad flag")
    assert server._procs == [] and not _exists(server.log_dir)


async def test_restart_keeps_data_and_compact_expires_old_versions(
    real_server: RealApiServer, real_api: Api, real_ns: str
) -> None:
    base = f"/api/v1/namespaces/{real_ns}/configmaps"
    old_rv = (await real_api.post(base, cm("kept"))).body["metadata"]["resourceVersion"]
    await real_api.post(base, cm("later"))  # so that old_rv is history, not the present
    await real_server.compact()  # compacts etcd; the fault proxy expires older versions
    assert (await real_api.get(f"{base}/kept")).status == 200
    async with real_api.watch(base, resourceVersion=old_rv) as w:
        events = await w.take(1)
    assert events and events[0]["type"] == "ERROR"
    assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"


async def test_our_crds_are_accepted_by_kube_apiserver(real_server: RealApiServer) -> None:
    crds = CRD_FILES
    assert crds, "manifests/crds holds tekpy's CRDs"
    names = await install_crds(real_server, crds)
    assert "taskruns.tekton.dev" in names and "pipelineruns.tekton.dev" in names
    # Installing again replaces them in place (fixtures may share one server).
    assert await install_crds(real_server, crds) == names


async def test_an_abandoned_server_is_cleaned_up_when_collected(
    real_server: RealApiServer,
) -> None:
    server = RealApiServer(real_server.binaries, controller_manager=False)
    await server.start()
    pids = [p.popen.pid for p in server._procs]
    tmp = server.log_dir
    del server  # never stopped: the finalizer must do it
    await asyncio.to_thread(gc.collect)
    for pid in pids:
        assert not _exists(f"/proc/{pid}"), f"process {pid} outlived its server"
    assert not _exists(tmp)


async def test_module_runs_a_control_plane_until_sigterm(real_server: RealApiServer) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy.testing.realapi", "--no-controller-manager",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        kubeconfig = (await asyncio.wait_for(proc.stdout.readline(), 90)).decode().strip()
        assert kubeconfig.endswith("/kubeconfig"), kubeconfig
        config = yaml.safe_load(await asyncio.to_thread(Path(kubeconfig).read_text))
        user = config["users"][0]["user"]
        cluster = config["clusters"][0]["cluster"]

        class Handle:
            url = cluster["server"]
            token = user["token"]
            ca_file = cluster["certificate-authority"]

        async with Api(Handle()) as api:
            assert (await api.get("/api/v1/namespaces/default")).status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0
    assert not _exists(kubeconfig)  # its temp dir is gone with it
