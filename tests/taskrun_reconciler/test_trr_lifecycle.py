"""A TaskRun from creation to its end, the test playing the kubelet: success with results,
a failing step, timeout, cancellation, retries, pending."""

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

from tekpy.runtime.client import PODS, ApiError, is_not_found
from tekpy.taskrun.reconciler import TASKRUNS
from tekpy.testing import eventually

pytestmark = pytest.mark.crds(*tekton_crds())

ECHO = {
    "params": [{"name": "who", "type": "string", "default": "world"}],
    "results": [{"name": "greeting", "type": "string"}],
    "steps": [
        {"name": "hello", "image": "busybox", "command": ["sh", "-c"],
         "args": ["echo hello $(params.who) > $(results.greeting.path)"]},
        {"name": "bye", "image": "busybox", "command": ["true"]},
    ],
}


def _sample(registry: Any, name: str, labels: dict[str, str]) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_success_with_results(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, task("echo", ECHO),
                 taskrun("ok", {"taskRef": {"name": "echo"},
                                "params": [{"name": "who", "value": "tekpy"}]}))
    pod = await env.kubelet.wait_pod("ok-pod")
    refs = pod["metadata"]["ownerReferences"]
    assert refs[0]["kind"] == "TaskRun" and refs[0]["controller"] is True
    assert pod["metadata"]["labels"]["tekton.dev/taskRun"] == "ok"
    assert pod["metadata"]["labels"]["tekton.dev/task"] == "echo"
    assert [c["name"] for c in pod["spec"]["containers"]] == ["step-hello", "step-bye"]
    # the params were substituted into the step
    assert "echo hello tekpy" in " ".join(pod["spec"]["containers"][0]["args"])
    tr = await wait_condition(env.client, ns, "ok", "Unknown", "Pending")
    assert tr["status"]["podName"] == "ok-pod"
    assert tr["status"]["startTime"]
    assert tr["status"]["taskSpec"]["steps"][0]["name"] == "hello"
    # the running gauge counts it, read from the cache at scrape time
    await eventually(lambda: _sample(env.registry,
                                     "tekton_pipelines_controller_running_taskruns", {}) == 1)

    await env.kubelet.start("ok-pod", env.clock.now())
    await wait_condition(env.client, ns, "ok", "Unknown", "Running")
    await env.kubelet.finish("ok-pod", env.clock.now(),
                             results={"step-hello": {"greeting": "hello tekpy\n"}})
    tr = await wait_condition(env.client, ns, "ok", "True", "Succeeded")
    st = tr["status"]
    assert condition(tr)["message"] == "All Steps have completed executing"
    assert st["results"] == [{"name": "greeting", "type": "string", "value": "hello tekpy\n"}]
    assert [s["name"] for s in st["steps"]] == ["hello", "bye"]
    assert all(s["terminated"]["exitCode"] == 0 for s in st["steps"])
    assert st["completionTime"]

    labels = {"namespace": ns, "status": "success", "task": "echo"}
    await eventually(lambda: _sample(
        env.registry, "tekton_pipelines_controller_taskrun_total", {"status": "success"}) == 1)
    assert _sample(env.registry, "tekton_pipelines_controller_taskrun_duration_seconds_count",
                   labels) == 1
    assert _sample(env.registry, "tekton_pipelines_controller_running_taskruns", {}) == 0
    assert _sample(env.registry,
                   "tekton_pipelines_controller_taskruns_pod_latency_milliseconds_count",
                   {"namespace": ns, "task": "echo"}) == 1


async def test_failing_step(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("bad", {"taskSpec": ECHO}))
    await env.kubelet.wait_pod("bad-pod")
    await env.kubelet.start("bad-pod", env.clock.now())
    await env.kubelet.finish("bad-pod", env.clock.now(), exit_codes={"step-hello": 3})
    tr = await wait_condition(env.client, ns, "bad", "False", "StepFailed")
    assert condition(tr)["message"] == '"step-hello" exited with code 3: Error'
    assert tr["status"]["steps"][0]["terminated"]["exitCode"] == 3
    await eventually(lambda: _sample(
        env.registry, "tekton_pipelines_controller_taskrun_total", {"status": "failed"}) == 1)
    assert _sample(env.registry, "tekton_pipelines_controller_taskrun_duration_seconds_count",
                   {"namespace": ns, "status": "failed", "task": "anonymous"}) == 1


async def test_timeout_deletes_the_pod(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("slow", {"taskSpec": ECHO, "timeout": "1m"}))
    await env.kubelet.wait_pod("slow-pod")
    await env.kubelet.start("slow-pod", env.clock.now())
    await wait_condition(env.client, ns, "slow", "Unknown", "Running")
    # nothing happens before the deadline...
    await env.clock.advance(30)
    assert condition(await get_taskrun(env.client, ns, "slow"))["reason"] == "Running"
    # ...and the reconcile requeued for the deadline fires at it
    await env.clock.advance(31)
    tr = await wait_condition(env.client, ns, "slow", "False", "TaskRunTimeout")
    assert condition(tr)["message"] == 'TaskRun "slow" failed to finish within "1m0s"'
    # running steps are recorded as terminated by the timeout
    assert tr["status"]["steps"][0]["terminated"]["reason"] == "TaskRunTimeout"
    await env.kubelet.wait_gone("slow-pod")


