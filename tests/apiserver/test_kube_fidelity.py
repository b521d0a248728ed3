"""Behaviour aligned with kube-apiserver from the differential tier (docs/compatibility.md)."""

from __future__ import annotations

from typing import Any

from apiserver_helpers import WIDGETS, Kube, cm

CMS = "/api/v1/namespaces/default/configmaps"


async def test_list_items_of_built_in_kinds_carry_no_kind(widgets: Kube) -> None:
    await widgets.ok("POST", CMS, cm("a", k="v"))
    out = await widgets.ok("GET", CMS)
    assert out["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in out["items"]] == ["a"]
    assert all("kind" not in i and "apiVersion" not in i for i in out["items"])
    assert out["items"][0]["data"] == {"k": "v"}
    # custom resources are unstructured: their items keep kind and apiVersion
    await widgets.ok("POST", WIDGETS, {"apiVersion": "example.com/v1", "kind": "Widget",
                                       "metadata": {"name": "w"}, "spec": {"size": 1}})
    items = (await widgets.ok("GET", WIDGETS))["items"]
    assert items[0]["kind"] == "Widget" and items[0]["apiVersion"] == "example.com/v1"


async def test_empty_omitempty_fields_are_dropped(kube: Kube) -> None:
    body: dict[str, Any] = cm("e")
    body["binaryData"] = {}
    body["metadata"].update(labels={}, annotations={}, finalizers=[], ownerReferences=[])
    out = await kube.ok("POST", CMS, body)
    assert "data" not in out and "binaryData" not in out
    assert not {"labels", "annotations", "finalizers", "ownerReferences"} & set(out["metadata"])
    out = await kube.ok("PATCH", CMS + "/e", {"metadata": {"labels": {}}, "data": {}},
                        content_type="application/merge-patch+json")
    assert "labels" not in out["metadata"] and "data" not in out


async def test_immutable_configmap_keeps_its_content(kube: Kube) -> None:
    await kube.ok("POST", CMS, {**cm("i", k="1"), "immutable": True})
    status, out = await kube.patch(CMS + "/i", {"data": {"k": "2"}})
    assert status == 422
    assert out["message"] == ('ConfigMap "i" is invalid: data: Forbidden: field is immutable '
                              "when `immutable` is set")
    status, out = await kube.patch(CMS + "/i", {"immutable": False})
    assert status == 422 and out["details"]["causes"][0]["field"] == "immutable"
    out = await kube.ok("PATCH", CMS + "/i", {"metadata": {"labels": {"a": "b"}}},
                        content_type="application/merge-patch+json")
    assert out["metadata"]["labels"] == {"a": "b"} and out["data"] == {"k": "1"}


async def test_field_validation_on_built_in_kinds(kube: Kube) -> None:
    body: dict[str, Any] = {**cm("s", a="1"), "extra": True}
    body["metadata"]["bogus"] = 1
    status, out = await kube.post(CMS + "?fieldValidation=Strict", body)
    assert status == 400
    assert out["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: '
                              'strict decoding error: unknown field "metadata.bogus", '
                              'unknown field "extra"')
    status, out = await kube.request(
        "POST", CMS + "?fieldValidation=Strict", headers={"Content-Type": "application/json"},
        raw=b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},'
            b'"data":{"a":"1"},"data":{"b":"2"}}')
    assert status == 400
    assert out["message"].endswith('strict decoding error: duplicate field "data"')
    async with kube.session.post(kube.srv.url + CMS + "?fieldValidation=Warn", json=body,
                                 headers=kube.headers) as resp:
        assert resp.status == 201
        assert resp.headers.getall("Warning") == ['299 - "unknown field \\"metadata.bogus\\""',
                                                  '299 - "unknown field \\"extra\\""']
        created = await resp.json()
    assert "extra" not in created and "bogus" not in created["metadata"]  # dropped
    body["metadata"]["name"] = "ign"
    out = await kube.ok("POST", CMS + "?fieldValidation=Ignore", body)
    assert "extra" not in out
    status, out = await kube.post(CMS + "?fieldValidation=Loud", cm("v"))
    assert status == 422 and out["details"] == {
        "group": "meta.k8s.io", "kind": "CreateOptions", "causes": [{
            "reason": "FieldValueNotSupported", "field": "fieldValidation",
            "message": 'Unsupported value: "Loud": supported values: "", "Ignore", "Strict", '
                       '"Warn"'}]}
    status, out = await kube.patch(CMS + "/ign?fieldValidation=Strict", {"nope": 1})
    assert status == 422 and out["message"].endswith('strict decoding error: unknown field "nope"')


