"""Differential: CRDs, status subresource, finalizers and deletion, owner garbage collection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import JSON_PATCH, Api, Reply

S = Scenarios()
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def widget_crd(group: str) -> dict[str, Any]:
    spec_schema = {
        "type": "object",
        "required": ["size"],
        "properties": {
            "size": {"type": "integer", "minimum": 0, "maximum": 10},
            "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
            "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget",
                      "shortNames": ["wd"]},
            "versions": [{
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": spec_schema,
                    "status": {"type": "object", "properties": {
                        "phase": {"type": "string"}, "observed": {"type": "integer"}}},
                }}},
            }],
        },
    }


async def install_widgets(r: Recorder, *, record: bool = False) -> str:
    """Create the Widget CRD in a group unique to this test; returns the widgets path.

    With ``record``, the established CRD and the first (empty) list are compared too; other
    scenarios skip them so that one difference is reported by one scenario."""
    group = f"{r.ns}.tekpy.dev"
    reply = await r.api.post(CRDS, widget_crd(group))
    assert reply.status == 201, reply.body
    path = f"/apis/{group}/v1/namespaces/{r.ns}/widgets"
    crd_path = f"{CRDS}/widgets.{group}"
    crd = Recorder(r.api, r.ns) if not record else r
    await crd.until("CRD established", lambda: r.api.get(crd_path), _established)
    await crd.until("widgets served", lambda: r.api.get(path), lambda rep: rep.status == 200)
    return path


def _established(reply: Any) -> bool:
    conditions = (reply.body.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def widget(group_path: str, obj_name: str, **spec: Any) -> dict[str, Any]:
    group = group_path.split("/")[2]
    return {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": obj_name},
            "spec": spec}


@S.add
async def custom_resource_validation(r: Recorder) -> None:
    path = await install_widgets(r, record=True)
    await r("defaults applied, unknown pruned", r.api.post(
        path, widget(path, "ok", size=3, extra="pruned")
    ))
    await r("wrong type", r.api.post(path, widget(path, "t", size="three")))
    # One error per request: kube-apiserver reports several in map order, which varies.
    await r("out of range", r.api.post(path, widget(path, "r", size=11)))
    await r("bad enum", r.api.post(path, widget(path, "e", size=1, color="green")))
    await r("pattern and maxLength", r.api.post(path, widget(path, "p", size=1, name="ABCDEFGHIJ")))
    await r("missing required", r.api.post(path, widget(path, "m", color="blue")))
    await r("unknown field, Strict", r.api.post(
        path, widget(path, "s", size=1, extra=1), fieldValidation="Strict"
    ))
    await r("list", r.api.get(path))
    await r("short name is not a path", r.api.get(path.replace("/widgets", "/wd")))
    await r("unknown subresource", r.api.get(f"{path}/ok/nope"))
    gadget = {**widget(path, "g", size=1), "kind": "Gadget"}
    await r("another kind", r.api.post(path, gadget))
    labelled = widget(path, "l", size=1)
    labelled["metadata"]["labels"] = {"a": 1}
    await r("label value is not a string", r.api.post(path, labelled))


@S.add
async def status_subresource(r: Recorder) -> None:
    path = await install_widgets(r)
    body = widget(path, "s", size=1)
    body["status"] = {"phase": "ignored on create"}
    created = await r("create drops status", r.api.post(path, body))
    obj = created.body
    obj["spec"]["size"] = 2
    obj["status"] = {"phase": "ignored on main resource"}
    updated = await r("update spec bumps generation", r.api.put(f"{path}/s", obj))
    obj = updated.body
    obj["spec"]["size"] = 5
    obj["status"] = {"phase": "Running", "observed": 2}
    obj["metadata"]["labels"] = {"ignored": "via-status"}
    await r("update status ignores spec and labels", r.api.put(f"{path}/s/status", obj))
    await r("merge patch status", r.api.patch(f"{path}/s/status", {"status": {"observed": 3}}))
    await r("json patch status", r.api.patch(
        f"{path}/s/status", [{"op": "replace", "path": "/status/phase", "value": "Done"}],
        JSON_PATCH,
    ))
    await r("get status", r.api.get(f"{path}/s/status"))
    await r("invalid status", r.api.patch(f"{path}/s/status", {"status": {"observed": "x"}}))
    await r("status of missing object", r.api.get(f"{path}/nope/status"))
    await r("metadata-only update keeps generation", r.api.patch(
        f"{path}/s", {"metadata": {"annotations": {"a": "b"}}}
    ))


@S.add
async def finalizers_and_deletion(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    body = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "f", "finalizers": ["tekpy.dev/a", "tekpy.dev/b"]}}
    await r("create with finalizers", r.api.post(base, body))
    await r("delete marks for deletion", r.api.delete(f"{base}/f"))
    await r("delete again", r.api.delete(f"{base}/f"))
    await r("new finalizer refused", r.api.patch(
        f"{base}/f", {"metadata": {"finalizers": ["tekpy.dev/a", "tekpy.dev/b", "tekpy.dev/c"]}}
    ))
    await r("data may still change", r.api.patch(f"{base}/f", {"data": {"x": "1"}}))
    await r("clearing deletionTimestamp is ignored", r.api.patch(
        f"{base}/f", {"metadata": {"deletionTimestamp": None}}
    ))
    await r("remove one finalizer", r.api.patch(
        f"{base}/f", [{"op": "remove", "path": "/metadata/finalizers/0"}], JSON_PATCH
    ))
    await r("remove the last finalizer", r.api.patch(
        f"{base}/f", {"metadata": {"finalizers": None}}
    ))
    await r("gone", r.api.get(f"{base}/f"))


def _owned(name: str, owner: dict[str, Any], **ref: Any) -> dict[str, Any]:
    meta = owner["metadata"]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": name,
        "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": meta["name"],
                             "uid": meta["uid"], **ref}],
    }}


async def _family(r: Recorder) -> str:
    base = f"{r.path}/configmaps"
    owner = (await r.api.post(base, {"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": "owner"}})).body
    await r("create dependent", r.api.post(base, _owned("child", owner)))
    await r("create blocking dependent", r.api.post(
        base, _owned("blocker", owner, blockOwnerDeletion=True, controller=True)
    ))
    return base


def _getter(r: Recorder, path: str) -> Callable[[], Awaitable[Reply]]:
    return lambda: r.api.get(path)


def _gone(reply: Any) -> bool:
    return bool(reply.status == 404)


@S.add
async def garbage_collection_background(r: Recorder) -> None:
    base = await _family(r)
    await r("delete owner", r.api.delete(f"{base}/owner", {"propagationPolicy": "Background"}))
    for name in ("child", "blocker"):
        await r.until(f"{name} collected", _getter(r, f"{base}/{name}"), _gone)


@S.add
async def garbage_collection_foreground(r: Recorder) -> None:
    base = await _family(r)
    await r("delete owner", r.api.delete(f"{base}/owner", {"propagationPolicy": "Foreground"}))
    await r.until("owner deleted last", lambda: r.api.get(f"{base}/owner"), _gone)
    for name in ("child", "blocker"):
        await r(f"{name} gone", r.api.get(f"{base}/{name}"))


@S.add
async def foreground_deletion_without_dependents(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r.api.post(base, {"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "alone"}})
    # kube-apiserver answers with the object, now carrying the foregroundDeletion
    # finalizer; the garbage collector removes it shortly after (so no GET right here).
    await r("delete", r.api.delete(f"{base}/alone", {"propagationPolicy": "Foreground"}))
    await r.until("eventually gone", lambda: r.api.get(f"{base}/alone"), _gone)


@S.add
async def garbage_collection_orphan(r: Recorder) -> None:
    base = await _family(r)
    await r("delete owner", r.api.delete(f"{base}/owner", {"propagationPolicy": "Orphan"}))
    await r.until("owner deleted", lambda: r.api.get(f"{base}/owner"), _gone)
    for name in ("child", "blocker"):
        await r(f"{name} orphaned", r.api.get(f"{base}/{name}"))


@S.add
async def garbage_collection_dangling_owner(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    ghost = {"metadata": {"name": "ghost", "uid": "00000000-0000-0000-0000-0000000000aa"}}
    await r("create with missing owner", r.api.post(base, _owned("lost", ghost)))
    await r.until("collected", lambda: r.api.get(f"{base}/lost"), _gone)


async def test_same_as_kube_apiserver(
    scenario: Scenario, real_api: Api, embedded_api: Api, ns_name: str
) -> None:
    await run_differential(scenario, real_api, embedded_api, ns_name)
