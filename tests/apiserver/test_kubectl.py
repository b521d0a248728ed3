"""kubectl (the machine's /usr/bin/kubectl) against the written kubeconfig."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from apiserver_helpers import WIDGET_CRD, Kube

from tekpy.local.apiserver import EmbeddedApiServer

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl not installed")


class Kubectl:
    def __init__(self, srv: EmbeddedApiServer, tmp: Path) -> None:
        self.env = dict(os.environ, KUBECONFIG=srv.kubeconfig_path, HOME=str(tmp))
        self.tmp = tmp

    async def __call__(self, *args: str, stdin: str | None = None, check: bool = True
                       ) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            KUBECTL, *args, env=self.env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(
            proc.communicate(stdin.encode() if stdin is not None else None), 60)
        rc = proc.returncode or 0
        if check:
            assert rc == 0, (args, out.decode(), err.decode())
        return rc, out.decode(), err.decode()

    async def start(self, *args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            KUBECTL, *args, env=self.env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)

    def file(self, name: str, obj: Any) -> str:
        path = self.tmp / name
        path.write_text(yaml.safe_dump(obj))
        return str(path)


@pytest.fixture
async def kubectl(server: EmbeddedApiServer, tmp_path: Path) -> Kubectl:
    return Kubectl(server, tmp_path)


async def read_until(proc: asyncio.subprocess.Process, needle: str, wait: float = 20) -> str:
    assert proc.stdout is not None
    seen = ""
    async with asyncio.timeout(wait):
        while needle not in seen:
            line = await proc.stdout.readline()
            if not line:
                break
            seen += line.decode()
    assert needle in seen, seen
    return seen


def widget(name: str, size: int = 3, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": name, **meta}, "spec": {"size": size}}


async def test_kubeconfig_is_private(server: EmbeddedApiServer) -> None:
    assert os.stat(server.kubeconfig_path).st_mode & 0o777 == 0o600


async def test_apply_get_table_yaml_and_patch(kubectl: Kubectl) -> None:
    _, out, _ = await kubectl("apply", "-f", kubectl.file("crd.yaml", WIDGET_CRD))
    assert "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created" in out
    _, out, _ = await kubectl("apply", "-f", kubectl.file("w.yaml", widget("w1")))
    assert "widget.example.com/w1 created" in out
    _, out, _ = await kubectl("get", "widgets")
    header, row = out.splitlines()[:2]
    assert header.split() == ["NAME", "SIZE", "AGE"]
    assert row.split()[:2] == ["w1", "3"]
    _, out, _ = await kubectl("get", "wd", "w1", "-o", "yaml")
    obj = yaml.safe_load(out)
    assert obj["spec"]["size"] == 3 and obj["metadata"]["uid"]
    await kubectl("patch", "widget", "w1", "--type", "merge", "-p", '{"spec":{"size":4}}')
    await kubectl("patch", "widget", "w1", "--type", "json",
                  "-p", '[{"op":"replace","path":"/spec/size","value":5}]')
    _, out, _ = await kubectl("get", "widget", "w1", "-o", "jsonpath={.spec.size}")
    assert out == "5"
    # strategic merge patch: refused on a custom resource (415), merged on a built-in
    rc, _, err = await kubectl("patch", "widget", "w1", "-p", '{"spec":{"size":6}}',
                               check=False)
    assert rc != 0 and "application/strategic-merge-patch+json is not supported" in err
    await kubectl("apply", "-f", kubectl.file("pod.yaml", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "busybox"},
                                {"name": "b", "image": "busybox"}]}}))
    await kubectl("patch", "pod", "p", "--type", "strategic",
                  "-p", '{"spec":{"containers":[{"name":"b","image":"alpine"}]}}')
    _, out, _ = await kubectl("get", "pod", "p", "-o",
                              "jsonpath={range .spec.containers[*]}{.name}={.image} {end}")
    assert out.split() == ["a=busybox", "b=alpine"]
    # apply again with a change: configured
    _, out, _ = await kubectl("apply", "-f", kubectl.file("w.yaml", widget("w1", 9)))
    assert "configured" in out


async def test_get_watch_sees_changes(kubectl: Kubectl, widgets: Kube) -> None:
    await widgets.ok("POST", "/apis/example.com/v1/namespaces/default/widgets", widget("w1"))
    proc = await kubectl.start("get", "widgets", "-w")
    try:
        await read_until(proc, "w1")
        await kubectl("patch", "widget", "w1", "--type", "merge", "-p", '{"spec":{"size":42}}')
        await read_until(proc, "42")
    finally:
        proc.kill()
        await proc.wait()


async def test_delete_with_finalizer(kubectl: Kubectl, widgets: Kube) -> None:
    await widgets.ok("POST", "/apis/example.com/v1/namespaces/default/widgets",
                     widget("w1", finalizers=["example.com/hold"]))
    _, out, _ = await kubectl("delete", "widget", "w1", "--wait=false")
    assert 'widget.example.com "w1" deleted' in out
    _, out, _ = await kubectl("get", "widget", "w1", "-o", "yaml")
    assert yaml.safe_load(out)["metadata"]["deletionTimestamp"]
    await kubectl("patch", "widget", "w1", "--type", "json",
                  "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
    rc, _, err = await kubectl("get", "widget", "w1", check=False)
    assert rc != 0 and "NotFound" in err


async def test_wait_for_condition(kubectl: Kubectl, widgets: Kube) -> None:
    await widgets.ok("POST", "/apis/example.com/v1/namespaces/default/widgets", widget("w1"))
    waiter = await kubectl.start("wait", "--for=condition=Succeeded", "widget/w1",
                                 "--timeout=30s")
    await kubectl("patch", "widget", "w1", "--subresource=status", "--type", "merge", "-p",
                  '{"status":{"conditions":[{"type":"Succeeded","status":"True"}]}}')
    out, err = await asyncio.wait_for(waiter.communicate(), 30)
    assert waiter.returncode == 0, err
    assert b"condition met" in out


async def test_create_with_generate_name_and_api_resources(
    kubectl: Kubectl, widgets: Kube
) -> None:
    _, out, _ = await kubectl("create", "-f", kubectl.file(
        "g.yaml", {"apiVersion": "example.com/v1", "kind": "Widget",
                   "metadata": {"generateName": "gen-"}, "spec": {"size": 1}}))
    assert out.startswith("widget.example.com/gen-") and out.strip().endswith("created")
    _, out, _ = await kubectl("api-resources")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["widgets"][1:] == ["wd", "example.com/v1", "true", "Widget"]
    assert rows["pods"][1:] == ["po", "v1", "true", "Pod"]
    assert "leases" in rows and "customresourcedefinitions" in rows


@pytest.fixture
async def kubelet() -> AsyncIterator[int]:
    """A minimal kubelet log endpoint: /containerLogs/<ns>/<pod>/<container>."""

    async def logs(request: web.Request) -> web.StreamResponse:
        ns, pod, container = (request.match_info[k] for k in ("ns", "pod", "c"))
        resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await resp.prepare(request)
        await resp.write(f"hello from {ns}/{pod}/{container}\n".encode())
        if request.query.get("follow") == "true":
            for i in range(3):
                await asyncio.sleep(0.05)
                await resp.write(f"line {i}\n".encode())
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_get("/containerLogs/{ns}/{pod}/{c}", logs)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield int(port)
    finally:
        await runner.cleanup()


async def test_logs_and_follow(kubectl: Kubectl, kube: Kube, kubelet: int) -> None:
    await kube.ok("POST", "/api/v1/nodes", {"metadata": {"name": "n1"}, "status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet}}}})
    await kube.ok("POST", "/api/v1/namespaces/default/pods", {
        "metadata": {"name": "p"},
        "spec": {"nodeName": "n1", "containers": [{"name": "main", "image": "x"}]}})
    _, out, _ = await kubectl("logs", "p")
    assert out == "hello from default/p/main\n"
    _, out, _ = await kubectl("logs", "-f", "p", "-c", "main")
    assert out.splitlines() == ["hello from default/p/main", "line 0", "line 1", "line 2"]


async def test_server_side_apply(kubectl: Kubectl) -> None:
    await kubectl("apply", "--server-side", "-f", kubectl.file("crd.yaml", WIDGET_CRD))
    _, out, _ = await kubectl("apply", "--server-side", "-f",
                              kubectl.file("w.yaml", widget("w1", 2)))
    assert "serverside-applied" in out
    _, out, _ = await kubectl("get", "widget", "w1", "-o", "jsonpath={.spec.size}")
    assert out == "2"


async def test_explain_custom_resource(kubectl: Kubectl, widgets: Kube) -> None:
    _, out, _ = await kubectl("explain", "widgets.spec")
    assert "KIND:       Widget" in out and "size\t<integer>" in out.replace("  ", "\t")


async def test_typed_create_commands_and_auth(kubectl: Kubectl, kube: Kube) -> None:
    """kubectl's generators send protobuf bodies for these kinds."""
    await kubectl("create", "namespace", "team")
    await kubectl("-n", "team", "create", "configmap", "c", "--from-literal=a=b",
                  "--from-literal=c=d")
    await kubectl("-n", "team", "create", "secret", "generic", "s", "--from-literal=k=v")
    await kubectl("-n", "team", "create", "serviceaccount", "robot")
    cm = await kube.ok("GET", "/api/v1/namespaces/team/configmaps/c")
    assert cm["data"] == {"a": "b", "c": "d"}
    secret = await kube.ok("GET", "/api/v1/namespaces/team/secrets/s")
    assert secret["data"] == {"k": "dg=="} and secret["type"] == "Opaque"
    await kube.ok("GET", "/api/v1/namespaces/team/serviceaccounts/robot")
    _, out, _ = await kubectl("auth", "can-i", "create", "pods")
    assert out.strip() == "yes"
