"""The generated CRDs accept the statuses the reconcilers write: every list-typed model field is
an array in the schema, and a realistic full status of each run kind passes the API server's
validation and survives pruning unchanged (a status write that fails either is lost)."""

from __future__ import annotations

import copy
import types
import typing
from pathlib import Path
from typing import Any

import attrs
import yaml

from tekpy.api.crdgen import CRDS, crd
from tekpy.api.types import ParamValue
from tekpy.api.types._base import json_name
from tekpy.local.apiserver.schema import check_structural, prune, validate

CRD_DIR = Path(__file__).resolve().parents[2] / "manifests" / "crds"
T0, T1, T2 = "2026-01-02T03:04:05Z", "2026-01-02T03:04:15Z", "2026-01-02T03:04:25Z"


def _schema(kind: str) -> dict[str, Any]:
    """The stored version's schema of ``kind`` as checked in (what a stock install serves)."""
    info = next(i for i in CRDS if i.kind == kind)
    doc = yaml.safe_load((CRD_DIR / f"{info.plural}.yaml").read_text())
    version = next(v for v in doc["spec"]["versions"] if v["storage"])
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def _mismatches(tp: Any, schema: dict[str, Any], path: str,
                seen: frozenset[type]) -> list[str]:
    """Where the schema's ``type`` disagrees with the model's: lists must be arrays, attrs
    classes objects (ParamValue is string|array|object, deliberately untyped)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return _mismatches(members[0], schema, path, seen) if len(members) == 1 else []
    if origin in (list, tuple):
        if schema.get("type") != "array":
            return [f"{path}: list typed {schema.get('type')!r}"]
        args = typing.get_args(tp)
        return _mismatches(args[0], schema["items"], f"{path}[]", seen) if args else []
    if tp is ParamValue or not (isinstance(tp, type) and attrs.has(tp)):
        return []
    if schema.get("type") != "object":
        return [f"{path}: object typed {schema.get('type')!r}"]
    if tp in seen or "properties" not in schema:
        return []  # open (preserve-unknown-fields) or recursive
    hints = typing.get_type_hints(tp)
    out = []
    for a in attrs.fields(tp):
        name = json_name(a)
        if a.name != "extra" and name in schema["properties"]:
            out += _mismatches(hints[a.name], schema["properties"][name], f"{path}.{name}",
                               seen | {tp})
    return out


def test_every_list_field_of_every_kind_is_an_array_in_its_crd() -> None:
    for info in CRDS:
        schema = _schema(info.kind)
        assert _mismatches(info.model, schema, info.kind, frozenset()) == []
        # the generator, not only the checked-in files
        fresh = crd(info)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        assert _mismatches(info.model, fresh, info.kind, frozenset()) == []


def test_retries_status_is_an_array_of_open_objects() -> None:
    rs = _schema("TaskRun")["properties"]["status"]["properties"]["retriesStatus"]
    assert rs == {"type": "array",
                  "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}


def _condition(status: str, reason: str, message: str, at: str) -> dict[str, Any]:
    return {"type": "Succeeded", "status": status, "reason": reason, "message": message,
            "lastTransitionTime": at}


def _step(name: str, exit_code: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "container": f"step-{name}",
            "imageID": "docker.io/library/alpine@sha256:" + "0" * 64,
            "terminated": {"exitCode": exit_code, "reason": "Error" if exit_code else "Completed",
                           "startedAt": T0, "finishedAt": T1, "containerID": "containerd://1",
                           "message": '[{"key":"StartedAt","value":"x","type":3}]'},
            "terminationReason": "Completed", "results": results,
            "inputs": [{"name": "source", "values": [{"uri": "git+https://x",
                                                      "digest": {"sha256": "ab"}}]}],
            "outputs": []}


def _task_spec() -> dict[str, Any]:
    return {"params": [{"name": "n", "type": "string", "default": "1"}],
            "results": [{"name": "out", "type": "string"}],
            "steps": [{"name": "build", "image": "alpine", "script": "echo $(params.n)",
                       "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}]}],
            "sidecars": [{"name": "db", "image": "postgres"}]}


def _provenance() -> dict[str, Any]:
    return {"refSource": {"uri": "git+https://example.com/repo.git",
                          "digest": {"sha1": "abc"}, "entryPoint": "task.yaml"},
            "featureFlags": {"enableAPIFields": "beta", "runningInEnvWithInjectedSidecars": True,
                             "maxResultSize": 4096}}


def _attempt(pod: str, exit_code: int) -> dict[str, Any]:
    """One archived attempt as the reconciler writes it (a full status minus retriesStatus)."""
    return {"conditions": [_condition("False", "Failed", f'"step-build" exited with code '
                                                         f"{exit_code}", T1)],
            "podName": pod, "startTime": T0, "completionTime": T1,
            "steps": [_step("build", exit_code, [])],
            "sidecars": [{"name": "db", "container": "sidecar-db", "imageID": "postgres@sha",
                          "terminated": {"exitCode": 0, "reason": "Completed"}}],
            "taskSpec": _task_spec(), "provenance": _provenance(),
            "artifacts": {"inputs": [], "outputs": []}}


def _taskrun() -> dict[str, Any]:
    return {
        "apiVersion": "tekton.dev/v1", "kind": "TaskRun",
        "metadata": {"name": "tr", "namespace": "ns"},
        "spec": {"taskRef": {"name": "build"}, "retries": 2},
        "status": {
            "observedGeneration": 1,
            "conditions": [_condition("True", "Succeeded", "All Steps have completed executing",
                                      T2)],
            "annotations": {"tekton.dev/x": "y"},
            "podName": "tr-pod-retry2", "startTime": T1, "completionTime": T2,
            "steps": [_step("build", 0, [{"name": "out", "type": "string", "value": "v"}])],
            "retriesStatus": [_attempt("tr-pod", 1), _attempt("tr-pod-retry1", 2)],
            "results": [{"name": "out", "type": "string", "value": "v"},
                        {"name": "list", "type": "array", "value": ["a", "b"]},
                        {"name": "obj", "type": "object", "value": {"k": "v"}}],
            "artifacts": {"inputs": [{"name": "source", "values": [{"uri": "u"}]}],
                          "outputs": [{"name": "image", "values": [{"uri": "o"}]}]},
            "sidecars": [{"name": "db", "container": "sidecar-db", "imageID": "postgres@sha",
                          "running": {"startedAt": T1}}],
            "taskSpec": _task_spec(), "provenance": _provenance(),
            "spanContext": {"traceparent": "00-abc-def-01"},
        },
    }


def _pipelinerun() -> dict[str, Any]:
    when = [{"input": "$(params.go)", "operator": "in", "values": ["yes"]},
            {"cel": "'$(params.go)' == 'yes'"}]
    return {
        "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
        "metadata": {"name": "pr", "namespace": "ns"},
        "spec": {"pipelineRef": {"name": "p"}},
        "status": {
            "observedGeneration": 1,
            "conditions": [_condition("True", "Completed", "Tasks Completed: 2 (Failed: 0, "
                                      "Cancelled 0), Skipped: 1", T2)],
            "annotations": {"a": "b"},
            "startTime": T0, "completionTime": T2, "finallyStartTime": T1,
            "results": [{"name": "digest", "value": "sha256:1"},
                        {"name": "list", "value": ["a"]}, {"name": "obj", "value": {"k": "v"}}],
            "pipelineSpec": {"tasks": [{"name": "a", "taskRef": {"name": "build"},
                                        "when": when}],
                             "finally": [{"name": "f", "taskSpec": _task_spec()}]},
            "skippedTasks": [{"name": "c", "reason": "When Expressions evaluated to false",
                              "whenExpressions": when}],
            "childReferences": [
                {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": "pr-a",
                 "pipelineTaskName": "a", "displayName": "Build A", "whenExpressions": when},
                {"apiVersion": "tekton.dev/v1beta1", "kind": "CustomRun", "name": "pr-b",
                 "pipelineTaskName": "b"}],
            "provenance": _provenance(),
            "spanContext": {"traceparent": "00-abc-def-01"},
        },
    }


def _check(obj: dict[str, Any], kind: str) -> None:
    schema = _schema(kind)
    assert check_structural(schema, "openAPIV3Schema") == []
    before = copy.deepcopy(obj)
    assert validate(obj, schema) == []
    assert prune(obj, schema) == before


def test_a_full_taskrun_status_with_retries_is_accepted_and_kept() -> None:
    _check(_taskrun(), "TaskRun")


def test_a_full_pipelinerun_status_is_accepted_and_kept() -> None:
    _check(_pipelinerun(), "PipelineRun")


def test_retries_status_of_the_wrong_shape_is_still_rejected() -> None:
    # the fix types the list; it does not open the field up to anything
    tr = _taskrun()
    tr["status"]["retriesStatus"] = {"podName": "x"}
    errors = validate(tr, _schema("TaskRun"))
    assert [e.field for e in errors] == ["status.retriesStatus"]
