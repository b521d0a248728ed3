"""Differential: CRUD, the three patch types, selectors, pagination, dry run, namespaces."""

from __future__ import annotations

from typing import Any

from realapi_diff import Recorder, Scenario, Scenarios, run_differential
from realapi_http import JSON_PATCH, MERGE, STRATEGIC, Api

S = Scenarios()


def cm(name: str, labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, **extra}


@S.add
async def configmap_crud(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    created = await r("create", r.api.post(base, cm("a", {"app": "x"}, data={"k": "v"})))
    await r("get", r.api.get(f"{base}/a"))
    obj = created.body
    obj["data"] = {"k": "w"}
    updated = await r("update", r.api.put(f"{base}/a", obj))
    await r("update with stale resourceVersion", r.api.put(f"{base}/a", obj))
    fresh = updated.body
    fresh["metadata"].pop("resourceVersion")
    fresh["data"] = {"k": "unconditional"}
    await r("update without resourceVersion", r.api.put(f"{base}/a", fresh))
    await r("create duplicate", r.api.post(base, cm("a")))
    await r("list", r.api.get(base))
    await r("delete", r.api.delete(f"{base}/a"))
    await r("get deleted", r.api.get(f"{base}/a"))
    await r("delete missing", r.api.delete(f"{base}/a"))
    await r("update missing", r.api.put(f"{base}/a", cm("a")))


@S.add
async def list_items_kind(r: Recorder) -> None:
    r.item_kinds = True
    await r.api.post(f"{r.path}/configmaps", cm("a"))
    await r("list of a built-in type", r.api.get(f"{r.path}/configmaps"))


@S.add
async def empty_fields_are_omitted(r: Recorder) -> None:
    body = cm("e", data={}, binaryData={})
    body["metadata"].update(labels={}, annotations={}, finalizers=[], ownerReferences=[])
    await r("create with empty maps and lists", r.api.post(f"{r.path}/configmaps", body))
    await r("update with empty maps and lists", r.api.patch(
        f"{r.path}/configmaps/e", {"metadata": {"labels": {}}, "data": {}}
    ))


@S.add
async def generate_name(r: Recorder) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}}
    await r("create with generateName", r.api.post(f"{r.path}/configmaps", body))


@S.add
async def merge_patch(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r.api.post(base, cm("p", {"a": "1"}, data={"x": "1", "y": "2"}))
    await r("add and remove keys", r.api.patch(
        f"{base}/p", {"data": {"x": None, "z": "3"}, "metadata": {"labels": {"b": "2"}}}, MERGE
    ))
    await r("patch missing object", r.api.patch(f"{base}/nope", {"data": {}}, MERGE))
    await r("patch with stale resourceVersion", r.api.patch(
        f"{base}/p", {"metadata": {"resourceVersion": "1"}, "data": {"q": "1"}}, MERGE
    ))
    await r("malformed patch", r.api.request(
        "PATCH", f"{base}/p", raw=b"{not json", content_type=MERGE
    ))


@S.add
async def json_patch(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r.api.post(base, cm("p", data={"x": "1"}))
    await r("add replace copy", r.api.patch(f"{base}/p", [
        {"op": "add", "path": "/data/y", "value": "2"},
        {"op": "replace", "path": "/data/x", "value": "10"},
        {"op": "copy", "from": "/data/y", "path": "/data/z"},
        {"op": "add", "path": "/metadata/labels", "value": {"l": "v"}},
    ], JSON_PATCH))
    await r("remove and move", r.api.patch(f"{base}/p", [
        {"op": "remove", "path": "/data/z"},
        {"op": "move", "from": "/data/y", "path": "/data/w"},
    ], JSON_PATCH))
    await r("failed test op", r.api.patch(
        f"{base}/p", [{"op": "test", "path": "/data/x", "value": "nope"}], JSON_PATCH
    ))
    await r("remove missing path", r.api.patch(
        f"{base}/p", [{"op": "remove", "path": "/data/missing"}], JSON_PATCH
    ))
    await r("not a list", r.api.patch(f"{base}/p", {"op": "add"}, JSON_PATCH))
    await r("after", r.api.get(f"{base}/p"))


def pod(name: str, *containers: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": list(containers), "restartPolicy": "Never"},
    }


@S.add
async def strategic_merge_patch(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r.api.post(base, cm("p", data={"x": "1"}))
    await r("strategic on a configmap", r.api.patch(
        f"{base}/p", {"data": {"y": "2", "x": None}}, STRATEGIC
    ))
    pods = f"{r.path}/pods"
    first = {"name": "a", "image": "busybox", "env": [{"name": "E1", "value": "1"}]}
    await r.api.post(pods, pod("pp", first, {"name": "b", "image": "busybox"}))
    # containers merge by name: only b's image changes, a stays as it was.
    await r("merge list by key", r.api.patch(f"{pods}/pp", {
        "metadata": {"labels": {"x": "y"}},
        "spec": {"containers": [{"name": "b", "image": "alpine"}]},
    }, STRATEGIC))
    await r("pod spec is immutable but for images", r.api.patch(f"{pods}/pp", {
        "spec": {"containers": [{"name": "a", "env": [{"name": "E2", "value": "2"}]}]},
    }, STRATEGIC))
    await r("$patch delete on a keyed list", r.api.patch(f"{pods}/pp", {
        "spec": {"containers": [{"name": "b", "$patch": "delete"}]},
    }, STRATEGIC))
    await r("unknown field in strategic patch", r.api.patch(
        f"{pods}/pp", {"spec": {"noSuchField": 1}}, STRATEGIC
    ))
    await r("strategic on a missing object", r.api.patch(f"{pods}/nope", {"x": 1}, STRATEGIC))
    await r("unsupported media type", r.api.request(
        "PATCH", f"{base}/p", {"data": {}}, content_type="text/plain"
    ))


def _rich_pod() -> dict[str, Any]:
    # many PodSpec fields, none that kube defaults beyond what the embedded server defaults
    main = {
        "name": "main", "image": "busybox:1.36", "command": ["sh"], "args": ["-c", "true"],
        "workingDir": "/w", "env": [{"name": "A", "value": "<a & b>"}],
        "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "P_"}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                      "limits": {"cpu": "200m", "memory": "64Mi"}},
        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch", "readOnly": True}],
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "1"]}}},
        "securityContext": {"runAsUser": 1000, "capabilities": {"drop": ["ALL"]}},
        "stdin": True,
    }
    init = {"name": "init", "image": "busybox:1.36", "command": ["true"]}
    spec = {
        "containers": [main], "initContainers": [init], "restartPolicy": "Never",
        "volumes": [{"name": "scratch", "emptyDir": {"medium": "Memory"}}],
        "nodeSelector": {"disk": "ssd", "arch": "amd64"},
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}}},
        "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
        "securityContext": {"fsGroup": 2000, "runAsNonRoot": True},
        "hostname": "h", "subdomain": "s", "activeDeadlineSeconds": 600,
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "rich"}, "spec": spec}