async def test_request_option_and_message_errors(kube: Kube) -> None:
    status, out = await kube.post(CMS + "?dryRun=Yes", cm("x"))
    assert status == 422
    assert out["message"] == ('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported '
                              'value: ["Yes"]: supported values: "All"')
    assert (await kube.get(CMS + "/x"))[0] == 404
    await kube.ok("POST", CMS, cm("p"))
    status, out = await kube.request("PATCH", CMS + "/p", raw=b"{not json", headers={
        "Content-Type": "application/merge-patch+json"})
    assert status == 400 and out["message"] == (
        "error decoding patch: invalid character 'n' looking for beginning of object key string")
    status, out = await kube.get(CMS + "?limit=1&continue=garbage")
    assert status == 400 and out["message"].startswith(
        "invalid continue token: continue key is not valid: invalid character")
    status, out = await kube.get(CMS + "?fieldSelector=data.x%3D1")
    assert status == 400 and out["message"] == (
        '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"')
    status, out = await kube.delete(CMS + "/p", {"propagationPolicy": "Sideways"})
    assert status == 422 and out["details"]["kind"] == "DeleteOptions"


async def test_update_preconditions(kube: Kube) -> None:
    created = await kube.ok("POST", CMS, cm("u"))
    other = {**created, "metadata": {**created["metadata"], "uid": "other"}}
    status, out = await kube.put(CMS + "/u", other)
    assert status == 409 and "UID in precondition: other" in out["message"]
    bad = {**created, "metadata": {**created["metadata"], "resourceVersion": "abc"}}
    status, out = await kube.put(CMS + "/u", bad)
    assert status == 500 and out["message"] == 'strconv.ParseUint: parsing "abc": invalid syntax'
    status, out = await kube.delete(CMS + "/u", {"preconditions": {"uid": "other"}})
    assert status == 409 and out["details"]["kind"] == "ConfigMap"
    assert "the UID in the precondition (other) does not match" in out["message"]


async def test_terminating_namespace_refuses_new_content(kube: Kube) -> None:
    await kube.ok("POST", "/api/v1/namespaces", {"metadata": {"name": "doomed"}})
    await kube.ok("POST", "/api/v1/namespaces/doomed/configmaps", {
        **cm("keep"), "metadata": {"name": "keep", "finalizers": ["example.com/hold"]}})
    out = await kube.ok("DELETE", "/api/v1/namespaces/doomed")
    assert out["status"]["phase"] == "Terminating"
    assert "deletionGracePeriodSeconds" not in out["metadata"]
    status, out = await kube.post("/api/v1/namespaces/doomed/configmaps", cm("late"))
    assert status == 403
    assert out["message"].startswith('configmaps "late" is forbidden: unable to create new '
                                     "content in namespace doomed")
    assert out["details"]["name"] == "late" and "group" not in out["details"]


async def test_configmap_content_and_finalizer_names(kube: Kube) -> None:
    status, out = await kube.post(CMS, {**cm("k"), "data": {"a b": "x"}})
    assert status == 422 and out["details"]["causes"][0]["field"] == "data[a b]"
    status, out = await kube.post(CMS, {**cm("f"), "metadata": {
        "name": "f", "finalizers": ["no-domain"]}})
    assert status == 422 and out["details"]["causes"][0]["field"] == "metadata.finalizers[0]"
    for name in ("orphan", "example.com/x"):
        body = {**cm("ok-" + name.replace("/", "-").replace(".", "-")),
                "metadata": {"name": "ok-" + name.replace("/", "-").replace(".", "-"),
                             "finalizers": [name]}}
        assert (await kube.post(CMS, body))[0] == 201


async def test_secret_decoding_and_type(kube: Kube) -> None:
    secrets = "/api/v1/namespaces/default/secrets"
    out = await kube.ok("POST", secrets, {"apiVersion": "v1", "kind": "Secret",
                                          "metadata": {"name": "s"}, "data": {"a": "YWJj"},
                                          "stringData": {"b": "plain"}})
    assert out["data"] == {"a": "YWJj", "b": "cGxhaW4="} and "stringData" not in out
    assert out["type"] == "Opaque"
    status, out = await kube.post(secrets, {"metadata": {"name": "bad"},
                                            "data": {"a": "not base64!"}})
    assert status == 400 and out["message"].endswith("illegal base64 data at input byte 3")
    status, out = await kube.patch(secrets + "/s", {"type": "kubernetes.io/tls"})
    assert status == 422
    assert [c["field"] for c in out["details"]["causes"]] == ["type", "data[tls.crt]",
                                                             "data[tls.key]"]


async def test_lease_duration_is_positive(kube: Kube) -> None:
    leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
    status, out = await kube.post(leases, {"metadata": {"name": "l"},
                                           "spec": {"leaseDurationSeconds": 0}})
    assert status == 422
    assert out["message"] == ('Lease.coordination.k8s.io "l" is invalid: '
                              "spec.leaseDurationSeconds: Invalid value: 0: must be greater "
                              "than 0")
