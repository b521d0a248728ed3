"""Differential: bad input of every kind gets the same Status (code, reason, message, causes)."""

from __future__ import annotations

from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import Api

S = Scenarios()


def cm(name: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, **extra}


@S.add
async def invalid_names(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r("uppercase name", r.api.post(base, cm("Bad_Name")))
    await r("name too long", r.api.post(base, cm("x" * 254)))
    await r("no name", r.api.post(base, {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {}}))
    await r("bad namespace name", r.api.post(
        "/api/v1/namespaces", {"metadata": {"name": "Not.A.Label"}}
    ))
    await r("bad generateName", r.api.post(
        base, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "Up-"}}
    ), scrub=("Up-[a-z0-9]{5}", "Up-<random>"))


@S.add
async def invalid_metadata(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    # One bad entry per request: several are reported in map order, which varies.
    await r("bad label key", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "l", "labels": {"-bad": "ok"}},
    }))
    await r("bad label value", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "l", "labels": {"good": "bad value!"}},
    }))
    await r("bad annotation key", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "a", "annotations": {"a/b/c": "x"}},
    }))
    await r("bad finalizer", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "f", "finalizers": ["no-domain"]},
    }))
    await r("bad data key", r.api.post(base, cm("d", data={"a b": "x"})))
    await r("bad ownerReference", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "o", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                                                        "name": "x", "uid": ""}]},
    }))


@S.add
async def size_limits(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    big = "x" * (1024 * 1024 + 1)
    await r("ConfigMap over 1 MiB", r.api.post(base, cm("big", data={"k": big})))
    await r("Secret over 1 MiB", r.api.post(f"{r.path}/secrets", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "big"},
        "stringData": {"k": big},
    }))
    huge = "x" * (3 * 1024 * 1024 + 1)
    await r("body over 3 MiB", r.api.post(base, cm("huge", data={"k": huge})))
    await r("annotations over 256 KiB", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "ann", "annotations": {"a": "x" * (256 * 1024 + 1)}},
    }))
    await r("label value of 64 characters", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "lab", "labels": {"a": "x" * 64}},
    }))
    await r("namespace name of 64 characters", r.api.post(
        "/api/v1/namespaces", {"metadata": {"name": "n" * 64}}
    ))


@S.add
async def missing_namespace(r: Recorder) -> None:
    await r("create in missing namespace", r.api.post(
        f"/api/v1/namespaces/{r.ns}-missing/configmaps", cm("a")
    ))
    await r("get in missing namespace", r.api.get(
        f"/api/v1/namespaces/{r.ns}-missing/configmaps/a"
    ))
    await r("list in missing namespace", r.api.get(
        f"/api/v1/namespaces/{r.ns}-missing/configmaps"
    ))


@S.add
async def malformed_bodies(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r("malformed JSON", r.api.request("POST", base, raw=b'{"metadata": '))
    await r("JSON array", r.api.request("POST", base, raw=b"[1, 2]"))
    await r("empty body", r.api.request("POST", base, raw=b""))
    await r("wrong kind", r.api.post(
        base, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}
    ))
    await r("unknown apiVersion", r.api.post(
        base, {"apiVersion": "nope/v9", "kind": "ConfigMap", "metadata": {"name": "s"}}
    ))
    await r("wrong type for data", r.api.post(base, cm("t", data=["x"])))
    await r("kind is not a string", r.api.request("POST", base, raw=b'{"kind": 5}'))
    await r("label value is not a string", r.api.post(base, {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "l", "labels": {"a": 1}},
    }))
    await r("another built-in kind", r.api.post(base, {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
    }))
    await r("unsupported content type", r.api.request(
        "POST", base, cm("c"), content_type="text/plain"
    ))


