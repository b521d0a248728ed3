"""Alpha features end to end against the API servers, with both controllers running and
the test playing the kubelet: pipelines in pipelines (child PipelineRuns) and CEL
``when`` expressions."""

from __future__ import annotations

from typing import Any

import pytest
from test_pipelinerun_integration import (
    ECHO,
    _cond,
    _create,
    _params,
    _pipelinerun,
    _run_task,
    _taskrun,
    _wait_pr,
)
from trr_support import WAIT, tekton_crds

from tekpy.pipelinerun import reasons
from tekpy.pipelinerun.reconciler import PIPELINERUNS, PIPELINES
from tekpy.runtime.client import ApiError, is_not_found
from tekpy.taskrun.reconciler import TASKRUNS
from tekpy.testing import eventually

pytestmark = pytest.mark.crds(*tekton_crds())


async def _child(env: Any, name: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        try:
            return await env.client.get(PIPELINERUNS, name, namespace=env.namespace)
        except ApiError as exc:
            if is_not_found(exc):
                return None
            raise
    return await eventually(found, WAIT, message=f"child PipelineRun {name} created")


async def test_pipeline_ref_child_runs_and_parent_goes_on(prenv_alpha: Any) -> None:
    env = prenv_alpha
    await _create(env, PIPELINES, {
        "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "inner"},
        "spec": {"params": [{"name": "greeting"}], "workspaces": [{"name": "src"}],
                 "tasks": [{"name": "hello", "taskSpec": ECHO,
                            "workspaces": [{"name": "src", "workspace": "src"}],
                            "params": [{"name": "msg", "value": "$(params.greeting)"}]}]}})
    await _create(env, PIPELINES, {
        "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "outer"},
        "spec": {"params": [{"name": "who"}], "workspaces": [{"name": "shared"}],
                 "tasks": [
                     {"name": "child", "pipelineRef": {"name": "inner"},
                      "params": [{"name": "greeting", "value": "hi $(params.who)"}],
                      "workspaces": [{"name": "src", "workspace": "shared"}]},
                     {"name": "after", "taskSpec": ECHO, "runAfter": ["child"]}]}})
    await _create(env, PIPELINERUNS, _pipelinerun("nest", {
        "pipelineRef": {"name": "outer"}, "params": [{"name": "who", "value": "you"}],
        "workspaces": [{"name": "shared", "emptyDir": {}}]}))
    child = await _child(env, "nest-child")
    meta = child["metadata"]
    assert meta["ownerReferences"][0]["kind"] == "PipelineRun"
    assert meta["ownerReferences"][0]["name"] == "nest"
    assert meta["labels"]["tekton.dev/pipeline"] == "inner"
    assert meta["labels"]["tekton.dev/pipelineRun"] == "nest"
    assert meta["labels"]["tekton.dev/pipelineTask"] == "child"
    assert child["spec"]["params"] == [{"name": "greeting", "value": "hi you"}]
    assert child["spec"]["workspaces"] == [{"name": "src", "emptyDir": {}}]
    # the child PipelineRun is reconciled like any other: its TaskRun is named after it
    hello = await _run_task(env, "nest-child-hello")
    assert _params(hello) == {"msg": "hi you"}
    assert hello["metadata"]["labels"]["tekton.dev/pipelineRun"] == "nest-child"
    await _wait_pr(env, "nest-child", "True", reasons.SUCCEEDED)
    await _run_task(env, "nest-after")
    pr = await _wait_pr(env, "nest", "True", reasons.SUCCEEDED)
    assert _cond(pr)["message"] == "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0"
    assert [(c["kind"], c["name"]) for c in pr["status"]["childReferences"]] == \
        [("PipelineRun", "nest-child"), ("TaskRun", "nest-after")]


async def test_child_failure_fails_the_parent(prenv_alpha: Any) -> None:
    env = prenv_alpha
    await _create(env, PIPELINERUNS, _pipelinerun("fails", {"pipelineSpec": {
        "tasks": [{"name": "child", "pipelineSpec": {"tasks": [{"name": "a", "taskSpec": ECHO}]}},
                  {"name": "b", "taskSpec": ECHO, "runAfter": ["child"]}],
        "finally": [{"name": "f", "taskSpec": ECHO,
                     "params": [{"name": "msg", "value": "$(tasks.child.status)"}]}]}}))
    await _run_task(env, "fails-child-a", code=1)
    await _wait_pr(env, "fails-child", "False", reasons.FAILED)
    f = await _run_task(env, "fails-f")
    assert _params(f) == {"msg": "Failed"}
    pr = await _wait_pr(env, "fails", "False", reasons.FAILED)
    assert _cond(pr)["message"] == "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"


async def test_cancelling_the_parent_cancels_the_child(prenv_alpha: Any) -> None:
    env = prenv_alpha
    await _create(env, PIPELINERUNS, _pipelinerun("stop", {"pipelineSpec": {
        "tasks": [{"name": "child",
                   "pipelineSpec": {"tasks": [{"name": "a", "taskSpec": ECHO}]}}]}}))
    await _taskrun(env, "stop-child-a")
    await env.kubelet.wait_pod("stop-child-a-pod")
    await env.client.patch(PIPELINERUNS, "stop", {"spec": {"status": "Cancelled"}},
                           namespace=env.namespace)
    await _wait_pr(env, "stop", "False", reasons.CANCELLED)
    child = await _wait_pr(env, "stop-child", "False", reasons.CANCELLED)
    assert child["spec"]["status"] == "Cancelled"

    async def grandchild_cancelled() -> bool:
        t = await env.client.get(TASKRUNS, "stop-child-a", namespace=env.namespace)
        return _cond(t).get("reason") == "TaskRunCancelled"
    await eventually(grandchild_cancelled, WAIT, message="the child's TaskRun cancelled")


async def test_missing_child_pipeline(prenv_alpha: Any) -> None:
    env = prenv_alpha
    await _create(env, PIPELINERUNS, _pipelinerun("orphan", {"pipelineSpec": {
        "tasks": [{"name": "child", "pipelineRef": {"name": "ghost"}}]}}))
    pr = await _wait_pr(env, "orphan", "False", reasons.COULDNT_GET_PIPELINE)
    assert "it contains child Pipelines that don't exist: Couldn't retrieve Pipeline " \
           '"ghost"' in _cond(pr)["message"]
    children = await env.client.list(PIPELINERUNS, namespace=env.namespace)
    assert [o["metadata"]["name"] for o in children["items"]] == ["orphan"]


async def test_cel_when_expressions(prenv_alpha: Any) -> None:
    env = prenv_alpha
    await _create(env, PIPELINERUNS, _pipelinerun("cel", {
        "params": [{"name": "path", "value": "README.md"}],
        "pipelineSpec": {
            "params": [{"name": "path"}],
            "tasks": [
                {"name": "check", "taskSpec": ECHO,
                 "when": [{"cel": "'$(params.path)' == 'README.md'"}]},
                {"name": "go", "taskSpec": ECHO,
                 "when": [{"cel": "'$(tasks.check.results.out)' == 'yes'"}]},
                {"name": "skip", "taskSpec": ECHO,
                 "when": [{"cel": "'$(params.path)' != 'README.md'"}]}]}}))
    await _run_task(env, "cel-check", results={"out": "yes"})
    await _run_task(env, "cel-go")
    pr = await _wait_pr(env, "cel", "True", reasons.COMPLETED)
    assert pr["status"]["skippedTasks"] == [
        {"name": "skip", "reason": reasons.SKIP_WHEN,
         "whenExpressions": [{"cel": "'README.md' != 'README.md'"}]}]
    go = next(c for c in pr["status"]["childReferences"] if c["pipelineTaskName"] == "go")
    assert go["whenExpressions"] == [{"cel": "'yes' == 'yes'"}]


async def test_cel_that_is_not_a_boolean_fails_the_run(prenv_alpha: Any) -> None:
    env = prenv_alpha
    await _create(env, PIPELINERUNS, _pipelinerun("notbool", {"pipelineSpec": {
        "tasks": [{"name": "a", "taskSpec": ECHO, "when": [{"cel": "'yes'"}]}]}}))
    pr = await _wait_pr(env, "notbool", "False", reasons.CEL_EVALUATION_FAILED)
    assert _cond(pr)["message"] == ("Error evaluating CEL notbool: [User error] The CEL "
                                    "expression 'yes' is not evaluated to a boolean")
    assert (await env.client.list(TASKRUNS, namespace=env.namespace))["items"] == []
