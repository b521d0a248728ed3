"""PipelineRuns end to end against the real embedded API server, with the PipelineRun and
TaskRun controllers running and the test playing the kubelet."""

from __future__ import annotations

from typing import Any

import pytest
from trr_support import WAIT, tekton_crds

from tekpy.pipelinerun import reasons
from tekpy.pipelinerun.reconciler import PIPELINERUNS, PIPELINES
from tekpy.pipelinerun.reconciler.kinds import PVCS
from tekpy.runtime.client import PODS, ApiError, is_not_found
from tekpy.taskrun.reconciler import TASKRUNS, TASKS
from tekpy.testing import eventually

pytestmark = pytest.mark.crds(*tekton_crds())

ECHO = {"params": [{"name": "msg", "default": "none"}],
        "results": [{"name": "out"}],
        "steps": [{"name": "run", "image": "busybox", "command": ["sh", "-c"],
                   "args": ["echo $(params.msg) > $(results.out.path)"]}]}


def _cond(obj: dict[str, Any]) -> dict[str, Any]:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Succeeded":
            return dict(c)
    return {}


async def _pr(env: Any, name: str) -> dict[str, Any]:
    return await env.client.get(PIPELINERUNS, name, namespace=env.namespace)


async def _wait_pr(env: Any, name: str, status: str, reason: str | None = None
                   ) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        pr = await _pr(env, name)
        c = _cond(pr)
        ok = c.get("status") == status and (reason is None or c.get("reason") == reason)
        return pr if ok else None
    return await eventually(check, WAIT, message=f"PipelineRun {name} {status}/{reason}")


