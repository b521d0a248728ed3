"""How the reconciler ends runs it cannot start: invalid specs, missing or foreign objects
(Tekton's reasons and messages, with field paths), and how it finds Tasks elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from trr_support import (
    condition,
    create,
    get_taskrun,
    task,
    taskrun,
    tekton_crds,
    wait_condition,
)

from tekpy.runtime.client import NAMESPACES, PODS, ApiError
from tekpy.taskrun.reconciler import TASKS
from tekpy.testing import eventually

pytestmark = pytest.mark.crds(*tekton_crds())

STEP = {"name": "run", "image": "busybox", "command": ["true"]}


async def _no_pod(env: Any, name: str) -> None:
    with pytest.raises(ApiError) as err:
        await env.client.get(PODS, name, namespace=env.namespace)
    assert err.value.status == 404


@pytest.mark.parametrize(("spec", "reason", "fragments"), [
    pytest.param(
        {"taskSpec": {"steps": [{"name": "Bad_Name", "image": "busybox", "script": "true"}]}},
        "TaskRunValidationFailed",
        ['invalid value "Bad_Name": spec.taskSpec.steps[0].name'],
        id="invalid-step-name"),
    pytest.param(
        {"taskSpec": {"params": [{"name": "needed", "type": "string"}], "steps": [STEP]}},
        "TaskRunValidationFailed",
        ["invalid input params for task : missing values for these params which have no "
         'default values: [needed]'],
        id="missing-param"),
    pytest.param(
        {"taskSpec": {"workspaces": [{"name": "src"}], "steps": [STEP]}},
        "TaskRunValidationFailed",
        ['declared workspace "src" is required but has not been bound'],
        id="unbound-workspace"),
    pytest.param(
        {"taskSpec": {"steps": [STEP]}, "stepSpecs": [{"name": "nope",
                                                         "computeResources": {}}]},
        "TaskRunValidationFailed",
        ["invalid StepOverride: No Step named nope"],
        id="unknown-step-override"),
    pytest.param(
        {"taskRef": {"resolver": "git", "params": [{"name": "url", "value": "x"}]}},
        "TaskRunResolutionFailed",
        ['resolver "git" is not available'],
        id="unsupported-resolver"),
])
async def test_bad_spec_fails_without_a_pod(env: Any, spec: dict[str, Any], reason: str,
                                            fragments: list[str]) -> None:
    await create(env.client, env.namespace, taskrun("bad", spec))
    tr = await wait_condition(env.client, env.namespace, "bad", "False", reason)
    for fragment in fragments:
        assert fragment in condition(tr)["message"]
    assert tr["status"]["completionTime"]
    await _no_pod(env, "bad-pod")


async def test_missing_task_fails_and_stays_failed(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("orphan", {"taskRef": {"name": "later"}}))
    tr = await wait_condition(env.client, ns, "orphan", "False", "TaskRunResolutionFailed")
    assert condition(tr)["message"] == \
        'error when listing tasks for taskRun orphan: tasks.tekton.dev "later" not found'
    # As in Tekton, a failed run is final: the Task appearing later does not revive it,
    # while a new TaskRun referencing it runs.
    await create(env.client, ns, task("later", {"steps": [STEP]}),
                 taskrun("second", {"taskRef": {"name": "later"}}))
    await env.kubelet.wait_pod("second-pod")
    again = await get_taskrun(env.client, ns, "orphan")
    assert condition(again) == condition(tr)
    await _no_pod(env, "orphan-pod")


async def test_task_ref_kind_other_than_cluster_task_reads_a_task(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, task("lower", {"steps": [STEP]}),
                 taskrun("by-kind", {"taskRef": {"name": "lower", "kind": "task"}}),
                 taskrun("cluster", {"taskRef": {"name": "lower", "kind": "ClusterTask"}}))
    pod = await env.kubelet.wait_pod("by-kind-pod")
    assert [c["name"] for c in pod["spec"]["containers"]] == ["step-run"]
    bad = await wait_condition(env.client, ns, "cluster", "False", "TaskRunResolutionFailed")
    assert "kind ClusterTask is not supported by tekpy" in condition(bad)["message"]
    await _no_pod(env, "cluster-pod")


async def test_cluster_resolver_reads_another_namespace(env: Any) -> None:
    other = f"{env.namespace}-lib"
    await env.client.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                                         "metadata": {"name": other}})
    try:
        await env.client.create(TASKS, task("shared", {"steps": [STEP]}), namespace=other)
        params = [{"name": "kind", "value": "task"}, {"name": "name", "value": "shared"},
                  {"name": "namespace", "value": other}]
        await create(env.client, env.namespace,
                     taskrun("remote", {"taskRef": {"resolver": "cluster", "params": params}}),
                     taskrun("nowhere", {"taskRef": {"resolver": "cluster",
                                                     "params": params[:2]}}))
        pod = await env.kubelet.wait_pod("remote-pod")
        assert [c["name"] for c in pod["spec"]["containers"]] == ["step-run"]
        tr = await wait_condition(env.client, env.namespace, "remote", "Unknown")
        assert tr["status"]["taskSpec"]["steps"][0]["image"] == "busybox"
        bad = await wait_condition(env.client, env.namespace, "nowhere", "False",
                                   "TaskRunResolutionFailed")
        assert "missing required cluster resolver params: namespace" in \
            condition(bad)["message"]
    finally:
        await env.client.delete(NAMESPACES, other)


async def test_a_pod_it_does_not_control_is_not_adopted(env: Any) -> None:
    ns = env.namespace
    squatter = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "taken-pod", "labels": {"app": "other"}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    await env.client.create(PODS, squatter, namespace=ns)
    await create(env.client, ns, taskrun("taken", {"taskSpec": {"steps": [STEP]}}))
    tr = await wait_condition(env.client, ns, "taken", "False", "PodCreationFailed")
    assert 'pod "taken-pod" already exists and is not controlled by TaskRun "taken"' in \
        condition(tr)["message"]
    # the other Pod is left alone
    pod = await env.client.get(PODS, "taken-pod", namespace=ns)
    assert pod["metadata"]["labels"] == {"app": "other"}


async def test_events_follow_the_condition(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("ev", {"taskSpec": {"steps": [STEP]}}))
    await env.kubelet.wait_pod("ev-pod")
    await env.kubelet.finish("ev-pod", env.clock.now())
    await wait_condition(env.client, ns, "ev", "True", "Succeeded")

    async def reasons() -> set[tuple[str, str]]:
        from tekpy.runtime.client import EVENTS

        events = (await env.client.list(EVENTS, namespace=ns))["items"]
        got = {(e["type"], e["reason"]) for e in events
               if e["involvedObject"].get("name") == "ev"}
        want = {("Normal", "Started"), ("Normal", "Pending"), ("Normal", "Succeeded")}
        return got if want <= got else set()

    got = await eventually(reasons, 15)
    assert ("Warning", "Failed") not in got


async def test_step_action_is_inlined(env: Any) -> None:
    from tekpy.taskrun.reconciler import STEPACTIONS

    ns = env.namespace
    action = {"apiVersion": "tekton.dev/v1beta1", "kind": "StepAction",
              "metadata": {"name": "greet"},
              "spec": {"params": [{"name": "who", "type": "string"}], "image": "alpine",
                       "command": ["echo"], "args": ["hi $(params.who)"]}}
    await env.client.create(STEPACTIONS, action, namespace=ns)
    spec = {"taskSpec": {"steps": [{"name": "hello", "ref": {"name": "greet"},
                                    "params": [{"name": "who", "value": "you"}]}]}}
    await create(env.client, ns, taskrun("act", spec),
                 taskrun("noact", {"taskSpec": {"steps": [{"name": "x",
                                                            "ref": {"name": "nope"}}]}}))
    pod = await env.kubelet.wait_pod("act-pod")
    (step,) = pod["spec"]["containers"]
    assert step["image"] == "alpine" and step["args"][-1] == "hi you"
    tr = await wait_condition(env.client, ns, "noact", "False", "TaskRunResolutionFailed")
    assert condition(tr)["message"] == ('failed to resolve step ref for step "x" (index 0): '
                                        'stepactions.tekton.dev "nope" not found')


async def test_referenced_task_is_validated_as_a_webhook_would(env: Any) -> None:
    # No admission webhook checked the stored Task: a typo in it (kept by the CRDs, which
    # preserve unknown fields for older versions) fails the run with its path.
    ns = env.namespace
    await create(env.client, ns, task("typo", {"steps": [{**STEP, "workinDir": "/src"}]}),
                 taskrun("uses-typo", {"taskRef": {"name": "typo"}}))
    tr = await wait_condition(env.client, ns, "uses-typo", "False", "TaskValidationFailed")
    message = condition(tr)["message"]
    assert message.startswith(f"referenced Task {ns}/typo is invalid: ")
    assert "unknown field: spec.steps[0].workinDir" in message
    await _no_pod(env, "uses-typo-pod")
