"""Property: random valid and invalid requests never corrupt state.

Each example runs a random request sequence in a fresh namespace and keeps a model of the
acknowledged writes only. After every request the server's answer must agree with the model
(409 on existing names, 404 on missing ones...); at the end the list equals the model, and
replaying the namespace's watch history from its start reproduces the same state.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import aiohttp
import orjson
import pytest
from apiserver_helpers import Kube
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tekpy.local.apiserver import EmbeddedApiServer

NAMES = st.sampled_from(["a", "b", "c", "Bad_Name", ""])
VALUES = st.text(alphabet="xyz", max_size=3)
OPS = st.one_of(
    st.tuples(st.just("create"), NAMES, VALUES),
    st.tuples(st.just("update"), NAMES, VALUES, st.booleans()),
    st.tuples(st.just("merge"), NAMES, VALUES),
    st.tuples(st.just("jsonpatch"), NAMES, VALUES, st.booleans()),
    st.tuples(st.just("delete"), NAMES, st.booleans()),
    st.tuples(st.just("garbage"), NAMES),
)


class Env:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.srv = EmbeddedApiServer(port=0, tls=False)
        self.loop.run_until_complete(self.srv.start())
        self.session = self.loop.run_until_complete(self._session())
        self.kube = Kube(self.srv, self.session)
        self.counter = itertools.count()

    async def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    def close(self) -> None:
        self.loop.run_until_complete(self.session.close())
        self.loop.run_until_complete(self.srv.close())
        self.loop.close()


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    e = Env()
    yield e
    e.close()


async def run(kube: Kube, ns: str, ops: list[tuple[Any, ...]]) -> None:
    base = f"/api/v1/namespaces/{ns}/configmaps"
    start = await kube.ok("POST", "/api/v1/namespaces", {"metadata": {"name": ns}})
    model: dict[str, dict[str, Any]] = {}  # name -> {"data":..., "rv":..., "uid":...}
    last_rv = int(start["metadata"]["resourceVersion"])

    def acked(obj: dict[str, Any]) -> None:
        nonlocal last_rv
        rv = int(obj["metadata"]["resourceVersion"])
        assert rv > last_rv
        last_rv = rv

    for op in ops:
        kind, name = op[0], op[1]
        valid_name = name in ("a", "b", "c")
        exists = name in model
        if kind == "create":
            status, out = await kube.post(base, {"metadata": {"name": name},
                                                 "data": {"v": op[2]}})
            if not valid_name:
                assert status == 422, out
            elif exists:
                assert status == 409 and out["reason"] == "AlreadyExists"
            else:
                assert status == 201, out
                acked(out)
                model[name] = {"data": {"v": op[2]}, "rv": out["metadata"]["resourceVersion"],
                               "uid": out["metadata"]["uid"]}
        elif kind == "update":
            stale = op[3]
            rv = "1" if stale else (model[name]["rv"] if exists else "")
            body = {"metadata": {"name": name, "resourceVersion": rv}, "data": {"v": op[2]}}
            status, out = await kube.put(f"{base}/{name}", body)
            if not name:
                assert status in (404, 405), out
            elif not exists:
                assert status == 404, out
            elif stale:
                assert status == 409 and out["reason"] == "Conflict"
            else:
                assert status == 200, out
                if model[name]["data"] != {"v": op[2]}:
                    acked(out)
                model[name].update(data={"v": op[2]}, rv=out["metadata"]["resourceVersion"])
        elif kind == "merge":
            status, out = await kube.patch(f"{base}/{name}", {"data": {"v": op[2]}})
            if not exists:
                assert status in (404, 405), out
            else:
                assert status == 200, out
                if model[name]["data"] != {"v": op[2]}:
                    acked(out)
                model[name].update(data={"v": op[2]}, rv=out["metadata"]["resourceVersion"])
        elif kind == "jsonpatch":
            bad = op[3]
            path = "/nope/deeper" if bad else "/data/v"
            status, out = await kube.patch(
                f"{base}/{name}", [{"op": "replace", "path": path, "value": op[2]}], "json")
            if not exists:
                assert status in (404, 405), out
            elif bad:
                assert status == 422, out
            else:
                assert status == 200, out
                if model[name]["data"] != {"v": op[2]}:
                    acked(out)
                model[name].update(data={"v": op[2]}, rv=out["metadata"]["resourceVersion"])
        elif kind == "delete":
            wrong_uid = op[2]
            pre: dict[str, Any] | None = (
                {"preconditions": {"uid": "not-it"}} if wrong_uid and name else None)
            status, out = await kube.delete(f"{base}/{name}", pre)
            if not name:  # DELETE on the collection: deletecollection
                assert status == 200, out
                model.clear()
            elif not exists:
                assert status == 404, out
            elif wrong_uid:
                assert status == 409, out
            else:
                assert status == 200, out
                del model[name]
        elif kind == "garbage":
            status, out = await kube.request("POST", base, raw=b'{"metadata": {"name": ',
                                             headers={"Content-Type": "application/json"})
            assert status == 400, out
    listed = await kube.ok("GET", base)
    assert {i["metadata"]["name"]: i["data"] for i in listed["items"]} == {
        n: m["data"] for n, m in model.items()}
    # replay of the namespace's events (the acknowledged writes) gives the same state; a
    # final marker object tells where the replay ends
    await kube.ok("POST", base, {"metadata": {"name": "zz-end"}})
    async with kube.session.get(
        kube.srv.url + base + f"?watch=true&resourceVersion={start['metadata']['resourceVersion']}",
        headers=kube.headers) as resp:
        replay: dict[str, Any] = {}
        async for line in resp.content:
            ev = orjson.loads(line)
            obj = ev["object"]
            if obj["metadata"]["name"] == "zz-end":
                break
            if ev["type"] == "DELETED":
                replay.pop(obj["metadata"]["name"], None)
            else:
                replay[obj["metadata"]["name"]] = obj.get("data")
    assert replay == {n: m["data"] for n, m in model.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, max_size=25))
def test_random_requests_never_corrupt_state(env: Env, ops: list[tuple[Any, ...]]) -> None:
    ns = f"prop-{next(env.counter)}"
    env.loop.run_until_complete(run(env.kube, ns, ops))