async def _taskrun(env: Any, name: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        try:
            return await env.client.get(TASKRUNS, name, namespace=env.namespace)
        except ApiError as exc:
            if is_not_found(exc):
                return None
            raise
    return await eventually(found, WAIT, message=f"TaskRun {name} created")


async def _run_task(env: Any, taskrun: str, *, code: int = 0,
                    results: dict[str, str] | None = None) -> dict[str, Any]:
    """Wait for the TaskRun's Pod, run and finish it (as a kubelet), and return the TaskRun."""
    tr = await _taskrun(env, taskrun)
    pod = f"{taskrun}-pod"
    await env.kubelet.wait_pod(pod)
    await env.kubelet.start(pod, env.clock.now())
    await env.kubelet.finish(pod, env.clock.now(), exit_codes={"step-run": code},
                             results={"step-run": results or {}})
    return tr


def _params(tr: dict[str, Any]) -> dict[str, Any]:
    return {p["name"]: p["value"] for p in tr["spec"].get("params") or []}


async def _create(env: Any, resource: Any, obj: dict[str, Any]) -> None:
    await env.client.create(resource, obj, namespace=env.namespace)


def _pipelinerun(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": name},
            "spec": spec}


async def test_dag_with_results_and_finally(prenv: Any) -> None:
    env = prenv
    await _create(env, TASKS, {"apiVersion": "tekton.dev/v1", "kind": "Task",
                               "metadata": {"name": "echo"}, "spec": ECHO})
    pipeline = {"apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "pl"},
                "spec": {
                    "params": [{"name": "greeting"}],
                    "tasks": [
                        {"name": "a", "taskRef": {"name": "echo"},
                         "params": [{"name": "msg", "value": "$(params.greeting)"}]},
                        {"name": "b", "taskRef": {"name": "echo"},
                         "params": [{"name": "msg", "value": "$(tasks.a.results.out)"}]},
                        {"name": "c", "taskSpec": ECHO, "runAfter": ["a"]}],
                    "finally": [{"name": "f", "taskRef": {"name": "echo"},
                                 "params": [{"name": "msg", "value": "$(tasks.status)"}]}],
                    "results": [{"name": "final", "value": "$(tasks.b.results.out)"}]}}
    await _create(env, PIPELINES, pipeline)
    await _create(env, PIPELINERUNS, _pipelinerun("run", {
        "pipelineRef": {"name": "pl"}, "params": [{"name": "greeting", "value": "hello"}]}))
    a = await _run_task(env, "run-a", results={"out": "from-a"})
    assert _params(a) == {"msg": "hello"}
    labels = a["metadata"]["labels"]
    assert labels["tekton.dev/pipeline"] == "pl" and labels["tekton.dev/pipelineRun"] == "run"
    assert labels["tekton.dev/pipelineTask"] == "a" and labels["tekton.dev/memberOf"] == "tasks"
    assert a["metadata"]["ownerReferences"][0]["kind"] == "PipelineRun"
    running = await _wait_pr(env, "run", "Unknown", reasons.RUNNING)
    assert running["status"]["startTime"]
    b = await _run_task(env, "run-b", results={"out": "from-b"})
    assert _params(b) == {"msg": "from-a"}
    await _run_task(env, "run-c")
    f = await _run_task(env, "run-f")
    assert _params(f) == {"msg": "Succeeded"}
    assert f["metadata"]["labels"]["tekton.dev/memberOf"] == "finally"
    pr = await _wait_pr(env, "run", "True", reasons.SUCCEEDED)
    st = pr["status"]
    assert _cond(pr)["message"] == "Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 0"
    assert st["results"] == [{"name": "final", "value": "from-b"}]
    assert [c["name"] for c in st["childReferences"]] == ["run-a", "run-b", "run-c", "run-f"]
    assert st["completionTime"] and st["pipelineSpec"]["tasks"][0]["name"] == "a"
    assert pr["metadata"]["labels"]["tekton.dev/pipeline"] == "pl"  # synced, as Tekton
    assert env.registry.get_sample_value(
        "tekton_pipelines_controller_pipelinerun_total", {"status": "success"}) == 1
    assert env.registry.get_sample_value(
        "tekton_pipelines_controller_pipelinerun_duration_seconds_count",
        {"namespace": env.namespace, "status": "success", "pipeline": "pl"}) == 1


async def test_cluster_resolver(prenv: Any) -> None:
    env = prenv
    await _create(env, PIPELINES, {"apiVersion": "tekton.dev/v1", "kind": "Pipeline",
                                   "metadata": {"name": "shared"},
                                   "spec": {"tasks": [{"name": "only", "taskSpec": ECHO}]}})
    await _create(env, PIPELINERUNS, _pipelinerun("viaresolver", {"pipelineRef": {
        "resolver": "cluster", "params": [{"name": "kind", "value": "pipeline"},
                                          {"name": "name", "value": "shared"},
                                          {"name": "namespace", "value": env.namespace}]}}))
    tr = await _run_task(env, "viaresolver-only")
    assert tr["metadata"]["labels"]["tekton.dev/pipeline"] == "shared"
    await _wait_pr(env, "viaresolver", "True", reasons.SUCCEEDED)


async def test_volume_claim_template_workspace(prenv: Any) -> None:
    env = prenv
    uses_ws = {**ECHO, "workspaces": [{"name": "src"}]}
    await _create(env, PIPELINERUNS, _pipelinerun("ws", {
        "workspaces": [{"name": "shared", "volumeClaimTemplate": {
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}}],
        "pipelineSpec": {"workspaces": [{"name": "shared"}], "tasks": [
            {"name": "w", "taskSpec": uses_ws,
             "workspaces": [{"name": "src", "workspace": "shared", "subPath": "dir"}]}]}}))
    tr = await _taskrun(env, "ws-w")
    binding = tr["spec"]["workspaces"][0]
    assert binding["name"] == "src" and binding["subPath"] == "dir"
    claim = binding["persistentVolumeClaim"]["claimName"]
    assert claim.startswith("pvc-")
    pvc = await env.client.get(PVCS, claim, namespace=env.namespace)
    owner = pvc["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"]) == ("PipelineRun", "ws")
    await _run_task(env, "ws-w")
    await _wait_pr(env, "ws", "True", reasons.SUCCEEDED)


async def test_when_skipped_task(prenv: Any) -> None:
    env = prenv
    await _create(env, PIPELINERUNS, _pipelinerun("skip", {"pipelineSpec": {"tasks": [
        {"name": "never", "taskSpec": ECHO,
         "when": [{"input": "a", "operator": "in", "values": ["b"]}]},
        {"name": "always", "taskSpec": ECHO}]}}))
    await _run_task(env, "skip-always")
    pr = await _wait_pr(env, "skip", "True", reasons.COMPLETED)
    assert pr["status"]["skippedTasks"] == [
        {"name": "never", "reason": reasons.SKIP_WHEN,
         "whenExpressions": [{"input": "a", "operator": "in", "values": ["b"]}]}]
    assert _cond(pr)["message"] == "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 1"