@S.add
async def request_path_mismatches(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    other = cm("a")
    other["metadata"]["namespace"] = "elsewhere"
    await r("namespace differs from URL", r.api.post(base, other))
    await r.api.post(base, cm("a"))
    await r("name differs from URL on update", r.api.put(f"{base}/a", cm("b")))
    await r("POST to an item", r.api.post(f"{base}/a", cm("a")))
    await r("unknown resource", r.api.get(f"{r.path}/widgets"))
    await r("unknown group", r.api.get("/apis/nope.example.com/v1/things"))
    await r("unknown subresource", r.api.get(f"{base}/a/nope"))


@S.add
async def field_validation(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    body = cm("s", data={"a": "1"}, extra=True)
    body["metadata"]["bogus"] = 1
    await r("unknown fields, Strict", r.api.post(base, body, fieldValidation="Strict"))
    await r("duplicate field, Strict", r.api.request(
        "POST", base, raw=b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},'
        b'"data":{"a":"1"},"data":{"b":"2"}}', params={"fieldValidation": "Strict"}
    ))
    await r("bad fieldValidation value", r.api.post(base, cm("v"), fieldValidation="Loud"))
    body["metadata"]["name"] = "i"
    ignored = await r("unknown fields, Ignore", r.api.post(base, body, fieldValidation="Ignore"))
    r.record("Ignore warnings", 0, ignored.headers.get("Warning"))
    body["metadata"]["name"] = "w"
    warned = await r("unknown fields, Warn", r.api.post(base, body, fieldValidation="Warn"))
    r.record("Warn warnings", 0, sorted(warned.headers.get("Warning", "").split(", ")))
    await r("strict patch with unknown field", r.api.patch(
        f"{base}/w", {"data": {"b": "2"}, "nope": 1}, fieldValidation="Strict"
    ))


@S.add
async def update_conflicts_and_preconditions(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    created = (await r.api.post(base, cm("a", data={"k": "1"}))).body
    changed_uid = {**created, "metadata": {**created["metadata"],
                                            "uid": "00000000-0000-0000-0000-000000000000"}}
    await r("update with another uid", r.api.put(f"{base}/a", changed_uid))
    bad_rv = {**created, "metadata": {**created["metadata"], "resourceVersion": "abc"}}
    await r("update with non-numeric resourceVersion", r.api.put(f"{base}/a", bad_rv))
    await r("delete with wrong uid precondition", r.api.delete(
        f"{base}/a", {"preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}}
    ))
    await r("delete with stale resourceVersion precondition", r.api.delete(
        f"{base}/a", {"preconditions": {"resourceVersion": "1"}}
    ))
    await r("delete with bad propagationPolicy", r.api.delete(
        f"{base}/a", {"propagationPolicy": "Sideways"}
    ))
    await r("still there", r.api.get(f"{base}/a"))


@S.add
async def immutable_configmap(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    created = (await r.api.post(base, cm("i", data={"k": "1"}, immutable=True))).body
    created["data"] = {"k": "2"}
    await r("change data of immutable", r.api.put(f"{base}/i", created))
    await r("make mutable again", r.api.patch(f"{base}/i", {"immutable": False}))
    await r("labels may change", r.api.patch(f"{base}/i", {"metadata": {"labels": {"a": "b"}}}))


@S.add
async def bad_list_parameters(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r("non-numeric resourceVersion", r.api.get(base, resourceVersion="abc"))
    await r("resourceVersionMatch without resourceVersion", r.api.get(
        base, resourceVersionMatch="NotOlderThan"
    ))
    await r("bad resourceVersionMatch", r.api.get(
        base, resourceVersion="0", resourceVersionMatch="Whenever"
    ))
    await r("negative limit", r.api.get(base, limit="-1"))
    await r("non-numeric limit", r.api.get(base, limit="many"))
    await r("resourceVersion too large", r.api.get(
        base, resourceVersion="999999999", resourceVersionMatch="NotOlderThan"
    ))


@S.add
async def wrong_methods(r: Recorder) -> None:
    await r.api.post(f"{r.path}/configmaps", cm("a"))
    await r("PUT to a collection", r.api.put(f"{r.path}/configmaps", cm("a")))
    await r("PATCH a collection", r.api.patch(f"{r.path}/configmaps", {"a": 1}))
    await r("POST to a namespace item", r.api.post(f"/api/v1/namespaces/{r.ns}", {}))


async def test_same_as_kube_apiserver(
    scenario: Scenario, real_api: Api, embedded_api: Api, ns_name: str
) -> None:
    await run_differential(scenario, real_api, embedded_api, ns_name)
