"""End to end: the TaskRun controller + the node agent + the embedded API server run a real
Tekton TaskRun (3 steps, busybox and bash images, a script, a result) with the packaged
entrypoint (built once per session with hack/build-entrypoint.sh, or taken from
``$TEKPY_ENTRYPOINT_BUILD``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tekpy.local.kubelet import AgentConfig, NodeAgent
from tekpy.runtime.client import PODS, Resource
from tekpy.runtime.manager import Manager
from tekpy.taskrun.reconciler import ReconcilerOptions, setup_taskrun_controller
from tekpy.testing import eventually
from tekpy.testing.crds import load_crds

ROOT = Path(__file__).resolve().parents[2]
TASKRUNS = Resource("tekton.dev", "v1", "taskruns", "TaskRun")

pytestmark = pytest.mark.crds(*load_crds([ROOT / "manifests" / "crds"]))


@pytest_asyncio.fixture
async def cluster(client: Any, namespace: str, bwrap: str, entrypoint_build: Path,
                  tmp_path: Path) -> AsyncIterator[NodeAgent]:
    agent = NodeAgent(client, AgentConfig(node_name="node-e2e", data_dir=tmp_path / "kubelet",
                                          entrypoint_build=entrypoint_build))
    await agent.start()
    manager = Manager(client, metrics_bind_address="0", handle_signals=False,
                      graceful_shutdown_timeout=5.0)
    setup_taskrun_controller(manager, ReconcilerOptions(), threads=2)
    task = asyncio.create_task(manager.start())
    try:
        yield agent
    finally:
        manager.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=10)
        await agent.stop()


TASKRUN = {
    "apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "three-steps"},
    "spec": {"taskSpec": {
        "results": [{"name": "greeting"}],
        "steps": [
            {"name": "write", "image": "busybox",
             "script": "#!/bin/sh\necho writing\n"
                       "printf 'hello world' > $(results.greeting.path)\n"},
            {"name": "check", "image": "mirror.gcr.io/bash:5",
             "command": ["bash", "-c"], "args": ['test "$(cat /tekton/results/greeting)" = '
                                                 '"hello world" && echo checked']},
            {"name": "last", "image": "busybox", "command": ["echo"], "args": ["done"]},
        ]}},
}


async def test_a_three_step_taskrun_succeeds_with_its_result(
        client: Any, namespace: str, cluster: NodeAgent) -> None:
    await client.create(TASKRUNS, TASKRUN, namespace=namespace)

    async def done() -> dict[str, Any] | None:
        tr = await client.get(TASKRUNS, "three-steps", namespace=namespace)
        conds = (tr.get("status") or {}).get("conditions") or []
        ok = [c for c in conds if c.get("type") == "Succeeded" and c.get("status") != "Unknown"]
        return tr if ok else None

    tr = await eventually(done, timeout=120, interval=0.2)
    status = tr["status"]
    cond = status["conditions"][0]
    assert (cond["status"], cond["reason"]) == ("True", "Succeeded"), status
    assert status["results"] == [{"name": "greeting", "type": "string",
                                  "value": "hello world"}]
    assert [s["name"] for s in status["steps"]] == ["write", "check", "last"]
    assert all(s["terminated"]["exitCode"] == 0 for s in status["steps"])
    pod = await client.get(PODS, status["podName"], namespace=namespace)
    assert pod["spec"]["nodeName"] == "node-e2e"  # bound by the agent
    assert pod["status"]["phase"] == "Succeeded"


async def test_a_taskrun_with_a_sidecar_waits_for_it_and_stops_it(
        client: Any, namespace: str, cluster: NodeAgent) -> None:
    body = {
        "apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "with-sidecar"},
        "spec": {"taskSpec": {
            "sidecars": [{"name": "server", "image": "busybox",
                          "command": ["sh", "-c", "echo up > /shared/up; "
                                      "while true; do sleep 0.1; done"],
                          "volumeMounts": [{"name": "shared", "mountPath": "/shared"}]}],
            "volumes": [{"name": "shared", "emptyDir": {}}],
            "steps": [{"name": "use", "image": "busybox", "command": ["cat"],
                       "args": ["/shared/up"],
                       "volumeMounts": [{"name": "shared", "mountPath": "/shared"}]}],
        }}}
    await client.create(TASKRUNS, body, namespace=namespace)

    async def finished() -> dict[str, Any] | None:
        tr = await client.get(TASKRUNS, "with-sidecar", namespace=namespace)
        st = tr.get("status") or {}
        cond: dict[str, Any] = next(
            (c for c in st.get("conditions") or () if c["type"] == "Succeeded"), {})
        sidecars = st.get("sidecars") or []
        if cond.get("status") == "True" and sidecars and "terminated" in sidecars[0]:
            return tr
        assert cond.get("status") != "False", cond
        return None

    tr = await eventually(finished, timeout=120, interval=0.2)
    pod = await client.get(PODS, tr["status"]["podName"], namespace=namespace)
    sidecar = next(c for c in pod["status"]["containerStatuses"]
                   if c["name"] == "sidecar-server")
    assert sidecar["state"]["terminated"]["exitCode"] == 0
    assert "nop" in sidecar["image"]
