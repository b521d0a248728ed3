"""``tekpy run --kubeconfig``: only submits and follows; the controllers and the node agent
run elsewhere (here: in the test, against the ``api_server`` fixture, which is the embedded
server or a real kube-apiserver). Also: invalid input creates nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from run_support import final_reason, write

from tekpy.local.kubelet import AgentConfig, NodeAgent
from tekpy.runtime.client import Resource
from tekpy.runtime.manager import Manager
from tekpy.taskrun.reconciler import ReconcilerOptions, setup_taskrun_controller
from tekpy.testing.crds import load_crds

ROOT = Path(__file__).resolve().parents[2]
TASKS = Resource("tekton.dev", "v1", "tasks", "Task")
TASKRUNS = Resource("tekton.dev", "v1", "taskruns", "TaskRun")

pytestmark = pytest.mark.crds(*load_crds([ROOT / "manifests" / "crds"]))

INVALID = """
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: fine
spec:
  steps:
  - name: ok
    image: busybox
    command: [echo, ok]
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: broken
spec:
  taskSpec:
    steps:
    - name: Bad_Name
      image: busybox
      command: [echo]
    - name: second
      image: busybox
      command: [echo, $(params.missing)]
"""

ONLY_TASKS = """
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: lonely
spec:
  steps:
  - name: ok
    image: busybox
    command: [echo, ok]
"""

REFERENCING = """
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: uses-task
spec:
  taskRef:
    name: greet
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: greet
spec:
  steps:
  - name: hello
    image: busybox
    command: [echo, hello from the cluster]
"""


async def _tekpy_run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    # An asyncio subprocess: the API server of the fixture runs on this test's loop.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy", "run", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_invalid_input_exits_2_with_field_paths_and_creates_nothing(
        api_server: Any, client: Any, namespace: str, run_env: dict[str, str],
        tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", INVALID)
    rc, out, err = await _tekpy_run(run_env, "-f", path, "--kubeconfig",
                                    api_server.kubeconfig_path, "-n", namespace)
    assert rc == 2, out + err
    assert f"{path}: document 1 (TaskRun/broken): spec.taskSpec.steps[0].name: " in err, err
    assert "steps[1].command[1]: non-existent variable" in err  # every error is printed
    assert "nothing was run" in err
    assert out == ""
    assert (await client.list(TASKS, namespace=namespace))["items"] == []  # not even the Task
    assert (await client.list(TASKRUNS, namespace=namespace))["items"] == []


async def test_files_without_runs_exit_2_with_a_clear_message(
        api_server: Any, client: Any, namespace: str, run_env: dict[str, str],
        tmp_path: Path) -> None:
    rc, _, err = await _tekpy_run(run_env, "-f", write(tmp_path / "t.yaml", ONLY_TASKS),
                                    "--kubeconfig", api_server.kubeconfig_path,
                                    "-n", namespace)
    assert rc == 2
    assert "no PipelineRun or TaskRun" in err and "nothing to run" in err
    assert (await client.list(TASKS, namespace=namespace))["items"] == []


@pytest_asyncio.fixture
async def remote_cluster(client: Any, bwrap: str, entrypoint_build: Path,
                         tmp_path: Path) -> AsyncIterator[None]:
    agent = NodeAgent(client, AgentConfig(node_name="node-run", data_dir=tmp_path / "kubelet",
                                          entrypoint_build=entrypoint_build))
    await agent.start()
    manager = Manager(client, metrics_bind_address="0", handle_signals=False,
                      graceful_shutdown_timeout=5.0)
    setup_taskrun_controller(manager, ReconcilerOptions(), threads=2)
    task = asyncio.create_task(manager.start())
    try:
        yield
    finally:
        manager.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=10)
        await agent.stop()


async def test_with_a_kubeconfig_it_submits_in_order_and_follows(
        api_server: Any, client: Any, namespace: str, remote_cluster: None,
        run_env: dict[str, str], tmp_path: Path) -> None:
    # The TaskRun comes first in the file: the Task must still be created before it.
    rc, out, err = await _tekpy_run(run_env, "-f", write(tmp_path / "r.yaml", REFERENCING),
                                    "--kubeconfig", api_server.kubeconfig_path,
                                    "-n", namespace, "-o", "json")
    assert rc == 0, err
    (tr,) = json.loads(out)
    assert final_reason(tr) == ("True", "Succeeded")
    assert "[uses-task/hello] hello from the cluster" in err
    # the run is on the cluster, where a later reader finds it
    stored = await client.get(TASKRUNS, "uses-task", namespace=namespace)
    assert stored["metadata"]["uid"] == tr["metadata"]["uid"]