async def test_cancel_deletes_the_pod(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("stop", {"taskSpec": ECHO}))
    await env.kubelet.wait_pod("stop-pod")
    await env.client.patch(TASKRUNS, "stop", {"spec": {"status": "TaskRunCancelled",
                                                       "statusMessage": "by the test"}},
                           namespace=ns)
    tr = await wait_condition(env.client, ns, "stop", "False", "TaskRunCancelled")
    assert condition(tr)["message"].startswith('TaskRun "stop" was cancelled. by the test')
    await env.kubelet.wait_gone("stop-pod")
    await eventually(lambda: _sample(
        env.registry, "tekton_pipelines_controller_taskrun_total", {"status": "cancelled"}) == 1)


async def test_retries_make_a_new_pod_per_attempt(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("again", {"taskSpec": ECHO, "retries": 1}))
    await env.kubelet.wait_pod("again-pod")
    await env.kubelet.start("again-pod", env.clock.now())
    await env.kubelet.finish("again-pod", env.clock.now(), exit_codes={"step-bye": 1})
    # the first attempt is archived and a second Pod is made
    await env.kubelet.wait_pod("again-pod-retry1")
    tr = await wait_condition(env.client, ns, "again", "Unknown")
    (first,) = tr["status"]["retriesStatus"]
    assert first["podName"] == "again-pod"
    assert condition({"status": first})["reason"] == "StepFailed"
    await env.kubelet.start("again-pod-retry1", env.clock.now())
    await env.kubelet.finish("again-pod-retry1", env.clock.now(), exit_codes={"step-bye": 1})
    tr = await wait_condition(env.client, ns, "again", "False", "StepFailed")
    assert tr["status"]["podName"] == "again-pod-retry1"
    assert len(tr["status"]["retriesStatus"]) == 1
    # the first Pod is kept (its logs stay readable), no third Pod is made
    await env.kubelet.pod("again-pod")
    with pytest.raises(ApiError) as err:
        await env.client.get(PODS, "again-pod-retry2", namespace=ns)
    assert is_not_found(err.value)


async def test_pending_then_released(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("later", {"taskSpec": ECHO,
                                                   "status": "TaskRunPending"}))
    tr = await wait_condition(env.client, ns, "later", "Unknown", "TaskRunPending")
    assert condition(tr)["message"] == 'TaskRun "later" is pending'
    assert not tr["status"].get("podName")
    with pytest.raises(ApiError):
        await env.client.get(PODS, "later-pod", namespace=ns)
    await env.client.patch(TASKRUNS, "later", {"spec": {"status": None}}, namespace=ns)
    await env.kubelet.wait_pod("later-pod")


def _reconciles() -> float:
    from tekpy.runtime.metrics.registry import REGISTRY

    return sum(REGISTRY.get_sample_value("controller_runtime_reconcile_total",
                                         {"controller": "taskrun", "result": r}) or 0.0
               for r in ("success", "error", "requeue", "requeue_after"))


async def test_level_based_no_rewrites_once_converged(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("calm", {"taskSpec": ECHO}))
    await env.kubelet.wait_pod("calm-pod")
    await env.kubelet.finish("calm-pod", env.clock.now())
    tr = await wait_condition(env.client, ns, "calm", "True", "Succeeded")
    # a change the reconciler does not care about wakes it: it converges with no write
    before = _reconciles()
    touched = await env.client.patch(TASKRUNS, "calm",
                                     {"metadata": {"annotations": {"poke": "1"}}},
                                     namespace=ns)
    await eventually(lambda: _reconciles() > before)
    again = await get_taskrun(env.client, ns, "calm")
    assert again["metadata"]["resourceVersion"] == touched["metadata"]["resourceVersion"]
    assert again["status"] == tr["status"]
    # exactly one Pod was ever made
    pods = (await env.client.list(PODS, namespace=ns))["items"]
    assert [p["metadata"]["name"] for p in pods] == ["calm-pod"]


async def test_lost_status_write_does_not_duplicate_the_pod(env: Any, api_server: Any) -> None:
    """A status write that fails after the Pod was created (as a crash would): the retried
    reconcile finds the Pod by its label and ownership and makes no second one."""
    from tekpy.testing import require_hooks

    hooks = require_hooks(api_server)
    ns = env.namespace
    hooks.fail_next(2, 500, verb="update", resource="taskruns")
    await create(env.client, ns, taskrun("crash", {"taskSpec": ECHO}))

    async def recovered() -> dict[str, Any] | None:
        # failed reconciles are retried after the rate limiter's delay, on the fake clock
        await env.clock.advance(0.1)
        tr = await get_taskrun(env.client, ns, "crash")
        return tr if condition(tr).get("reason") == "Pending" else None
    tr = await eventually(recovered, 15)
    assert tr["status"]["podName"] == "crash-pod"
    pods = (await env.client.list(PODS, namespace=ns))["items"]
    assert [p["metadata"]["name"] for p in pods] == ["crash-pod"]


@pytest.mark.feature_flags(keep_pod_on_cancel="true")
async def test_keep_pod_on_cancel_signals_the_entrypoints(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("keep", {"taskSpec": ECHO}))
    pod = await env.kubelet.wait_pod("keep-pod")
    # the cancel file is projected into every step
    assert any(item["path"] == "cancel" for v in pod["spec"]["volumes"]
               for item in (v.get("downwardAPI") or {}).get("items", []))
    await env.client.patch(TASKRUNS, "keep", {"spec": {"status": "TaskRunCancelled"}},
                           namespace=ns)
    await wait_condition(env.client, ns, "keep", "False", "TaskRunCancelled")
    pod = await env.kubelet.pod("keep-pod")
    assert pod["metadata"]["annotations"]["tekton.dev/cancel"] == "CANCEL"
    assert not pod["metadata"].get("deletionTimestamp")
