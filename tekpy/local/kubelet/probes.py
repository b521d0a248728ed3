"""Startup and readiness probes of the ``exec`` kind.

A container with such probes is reported running but not ready until they pass: first the
startup probe, then the readiness probe, each tried every ``periodSeconds`` (after
``initialDelaySeconds``) until ``successThreshold`` consecutive successes, a try failing
after ``timeoutSeconds``. Tekton relies on this: it releases the first step (the
``tekton.dev/ready`` annotation) only once every sidecar is ready.

Approximations, because a bubblewrap sandbox cannot be entered from outside: the probe
command runs in a sandbox of its own with the container's root, volumes, environment,
working directory and user -- it shares the container's volumes, not its ``/tmp`` or its
processes. Once ready, a container is not probed again; failures only keep it unready (no
restart after ``failureThreshold``). ``httpGet``, ``tcpSocket`` and ``grpc`` probes are not
run: such a container is ready as soon as it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from tekpy.local.kubelet.env import container_env
from tekpy.local.kubelet.images import ImageMap
from tekpy.local.kubelet.objects import Lookup
from tekpy.local.kubelet.sandbox import ContainerSpec, bwrap_argv, kill_container
from tekpy.local.kubelet.status import ContainerRecord
from tekpy.local.kubelet.volumes import HostVolume

__all__ = ["exec_probes", "probe_until_ready", "run_probe"]

_KINDS = ("startupProbe", "readinessProbe")


def exec_probes(container: dict[str, Any]) -> list[dict[str, Any]]:
    """The container's startup and readiness probes that run a command, in that order."""
    out = []
    for kind in _KINDS:
        probe = container.get(kind) or {}
        if (probe.get("exec") or {}).get("command"):
            out.append(probe)
    return out


async def run_probe(cmd: list[str], env: dict[str, str], limit: float) -> bool:
    """Run one probe sandbox; True when it exits 0 within ``limit`` seconds."""
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        rc = await asyncio.wait_for(proc.wait(), limit)
    except (TimeoutError, asyncio.CancelledError):
        kill_container(proc.pid)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(proc.wait()), 5)
        raise
    return rc == 0


async def _probe_argv(bwrap: str, images: ImageMap, lookup: Lookup,
                      volumes: dict[str, HostVolume], pod: dict[str, Any],
                      container: dict[str, Any], command: list[str]
                      ) -> tuple[list[str], dict[str, str]]:
    from tekpy.local.kubelet.containers import _security  # one definition of the user

    uid, gid = _security(pod, container)
    spec = ContainerSpec(
        rootfs=images.resolve(container.get("image", "")), argv=[str(a) for a in command],
        mounts=container.get("volumeMounts") or (), volumes=volumes,
        hostname=str((pod.get("metadata") or {}).get("name", "")),
        working_dir=container.get("workingDir") or "", uid=uid, gid=gid)
    cmd = bwrap_argv(spec)
    cmd[0] = bwrap
    return cmd, await container_env(pod, container, lookup)


async def probe_until_ready(bwrap: str, images: ImageMap, lookup: Lookup,
                            volumes: dict[str, HostVolume], pod: dict[str, Any],
                            container: dict[str, Any], rec: ContainerRecord,
                            proc: asyncio.subprocess.Process,
                            on_change: Callable[[], None]) -> None:
    """Probe a started container until it is ready (then clear ``rec.probing`` and call
    ``on_change``) or its process ends. Cancel it when the attempt ends."""
    for probe in exec_probes(container):
        try:
            cmd, env = await _probe_argv(bwrap, images, lookup, volumes, pod, container,
                                         list(probe["exec"]["command"]))
        except Exception:  # a probe that cannot even start never passes
            await proc.wait()
            return
        period = max(1.0, float(probe.get("periodSeconds") or 10))
        timeout = max(1.0, float(probe.get("timeoutSeconds") or 1))
        needed = max(1, int(probe.get("successThreshold") or 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(proc.wait()),
                                   float(probe.get("initialDelaySeconds") or 0))
        successes = 0
        while proc.returncode is None:
            try:
                ok = await run_probe(cmd, env, timeout)
            except TimeoutError:
                ok = False
            successes = successes + 1 if ok else 0
            if successes >= needed:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(proc.wait()), period)
        if proc.returncode is not None:
            return
    rec.probing = False
    on_change()