@S.add
async def pod_update_diff(r: Recorder) -> None:
    """kube's refusal of a Pod spec change ends with a diff of the internal PodSpecs."""
    pods = f"{r.path}/pods"
    await r("create", r.api.post(pods, _rich_pod()))
    path = f"{pods}/rich"
    await r("env of a container", r.api.patch(path, {"spec": {"containers": [
        {"name": "main", "env": [{"name": "B", "value": "2"}]}]}}, STRATEGIC))
    await r("node selector", r.api.patch(path, {"spec": {"nodeSelector": {"disk": "hdd"}}}))
    await r("a volume", r.api.patch(path, {"spec": {"volumes": [
        {"name": "extra", "hostPath": {"path": "/tmp", "type": "Directory"}}]}}, STRATEGIC))
    await r("security context", r.api.patch(path, {"spec": {"securityContext": {
        "runAsUser": 5, "supplementalGroups": [1, 2]}, "hostIPC": True}}))
    await r("resources and init command", r.api.patch(path, {"spec": {
        "initContainers": [{"name": "init", "command": ["false"]}],
        "containers": [{"name": "main", "resources": {"limits": {"cpu": "300m"}}}]}},
        STRATEGIC))
    await r("a longer deadline", r.api.patch(path, {"spec": {"activeDeadlineSeconds": 900}}))
    await r("images and a shorter deadline may change", r.api.patch(path, {"spec": {
        "activeDeadlineSeconds": 300,
        "containers": [{"name": "main", "image": "busybox:1.37"}]}}, STRATEGIC))


