"""``tekpy controller`` as a process: it reconciles TaskRuns on the server it is pointed
at, serves Tekton's metrics, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from typing import Any

import aiohttp
import pytest
from trr_support import create, taskrun, tekton_crds

from tekpy.cli.main import main
from tekpy.testing import eventually

pytestmark = pytest.mark.crds(*tekton_crds())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_invalid_flags_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controller", "--feature-flag", "nonsense"]) == 2
    assert "is not KEY=VALUE" in capsys.readouterr().err
    assert main(["controller", "--threads-per-controller", "0"]) == 2


async def test_controller_process(api_server: Any, client: Any, namespace: str) -> None:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy", "controller", "--kubeconfig", api_server.kubeconfig_path,
        "--namespace", namespace, "--metrics-bind-address", f"127.0.0.1:{port}",
        "--health-probe-bind-address", "0", "--threads-per-controller", "1",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        step = {"name": "s", "image": "busybox", "command": ["true"]}
        await create(client, namespace, taskrun("cli", {"taskSpec": {"steps": [step]}}))

        async def pod_made() -> bool:
            from tekpy.runtime.client import PODS

            pods = (await client.list(PODS, namespace=namespace))["items"]
            return any(p["metadata"]["name"] == "cli-pod" for p in pods)
        await eventually(pod_made, 30)

        async def scraped() -> str | None:
            try:
                async with aiohttp.ClientSession() as s, \
                        s.get(f"http://127.0.0.1:{port}/metrics") as resp:
                    text = await resp.text()
            except aiohttp.ClientError:
                return None
            return text if "tekton_pipelines_controller_running_taskruns 1.0" in text else None
        text = str(await eventually(scraped, 30))
        assert "controller_runtime_reconcile_total" in text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-2000:]
