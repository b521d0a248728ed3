"""Deletion semantics: finalizers, owner garbage collection, namespaces, pods, preconditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from apiserver_helpers import Kube, cm

CMS = "/api/v1/namespaces/default/configmaps"
PODS = "/api/v1/namespaces/default/pods"


async def eventually(check: Callable[[], Awaitable[bool]], wait: float = 10.0) -> None:
    deadline = time.monotonic() + wait
    while not await check():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def gone(kube: Kube, path: str) -> bool:
    status, _ = await kube.get(path)
    return bool(status == 404)


def owned(name: str, owner: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = cm(name)
    body["metadata"]["ownerReferences"] = [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], **extra}]
    return body


async def test_finalizer_keeps_object_until_removed(kube: Kube) -> None:
    await kube.ok("POST", CMS, {"metadata": {"name": "f", "finalizers": ["x.io/hold"]}})
    out = await kube.ok("DELETE", f"{CMS}/f")
    assert out["metadata"]["deletionTimestamp"]
    cur = await kube.ok("GET", f"{CMS}/f")
    assert cur["metadata"]["finalizers"] == ["x.io/hold"]
    # no new finalizers while terminating
    cur["metadata"]["finalizers"] = ["x.io/hold", "x.io/more"]
    status, err = await kube.put(f"{CMS}/f", cur)
    assert status == 422, err
    await kube.ok("PATCH", f"{CMS}/f", {"metadata": {"finalizers": None}},
                  content_type="application/merge-patch+json")
    assert await gone(kube, f"{CMS}/f")


async def test_background_gc_deletes_dependents(kube: Kube) -> None:
    owner = await kube.ok("POST", CMS, cm("owner"))
    await kube.ok("POST", CMS, owned("child1", owner))
    await kube.ok("POST", CMS, owned("child2", owner))
    await kube.ok("DELETE", f"{CMS}/owner")
    assert await gone(kube, f"{CMS}/owner")
    await eventually(lambda: gone(kube, f"{CMS}/child1"))
    await eventually(lambda: gone(kube, f"{CMS}/child2"))


async def test_dependent_with_a_live_owner_survives(kube: Kube) -> None:
    a = await kube.ok("POST", CMS, cm("a"))
    b = await kube.ok("POST", CMS, cm("b"))
    body = owned("child", a)
    body["metadata"]["ownerReferences"].append({
        "apiVersion": "v1", "kind": "ConfigMap", "name": "b", "uid": b["metadata"]["uid"]})
    await kube.ok("POST", CMS, body)
    await kube.ok("DELETE", f"{CMS}/a")

    async def one_owner_left() -> bool:
        cur = await kube.ok("GET", f"{CMS}/child")
        return [r["name"] for r in cur["metadata"]["ownerReferences"]] == ["b"]
    await eventually(one_owner_left)


async def test_orphan_keeps_dependents_without_owner_reference(kube: Kube) -> None:
    owner = await kube.ok("POST", CMS, cm("owner"))
    await kube.ok("POST", CMS, owned("child", owner))
    await kube.ok("DELETE", f"{CMS}/owner", {"propagationPolicy": "Orphan"})
    await eventually(lambda: gone(kube, f"{CMS}/owner"))
    child = await kube.ok("GET", f"{CMS}/child")
    assert "ownerReferences" not in child["metadata"]


async def test_foreground_deletes_dependents_first(kube: Kube) -> None:
    owner = await kube.ok("POST", CMS, cm("owner"))
    await kube.ok("POST", CMS, {**owned("child", owner, blockOwnerDeletion=True),
                                "metadata": {**owned("child", owner)["metadata"],
                                             "finalizers": ["x.io/hold"]}})
    out = await kube.ok("DELETE", f"{CMS}/owner", {"propagationPolicy": "Foreground"})
    assert "foregroundDeletion" in out["metadata"]["finalizers"]

    async def child_terminating() -> bool:
        c = await kube.ok("GET", f"{CMS}/child")
        return bool(c["metadata"].get("deletionTimestamp"))
    await eventually(child_terminating)
    # the owner waits for its dependent
    assert (await kube.ok("GET", f"{CMS}/owner"))["metadata"]["deletionTimestamp"]
    await kube.ok("PATCH", f"{CMS}/child", {"metadata": {"finalizers": None}},
                  content_type="application/merge-patch+json")
    await eventually(lambda: gone(kube, f"{CMS}/owner"))


async def test_dangling_owner_reference_is_collected(kube: Kube) -> None:
    await kube.ok("POST", CMS, owned("orphan", {"metadata": {"name": "ghost", "uid": "nope"}}))
    await eventually(lambda: gone(kube, f"{CMS}/orphan"))


async def test_namespace_deletion_cascades(kube: Kube) -> None:
    await kube.ok("POST", "/api/v1/namespaces", {"metadata": {"name": "team"}})
    base = "/api/v1/namespaces/team/configmaps"
    await kube.ok("POST", base, cm("a"))
    await kube.ok("POST", base, {"metadata": {"name": "held", "finalizers": ["x.io/h"]}})
    await kube.ok("POST", "/api/v1/namespaces/team/pods", {  # bound: deletion is graceful
        "metadata": {"name": "p"},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "x"}]}})
    sa = await kube.ok("GET", "/api/v1/namespaces/team/serviceaccounts/default")
    assert sa["metadata"]["name"] == "default"
    ns = await kube.ok("DELETE", "/api/v1/namespaces/team")
    assert ns["status"]["phase"] == "Terminating"
    status, out = await kube.post(base, cm("late"))
    assert (status, out["reason"]) == (403, "Forbidden")
    await eventually(lambda: gone(kube, f"{base}/a"))
    await eventually(lambda: gone(kube, "/api/v1/namespaces/team/pods/p"))
    assert (await kube.ok("GET", "/api/v1/namespaces/team"))["status"]["phase"] == \
        "Terminating"
    await kube.ok("PATCH", f"{base}/held", {"metadata": {"finalizers": None}},
                  content_type="application/merge-patch+json")
    await eventually(lambda: gone(kube, "/api/v1/namespaces/team"))


async def test_pod_graceful_deletion_and_binding(kube: Kube) -> None:
    spec = {"containers": [{"name": "c", "image": "x"}]}
    await kube.ok("POST", PODS, {"metadata": {"name": "unscheduled"}, "spec": spec})
    await kube.ok("DELETE", f"{PODS}/unscheduled")
    assert await gone(kube, f"{PODS}/unscheduled")  # nothing runs it: deleted at once
    await kube.ok("POST", PODS, {"metadata": {"name": "p"}, "spec": spec})
    await kube.ok("POST", f"{PODS}/p/binding", {"apiVersion": "v1", "kind": "Binding",
                                                "metadata": {"name": "p"},
                                                "target": {"kind": "Node", "name": "n1"}})
    bound = await kube.ok("GET", f"{PODS}/p")
    assert bound["spec"]["nodeName"] == "n1"
    status, _ = await kube.post(f"{PODS}/p/binding", {"target": {"name": "n2"}})
    assert status == 409
    out = await kube.ok("DELETE", f"{PODS}/p")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30
    assert not await gone(kube, f"{PODS}/p")  # the node agent confirms with grace 0
    await kube.ok("DELETE", f"{PODS}/p", {"gracePeriodSeconds": 0})
    assert await gone(kube, f"{PODS}/p")


async def test_delete_preconditions(kube: Kube) -> None:
    a = await kube.ok("POST", CMS, cm("a"))
    status, out = await kube.delete(f"{CMS}/a", {"preconditions": {"uid": "other"}})
    assert (status, out["reason"]) == (409, "Conflict")
    status, out = await kube.delete(f"{CMS}/a", {"preconditions": {"resourceVersion": "1"}})
    assert status == 409
    await kube.ok("DELETE", f"{CMS}/a", {"preconditions": {
        "uid": a["metadata"]["uid"], "resourceVersion": a["metadata"]["resourceVersion"]}})


async def test_deletecollection_with_selector(kube: Kube) -> None:
    for i in range(4):
        await kube.ok("POST", CMS, {"metadata": {"name": f"c{i}",
                                                 "labels": {"odd": str(i % 2)}}})
    out = await kube.ok("DELETE", f"{CMS}?labelSelector=odd%3D1")
    assert sorted(i["metadata"]["name"] for i in out["items"]) == ["c1", "c3"]
    left = await kube.ok("GET", CMS)
    assert sorted(i["metadata"]["name"] for i in left["items"]) == ["c0", "c2"]


async def test_system_namespaces_cannot_be_deleted(kube: Kube) -> None:
    status, out = await kube.delete("/api/v1/namespaces/default")
    assert (status, out["reason"]) == (403, "Forbidden")
    ns = await kube.ok("GET", "/api/v1/namespaces/default")
    assert ns["status"]["phase"] == "Active"


async def test_namespace_finalize_subresource(kube: Kube) -> None:
    ns = await kube.ok("POST", "/api/v1/namespaces", {"metadata": {"name": "fin"}})
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    ns["spec"]["finalizers"] = []
    ns["metadata"]["labels"] = {"ignored": "yes"}
    out = await kube.ok("PUT", "/api/v1/namespaces/fin/finalize", ns)
    assert out["spec"]["finalizers"] == [] and "ignored" not in out["metadata"]["labels"]


async def test_large_namespace_deletion_and_owner_fan_out(server: object) -> None:
    """In-process: 2,000 objects in a namespace and 1,000 dependents of one owner go fast."""
    from tekpy.local.apiserver import EmbeddedApiServer

    assert isinstance(server, EmbeddedApiServer) and server.ctx is not None
    api, reg = server.ctx.api, server.ctx.registry
    cms, nss = reg.get("", "v1", "configmaps"), reg.get("", "v1", "namespaces")
    assert cms is not None and nss is not None
    api.create(nss, "", {"metadata": {"name": "big"}})
    for i in range(2000):
        api.create(cms, "big", cm(f"c{i}"))
    owner = api.create(cms, "default", cm("owner"))
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner",
           "uid": owner.meta["uid"]}
    for i in range(1000):
        api.create(cms, "default", {**cm(f"d{i}"), "metadata": {
            "name": f"d{i}", "ownerReferences": [ref]}})
    from tekpy.local.apiserver.deleteoptions import DeleteOptions

    start = time.monotonic()
    api.delete(nss, "", "big", DeleteOptions())
    api.delete(cms, "default", "owner", DeleteOptions())

    async def all_gone() -> bool:
        return server.ctx is not None and server.ctx.store.count("/configmaps") == 0 and \
            server.ctx.store.get("/namespaces", "", "big") is None
    await eventually(all_gone, wait=60)
    assert time.monotonic() - start < 30


async def test_pod_defaults_validation_and_immutable_spec(kube: Kube) -> None:
    body: dict[str, Any] = {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "a", "image": "busybox:1.36"}, {"name": "b", "image": "busybox"}]}}
    pod = await kube.ok("POST", PODS, body)
    spec = pod["spec"]
    assert (spec["restartPolicy"], spec["dnsPolicy"], spec["terminationGracePeriodSeconds"]) \
        == ("Always", "ClusterFirst", 30)
    assert [c["imagePullPolicy"] for c in spec["containers"]] == ["IfNotPresent", "Always"]
    assert spec["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    # a PUT of the spec as the client built it (without defaults) is not a spec change
    same = {**body, "metadata": {**body["metadata"], "labels": {"x": "y"}}}
    await kube.ok("PUT", f"{PODS}/p", same)
    # images may change, nothing else in spec
    await kube.ok("PATCH", f"{PODS}/p", {"spec": {"containers": [
        {"name": "a", "image": "alpine"}]}}, content_type="application/strategic-merge-patch+json")
    status, out = await kube.patch(f"{PODS}/p", {"spec": {"restartPolicy": "Never"}})
    assert (status, out["reason"]) == (422, "Invalid")
    assert out["details"]["causes"][0]["field"] == "spec"
    for bad, field in (({"containers": []}, "spec.containers"),
                       ({"containers": [{"name": "a"}]}, "spec.containers[0].image"),
                       ({"containers": [{"name": "A_b", "image": "x"}]},
                        "spec.containers[0].name"),
                       ({"containers": [{"name": "a", "image": "x", "volumeMounts": [
                           {"name": "nope", "mountPath": "/x"}]}]},
                        "spec.containers[0].volumeMounts[0].name")):
        status, out = await kube.post(PODS, {"metadata": {"name": "bad"}, "spec": bad})
        assert status == 422, (bad, out)
        assert field in [c["field"] for c in out["details"]["causes"]], out
