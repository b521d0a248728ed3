"""Differential: what kubectl and controller clients send besides plain CRUD — server-side
apply, collection deletes, Table output."""

from __future__ import annotations

from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import APPLY, JSON_PATCH, STRATEGIC, TABLE, Api

S = Scenarios()


def cm(name: str, labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, **extra}


@S.add
async def delete_collection(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    for name, app in (("a", "x"), ("b", "x"), ("c", "y")):
        await r.api.post(base, cm(name, {"app": app}))
    await r("delete the app=x collection", r.api.delete(base, labelSelector="app=x"))
    await r("what is left", r.api.get(base))


@S.add
async def server_side_apply(r: Recorder) -> None:
    path = f"{r.path}/configmaps/applied"
    first = cm("applied", data={"a": "1", "b": "2"})
    await r("apply creates", r.api.patch(path, first, APPLY, fieldManager="one"))
    await r("apply again, dropping a field it owns", r.api.patch(
        path, cm("applied", data={"a": "1"}), APPLY, fieldManager="one"
    ))
    await r("another manager conflicts", r.api.patch(
        path, cm("applied", data={"a": "other"}), APPLY, fieldManager="two"
    ))
    await r("forced", r.api.patch(
        path, cm("applied", data={"a": "other"}), APPLY, fieldManager="two", force="true"
    ))
    await r("apply without fieldManager", r.api.patch(path, first, APPLY))
    await r("apply with the wrong apiVersion", r.api.patch(
        path, {**cm("applied", data={"a": "1"}), "apiVersion": "v2"}, APPLY, fieldManager="one"
    ))
    await r("apply with another name", r.api.patch(
        path, cm("other", data={"a": "1"}), APPLY, fieldManager="one"
    ))
    await r("apply with managedFields", r.api.patch(path, {**cm("applied"), "metadata": {
        "name": "applied", "managedFields": []}}, APPLY, fieldManager="one"))
    await r("force on a merge patch", r.api.patch(path, {"data": {"x": "1"}}, force="true"))
    await r("fieldManager too long", r.api.patch(
        path, {"data": {"x": "1"}}, fieldManager="m" * 129
    ))
    # two managers, several conflicts at once; then shared ownership of an equal value
    await r.api.patch(path, cm("applied", data={"b": "1", "c": "1"}), APPLY,
                      fieldManager="three")
    several = await r.api.patch(path, cm("applied", data={"a": "x", "b": "x", "c": "x"}),
                                APPLY, fieldManager="four")
    # kube lists the causes in Go map order (random): compare them sorted
    causes = ((several.body or {}).get("details") or {}).get("causes") or []
    causes.sort(key=lambda c: (c.get("message", ""), c.get("field", "")))
    r.record("several conflicts", several.status, several.body)
    await r("same values are shared", r.api.patch(path, cm("applied", data={
        "b": "1", "c": "1"}), APPLY, fieldManager="four"))
    await r("a sharer drops them: they stay", r.api.patch(
        path, cm("applied", labels={"x": "y"}), APPLY, fieldManager="four"))
    _managed(r, "managedFields", await r.api.get(path))


def _managed(r: Recorder, label: str, reply: Any) -> None:
    """Record an object's managedFields (normalisation drops them from bodies)."""
    meta = (reply.body or {}).get("metadata") or {}
    # under another key: normalisation drops "managedFields" keys
    r.record(label, reply.status, {"entries": sorted(
        meta.get("managedFields") or [], key=lambda e: (e["operation"], e["manager"]))})


@S.add
async def managed_fields_of_updates(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    path = f"{base}/u"
    _managed(r, "create (manager from the User-Agent)", await r.api.post(
        base, cm("u", {"app": "x"}, data={"a": "1", "b": "2"})))
    _managed(r, "merge patch by another manager", await r.api.patch(
        path, {"data": {"a": "2", "c": "3"}, "metadata": {"labels": {"app": None}}},
        fieldManager="patcher"))
    _managed(r, "JSON patch", await r.api.patch(
        path, [{"op": "add", "path": "/data/j", "value": "1"}], JSON_PATCH,
        fieldManager="jsonpatcher"))
    current = (await r.api.get(path)).body
    current["data"] = {"a": "2", "d": "4", "j": "1"}
    del current["metadata"]["managedFields"]
    _managed(r, "PUT without managedFields keeps and moves them", await r.api.put(
        path, current, fieldManager="putter"))
    _managed(r, "apply over updates", await r.api.patch(
        path, cm("u", data={"a": "2", "e": "5"}), APPLY, fieldManager="applier"))
    _managed(r, "reset with []", await r.api.patch(
        path, {"metadata": {"managedFields": []}}, fieldManager="patcher"))
    _managed(r, "update of an untracked object", await r.api.patch(
        path, {"data": {"f": "6"}}, fieldManager="patcher"))
    _managed(r, "first apply to an untracked object", await r.api.patch(
        path, cm("u", data={"f": "7"}), APPLY, fieldManager="applier"))
    _managed(r, "create with managedFields", await r.api.post(base, {
        **cm("g", data={"a": "1"}), "metadata": {"name": "g", "managedFields": [{
            "manager": "someone", "operation": "Apply", "apiVersion": "v1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}, "f:zz": {}}}}]}}))
    # creates of typed kinds: what the empty Go object already has is not "added"
    _managed(r, "create a pod", await r.api.post(f"{r.path}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}},
        "spec": {"automountServiceAccountToken": False, "restartPolicy": "Never",
                 "containers": [{"name": "c", "image": "busybox:1.36", "args": ["x"],
                                 "env": [{"name": "E", "value": "1"}]}]}}))
    _managed(r, "strategic patch of a container", await r.api.patch(
        f"{r.path}/pods/p", {"spec": {"containers": [{"name": "c", "image": "busybox:1.37"}]}},
        STRATEGIC, fieldManager="strategist"))
    await r.api.delete(f"{r.path}/pods/p", {"gracePeriodSeconds": 0})
    _managed(r, "create a lease", await r.api.post(
        f"/apis/coordination.k8s.io/v1/namespaces/{r.ns}/leases", {
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "l"}, "spec": {"holderIdentity": "a",
                                                "leaseDurationSeconds": 15}}))
    _managed(r, "create a secret", await r.api.post(f"{r.path}/secrets", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
        "stringData": {"a": "b"}}))
    _managed(r, "create a service account", await r.api.post(f"{r.path}/serviceaccounts", {
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}))
    ns = await r.api.post("/api/v1/namespaces", {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"{r.ns}-mf"}})
    _managed(r, "create a namespace", ns)
    await r.api.delete(f"/api/v1/namespaces/{r.ns}-mf")


@S.add
async def server_side_apply_lists(r: Recorder) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "automountServiceAccountToken": False, "restartPolicy": "Never",
        "containers": [{"name": "a", "image": "busybox:1.36", "env": [{"name": "X",
                                                                        "value": "1"}]},
                       {"name": "b", "image": "busybox:1.36"}]}}
    path = f"{r.path}/pods/p"
    created = await r("apply a pod", r.api.patch(path, pod, APPLY, fieldManager="one"))
    _managed(r, "pod managedFields", created)
    other = {**pod, "spec": {"containers": [{"name": "b", "image": "busybox:1.37"}]}}
    await r("another manager's image conflicts", r.api.patch(
        path, other, APPLY, fieldManager="two"))
    _managed(r, "forced image", await r.api.patch(
        path, other, APPLY, fieldManager="two", force="true"))
    await r("get", r.api.get(path))
    _managed(r, "status patch", await r.api.patch(f"{path}/status", {"status": {
        "conditions": [{"type": "Ready", "status": "False"}]}}, fieldManager="node"))
    _managed(r, "status apply", await r.api.patch(f"{path}/status", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "status": {"conditions": [{"type": "Custom", "status": "True"}]}}, APPLY,
        fieldManager="checker"))
    await r("status after status writes", r.api.get(path))
    _managed(r, "status in a main-resource apply is ignored", await r.api.patch(path, {
        **pod, "status": {"conditions": [{"type": "Other", "status": "True"}]}}, APPLY,
        fieldManager="one", force="true"))
    await r.api.delete(path, {"gracePeriodSeconds": 0})
    group = f"{r.ns}.tekpy.dev"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"gadgets.{group}"},
        "spec": {"group": group, "scope": "Namespaced",
                 "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                   "spec": {"type": "object", "properties": {
                                       "ports": {"type": "array",
                                                 "x-kubernetes-list-type": "map",
                                                 "x-kubernetes-list-map-keys": ["name"],
                                                 "items": {"type": "object",
                                                           "required": ["name"],
                                                           "properties": {
                                                               "name": {"type": "string"},
                                                               "port": {"type": "integer"}}}},
                                       "tags": {"type": "array",
                                                "x-kubernetes-list-type": "set",
                                                "items": {"type": "string"}},
                                       "args": {"type": "array", "items": {"type": "string"}},
                                       "labels": {"type": "object", "additionalProperties": {
                                           "type": "string"}}}}}}}}]}}
    assert (await r.api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                             crd)).status == 201
    gadgets = f"/apis/{group}/v1/namespaces/{r.ns}/gadgets"
    await r.until("gadgets served", lambda: r.api.get(gadgets),
                  lambda reply: reply.status == 200, within=30)
    gpath = f"{gadgets}/g"

    def gadget(**spec: Any) -> dict[str, Any]:
        return {"apiVersion": f"{group}/v1", "kind": "Gadget", "metadata": {"name": "g"},
                "spec": spec}

    await r("apply a gadget", r.api.patch(gpath, gadget(
        ports=[{"name": "a", "port": 1}, {"name": "b", "port": 2}], tags=["x", "y"],
        args=["1", "2"], labels={"k": "v"}), APPLY, fieldManager="one"), scrub=(group, "G"))
    await r("another manager adds items", r.api.patch(gpath, gadget(
        ports=[{"name": "c", "port": 3}], tags=["z"], labels={"l": "w"}), APPLY,
        fieldManager="two"), scrub=(group, "G"))
    await r("atomic list conflicts", r.api.patch(gpath, gadget(args=["3"]), APPLY,
                                                 fieldManager="two"), scrub=(group, "G"))
    await r("first manager drops an item and a tag", r.api.patch(gpath, gadget(
        ports=[{"name": "a", "port": 1}], tags=["x"], args=["1", "2"], labels={"k": "v"}),
        APPLY, fieldManager="one"), scrub=(group, "G"))
    _managed(r, "gadget managedFields", await r.api.get(gpath))
    await r.api.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.{group}")


def _table(body: Any) -> Any:
    # The last cell of each row is an age ("3s"), which depends on when the test runs.
    if isinstance(body, dict) and body.get("kind") == "Table":
        rows = [{**row, "cells": row["cells"][:-1]} for row in body.get("rows", [])]
        return {**body, "rows": rows}
    return body


@S.add
async def table_output_for_kubectl(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r.api.post(base, cm("t", data={"a": "1", "b": "2"}))
    listed = await r.api.request("GET", base, headers={"Accept": TABLE})
    r.record("list as Table", listed.status, _table(listed.body))
    one = await r.api.request("GET", f"{base}/t", headers={"Accept": TABLE})
    r.record("get as Table", one.status, _table(one.body))


async def test_same_as_kube_apiserver(
    scenario: Scenario, real_api: Api, embedded_api: Api, ns_name: str
) -> None:
    await run_differential(scenario, real_api, embedded_api, ns_name)
