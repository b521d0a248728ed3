"""``tekpy kubelet`` as a process against the embedded API server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from kl_support import pod, sh, wait_phase

from tekpy.runtime.client import NODES, PODS


async def test_tekpy_kubelet_runs_pods_and_stops_on_sigterm(
        client: Any, namespace: str, api_server: Any, bwrap: str, tmp_path: Path) -> None:
    image_map = tmp_path / "images.yaml"
    image_map.write_text("images:\n  example.com/team/shell: busybox\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy", "kubelet", "--kubeconfig", api_server.kubeconfig_path,
        "--node-name", "cli-node", "--data-dir", str(tmp_path / "data"),
        "--image-map", str(image_map), "--no-bind-unscheduled",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert b"node cli-node ready" in line
        node = await client.get(NODES, "cli-node")
        assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] > 0
        await client.create(PODS, pod("mapped", sh("main", "echo hi",
                                                   image="example.com/team/shell:1"),
                                      node="cli-node"), namespace=namespace)
        p = await wait_phase(client, namespace, "mapped", "Succeeded", "Failed")
        assert p["status"]["phase"] == "Succeeded"
    finally:
        proc.terminate()
        rc = await asyncio.wait_for(proc.wait(), 30)
    assert rc == 0