@S.add
async def pod_defaults(r: Recorder) -> None:
    created = await r("create pod", r.api.post(
        f"{r.path}/pods", pod("d", {"name": "c", "image": "busybox:1.36"})
    ))
    if created.status == 201:
        await r("get pod", r.api.get(f"{r.path}/pods/d"))
        await r("delete pod", r.api.delete(f"{r.path}/pods/d", {"gracePeriodSeconds": 0}))
    step = {
        "name": "step", "image": "busybox:1.36", "ports": [{"containerPort": 80}],
        "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "C", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}],
        "resources": {"limits": {"cpu": "0.5", "memory": "1.5Gi"}, "requests": {"cpu": "2000m"}},
        "readinessProbe": {"httpGet": {"port": 80}}, "livenessProbe": {"grpc": {"port": 9}},
        "lifecycle": {"postStart": {"httpGet": {"port": 8080}}},
    }
    init = {"name": "prep", "image": "busybox", "resources": {"requests": {"memory": "1e3"}}}
    volumes = [
        {"name": "tools"}, {"name": "cm", "configMap": {"name": "x"}},
        {"name": "downward", "downwardAPI": {"items": [
            {"path": "ready", "fieldRef": {"fieldPath": "metadata.annotations['ready']"}}]}},
        {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
        {"name": "host", "hostPath": {"path": "/tmp"}},
        {"name": "scratch", "emptyDir": {"sizeLimit": "1024Mi"}},
        {"name": "claim", "ephemeral": {"volumeClaimTemplate": {"spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "0.5Gi"}}}}}},
    ]
    rich = pod("r", step)
    rich["spec"].update(initContainers=[init], volumes=volumes, serviceAccount="default")
    await r("a request over its limit", r.api.post(f"{r.path}/pods", rich))
    step["resources"]["requests"] = {"cpu": "0.25"}
    await r("defaults of containers, volumes and quantities", r.api.post(f"{r.path}/pods", rich))


@S.add
async def label_and_field_selectors(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    for name, labels in [("a", {"env": "prod", "tier": "web"}), ("b", {"env": "dev"}),
                         ("c", {"tier": "db"})]:
        await r.api.post(base, cm(name, labels))
    for selector in ["env=prod", "env!=prod", "env in (dev,prod)", "!env", "tier",
                     "env notin (dev)", "env=prod,tier=web"]:
        await r(f"labelSelector {selector}", r.api.get(base, labelSelector=selector))
    await r("fieldSelector name", r.api.get(base, fieldSelector="metadata.name=b"))
    await r("fieldSelector name!=", r.api.get(base, fieldSelector="metadata.name!=b"))
    await r("fieldSelector namespace", r.api.get(
        "/api/v1/configmaps", fieldSelector=f"metadata.namespace={r.ns},metadata.name=c"
    ))
    await r("empty value selector", r.api.get(base, labelSelector="env=="))
    await r("unclosed set selector", r.api.get(base, labelSelector="env in (a"))
    await r("bad operator selector", r.api.get(base, labelSelector="env=~a"))
    await r("bad label value", r.api.get(base, labelSelector="env=a b"))
    await r("unsupported field", r.api.get(base, fieldSelector="data.x=1"))


@S.add
async def pagination(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    for i in range(7):
        await r.api.post(base, cm(f"item-{i}"))
    page = await r("page 1", r.api.get(base, limit="3"))
    while page.body.get("metadata", {}).get("continue"):
        page = await r("next page", r.api.get(
            base, limit="3", **{"continue": page.body["metadata"]["continue"]}
        ))
    await r("bad continue token", r.api.get(base, limit="3", **{"continue": "garbage"}))
    await r("limit 0 means all", r.api.get(base, limit="0"))


@S.add
async def dry_run(r: Recorder) -> None:
    base = f"{r.path}/configmaps"
    await r("dry-run create", r.api.post(base, cm("dry"), dryRun="All"))
    await r("not stored", r.api.get(f"{base}/dry"))
    await r.api.post(base, cm("real", data={"a": "1"}))
    await r("dry-run patch", r.api.patch(f"{base}/real", {"data": {"a": "2"}}, dryRun="All"))
    await r("unchanged", r.api.get(f"{base}/real"))
    await r("dry-run delete", r.api.delete(f"{base}/real", dryRun="All"))
    await r("still there", r.api.get(f"{base}/real"))
    await r("bad dryRun value", r.api.post(base, cm("x"), dryRun="Yes"))


@S.add
async def namespace_lifecycle(r: Recorder) -> None:
    name = f"{r.ns}-child"
    await r("create namespace", r.api.post("/api/v1/namespaces", {"metadata": {"name": name}}))
    await r("get namespace", r.api.get(f"/api/v1/namespaces/{name}"))
    # The finalizer keeps the namespace Terminating until the scenario lets go of it.
    held = cm("inside")
    held["metadata"]["finalizers"] = ["tekpy.dev/hold"]
    await r.api.post(f"/api/v1/namespaces/{name}/configmaps", held)
    await r("delete namespace", r.api.delete(f"/api/v1/namespaces/{name}"))
    await r("create in terminating namespace", r.api.post(
        f"/api/v1/namespaces/{name}/configmaps", cm("late")
    ))
    await r.until(
        "contents are being deleted",
        lambda: r.api.get(f"/api/v1/namespaces/{name}/configmaps/inside"),
        lambda reply: "deletionTimestamp" in reply.body.get("metadata", {}),
    )
    await r("release", r.api.patch(
        f"/api/v1/namespaces/{name}/configmaps/inside", {"metadata": {"finalizers": None}}
    ))
    await r.until(
        "namespace eventually gone",
        lambda: r.api.get(f"/api/v1/namespaces/{name}"),
        lambda reply: reply.status == 404,
    )


async def test_same_as_kube_apiserver(
    scenario: Scenario, real_api: Api, embedded_api: Api, ns_name: str
) -> None:
    await run_differential(scenario, real_api, embedded_api, ns_name)
