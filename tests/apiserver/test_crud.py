"""CRUD semantics over real HTTP: uid/rv/generation, conflicts, status isolation, errors."""

from __future__ import annotations

from typing import Any

from apiserver_helpers import WIDGETS, Kube, cm

CMS = "/api/v1/namespaces/default/configmaps"


async def test_initial_namespaces_and_default_service_accounts(kube: Kube) -> None:
    out = await kube.ok("GET", "/api/v1/namespaces")
    names = sorted(i["metadata"]["name"] for i in out["items"])
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    assert all(i["status"]["phase"] == "Active" for i in out["items"])
    sas = await kube.ok("GET", "/api/v1/serviceaccounts")
    assert sorted(s["metadata"]["namespace"] for s in sas["items"]) == names


async def test_create_get_list_update_delete(kube: Kube) -> None:
    created = await kube.ok("POST", CMS, cm("a", x="1"))
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["namespace"] == "default"
    rv1 = int(meta["resourceVersion"])
    got = await kube.ok("GET", f"{CMS}/a")
    assert got == created
    created["data"]["x"] = "2"
    updated = await kube.ok("PUT", f"{CMS}/a", created)
    assert int(updated["metadata"]["resourceVersion"]) > rv1
    assert updated["metadata"]["uid"] == meta["uid"]
    listed = await kube.ok("GET", CMS)
    assert listed["kind"] == "ConfigMapList" and listed["apiVersion"] == "v1"
    assert [i["data"] for i in listed["items"]] == [{"x": "2"}]
    assert int(listed["metadata"]["resourceVersion"]) >= int(updated["metadata"]["resourceVersion"])
    status, out = await kube.delete(f"{CMS}/a")
    assert status == 200
    status, out = await kube.get(f"{CMS}/a")
    assert status == 404
    assert out["kind"] == "Status" and out["reason"] == "NotFound" and out["code"] == 404
    assert out["message"] == 'configmaps "a" not found'
    assert out["details"] == {"name": "a", "kind": "configmaps"}


async def test_resource_versions_strictly_increase_across_resources(kube: Kube) -> None:
    rvs = []
    for i in range(5):
        out = await kube.ok("POST", CMS, cm(f"c{i}"))
        rvs.append(int(out["metadata"]["resourceVersion"]))
        sec = await kube.ok(
            "POST",
            "/api/v1/namespaces/default/secrets",
            {"metadata": {"name": f"s{i}"}, "data": {}},
        )
        rvs.append(int(sec["metadata"]["resourceVersion"]))
    assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs)


async def test_already_exists_and_conflict(kube: Kube) -> None:
    first = await kube.ok("POST", CMS, cm("a"))
    status, out = await kube.post(CMS, cm("a"))
    assert (status, out["reason"]) == (409, "AlreadyExists")
    assert out["message"] == 'configmaps "a" already exists'
    await kube.ok("PUT", f"{CMS}/a", dict(first, data={"k": "v"}))
    status, out = await kube.put(f"{CMS}/a", dict(first, data={"k": "stale"}))
    assert (status, out["reason"]) == (409, "Conflict")
    assert "the object has been modified" in out["message"]
    got = await kube.ok("GET", f"{CMS}/a")
    assert got["data"] == {"k": "v"}


async def test_unconditional_update_builtin_but_not_custom(widgets: Kube) -> None:
    kube = widgets
    await kube.ok("POST", CMS, cm("a"))
    out = await kube.ok("PUT", f"{CMS}/a", cm("a", k="v"))  # no resourceVersion: allowed
    assert out["data"] == {"k": "v"}
    await kube.ok(
        "POST",
        WIDGETS,
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"size": 1},
        },
    )
    status, out = await kube.put(
        f"{WIDGETS}/w",
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"size": 2},
        },
    )
    assert (status, out["reason"]) == (422, "Invalid")
    assert out["details"]["causes"][0]["field"] == "metadata.resourceVersion"


