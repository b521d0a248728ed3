"""kube-apiserver's answers for bodies it cannot decode, size limits, defaults of Events and
Nodes, discovery hashes and the Pod update diff, as measured on v1.34 (docs/compatibility.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from apiserver_helpers import WIDGETS, Kube, cm

NS = "/api/v1/namespaces/default"
CMS = f"{NS}/configmaps"
UNRECOGNIZED = ("the object provided is unrecognized (must be of type ConfigMap): couldn't get "
                "version/kind; json parse error: ")


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"metadata": ', UNRECOGNIZED + 'unexpected end of JSON input ({"metadata": )'),
    (b"[1, 2]", UNRECOGNIZED + 'json: cannot unmarshal array into Go value of type struct { '
     'APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string '
     '"json:\\"kind,omitempty\\"" } (5b312c20325d)'),
    (b"", UNRECOGNIZED + "unexpected end of JSON input (<empty>)"),
    (b'{"kind": 5}', UNRECOGNIZED + "json: cannot unmarshal number into Go struct field .kind "
     'of type string ({"kind": 5})'),
    (b'{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}',
     'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to '
     "(core.ConfigMap): unknown conversion"),
    (b'{"apiVersion": "nope/v9", "kind": "ConfigMap", "metadata": {"name": "s"}}',
     'ConfigMap in version "v9" cannot be handled as a ConfigMap: no kind "ConfigMap" is '
     'registered for version "nope/v9" in scheme "pkg/runtime/scheme.go:110"'),
    (b'{"metadata": {"name": "t"}, "data": ["x"]}',
     'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array '
     "into Go struct field ConfigMap.data of type map[string]string"),
    (b'{"metadata": {"name": "t", "labels": {"a": 1}}}',
     'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number '
     "into Go struct field ObjectMeta.metadata.labels of type string"),
    (b'{"metadata": {"name": "t", "generation": 1.5}}',
     'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number '
     "1.5 into Go struct field ObjectMeta.metadata.generation of type int64"),
])
async def test_undecodable_bodies(kube: Kube, raw: bytes, message: str) -> None:
    status, out = await kube.request("POST", CMS, raw=raw,
                                     headers={"Content-Type": "application/json"})
    assert (status, out["reason"], out["message"]) == (400, "BadRequest", message)


async def test_media_types_kube_does_not_decode(widgets: Kube) -> None:
    status, out = await widgets.request("POST", CMS, cm("c"), content_type="text/plain")
    assert (status, out["reason"]) == (415, "UnsupportedMediaType")
    assert out["message"] == ("the body of the request was in an unknown format - accepted media "
                              "types include: application/json, application/yaml, "
                              "application/vnd.kubernetes.protobuf")
    body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    status, out = await widgets.request("POST", WIDGETS, body, content_type="text/plain")
    assert status == 415 and out["message"].endswith("application/vnd.kubernetes.protobuf")
    await widgets.ok("POST", CMS, cm("ok"), content_type="application/json; charset=utf-8")


async def test_data_over_one_mebibyte(kube: Kube) -> None:
    status, out = await kube.post(CMS, cm("big", k="x" * (1024 * 1024 + 1)))
    assert status == 422
    assert out["message"] == ('ConfigMap "big" is invalid: []: Too long: may not be more than '
                              "1048576 bytes")
    assert out["details"]["causes"] == [{"reason": "FieldValueTooLong", "field": "[]",
                                         "message": "Too long: may not be more than 1048576 bytes"}]
    await kube.ok("POST", CMS, cm("edge", k="x" * (1024 * 1024)))
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "stringData": {"k": "x" * (1024 * 1024 + 1)}}
    status, out = await kube.post(f"{NS}/secrets", secret)
    assert status == 422 and out["details"]["causes"][0]["field"] == "data"


async def test_metadata_update_errors_are_causes_twice(kube: Kube) -> None:
    body = cm("f")
    body["metadata"]["finalizers"] = ["tekpy.dev/a"]
    await kube.ok("POST", CMS, body)
    await kube.ok("DELETE", CMS + "/f")
    status, out = await kube.patch(CMS + "/f", {"metadata": {"finalizers": ["tekpy.dev/a",
                                                                           "tekpy.dev/b"]}})
    assert status == 422
    detail = ('Forbidden: no new finalizers can be added if the object is being deleted, found '
              'new finalizers []string{"tekpy.dev/b"}')
    assert out["message"] == f'ConfigMap "f" is invalid: metadata.finalizers: {detail}'
    cause = {"reason": "FieldValueForbidden", "field": "metadata.finalizers", "message": detail}
    assert out["details"]["causes"] == [cause, cause]
    await kube.ok("PATCH", CMS + "/f", {"metadata": {"finalizers": None}},
                  content_type="application/merge-patch+json")


async def test_events_and_nodes_carry_go_zero_values(kube: Kube) -> None:
    event: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "reason": "R",
        "involvedObject": {"kind": "ConfigMap", "name": "x", "namespace": "default"}}
    out = await kube.ok("POST", f"{NS}/events", event)
    assert (out["eventTime"], out["reportingComponent"], out["reportingInstance"]) == \
        (None, "", "")
    assert out["source"] == {} and out["firstTimestamp"] is None
    event["metadata"]["name"] = "other"
    event["involvedObject"]["namespace"] = "kube-system"
    status, out = await kube.post(f"{NS}/events", event)
    assert status == 422 and out["message"] == (
        'Event "other" is invalid: involvedObject.namespace: Invalid value: "kube-system": '
        "does not match event.namespace")
    node = await kube.ok("POST", "/api/v1/nodes", {"metadata": {"name": "n"}})
    assert node["spec"] == {}
    assert node["status"]["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 0}}
    assert set(node["status"]["nodeInfo"].values()) == {""}
    status_patch = {"status": {"capacity": {"cpu": "2"},
                               "conditions": [{"type": "Ready", "status": "True"}]}}
    node = await kube.ok("PATCH", "/api/v1/nodes/n/status", status_patch,
                         content_type="application/merge-patch+json")
    assert node["status"]["allocatable"] == {"cpu": "2"}
    assert node["status"]["conditions"][0]["lastHeartbeatTime"] is None


async def test_discovery_storage_version_hashes(kube: Kube) -> None:
    core = await kube.ok("GET", "/api/v1")
    assert "apiVersion" not in core
    hashes = {r["name"]: r.get("storageVersionHash") for r in core["resources"]}
    # values read from kube-apiserver v1.34
    assert hashes["pods"] == "xPOwRZ+Yhw8=" and hashes["configmaps"] == "qFsyl6wFWjQ="
    assert hashes["pods/status"] is None
    namespaces = next(r for r in core["resources"] if r["name"] == "namespaces")
    assert "deletecollection" not in namespaces["verbs"]
    status, _ = await kube.delete("/api/v1/namespaces")
    assert status == 405
    crds = await kube.ok("GET", "/apis/apiextensions.k8s.io/v1")
    assert crds["resources"][0]["storageVersionHash"] == "jfWCUB31mvA="


async def test_custom_resource_details(widgets: Kube) -> None:
    crd = await widgets.ok("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                                  "widgets.example.com")
    assert crd["spec"]["names"]["listKind"] == "WidgetList"
    assert crd["spec"]["conversion"] == {"strategy": "None"}
    assert (await widgets.ok("GET", WIDGETS))["metadata"]["continue"] == ""
    status, text = await widgets.get(WIDGETS.replace("/widgets", "/wd"))
    assert (status, text) == (404, b"404 page not found\n")
    status, out = await widgets.get(WIDGETS + "/w/nope")
    assert (status, out["message"]) == (404, 'widgets.example.com "w" not found')
    gadget = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    status, out = await widgets.post(WIDGETS, gadget)
    assert (status, out["message"]) == (
        422, 'Gadget.example.com "g" is invalid: kind: Invalid value: "Gadget": must be Widget')
    assert out["details"]["kind"] == "Gadget"
    widget = {"apiVersion": "example.com/v1", "kind": "Widget",
              "metadata": {"name": "w", "labels": {"a": 1}}}
    status, out = await widgets.post(WIDGETS, widget)
    assert (status, out["message"]) == (
        400, 'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal '
        "number into Go struct field ObjectMeta.labels of type string")


async def test_nested_unknown_pod_fields_are_dropped(kube: Kube) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "busybox", "bogus": 1}],
                    "noSuchField": 1}}
    out = await kube.ok("POST", f"{NS}/pods", pod)
    assert "noSuchField" not in out["spec"] and "bogus" not in out["spec"]["containers"][0]
    status, out = await kube.post(f"{NS}/pods?fieldValidation=Strict", {
        **pod, "metadata": {"name": "q"}})
    assert status == 400 and out["message"].endswith(
        'strict decoding error: unknown field "spec.containers[0].bogus", '
        'unknown field "spec.noSuchField"')
    out = await kube.ok("PATCH", f"{NS}/pods/p", {"spec": {"noSuchField": 1}},
                        content_type="application/strategic-merge-patch+json")
    assert "noSuchField" not in out["spec"]


async def test_pod_update_message_ends_with_kube_s_spec_diff(kube: Kube) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pp"},
           "spec": {"restartPolicy": "Never", "containers": [
               {"name": "a", "image": "busybox", "env": [{"name": "E1", "value": "1"}]},
               {"name": "b", "image": "busybox"}]}}
    await kube.ok("POST", f"{NS}/pods", pod)
    status, out = await kube.patch(f"{NS}/pods/pp", {"spec": {"containers": [
        {"name": "a", "env": [{"name": "E2", "value": "2"}]}]}}, "strategic")
    assert status == 422
    # the diff kube-apiserver v1.34 sends for this change
    diff = ('@@ -11,6 +11,11 @@\n    "Ports": null,\n    "EnvFrom": null,\n    "Env": [\n'
            '+    {\n+     "Name": "E2",\n+     "Value": "2",\n+     "ValueFrom": null\n'
            '+    },\n     {\n      "Name": "E1",\n      "Value": "1",\n')
    assert out["message"].endswith("(allow it to be set to 1 if it was previously negative)\n"
                                   + diff)
    # images and a shorter deadline may change
    await kube.ok("PATCH", f"{NS}/pods/pp", {"spec": {"containers": [
        {"name": "b", "image": "alpine"}]}},
        content_type="application/strategic-merge-patch+json")


async def test_pod_defaults_of_containers_volumes_and_quantities(kube: Kube) -> None:
    step = {"name": "s", "image": "busybox:1.36", "ports": [{"containerPort": 80}],
            "resources": {"limits": {"cpu": "0.5", "memory": "1.5Gi"}, "requests": {"cpu": "2"}},
            "readinessProbe": {"httpGet": {"port": 80}}}
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"},
                           "spec": {"containers": [step], "serviceAccount": "default",
                                    "volumes": [{"name": "v"}, {"name": "c", "configMap": {
                                        "name": "x"}}]}}
    status, out = await kube.post(f"{NS}/pods", pod)
    assert (status, out["message"]) == (422, (
        'Pod "d" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be '
        "less than or equal to cpu limit of 500m"))
    step["resources"]["requests"] = {"cpu": "0.5"}
    out = await kube.ok("POST", f"{NS}/pods", pod)
    spec, container = out["spec"], out["spec"]["containers"][0]
    assert container["resources"] == {"limits": {"cpu": "500m", "memory": "1536Mi"},
                                      "requests": {"cpu": "500m", "memory": "1536Mi"}}
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert container["readinessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
        "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert spec["volumes"] == [{"name": "v", "emptyDir": {}},
                               {"name": "c", "configMap": {"name": "x", "defaultMode": 420}}]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    assert out["status"]["qosClass"] == "Guaranteed"
