"""What the reconciler creates besides the Pod, and failures seen in waiting containers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from trr_support import (
    condition,
    create,
    get_taskrun,
    taskrun,
    tekton_crds,
    ts,
    wait_condition,
)

from tekpy.runtime.client import PODS
from tekpy.taskrun.reconciler.kinds import PVCS
from tekpy.testing import eventually

pytestmark = pytest.mark.crds(*tekton_crds())

# the seed design's git-resource-task.yaml (../shared/seed-examples; absent outside CI)
SEED_GIT_TASK = (Path(__file__).resolve().parents[3] / "shared" / "seed-examples" /
                 "git-resource-task.yaml")
STEP = {"name": "run", "image": "no/such:image", "command": ["true"]}


async def test_image_pull_backoff_fails_the_run(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("pull", {"taskSpec": {"steps": [STEP]}}))
    pod = await env.kubelet.wait_pod("pull-pod")
    waiting = {"waiting": {"reason": "ImagePullBackOff",
                           "message": 'Back-off pulling image "no/such:image"'}}
    status = {"phase": "Pending", "containerStatuses": [{
        "name": "step-run", "image": pod["spec"]["containers"][0]["image"], "imageID": "",
        "ready": False, "restartCount": 0, "state": waiting}],
        "conditions": [{"type": "PodScheduled", "status": "True",
                        "lastTransitionTime": ts(env.clock.now())}]}
    await env.client.patch(PODS, "pull-pod", {"status": status}, namespace=ns,
                           subresource="status")
    tr = await wait_condition(env.client, ns, "pull", "False", "TaskRunImagePullFailed")
    assert condition(tr)["message"].startswith(
        'the step "run" in TaskRun "pull" failed to pull the image')
    await env.kubelet.wait_gone("pull-pod")


async def test_volume_claim_template_makes_an_owned_claim(env: Any) -> None:
    ns = env.namespace
    spec = {
        "taskSpec": {"workspaces": [{"name": "data"}],
                     "steps": [{"name": "run", "image": "busybox", "command": ["true"]}]},
        "workspaces": [{"name": "data", "volumeClaimTemplate": {
            "metadata": {"name": "scratch"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Mi"}}}}}],
    }
    await create(env.client, ns, taskrun("vct", spec))
    pod = await env.kubelet.wait_pod("vct-pod")
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
              if "persistentVolumeClaim" in v]
    assert len(claims) == 1

    async def claim() -> dict[str, Any]:
        return await env.client.get(PVCS, claims[0], namespace=ns)
    pvc = await eventually(claim, 15)
    (ref,) = pvc["metadata"]["ownerReferences"]
    assert ref["kind"] == "TaskRun" and ref["name"] == "vct"


async def test_original_api_git_resource(env: Any) -> None:
    """The seed design's v1alpha1 Task with a git input bound to a PipelineResource.

    Stored as v1 without a conversion webhook: the v1 schema keeps older versions' fields
    (tekpy.api.crdgen), so nothing is pruned on kube-apiserver either."""
    import yaml

    from tekpy.runtime.client import Resource
    from tekpy.taskrun.reconciler.kinds import PIPELINERESOURCES

    tasks = Resource("tekton.dev", "v1alpha1", "tasks", "Task")
    taskruns = Resource("tekton.dev", "v1alpha1", "taskruns", "TaskRun")

    ns = env.namespace
    if not SEED_GIT_TASK.is_file():
        pytest.skip(f"the seed design's example is absent: {SEED_GIT_TASK} (../shared is "
                    "not next to this checkout)")
    resource, task_doc = yaml.safe_load_all(SEED_GIT_TASK.read_text())
    await env.client.create(PIPELINERESOURCES, resource, namespace=ns)
    await env.client.create(tasks, task_doc, namespace=ns)
    run = {"apiVersion": "tekton.dev/v1alpha1", "kind": "TaskRun", "metadata": {"name": "old"},
           "spec": {"taskRef": {"name": "build-push-kaniko"},
                    "inputs": {"resources": [{"name": "workspace", "resourceRef": {
                        "name": "skaffold-git-build-push-kaniko"}}]}}}
    await env.client.create(taskruns, run, namespace=ns)
    pod = await env.kubelet.wait_pod("old-pod")
    steps = [c["name"] for c in pod["spec"]["containers"]]
    # a clone step runs before the Task's own step
    assert steps[-1] == "step-build-and-push" and len(steps) == 2
    import json

    # the clone step reads the PipelineResource's url (in its env or script)
    assert "https://github.com/GoogleContainerTools/skaffold" in json.dumps(pod["spec"])


async def test_unknown_fields_fail_the_run_with_their_path(env: Any) -> None:
    """The CRDs no longer prune (older versions' fields must survive storage as v1), so a
    typo reaches the controller on both servers; Tekton's webhook rejects unknown fields,
    tekpy fails the run naming each one's path."""
    ns = env.namespace
    await create(env.client, ns, taskrun("typo", {
        "serviceAcountName": "builder",
        "taskSpec": {"steps": [{**STEP, "workinDir": "/src"}]}}))
    tr = await wait_condition(env.client, ns, "typo", "False", "TaskRunValidationFailed")
    assert condition(tr)["message"] == ("invalid TaskRun: unknown field: spec.serviceAcountName, "
                                        "spec.taskSpec.steps[0].workinDir")
    stored = await get_taskrun(env.client, ns, "typo")
    assert stored["spec"]["serviceAcountName"] == "builder"  # kept, not silently pruned

