"""Node registration, binding, logs through the API server, deletion, deadlines, image
switches: the node agent against the real embedded API server."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from typing import Any

import pytest
from kl_support import cstatus, pod, sh, wait_phase

from tekpy.runtime.client import LEASES, NODES, PODS, ApiError, is_not_found
from tekpy.testing import eventually

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


async def test_node_is_registered_ready_with_a_lease(client: Any, agent: Any) -> None:
    node = await client.get(NODES, "node-test")
    conds = {c["type"]: c["status"] for c in node["status"]["conditions"]}
    assert conds["Ready"] == "True"
    assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == agent.log_server.port
    assert {"type": "InternalIP", "address": "127.0.0.1"} in node["status"]["addresses"]
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "node-test"
    lease = await client.get(LEASES, "node-test", namespace="kube-node-lease")
    first = lease["spec"]["renewTime"]
    assert lease["spec"]["holderIdentity"] == "node-test"

    async def renewed() -> bool:
        cur = await client.get(LEASES, "node-test", namespace="kube-node-lease")
        return bool(cur["spec"]["renewTime"] != first)

    await eventually(renewed, timeout=10)


async def test_unscheduled_pod_is_bound_when_its_node_selector_matches(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("free", sh("main", "true"), node=None), namespace=namespace)
    await client.create(PODS, pod("elsewhere", sh("main", "true"), node=None,
                                  nodeSelector={"disk": "ssd"}), namespace=namespace)
    p = await wait_phase(client, namespace, "free", "Succeeded")
    assert p["spec"]["nodeName"] == "node-test"
    other = await client.get(PODS, "elsewhere", namespace=namespace)
    assert not other["spec"].get("nodeName")


async def _kubectl(kubeconfig: str, *args: str,
                   timeout: float = 30) -> str:  # noqa: ASYNC109 - a deadline
    proc = await asyncio.create_subprocess_exec(
        KUBECTL, "--kubeconfig", kubeconfig, *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.skipif(not os.path.exists(KUBECTL), reason="kubectl not installed")
async def test_kubectl_logs_and_follow_through_the_api_server(
        client: Any, namespace: str, agent: Any, api_server: Any) -> None:
    await client.create(PODS, pod("logs", sh("main", "echo one; echo two >&2; echo three")),
                        namespace=namespace)
    await wait_phase(client, namespace, "logs", "Succeeded")
    out = await _kubectl(api_server.kubeconfig_path, "logs", "-n", namespace, "logs")
    # stdout and stderr are separate pipes: each keeps its order, their interleaving varies
    lines = out.splitlines()
    assert sorted(lines) == ["one", "three", "two"]
    assert lines.index("one") < lines.index("three")
    tail = await _kubectl(api_server.kubeconfig_path, "logs", "-n", namespace, "logs",
                          "--tail=1")
    assert tail == f"{lines[-1]}\n"
    # the library's raw read of the same subresource (what the TaskRun reconciler uses for
    # the results sidecar's log), with a missing container as a Status error
    raw = await client.get_bytes(PODS, "logs", namespace=namespace, subresource="log",
                                 params={"container": "main", "tailLines": "1"})
    assert raw == tail.encode()
    with pytest.raises(ApiError) as missing:
        await client.get_bytes(PODS, "logs", namespace=namespace, subresource="log",
                               params={"container": "nope"})
    assert missing.value.status == 400 and "nope" in missing.value.message
    # -f follows a running container until it ends.
    await client.create(PODS, pod("follow", sh(
        "main", "echo start; while [ ! -f /tmp/go ]; do sleep 0.05; touch /tmp/go; done; "
                "echo end")), namespace=namespace)
    await wait_phase(client, namespace, "follow", "Running", "Succeeded")
    followed = await _kubectl(api_server.kubeconfig_path, "logs", "-f", "-n", namespace,
                              "follow", timeout=30)
    assert followed == "start\nend\n"


async def test_deletion_terminates_processes_and_removes_the_pod(
        client: Any, namespace: str, agent: Any) -> None:
    script = ("trap 'echo bye > /dev/termination-log; exit 0' TERM; echo trapped; "
              "while true; do sleep 0.1; done")
    await client.create(PODS, pod("del", sh("main", script)), namespace=namespace)
    await wait_phase(client, namespace, "del", "Running")
    worker = next(iter(agent.workers.values()))
    proc = worker.procs["main"]
    # the trap is set once the container said so
    await eventually(lambda: b"trapped" in worker.log_file("main", False).read_bytes())
    await client.delete(PODS, "del", namespace=namespace, grace_period_seconds=10)

    async def gone() -> bool:
        try:
            await client.get(PODS, "del", namespace=namespace)
        except Exception as exc:
            return is_not_found(exc)
        return False

    await eventually(gone, timeout=20)
    assert proc.returncode == 0  # exited through its TERM trap
    with pytest.raises(ProcessLookupError):
        os.kill(proc.pid, 0)


async def test_deletion_kills_a_container_ignoring_sigterm_after_the_grace_period(
        client: Any, namespace: str, agent: Any) -> None:
    script = "trap '' TERM; echo trapped; while true; do sleep 0.1; done"
    await client.create(PODS, pod("stubborn", sh("main", script)), namespace=namespace)
    await wait_phase(client, namespace, "stubborn", "Running")
    worker = next(iter(agent.workers.values()))
    proc = worker.procs["main"]
    await eventually(lambda: b"trapped" in worker.log_file("main", False).read_bytes())
    await client.delete(PODS, "stubborn", namespace=namespace, grace_period_seconds=1)
    await eventually(lambda: proc.returncode is not None, timeout=15)
    assert proc.returncode in (137, -signal.SIGKILL)


async def test_active_deadline_fails_the_pod(client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("late", sh("main", "sleep 60"), activeDeadlineSeconds=1,
                                  terminationGracePeriodSeconds=1), namespace=namespace)
    p = await wait_phase(client, namespace, "late", "Failed", timeout=30)
    assert p["status"]["reason"] == "DeadlineExceeded"
    assert "deadline" in p["status"]["message"]
    assert "terminated" in cstatus(p, "main")["state"]


async def test_switching_a_running_container_to_the_nop_image_stops_it(
        client: Any, namespace: str, agent: Any) -> None:
    body = pod("sidecar", sh("step", "true"), sh("sidecar", "while true; do sleep 0.1; done"),
               terminationGracePeriodSeconds=2)
    await client.create(PODS, body, namespace=namespace)

    async def step_done() -> bool:
        p = await client.get(PODS, "sidecar", namespace=namespace)
        return "terminated" in cstatus(p, "step")["state"] and \
            "running" in cstatus(p, "sidecar")["state"]

    await eventually(step_done, timeout=20)
    await client.patch(PODS, "sidecar", [
        {"op": "test", "path": "/spec/containers/1/name", "value": "sidecar"},
        {"op": "replace", "path": "/spec/containers/1/image",
         "value": "ghcr.io/tektoncd/pipeline/nop:latest"}],
        namespace=namespace, patch_type="json")
    p = await wait_phase(client, namespace, "sidecar", "Succeeded", "Failed")
    cs = cstatus(p, "sidecar")
    assert p["status"]["phase"] == "Succeeded"
    assert cs["state"]["terminated"]["exitCode"] == 0
    assert cs["restartCount"] == 1
    assert cs["image"] == "ghcr.io/tektoncd/pipeline/nop:latest"


async def test_a_restarted_agent_fails_pods_whose_processes_are_gone(
        client: Any, namespace: str, bwrap: str, tmp_path: Any) -> None:
    from tekpy.local.kubelet import AgentConfig, NodeAgent

    cfg = AgentConfig(node_name="node-restart", data_dir=tmp_path / "data")
    first = NodeAgent(client, cfg)
    await first.start()
    try:
        await client.create(PODS, pod("long", sh("main", "sleep 60"), node="node-restart"),
                            namespace=namespace)
        await wait_phase(client, namespace, "long", "Running")
        proc = next(iter(first.workers.values())).procs["main"]
    finally:
        await first.stop()
    assert proc.returncode is not None  # the sandbox died with its agent
    second = NodeAgent(client, AgentConfig(node_name="node-restart",
                                           data_dir=tmp_path / "data"))
    await second.start()
    try:
        p = await wait_phase(client, namespace, "long", "Failed")
        assert p["status"]["reason"] == "NodeAgentRestarted"
        term = cstatus(p, "main")["state"]["terminated"]
        assert term["exitCode"] == 137
        # a Pod created now runs normally on the new agent
        await client.create(PODS, pod("fresh", sh("main", "true"), node="node-restart"),
                            namespace=namespace)
        assert (await wait_phase(client, namespace, "fresh", "Succeeded", "Failed")
                )["status"]["phase"] == "Succeeded"
    finally:
        await second.stop()


async def test_a_waiting_container_switched_to_the_nop_image_stops(
        client: Any, namespace: str, agent: Any) -> None:
    body = pod("pull", sh("step", "true"), {"name": "sidecar", "image": "example.com/x/y:1",
                                            "command": ["y"]})
    await client.create(PODS, body, namespace=namespace)

    async def pulling() -> bool:
        p = await client.get(PODS, "pull", namespace=namespace)
        w = cstatus(p, "sidecar")["state"].get("waiting") or {}
        return w.get("reason") in ("ErrImagePull", "ImagePullBackOff")

    await eventually(pulling, timeout=20)
    await client.patch(PODS, "pull", {"spec": {"containers": [
        {"name": "sidecar", "image": "tekpy/nop:latest"}]}}, namespace=namespace,
        patch_type="strategic")
    p = await wait_phase(client, namespace, "pull", "Succeeded", "Failed")
    assert p["status"]["phase"] == "Succeeded"
    assert cstatus(p, "sidecar")["state"]["terminated"]["exitCode"] == 0