async def test_generate_name(kube: Kube) -> None:
    names = set()
    for _ in range(20):
        out = await kube.ok("POST", CMS, {"metadata": {"generateName": "gen-"}})
        name = out["metadata"]["name"]
        assert name.startswith("gen-") and len(name) == len("gen-") + 5
        names.add(name)
    assert len(names) == 20


async def test_invalid_name_gives_422_with_causes(kube: Kube) -> None:
    status, out = await kube.post(CMS, cm("Bad_Name"))
    assert status == 422 and out["reason"] == "Invalid"
    assert out["details"]["causes"][0]["field"] == "metadata.name"
    assert out["message"].startswith('ConfigMap "Bad_Name" is invalid: metadata.name')
    status, out = await kube.post(CMS, {"metadata": {}})
    assert status == 422
    status, _ = await kube.get(f"{CMS}/Bad_Name")
    assert status == 404  # a failed request stores nothing


async def test_namespace_must_exist(kube: Kube) -> None:
    status, out = await kube.post("/api/v1/namespaces/nope/configmaps", cm("a"))
    assert (status, out["reason"]) == (404, "NotFound")
    assert out["message"] == 'namespaces "nope" not found'


async def test_namespace_mismatch_and_kind_mismatch(kube: Kube) -> None:
    body = cm("a")
    body["metadata"]["namespace"] = "kube-system"
    status, out = await kube.post(CMS, body)
    assert (status, out["reason"]) == (400, "BadRequest")
    status, out = await kube.post(
        CMS, {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "a"}}
    )
    assert status == 400


async def test_malformed_body_and_too_large(kube: Kube) -> None:
    status, out = await kube.request(
        "POST", CMS, raw=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (status, out["reason"]) == (400, "BadRequest")
    big = cm("big", blob="x" * (3 * 1024 * 1024 + 10))
    status, out = await kube.post(CMS, big)
    assert (status, out["reason"]) == (413, "RequestEntityTooLarge")


async def test_auth_required(kube: Kube) -> None:
    async with kube.session.get(kube.srv.url + CMS) as resp:
        assert resp.status == 401
        body = await resp.json()
        assert body["reason"] == "Unauthorized"
    async with kube.session.get(
        kube.srv.url + CMS, headers={"Authorization": "Bearer wrong"}
    ) as resp:
        assert resp.status == 401
    async with kube.session.get(kube.srv.url + "/healthz") as resp:
        assert resp.status == 200


async def test_unknown_resource_and_method(kube: Kube) -> None:
    status, out = await kube.get("/api/v1/namespaces/default/gizmos")
    assert (status, out["reason"]) == (404, "NotFound")
    status, out = await kube.get("/apis/nope.io/v1/things")
    assert status == 404
    status, out = await kube.request("PUT", CMS, cm("a"))
    assert (status, out["reason"]) == (405, "MethodNotAllowed")


async def test_dry_run_stores_nothing(kube: Kube) -> None:
    out = await kube.ok("POST", CMS + "?dryRun=All", cm("dry"))
    assert out["metadata"]["name"] == "dry"
    status, _ = await kube.get(f"{CMS}/dry")
    assert status == 404


async def widget(kube: Kube, name: str = "w", **spec: Any) -> dict[str, Any]:
    out: dict[str, Any] = await kube.ok(
        "POST",
        WIDGETS,
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": name},
            "spec": spec or {"size": 1},
            "status": {"ignored": True},
        },
    )
    return out


