"""Sidecars: step 0 is released by the ``tekton.dev/ready`` annotation once every sidecar is
ready, and sidecars still running when the steps are done are switched to the nop image."""

from __future__ import annotations

from typing import Any

import pytest
from trr_support import create, taskrun, tekton_crds, ts, wait_condition

from tekpy.runtime.client import PODS
from tekpy.testing import eventually

pytestmark = pytest.mark.crds(*tekton_crds())

WITH_SIDECAR = {
    "steps": [{"name": "use", "image": "busybox", "command": ["true"]}],
    "sidecars": [{"name": "db", "image": "postgres"}],
}
READY = "tekton.dev/ready"


async def test_ready_annotation_then_sidecar_stop(env: Any) -> None:
    ns = env.namespace
    await create(env.client, ns, taskrun("sc", {"taskSpec": WITH_SIDECAR}))
    pod = await env.kubelet.wait_pod("sc-pod")
    assert READY not in pod["metadata"].get("annotations", {})
    # the first step waits for the annotation through the downward API
    assert any(v.get("downwardAPI") for v in pod["spec"]["volumes"])

    await env.kubelet.start("sc-pod", env.clock.now(), sidecars_ready=False)
    await wait_condition(env.client, ns, "sc", "Unknown", "Running")
    pod = await env.kubelet.pod("sc-pod")
    assert READY not in pod["metadata"].get("annotations", {})

    await env.kubelet.start("sc-pod", env.clock.now(), sidecars_ready=True)

    async def annotated() -> bool:
        pod = await env.kubelet.pod("sc-pod")
        return pod["metadata"].get("annotations", {}).get(READY) == "READY"
    await eventually(annotated, 15)

    # steps done while the sidecar still runs: the run succeeds and the sidecar is stopped
    await env.kubelet.finish("sc-pod", env.clock.now(), sidecars_running=True)
    await wait_condition(env.client, ns, "sc", "True", "Succeeded")

    async def stopped() -> dict[str, Any] | None:
        pod = await env.kubelet.pod("sc-pod")
        images = {c["name"]: c["image"] for c in pod["spec"]["containers"]}
        return pod if images["sidecar-db"] == "tekpy/nop:test" else None
    pod = await eventually(stopped, 15)
    assert {c["name"]: c["image"] for c in pod["spec"]["containers"]}["step-use"] == "busybox"

    # the kubelet restarts the container into the nop image, which exits: the TaskRun's
    # sidecar state follows
    statuses = pod["status"]["containerStatuses"]
    for cs in statuses:
        if cs["name"] == "sidecar-db":
            cs["state"] = {"terminated": {"exitCode": 0, "reason": "Completed",
                                          "startedAt": ts(env.clock.now()),
                                          "finishedAt": ts(env.clock.now())}}
            cs["ready"] = False
    await env.client.patch(PODS, "sc-pod", {"status": {"phase": "Succeeded",
                                                       "containerStatuses": statuses}},
                           namespace=ns, subresource="status")

    async def sidecar_terminated() -> bool:
        tr = await wait_condition(env.client, ns, "sc", "True")
        return all("terminated" in s for s in tr["status"].get("sidecars") or [{}])
    await eventually(sidecar_terminated, 15)
