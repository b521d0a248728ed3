"""Differential: pruning of a custom resource served in two versions (``conversion: None``).

Measured on kube-apiserver v1.34: an object written in a non-storage version is pruned by
the request version's schema, then -- after only its ``apiVersion`` is rewritten -- by the
storage version's schema, even under ``fieldValidation=Strict`` (no error for what the
storage schema drops); a read in another version prunes by that version's schema;
``x-kubernetes-preserve-unknown-fields`` on an object keeps its unknown fields but still
prunes inside the fields it specifies. Strict reports unknown paths sorted. tekpy's Tekton
CRDs rely on this (tekpy.api.crdgen).
"""

from __future__ import annotations

import functools
from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import Api, Reply

S = Scenarios()
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
_CLOSED = {"type": "object", "properties": {
    "a": {"type": "string"},
    "n": {"type": "object", "properties": {"x": {"type": "string"}}},
    "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
             "properties": {"x": {"type": "string"}, "m": {"type": "object", "properties": {
                 "x": {"type": "string"}}}}}}}
_STATUS = {"type": "object", "properties": {"s": {"type": "string"}}}
# the older version: its spec is open, and it has no status
_OLD = {"type": "object", "properties": {
    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}


async def _widgets(r: Recorder) -> str:
    group = f"{r.ns}.tekpy.dev"
    storage = {"type": "object", "properties": {"spec": _CLOSED, "status": _STATUS}}
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": f"widgets.{group}"},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                    "conversion": {"strategy": "None"},
                    "versions": [
                        {"name": "v1", "served": True, "storage": True,
                         "schema": {"openAPIV3Schema": storage}},
                        {"name": "v1alpha1", "served": True, "storage": False,
                         "schema": {"openAPIV3Schema": _OLD}}]}}
    assert (await r.api.post(CRDS, crd)).status == 201
    for version in ("v1", "v1alpha1"):
        url = f"/apis/{group}/{version}/namespaces/{r.ns}/widgets"

        def served(reply: Reply) -> bool:
            return reply.status == 200
        await r.until(f"{version} served", functools.partial(r.api.get, url), served, within=30)
    return group


def _widget(group: str, version: str, name: str) -> dict[str, Any]:
    return {"apiVersion": f"{group}/{version}", "kind": "Widget", "metadata": {"name": name},
            "spec": {"a": "1", "old": "x", "n": {"x": "1", "y": "2"},
                     "open": {"x": "1", "extra": "kept", "m": {"x": "1", "y": "2"}}},
            "top": 1, "status": {"s": "a", "t": "b"}}


@S.add
async def crd_strict_unknown_fields_are_sorted(r: Recorder) -> None:
    group = await _widgets(r)
    base = f"/apis/{group}/v1/namespaces/{r.ns}/widgets"
    scrub = (group, "G")
    await r("strict", r.api.post(base, _widget(group, "v1", "w"), fieldValidation="Strict"),
            scrub=scrub)
    await r("warn", r.api.post(base, _widget(group, "v1", "w"), fieldValidation="Warn"),
            scrub=scrub)
    await r.api.delete(f"{CRDS}/widgets.{group}")


@S.add
async def crd_versions_prune_by_storage_and_read_schemas(r: Recorder) -> None:
    group = await _widgets(r)
    scrub = (group, "G")

    def path(version: str, name: str = "") -> str:
        return f"/apis/{group}/{version}/namespaces/{r.ns}/widgets" + (f"/{name}" if name else "")

    for fv in ("Ignore", "Strict"):
        name = f"old-{fv.lower()}"
        body = _widget(group, "v1alpha1", name)
        if fv == "Strict":  # only what v1alpha1 knows: v1's pruning of it is never an error
            del body["top"], body["status"]
        await r(f"create as v1alpha1, {fv}", r.api.post(
            path("v1alpha1"), body, fieldValidation=fv), scrub=scrub)
        await r(f"get as v1, {fv}", r.api.get(path("v1", name)), scrub=scrub)
        await r(f"get as v1alpha1, {fv}", r.api.get(path("v1alpha1", name)), scrub=scrub)
    await r("create as v1", r.api.post(path("v1"), _widget(group, "v1", "new")), scrub=scrub)
    await r("get as v1alpha1 (no status in its schema)", r.api.get(path("v1alpha1", "new")),
            scrub=scrub)
    await r("list as v1alpha1", r.api.get(path("v1alpha1")), scrub=scrub)
    await r.api.delete(f"{CRDS}/widgets.{group}")


async def test_same_as_kube_apiserver(
    scenario: Scenario, real_api: Api, embedded_api: Api, ns_name: str
) -> None:
    await run_differential(scenario, real_api, embedded_api, ns_name)