async def test_failing_task_fails_the_run_and_finally_runs(prenv: Any) -> None:
    env = prenv
    await _create(env, PIPELINERUNS, _pipelinerun("bad", {"pipelineSpec": {
        "tasks": [{"name": "a", "taskSpec": ECHO},
                  {"name": "b", "taskSpec": ECHO, "runAfter": ["a"]}],
        "finally": [{"name": "f", "taskSpec": ECHO,
                     "params": [{"name": "msg", "value": "$(tasks.a.status)"}]}]}}))
    await _run_task(env, "bad-a", code=1)
    f = await _run_task(env, "bad-f")
    assert _params(f) == {"msg": "Failed"}
    pr = await _wait_pr(env, "bad", "False", reasons.FAILED)
    assert _cond(pr)["message"] == "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"
    assert pr["status"]["skippedTasks"] == [{"name": "b", "reason": reasons.SKIP_STOPPING}]


async def test_timeout(prenv: Any) -> None:
    env = prenv
    await _create(env, PIPELINERUNS, _pipelinerun("slow", {
        "timeouts": {"pipeline": "1m"},
        "pipelineSpec": {"tasks": [{"name": "a", "taskSpec": ECHO}]}}))
    tr = await _taskrun(env, "slow-a")
    assert "timeout" not in tr["spec"]  # 1m is below the default: Tekton leaves it unset
    await _wait_pr(env, "slow", "Unknown", reasons.RUNNING)
    await env.clock.advance(61)  # the reconcile queued for the deadline fires
    pr = await _wait_pr(env, "slow", "False", reasons.TIMED_OUT)
    assert _cond(pr)["message"] == 'PipelineRun "slow" failed to finish within "1m0s"'

    async def cancelled() -> bool:
        t = await env.client.get(TASKRUNS, "slow-a", namespace=env.namespace)
        return t["spec"].get("status") == "TaskRunCancelled" and \
            t["spec"].get("statusMessage") == reasons.TIMED_OUT_BY_PIPELINE_MSG
    await eventually(cancelled, WAIT, message="child cancelled for the timeout")


async def test_cancellation(prenv: Any) -> None:
    env = prenv
    await _create(env, PIPELINERUNS, _pipelinerun("stop", {"pipelineSpec": {
        "tasks": [{"name": "a", "taskSpec": ECHO}]}}))
    await _taskrun(env, "stop-a")
    await env.kubelet.wait_pod("stop-a-pod")
    await env.client.patch(PIPELINERUNS, "stop", {"spec": {"status": "Cancelled"}},
                           namespace=env.namespace)
    pr = await _wait_pr(env, "stop", "False", reasons.CANCELLED)
    assert _cond(pr)["message"] == 'PipelineRun "stop" was cancelled'
    # the TaskRun controller sees the cancellation and stops the child
    async def child_cancelled() -> bool:
        t = await env.client.get(TASKRUNS, "stop-a", namespace=env.namespace)
        return _cond(t).get("reason") == "TaskRunCancelled"
    await eventually(child_cancelled, WAIT, message="child TaskRun cancelled")
    assert env.registry.get_sample_value(
        "tekton_pipelines_controller_pipelinerun_total", {"status": "cancelled"}) == 1


@pytest.mark.parametrize(("spec", "reason", "words"), [
    ({"pipelineRef": {"name": "missing"}}, reasons.COULDNT_GET_PIPELINE,
     "Error retrieving pipeline for pipelinerun"),
    ({"pipelineSpec": {"tasks": [{"name": "a", "taskSpec": ECHO, "runAfter": ["ghost"]}]}},
     reasons.VALIDATION_FAILED, "has an invalid spec"),
    ({"pipelineSpec": {"params": [{"name": "p"}], "tasks": [{"name": "a", "taskSpec": ECHO}]}},
     reasons.PARAMETER_MISSING, "pipelineRun missing parameters: [p]"),
    ({"pipelineSpec": {"tasks": [{"name": "a", "pipelineRef": {"name": "child"}}]}},
     reasons.VALIDATION_FAILED, 'pipelineRef requires "enable-api-fields" feature gate'),
    ({"pipelineSpec": {"tasks": [{"name": "a", "taskRef": {"name": "nope"}}]}},
     reasons.COULDNT_GET_TASK, "it contains Tasks that don't exist: Couldn't retrieve Task "
                               '"nope"'),
])
async def test_bad_spec_fails_without_children(prenv: Any, spec: dict[str, Any], reason: str,
                                               words: str) -> None:
    env = prenv
    await _create(env, PIPELINERUNS, _pipelinerun("broken", spec))
    pr = await _wait_pr(env, "broken", "False", reason)
    assert words in _cond(pr)["message"]
    assert pr["status"]["completionTime"]
    children = await env.client.list(TASKRUNS, namespace=env.namespace)
    assert children["items"] == []
    pods = await env.client.list(PODS, namespace=env.namespace)
    assert pods["items"] == []
