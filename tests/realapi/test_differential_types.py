"""Differential: the built-in types tekpy's controllers and node agent use, and discovery."""

from __future__ import annotations

from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import JSON_PATCH, STRATEGIC, Api

S = Scenarios()
LEASES = "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases"


@S.add
async def leases_for_leader_election(r: Recorder) -> None:
    base = LEASES.format(ns=r.ns)
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "leader"},
        "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15, "leaseTransitions": 0,
                 "acquireTime": "2026-01-02T03:04:05.123456Z",
                 "renewTime": "2026-01-02T03:04:05.123456Z"},
    }
    created = await r("create", r.api.post(base, lease))
    await r("create again", r.api.post(base, lease))
    taken = created.body
    taken["spec"].update(holderIdentity="b", leaseTransitions=1)
    await r("take over", r.api.put(f"{base}/leader", taken))
    await r("stale take over", r.api.put(f"{base}/leader", taken))
    await r("bad duration", r.api.patch(f"{base}/leader", {"spec": {"leaseDurationSeconds": 0}}))
    await r("bad time format", r.api.patch(f"{base}/leader", {"spec": {"renewTime": "soon"}}))
    await r("time without microseconds", r.api.patch(
        f"{base}/leader", {"spec": {"acquireTime": "2026-01-02T03:04:05Z"}}))
    await r("time as a number", r.api.patch(f"{base}/leader", {"spec": {"renewTime": 5}}))
    await r("bad time, strategic patch", r.api.patch(
        f"{base}/leader", {"spec": {"renewTime": "soon"}}, STRATEGIC))
    await r("bad time, JSON patch", r.api.patch(
        f"{base}/leader", [{"op": "replace", "path": "/spec/renewTime", "value": "13:00"}],
        JSON_PATCH))
    await r("month out of range", r.api.patch(
        f"{base}/leader", {"spec": {"renewTime": "2026-13-02T03:04:05.000000Z"}}))


@S.add
async def secrets_encoding(r: Recorder) -> None:
    base = f"{r.path}/secrets"
    await r("data and stringData", r.api.post(base, {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
        "data": {"a": "YWJj"}, "stringData": {"b": "plain"},
    }))
    await r("get", r.api.get(f"{base}/s"))
    await r("invalid base64", r.api.post(base, {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bad"},
        "data": {"a": "not base64!"},
    }))
    await r("type is immutable", r.api.patch(f"{base}/s", {"type": "kubernetes.io/tls"}))


@S.add
async def events_for_recorders(r: Recorder) -> None:
    base = f"{r.path}/events"
    event = {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e1"},
        "involvedObject": {"apiVersion": "v1", "kind": "ConfigMap", "name": "x",
                           "namespace": r.ns},
        "reason": "Started", "message": "hello", "type": "Normal", "count": 1,
        "firstTimestamp": "2026-01-02T03:04:05Z", "lastTimestamp": "2026-01-02T03:04:05Z",
        "source": {"component": "tekpy"},
    }
    await r("create", r.api.post(base, event))
    await r("bump count", r.api.patch(f"{base}/e1", {"count": 2}))
    await r("field selector on involvedObject", r.api.get(
        base, fieldSelector="involvedObject.name=x,reason=Started"
    ))
    bad = {**event, "metadata": {"name": "e2"}, "involvedObject": {"kind": "ConfigMap"}}
    await r("event in another namespace than its object", r.api.post(base, bad))
    timed = {**event, "metadata": {"name": "e3"}, "eventTime": "2026-01-02T03:04:05.000000Z"}
    await r("eventTime without reporter and action", r.api.post(base, timed))


def _pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "nodeName": "tekpy-node",
                 "containers": [{"name": "step", "image": "busybox:1.36",
                                 "command": ["sh", "-c", "true"]}]},
    }


@S.add
async def pod_status_from_a_node_agent(r: Recorder) -> None:
    base = f"{r.path}/pods"
    await r.api.post(base, _pod("p"))
    status = {"status": {
        "phase": "Succeeded",
        "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
        "containerStatuses": [{
            "name": "step", "image": "busybox:1.36", "imageID": "", "ready": False,
            "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                     "message": '[{"key":"r","value":"v","type":1}]',
                                     "startedAt": "2026-01-02T03:04:05Z",
                                     "finishedAt": "2026-01-02T03:04:06Z"}},
        }],
    }}
    await r("patch status", r.api.patch(f"{base}/p/status", status))
    await r("spec via status is ignored", r.api.patch(
        f"{base}/p/status", {"spec": {"activeDeadlineSeconds": 5}}, STRATEGIC
    ))
    await r("bad phase", r.api.patch(f"{base}/p/status", {"status": {"phase": "Bogus"}}))
    await r("status of missing pod", r.api.patch(f"{base}/nope/status", status))
    await r("field selector on phase and node", r.api.get(
        base, fieldSelector="status.phase=Succeeded,spec.nodeName=tekpy-node"
    ))


@S.add
async def nodes_for_the_local_agent(r: Recorder) -> None:
    name = f"{r.ns}-node"
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {}}
    await r("register", r.api.post("/api/v1/nodes", node))
    await r("report ready", r.api.patch(f"/api/v1/nodes/{name}/status", {"status": {
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "ok", "lastHeartbeatTime": "2026-01-02T03:04:05Z",
                        "lastTransitionTime": "2026-01-02T03:04:05Z"}],
        "capacity": {"cpu": "2", "memory": "24Gi", "pods": "110"},
        "allocatable": {"cpu": "2", "memory": "24Gi", "pods": "110"},
    }}))
    await r("namespaced path", r.api.get(f"{r.path}/nodes/{name}"))
    await r("delete", r.api.delete(f"/api/v1/nodes/{name}"))


def _entries(body: Any, names: set[str]) -> Any:
    if not isinstance(body, dict) or "resources" not in body:
        return body
    picked = [e for e in body["resources"] if e.get("name") in names]
    return {**body, "resources": sorted(picked, key=lambda e: e["name"])}


@S.add
async def discovery_of_what_tekpy_uses(r: Recorder) -> None:
    core = {"pods", "pods/status", "pods/log", "configmaps", "secrets", "events",
            "namespaces", "namespaces/status", "serviceaccounts", "nodes", "nodes/status"}
    reply = await r.api.get("/api/v1")
    r.record("core resources", reply.status, _entries(reply.body, core))
    reply = await r.api.get("/apis/coordination.k8s.io/v1")
    r.record("leases", reply.status, _entries(reply.body, {"leases"}))
    reply = await r.api.get("/apis/events.k8s.io/v1")
    r.record("events.k8s.io", reply.status, _entries(reply.body, {"events"}))
    reply = await r.api.get("/apis/apiextensions.k8s.io/v1")
    r.record("crds", reply.status, _entries(
        reply.body, {"customresourcedefinitions", "customresourcedefinitions/status"}
    ))
    versions = await r.api.get("/api")
    r.record("core versions", versions.status, {"versions": versions.body.get("versions")})


async def test_same_as_kube_apiserver(
    scenario: Scenario, real_api: Api, embedded_api: Api, ns_name: str
) -> None:
    await run_differential(scenario, real_api, embedded_api, ns_name)
