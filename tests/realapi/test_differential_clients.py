"""Differential: what kubectl and controller clients send besides plain CRUD — server-side
apply, collection deletes, Table output."""

from __future__ import annotations

from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import APPLY, TABLE, Api

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


def pytest_generate_tests(metafunc: Any) -> None:
    if "scenario" in metafunc.fixturenames:
        metafunc.parametrize("scenario", S.params())
