"""``tekpy.webhook.review``: one AdmissionReview in, Tekton's answer out (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.api import Config
from tekpy.webhook import review

UID = "705ab4f5-6393-11e8-b7cc-42010a800002"


def _review(obj: Any, *, operation: str = "CREATE", kind: str | None = None,
            version: str = "v1", sub_resource: str | None = None,
            old: Any = None) -> dict[str, Any]:
    kind = kind or (obj or {}).get("kind", "TaskRun")
    request: dict[str, Any] = {
        "uid": UID,
        "kind": {"group": "tekton.dev", "version": version, "kind": kind},
        "resource": {"group": "tekton.dev", "version": version,
                     "resource": f"{kind.lower()}s"},
        "namespace": "default",
        "operation": operation,
        "object": obj,
        "oldObject": old,
    }
    if sub_resource:
        request["subResource"] = sub_resource
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def _taskrun(spec: dict[str, Any], name: str = "run") -> dict[str, Any]:
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def _task_spec(**step: Any) -> dict[str, Any]:
    return {"steps": [{"name": "build", "image": "busybox", "script": "echo hi", **step}]}


VALID_TR = _taskrun({"taskSpec": _task_spec()})
TYPO_TR = _taskrun({"taskSpec": _task_spec(), "serviceAcountName": "x"})
BAD_STEP_TR = _taskrun({"taskSpec": _task_spec(name="Bad_Name")})
LEGACY_TASK = {
    "apiVersion": "tekton.dev/v1alpha1", "kind": "Task",
    "metadata": {"name": "legacy", "namespace": "default"},
    "spec": {
        "inputs": {"params": [{"name": "greeting", "default": "hi"}],
                   "resources": [{"name": "source", "type": "git"}]},
        "steps": [{"name": "say", "image": "busybox", "command": ["echo"],
                   "args": ["$(inputs.params.greeting)"]}],
    },
}
LEGACY_TASK_AS_V1 = {**LEGACY_TASK, "apiVersion": "tekton.dev/v1"}
VALID_PIPELINE = {
    "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"},
    "spec": {"tasks": [{"name": "one", "taskRef": {"name": "t"}}]},
}
BAD_PIPELINE = {
    "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"},
    "spec": {"tasks": [{"name": "one", "taskRef": {"name": "t"}, "runAfter": ["nope"]}]},
}
BEING_DELETED = {**BAD_STEP_TR,
                 "metadata": {**BAD_STEP_TR["metadata"],
                              "deletionTimestamp": "2026-01-01T00:00:00Z"}}

# (id, review, allowed, fragments the denial message must carry)
CASES: list[tuple[str, Any, bool, tuple[str, ...]]] = [
    ("valid-taskrun", _review(VALID_TR), True, ()),
    ("valid-pipeline", _review(VALID_PIPELINE), True, ()),
    ("typo-field", _review(TYPO_TR), False,
     ("validation failed: ", "unknown field: spec.serviceAcountName")),
    ("invalid-step-name", _review(BAD_STEP_TR), False,
     ('validation failed: invalid value "Bad_Name": spec.taskSpec.steps[0].name',)),
    ("pipeline-runafter", _review(BAD_PIPELINE), False,
     ("validation failed: invalid value: couldn't add link between one and nope",
      ": spec.tasks")),
    ("update-validated", _review(BAD_STEP_TR, operation="UPDATE", old=VALID_TR), False,
     ("spec.taskSpec.steps[0].name",)),
    ("legacy-v1alpha1-task", _review(LEGACY_TASK, version="v1alpha1"), True, ()),
    ("legacy-task-served-as-v1", _review(LEGACY_TASK_AS_V1), True, ()),
    ("delete-allowed", _review(None, operation="DELETE", kind="TaskRun", old=BAD_STEP_TR),
     True, ()),
    ("status-update-allowed",
     _review(BAD_STEP_TR, operation="UPDATE", sub_resource="status", old=BAD_STEP_TR), True, ()),
    ("update-while-deleting-allowed",
     _review(BEING_DELETED, operation="UPDATE", old=BAD_STEP_TR), True, ()),
    ("wrong-type-decoding", _review(_taskrun({"taskSpec": {"steps": "nope"}})), False,
     ("decoding request failed: ", "spec.taskSpec.steps")),
    ("unhandled-kind", _review({"apiVersion": "tekton.dev/v1", "kind": "Widget",
                                "metadata": {"name": "w"}}), False, ("unhandled kind",)),
    ("malformed-not-object", ["not", "a", "review"], False,
     ("malformed AdmissionReview: expected a JSON object",)),
    ("malformed-wrong-api-version", {**_review(VALID_TR), "apiVersion": "admission.k8s.io/v1beta1"},
     False, ("malformed AdmissionReview: expected apiVersion admission.k8s.io/v1",)),
    ("malformed-no-request", {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"},
     False, ("malformed AdmissionReview: request is missing",)),
    ("malformed-no-uid", {**_review(VALID_TR), "request": {"operation": "CREATE"}}, False,
     ("request.uid",)),
    ("malformed-no-object-on-create", _review(None), False,
     ("malformed AdmissionReview: request.object",)),
    ("malformed-object-not-dict", _review("text", kind="TaskRun"), False,
     ("request.object",)),
]


@pytest.mark.parametrize(("given", "allowed", "fragments"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_review(given: Any, allowed: bool, fragments: tuple[str, ...]) -> None:
    answer = review(given, Config())
    assert answer["apiVersion"] == "admission.k8s.io/v1"
    assert answer["kind"] == "AdmissionReview"
    response = answer["response"]
    want_uid = UID if isinstance(given, dict) and "uid" in given.get("request", {}) else ""
    assert response["uid"] == want_uid
    assert response["allowed"] is allowed, response
    if allowed:
        assert "status" not in response
        return
    status = response["status"]
    assert status["code"] == 400
    assert status["reason"] == "BadRequest"
    assert status["status"] == "Failure"
    for fragment in fragments:
        assert fragment in status["message"]


def test_every_error_is_listed_with_its_path() -> None:
    tr = _taskrun({"taskSpec": _task_spec(name="Bad_Name"), "serviceAcountName": "x"})
    message = review(_review(tr))["response"]["status"]["message"]
    assert message.startswith("validation failed: ")
    assert "spec.taskSpec.steps[0].name" in message
    assert "unknown field: spec.serviceAcountName" in message


def test_feature_gate_comes_from_config() -> None:
    # a TaskRun's `debug` is an alpha field
    tr = _taskrun({"taskSpec": _task_spec(), "debug": {"breakpoints": {"onFailure": "enabled"}}})
    assert review(_review(tr), Config.for_gate("alpha"))["response"]["allowed"] is True
    denied = review(_review(tr), Config.for_gate("stable"))["response"]
    assert denied["allowed"] is False
    assert "spec.debug" in denied["status"]["message"]
