"""Pod latency of the local node agent, beside spawning the same sandboxes directly.

Runs the embedded API server and a node agent in this process, then, interleaved in the same
run (so both see the same machine load):

- **start**: Pod created -> every container reported running (status watched from a second
  client), for a Pod of ``--containers`` busybox containers; baseline: the same number of
  bubblewrap sandboxes spawned directly until each has printed a line.
- **3-step**: a TaskRun-shaped Pod (3 containers started together, ordered through files in a
  shared emptyDir as the entrypoint orders steps) created -> ``Succeeded``; baseline: the same 3
  sandboxes over one shared directory, spawned directly, until all exited.

    .venv/bin/python benchmarks/kubelet_pods.py [--n 10] [--containers 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tekpy.local.kubelet import AgentConfig, NodeAgent
from tekpy.local.kubelet.images import ImageMap
from tekpy.local.kubelet.sandbox import ContainerSpec, bwrap_argv
from tekpy.local.kubelet.volumes import HostVolume
from tekpy.runtime.client import PODS, Client
from tekpy.testing.servers import start_embedded

NODE = "bench-node"
STEP = ("while [ ! -f /w/{prev} ]; do usleep 2000; done; echo step {i}; touch /w/{i}")


def _step_script(i: int) -> str:
    if i == 0:
        return "echo step 0; touch /w/0"
    return STEP.format(prev=i - 1, i=i)


def _pod(name: str, scripts: list[str], shared: bool) -> dict[str, Any]:
    mounts = [{"name": "w", "mountPath": "/w"}] if shared else []
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": NODE, "restartPolicy": "Never",
                     "terminationGracePeriodSeconds": 0,
                     "volumes": [{"name": "w", "emptyDir": {}}],
                     "containers": [{"name": f"c{i}", "image": "busybox",
                                     "command": ["sh", "-c", s], "volumeMounts": mounts}
                                    for i, s in enumerate(scripts)]}}


async def _wait_pod(client: Client, ns: str, name: str, done: Any) -> None:
    async with client.watch(PODS, namespace=ns, field_selector=f"metadata.name={name}") as w:
        async for ev in w:
            if ev.type in ("ADDED", "MODIFIED") and done(ev.object):
                return


def _all_running(pod: dict[str, Any]) -> bool:
    cs = (pod.get("status") or {}).get("containerStatuses") or []
    return bool(cs) and all("running" in c["state"] for c in cs)


def _succeeded(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


async def _direct(images: ImageMap, scripts: list[str], shared: Path, *,
                  until_output: bool) -> float:
    root = images.resolve("busybox")
    vols = {"w": HostVolume(str(shared))}
    start = time.perf_counter()
    procs = []
    for i, script in enumerate(scripts):
        spec = ContainerSpec(rootfs=root, argv=["sh", "-c", script],
                             mounts=[{"name": "w", "mountPath": "/w"}], volumes=vols,
                             hostname=f"direct-{i}")
        procs.append(await asyncio.create_subprocess_exec(
            *bwrap_argv(spec), stdout=asyncio.subprocess.PIPE, start_new_session=True))
    if until_output:
        await asyncio.gather(*(p.stdout.readline() for p in procs if p.stdout))
        elapsed = time.perf_counter() - start
        for p in procs:
            p.kill()
        await asyncio.gather(*(p.wait() for p in procs))
        return elapsed
    await asyncio.gather(*(p.wait() for p in procs))
    return time.perf_counter() - start


def _fmt(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return f"p50 {statistics.median(xs) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def main(n: int, containers: int) -> None:
    srv = await start_embedded()
    client = await Client.from_kubeconfig(srv.kubeconfig_path)
    watcher = await Client.from_kubeconfig(srv.kubeconfig_path)
    with tempfile.TemporaryDirectory(prefix="kubelet-bench-") as tmp:
        agent = NodeAgent(client, AgentConfig(node_name=NODE, data_dir=Path(tmp) / "agent",
                                              bind_unscheduled=False))
        await agent.start()
        images = agent.images
        ns = "default"
        start_pod: list[float] = []
        start_direct: list[float] = []
        steps_pod: list[float] = []
        steps_direct: list[float] = []
        try:
            for k in range(n):
                # start latency
                name = f"start-{k}"
                body = _pod(name, ["echo up; sleep 30"] * containers, shared=False)
                waiter = asyncio.create_task(_wait_pod(watcher, ns, name, _all_running))
                await asyncio.sleep(0)
                t0 = time.perf_counter()
                await client.create(PODS, body, namespace=ns)
                await waiter
                start_pod.append(time.perf_counter() - t0)
                await client.delete(PODS, name, namespace=ns, grace_period_seconds=0)
                start_direct.append(await _direct(images, ["echo up; sleep 30"] * containers,
                                                  Path(tmp), until_output=True))
                # 3-step end to end
                name = f"steps-{k}"
                scripts = [_step_script(i) for i in range(3)]
                waiter = asyncio.create_task(_wait_pod(watcher, ns, name, _succeeded))
                await asyncio.sleep(0)
                t0 = time.perf_counter()
                await client.create(PODS, _pod(name, scripts, shared=True), namespace=ns)
                await waiter
                steps_pod.append(time.perf_counter() - t0)
                shared = Path(tmp) / f"direct-{k}"
                shared.mkdir()
                steps_direct.append(await _direct(images, scripts, shared, until_output=False))
        finally:
            await agent.stop()
            await watcher.close()
            await client.close()
            await srv.stop()
    print(f"pod start ({containers} containers, n={n})")
    print(f"  agent : {_fmt(start_pod)}")
    print(f"  direct: {_fmt(start_direct)}")
    print(f"3-step pod end to end (n={n})")
    print(f"  agent : {_fmt(steps_pod)}")
    print(f"  direct: {_fmt(steps_direct)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--containers", type=int, default=3)
    a = ap.parse_args()
    asyncio.run(main(a.n, a.containers))
