"""managedFields and server-side apply through the embedded server (HTTP and kubectl)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiserver_helpers import Kube

from tekpy.local.apiserver import EmbeddedApiServer

APPLY = "application/apply-patch+yaml"
CMS = "/api/v1/namespaces/default/configmaps"
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"

GADGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
             "versions": [{"name": "v1", "served": True, "storage": True,
                           "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                               "spec": {"type": "object", "properties": {
                                   "ports": {"type": "array", "x-kubernetes-list-type": "map",
                                             "x-kubernetes-list-map-keys": ["name"],
                                             "items": {"type": "object", "properties": {
                                                 "name": {"type": "string"},
                                                 "port": {"type": "integer"}}}},
                                   "args": {"type": "array", "items": {"type": "string"}}}},
                               "status": {"type": "object", "properties": {
                                   "phase": {"type": "string"}}}}}}}]}}
GADGETS = "/apis/example.com/v1/namespaces/default/gadgets"


def cm(name: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    if data is not None:
        out["data"] = data
    return out


async def apply(kube: Kube, path: str, body: Any, query: str) -> tuple[int, Any]:
    return await kube.request("PATCH", f"{path}?{query}", body, content_type=APPLY)


def owners(obj: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    return {(e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"]
            for e in obj["metadata"].get("managedFields") or ()}


async def test_apply_creates_removes_conflicts_and_forces(kube: Kube) -> None:
    path = f"{CMS}/applied"
    status, created = await apply(kube, path, cm("applied", {"a": "1", "b": "2"}),
                                  "fieldManager=one")
    assert status == 201, created
    [entry] = created["metadata"]["managedFields"]
    assert entry["manager"] == "one" and entry["operation"] == "Apply"
    assert entry["fieldsV1"] == {"f:data": {"f:a": {}, "f:b": {}}}
    assert entry["apiVersion"] == "v1" and entry["time"].endswith("Z")
    status, body = await apply(kube, path, cm("applied", {"a": "1"}), "fieldManager=one")
    assert status == 200 and body["data"] == {"a": "1"}
    status, body = await apply(kube, path, cm("applied", {"a": "2"}), "fieldManager=two")
    assert status == 409
    assert body["reason"] == "Conflict"
    assert body["message"] == 'Apply failed with 1 conflict: conflict with "one": .data.a'
    assert body["details"] == {"causes": [{"reason": "FieldManagerConflict",
                                           "message": 'conflict with "one"',
                                           "field": ".data.a"}]}
    status, body = await apply(kube, path, cm("applied", {"a": "2"}),
                               "fieldManager=two&force=true")
    assert status == 200 and body["data"] == {"a": "2"}
    assert owners(body) == {("two", "Apply", ""): {"f:data": {"f:a": {}}}}


async def test_apply_option_checks(kube: Kube) -> None:
    path = f"{CMS}/checked"
    status, body = await apply(kube, path, cm("checked"), "")
    assert status == 422
    assert body["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                               "Required value: is required for apply patch")
    assert body["details"]["causes"][0]["field"] == "fieldManager"
    status, body = await apply(kube, path, {**cm("checked"), "apiVersion": "v2"},
                               "fieldManager=m")
    assert (status, body["message"]) == (400, "invalid object type: /v2, Kind=ConfigMap")
    status, body = await apply(kube, path, {"apiVersion": "v1", "kind": "ConfigMap",
                                            "metadata": {"name": "checked",
                                                         "managedFields": []}},
                               "fieldManager=m")
    assert (status, body["message"]) == (400, "metadata.managedFields must be nil")
    status, body = await apply(kube, path, cm("other"), "fieldManager=m")
    assert status == 400 and "does not match the name on the URL" in body["message"]
    await kube.ok("POST", CMS, cm("checked"))
    status, body = await kube.request("PATCH", f"{path}?force=true", {"data": {"a": "1"}},
                                      content_type="application/merge-patch+json")
    assert status == 422
    assert body["message"].endswith("force: Forbidden: may not be specified for non-apply patch")
    status, body = await kube.request("PATCH", f"{path}?fieldManager={'m' * 129}",
                                      {"data": {"a": "1"}},
                                      content_type="application/merge-patch+json")
    assert status == 422 and "fieldManager: Too long" in body["message"]
    # dry run: answered, not stored
    status, body = await apply(kube, path, cm("checked", {"x": "1"}),
                               "fieldManager=m&dryRun=All")
    assert status == 200 and body["data"] == {"x": "1"}
    assert "data" not in await kube.ok("GET", path)


async def test_every_write_records_an_update_entry(kube: Kube) -> None:
    created = await kube.ok("POST", f"{CMS}?fieldManager=creator", cm("u", {"a": "1"}))
    assert owners(created) == {("creator", "Update", ""): {"f:data": {".": {}, "f:a": {}}}}
    path = f"{CMS}/u"
    for ptype, patch, manager in (
            ("application/merge-patch+json", {"data": {"b": "2"}}, "merger"),
            ("application/json-patch+json", [{"op": "add", "path": "/data/c", "value": "3"}],
             "jsonpatcher"),
            ("application/strategic-merge-patch+json", {"data": {"d": "4"}}, "strategist")):
        status, body = await kube.request("PATCH", f"{path}?fieldManager={manager}", patch,
                                          content_type=ptype)
        assert status == 200, body
    body["data"]["a"] = "9"
    del body["metadata"]["managedFields"]  # a client that drops them does not lose them
    body = await kube.ok("PUT", f"{path}?fieldManager=putter", body)
    assert owners(body) == {
        ("creator", "Update", ""): {"f:data": {}},
        ("merger", "Update", ""): {"f:data": {"f:b": {}}},
        ("jsonpatcher", "Update", ""): {"f:data": {"f:c": {}}},
        ("strategist", "Update", ""): {"f:data": {"f:d": {}}},
        ("putter", "Update", ""): {"f:data": {"f:a": {}}}}
    # without fieldManager, the User-Agent names the manager
    body = await kube.ok("PATCH", path, {"data": {"e": "5"}},
                         headers={"User-Agent": "my-tool/1.2 (linux)"},
                         content_type="application/merge-patch+json")
    assert ("my-tool", "Update", "") in owners(body)
    # [] clears them, and the object stays untracked until an apply
    body = await kube.ok("PATCH", f"{path}?fieldManager=m", {"metadata": {"managedFields": []}},
                         content_type="application/merge-patch+json")
    assert "managedFields" not in body["metadata"]
    body = await kube.ok("PATCH", f"{path}?fieldManager=m", {"data": {"f": "6"}},
                         content_type="application/merge-patch+json")
    assert "managedFields" not in body["metadata"]
    status, body = await apply(kube, path, cm("u", {"f": "7"}), "fieldManager=applier")
    assert status == 409 and '"before-first-apply" using v1' in body["message"]


async def test_status_writes_and_custom_resource_lists(kube: Kube) -> None:
    await kube.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", GADGET_CRD)
    gadget = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"},
              "spec": {"ports": [{"name": "a", "port": 1}], "args": ["x"]}}
    status, body = await apply(kube, f"{GADGETS}/g", gadget, "fieldManager=one")
    assert status == 201, body
    other = {**gadget, "spec": {"ports": [{"name": "b", "port": 2}]}}
    status, body = await apply(kube, f"{GADGETS}/g", other, "fieldManager=two")
    assert status == 200 and [p["name"] for p in body["spec"]["ports"]] == ["a", "b"]
    status, body = await apply(kube, f"{GADGETS}/g", {**gadget, "spec": {"args": ["y"]}},
                               "fieldManager=two")
    assert status == 409 and body["details"]["causes"][0]["field"] == ".spec.args"
    current = await kube.ok("GET", f"{GADGETS}/g")
    body = await kube.ok("PUT", f"{GADGETS}/g/status?fieldManager=ctl",
                         {**current, "status": {"phase": "Ready"}})
    assert owners(body)[("ctl", "Update", "status")] == {"f:status": {".": {},
                                                                     "f:phase": {}}}
    # a status apply owns status only
    status, body = await apply(kube, f"{GADGETS}/g/status", {
        "apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"},
        "status": {"phase": "Done"}}, "fieldManager=ctl2&force=true")
    assert status == 200 and body["status"] == {"phase": "Done"}
    assert owners(body)[("ctl2", "Apply", "status")] == {"f:status": {"f:phase": {}}}


# -- kubectl ------------------------------------------------------------------------------
needs_kubectl = pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl not installed")


async def _kubectl(srv: EmbeddedApiServer, home: Path, *args: str) -> tuple[int, str, str]:
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        KUBECTL, *args, env=dict(os.environ, KUBECONFIG=srv.kubeconfig_path, HOME=str(home)),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


@needs_kubectl
async def test_kubectl_server_side_apply(server: EmbeddedApiServer, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(yaml.safe_dump(cm("k", {"a": "1", "b": "2"})))
    rc, out, err = await _kubectl(server, tmp_path, "apply", "--server-side", "-f",
                                  str(manifest))
    assert rc == 0 and "configmap/k serverside-applied" in out, err
    rc, out, _ = await _kubectl(server, tmp_path, "get", "cm", "k", "-o", "yaml",
                                "--show-managed-fields")
    [entry] = yaml.safe_load(out)["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("kubectl", "Apply")
    # the same manifest without b: kubectl's apply removes it
    manifest.write_text(yaml.safe_dump(cm("k", {"a": "1"})))
    rc, _, err = await _kubectl(server, tmp_path, "apply", "--server-side", "-f", str(manifest))
    assert rc == 0, err
    rc, out, _ = await _kubectl(server, tmp_path, "get", "cm", "k", "-o", "jsonpath={.data}")
    assert out == '{"a":"1"}'
    # another manager changing a: conflict, then --force-conflicts takes it
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(cm("k", {"a": "2"})))
    rc, _, err = await _kubectl(server, tmp_path, "apply", "--server-side",
                                "--field-manager=other", "-f", str(other))
    assert rc != 0
    assert 'conflict with "kubectl"' in err and ".data.a" in err
    rc, out, err = await _kubectl(server, tmp_path, "apply", "--server-side",
                                  "--field-manager=other", "--force-conflicts", "-f", str(other))
    assert rc == 0, err
    rc, out, _ = await _kubectl(server, tmp_path, "get", "cm", "k", "-o", "jsonpath={.data.a}")
    assert out == "2"
