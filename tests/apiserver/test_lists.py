"""Lists: pagination from a consistent snapshot, resourceVersion rules, selectors, Tables."""

from __future__ import annotations

from apiserver_helpers import WIDGETS, Kube, cm

CMS = "/api/v1/namespaces/default/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


async def test_pagination_is_a_consistent_snapshot(kube: Kube) -> None:
    for i in range(7):
        await kube.ok("POST", CMS, cm(f"c{i}"))
    page1 = await kube.ok("GET", f"{CMS}?limit=3")
    assert [i["metadata"]["name"] for i in page1["items"]] == ["c0", "c1", "c2"]
    token = page1["metadata"]["continue"]
    assert page1["metadata"]["remainingItemCount"] == 4
    # changes after the first page do not show up in later pages
    await kube.ok("DELETE", f"{CMS}/c4")
    await kube.ok("POST", CMS, cm("c9"))
    page2 = await kube.ok("GET", f"{CMS}?limit=3&continue={token}")
    assert [i["metadata"]["name"] for i in page2["items"]] == ["c3", "c4", "c5"]
    assert page2["metadata"]["resourceVersion"] == page1["metadata"]["resourceVersion"]
    page3 = await kube.ok("GET", f"{CMS}?limit=3&continue={page2['metadata']['continue']}")
    assert [i["metadata"]["name"] for i in page3["items"]] == ["c6"]
    assert "continue" not in page3["metadata"]
    status, _ = await kube.get(f"{CMS}?limit=3&continue=garbage!")
    assert status == 400


async def test_resource_version_match(kube: Kube) -> None:
    a = await kube.ok("POST", CMS, cm("a"))
    rv = int(a["metadata"]["resourceVersion"])
    out = await kube.ok("GET", f"{CMS}?resourceVersion={rv}&resourceVersionMatch=NotOlderThan")
    assert int(out["metadata"]["resourceVersion"]) >= rv
    status, out = await kube.get(f"{CMS}?resourceVersion={rv + 100}"
                                 "&resourceVersionMatch=NotOlderThan")
    assert (status, out["reason"]) == (504, "Timeout")
    status, out = await kube.get(f"{CMS}?resourceVersionMatch=Exact")
    assert (status, out["reason"]) == (422, "Invalid")
    assert out["details"]["causes"][0]["field"] == "resourceVersionMatch"
    out = await kube.ok("GET", f"{CMS}?resourceVersion=0")
    assert [i["metadata"]["name"] for i in out["items"]] == ["a"]


async def test_label_and_field_selectors(kube: Kube) -> None:
    await kube.ok("POST", CMS, {"metadata": {"name": "a", "labels": {"env": "prod", "t": "1"}}})
    await kube.ok("POST", CMS, {"metadata": {"name": "b", "labels": {"env": "dev"}}})
    await kube.ok("POST", CMS, {"metadata": {"name": "c"}})

    async def names(query: str) -> list[str]:
        out = await kube.ok("GET", f"{CMS}?{query}")
        return [i["metadata"]["name"] for i in out["items"]]

    assert await names("labelSelector=env%3Dprod") == ["a"]
    assert await names("labelSelector=env%21%3Dprod") == ["b", "c"]
    assert await names("labelSelector=env+in+(prod,dev)") == ["a", "b"]
    assert await names("labelSelector=env+notin+(prod)") == ["b", "c"]
    assert await names("labelSelector=t") == ["a"]
    assert await names("labelSelector=%21t") == ["b", "c"]
    assert await names("fieldSelector=metadata.name%3Db") == ["b"]
    status, _out = await kube.get(f"{CMS}?fieldSelector=spec.nope%3Dx")
    assert status == 400
    status, _ = await kube.get(f"{CMS}?labelSelector=%3D%3D%3D")
    assert status == 400


async def test_pod_field_selectors(kube: Kube) -> None:
    pods = "/api/v1/namespaces/default/pods"
    for name, node in (("p1", "n1"), ("p2", "n2")):
        await kube.ok("POST", pods, {"metadata": {"name": name}, "spec": {
            "nodeName": node, "containers": [{"name": "c", "image": "x"}]}})
    out = await kube.ok("GET", f"{pods}?fieldSelector=spec.nodeName%3Dn2")
    assert [i["metadata"]["name"] for i in out["items"]] == ["p2"]
    out = await kube.ok("GET", "/api/v1/pods?fieldSelector=status.phase%3DPending")
    assert len(out["items"]) == 2


async def test_table_with_printer_columns(widgets: Kube) -> None:
    await widgets.ok("POST", WIDGETS, {"apiVersion": "example.com/v1", "kind": "Widget",
                                       "metadata": {"name": "w"}, "spec": {"size": 7}})
    out = await widgets.ok("GET", WIDGETS, headers={"Accept": TABLE})
    assert out["kind"] == "Table"
    cols = [c["name"] for c in out["columnDefinitions"]]
    assert cols == ["Name", "Size", "Age"]
    assert out["rows"][0]["cells"][:2] == ["w", 7]
    assert out["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


async def test_field_validation_on_custom_resources(widgets: Kube) -> None:
    body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"size": 1, "bogus": True}}
    status, out = await widgets.post(WIDGETS + "?fieldValidation=Strict", body)
    assert status == 400 and 'unknown field "spec.bogus"' in out["message"]
    async with widgets.session.post(widgets.srv.url + WIDGETS + "?fieldValidation=Warn",
                                    json=body, headers=widgets.headers) as resp:
        assert resp.status == 201
        assert 'unknown field \\"spec.bogus\\"' in resp.headers["Warning"]
        created = await resp.json()
    assert "bogus" not in created["spec"]  # pruned
    status, out = await widgets.post(WIDGETS, {**body, "metadata": {"name": "x"},
                                               "spec": {"size": "big"}})
    assert status == 422 and out["details"]["causes"][0]["field"] == "spec.size"