async def test_status_subresource_isolation_and_generation(widgets: Kube) -> None:
    kube = widgets
    w = await widget(kube)
    assert w["metadata"]["generation"] == 1
    assert "status" not in w  # status is dropped on create when it is a subresource
    w["status"] = {"phase": "Running"}
    w["spec"]["size"] = 5
    w2 = await kube.ok("PUT", f"{WIDGETS}/w", w)
    assert w2["metadata"]["generation"] == 2 and "status" not in w2
    w2["status"] = {"phase": "Running"}
    w2["spec"]["size"] = 99
    w3 = await kube.ok("PUT", f"{WIDGETS}/w/status", w2)
    assert w3["status"] == {"phase": "Running"}
    assert w3["spec"]["size"] == 5 and w3["metadata"]["generation"] == 2
    # metadata-only changes do not bump generation
    w3["metadata"]["labels"] = {"a": "b"}
    w4 = await kube.ok("PUT", f"{WIDGETS}/w", w3)
    assert w4["metadata"]["generation"] == 2 and w4["metadata"]["labels"] == {"a": "b"}


async def test_noop_update_keeps_resource_version(kube: Kube) -> None:
    a = await kube.ok("POST", CMS, cm("a", k="v"))
    b = await kube.ok("PUT", f"{CMS}/a", a)
    assert b["metadata"]["resourceVersion"] == a["metadata"]["resourceVersion"]


async def test_crd_defaulting_and_served_until_deleted(widgets: Kube) -> None:
    kube = widgets
    w = await widget(kube, size=2)
    assert w["spec"]["color"] == "blue" or "color" not in w["spec"]  # defaulting (schema helper)
    await kube.ok(
        "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"
    )
    status, _ = await kube.get(WIDGETS)
    assert status == 404


async def test_discovery_lists_crd_resource(widgets: Kube) -> None:
    out = await widgets.ok("GET", "/apis/example.com/v1")
    names = {r["name"]: r for r in out["resources"]}
    assert names["widgets"]["kind"] == "Widget" and names["widgets"]["shortNames"] == ["wd"]
    assert "widgets/status" in names
    groups = await widgets.ok("GET", "/apis")
    assert "example.com" in [g["name"] for g in groups["groups"]]
    agg = await widgets.ok(
        "GET",
        "/apis",
        headers={"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"},
    )
    assert agg["kind"] == "APIGroupDiscoveryList"
    assert "example.com" in [i["metadata"]["name"] for i in agg["items"]]


async def test_multi_version_crd_serves_every_version(kube: Kube) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Cluster",
                 "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                 "versions": [
                     {"name": "v1beta1", "served": True, "storage": False, "schema": {
                         "openAPIV3Schema": {"type": "object",
                                             "x-kubernetes-preserve-unknown-fields": True}}},
                     {"name": "v1", "served": True, "storage": True, "schema": {
                         "openAPIV3Schema": {"type": "object",
                                             "x-kubernetes-preserve-unknown-fields": True}}},
                 ]}}
    await kube.ok("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    group = await kube.ok("GET", "/apis/example.com")
    assert group["preferredVersion"]["version"] == "v1"
    await kube.ok("POST", "/apis/example.com/v1beta1/gadgets",
                  {"apiVersion": "example.com/v1beta1", "kind": "Gadget",
                   "metadata": {"name": "g"}, "spec": {"x": 1}})
    v1 = await kube.ok("GET", "/apis/example.com/v1/gadgets/g")
    beta = await kube.ok("GET", "/apis/example.com/v1beta1/gadgets/g")
    assert v1["apiVersion"] == "example.com/v1"
    assert beta["apiVersion"] == "example.com/v1beta1"
    listed = await kube.ok("GET", "/apis/example.com/v1beta1/gadgets")
    assert listed["items"][0]["apiVersion"] == "example.com/v1beta1"
    assert listed["apiVersion"] == "example.com/v1beta1"


async def test_deleting_a_crd_ends_its_watches(widgets: Kube) -> None:
    from apiserver_helpers import open_watch

    w = await open_watch(widgets, WIDGETS)
    await widgets.ok("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                               "widgets.example.com")
    assert await w.ended()


async def test_self_subject_access_review_allows(kube: Kube) -> None:
    out = await kube.ok("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}})
    assert out["status"]["allowed"] is True
