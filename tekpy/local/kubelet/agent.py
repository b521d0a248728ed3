"""The node agent: watches the Pods bound to its Node and runs each in a :class:`PodWorker`.

Built only on the public ``tekpy.runtime`` API (Client, SharedInformerFactory), so it runs
against the embedded API server and a real kube-apiserver alike.

After a restart the agent cannot re-adopt containers (they died with it, through
``--die-with-parent``): a Pod that had started (``status.startTime``) and is not finished is
marked ``Failed`` (reason ``NodeAgentRestarted``, running containers terminated with 137),
as a kubelet reports containers whose runtime state is lost. Pods that never started run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import platform
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import attrs

from tekpy.local.kubelet.images import ImageMap
from tekpy.local.kubelet.logserver import LogServer
from tekpy.local.kubelet.node import NodeHeartbeat
from tekpy.local.kubelet.podworker import PodWorker, WorkerConfig
from tekpy.local.kubelet.scheduler import bind, schedulable
from tekpy.local.kubelet.status import now
from tekpy.runtime.cache import ResourceEventHandlerFuncs, SharedInformerFactory
from tekpy.runtime.client import (
    CONFIGMAPS,
    PODS,
    SECRETS,
    Client,
    is_conflict,
    is_not_found,
)
from tekpy.runtime.events import EventRecorder

__all__ = ["AgentConfig", "BwrapUnavailable", "NodeAgent", "check_bwrap", "default_node_name"]

log = logging.getLogger("tekpy.local.kubelet")

LOST_MESSAGE = "the node agent restarted and the container's processes are gone"


def default_node_name() -> str:
    """A DNS-1123 name from the host name (``tekpy-node`` if there is none)."""
    name = re.sub(r"[^a-z0-9.-]+", "-", platform.node().lower()).strip("-.")
    return name[:63] or "tekpy-node"


class BwrapUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


def check_bwrap() -> str:
    """The path of a working ``bwrap`` (raises :class:`BwrapUnavailable` with the reason)."""
    import subprocess

    path = shutil.which("bwrap")
    if path is None:
        raise BwrapUnavailable("bubblewrap is not installed (apt-get install bubblewrap)")
    probe = subprocess.run(
        [path, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
         "--proc", "/proc", "--dev", "/dev", "--die-with-parent", "true"],
        capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode != 0:
        raise BwrapUnavailable(f"bwrap cannot create namespaces here: {probe.stderr.strip()}")
    return path


@attrs.define
class AgentConfig:
    """Settings of :class:`NodeAgent` (the ``tekpy kubelet`` flags)."""

    node_name: str = attrs.field(factory=default_node_name)
    data_dir: Path | None = None
    image_map: dict[str, str] = attrs.field(factory=dict)
    bind_unscheduled: bool = True
    allow_host_path: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    node_labels: dict[str, str] = attrs.field(factory=dict)
    lease_interval: float = 10.0
    status_interval: float = 60.0
    restart_backoff: float = 10.0
    entrypoint_build: Path | None = None


class _ApiLookup:
    """ConfigMaps and Secrets read straight from the API server."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def _get(self, resource: Any, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return await self.client.get(resource, name, namespace=namespace)
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise

    async def configmap(self, namespace: str, name: str) -> dict[str, Any] | None:
        return await self._get(CONFIGMAPS, namespace, name)

    async def secret(self, namespace: str, name: str) -> dict[str, Any] | None:
        return await self._get(SECRETS, namespace, name)


class NodeAgent:
    """Registers a Node, heartbeats, binds unscheduled Pods (optional) and runs Pods.

    ``await agent.start()`` returns once the Node is registered and the Pod cache synced;
    ``await agent.stop()`` kills what runs (without touching Pod statuses).
    """

    def __init__(self, client: Client, config: AgentConfig | None = None) -> None:
        self.client = client
        self.config = config or AgentConfig()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if self.config.data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tekpy-kubelet-")
            self.data_dir = Path(self._tmp.name)
        else:
            self.data_dir = Path(self.config.data_dir)
        self.images = ImageMap(self.data_dir, self.config.image_map,
                               entrypoint_build=self.config.entrypoint_build)
        self.workers: dict[str, PodWorker] = {}
        self._by_name: dict[tuple[str, str], PodWorker] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.informers = SharedInformerFactory(client)
        self.log_server = LogServer(self._lookup_worker, self.data_dir / "pki",
                                    host=self.config.host, port=self.config.port)
        self.heartbeat: NodeHeartbeat | None = None
        self._worker_cfg: WorkerConfig | None = None
        self._started = False
        self.recorder = EventRecorder(client, "kubelet", host=self.config.node_name)

    @property
    def node_name(self) -> str:
        return self.config.node_name

    def _lookup_worker(self, namespace: str, name: str) -> PodWorker | None:
        return self._by_name.get((namespace, name))

    async def start(self) -> None:
        """Register the Node, start the log server, informers and heartbeats."""
        bwrap = check_bwrap()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._worker_cfg = WorkerConfig(
            self.client, self.data_dir, self.images, _ApiLookup(self.client), bwrap,
            allow_host_path=self.config.allow_host_path,
            restart_backoff=self.config.restart_backoff, recorder=self.recorder)
        port = await self.log_server.start()
        self.heartbeat = NodeHeartbeat(
            self.client, self.node_name, port, labels=self.config.node_labels,
            lease_interval=self.config.lease_interval,
            status_interval=self.config.status_interval)
        node = await self.heartbeat.register()
        labels = (node.get("metadata") or {}).get("labels") or {}
        pods = self.informers.informer_for(PODS, field_selector=f"spec.nodeName={self.node_name}")
        pods.add_event_handler(ResourceEventHandlerFuncs(
            on_add=self._on_add, on_update=lambda old, new: self._sync(new, False),
            on_delete=self._on_delete))
        if self.config.bind_unscheduled:
            unbound = self.informers.informer_for(PODS, field_selector="spec.nodeName=")
            handler = ResourceEventHandlerFuncs(
                on_add=lambda p, _i: self._maybe_bind(p, labels),
                on_update=lambda _o, p: self._maybe_bind(p, labels))
            unbound.add_event_handler(handler)
        await self.informers.start()
        await self.informers.wait_for_cache_sync(timeout=60)
        self._spawn(self.heartbeat.run())
        self._started = True
        log.info("node agent %s ready (kubelet endpoint https://%s:%d)", self.node_name,
                 self.config.host, port)

    async def stop(self) -> None:
        """Stop informers, kill every container, stop the log server."""
        await self.informers.stop()
        await asyncio.gather(*(w.shutdown() for w in list(self.workers.values())),
                             return_exceptions=True)
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await self.log_server.stop()
        with contextlib.suppress(Exception):
            await self.recorder.aclose(grace=2.0)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def run_forever(self) -> None:
        """Start (if needed) and serve until cancelled."""
        if not self._started:
            await self.start()
        await asyncio.Event().wait()

    # ---- events ----------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _maybe_bind(self, pod: dict[str, Any], labels: dict[str, str]) -> None:
        if schedulable(pod, labels):
            self._spawn(bind(self.client, pod, self.node_name))

    def _on_add(self, pod: dict[str, Any], initial: bool) -> None:
        self._sync(pod, initial)

    def _on_delete(self, obj: Any) -> None:
        pod = getattr(obj, "obj", obj)
        uid = ((pod or {}).get("metadata") or {}).get("uid", "")
        worker = self.workers.get(uid)
        if worker is not None:
            worker.removed()

    def _sync(self, pod: dict[str, Any], initial: bool) -> None:
        meta = pod.get("metadata") or {}
        uid = meta.get("uid", "")
        worker = self.workers.get(uid)
        if worker is not None:
            worker.update(pod)
            return
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed"):
            if meta.get("deletionTimestamp"):
                self._spawn(self._force_delete(pod))
            return
        if status.get("startTime") and initial:
            self._spawn(self._mark_lost(pod))
            return
        if meta.get("deletionTimestamp"):
            self._spawn(self._force_delete(pod))
            return
        assert self._worker_cfg is not None
        worker = PodWorker(self._worker_cfg, pod, on_gone=self._gone)
        self.workers[uid] = worker
        self._by_name[(meta.get("namespace", ""), meta.get("name", ""))] = worker
        self._spawn(worker.run())

    def _gone(self, worker: PodWorker) -> None:
        self.workers.pop(worker.uid, None)
        key = (worker.namespace, worker.name)
        if self._by_name.get(key) is worker:
            del self._by_name[key]

    async def _force_delete(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        with contextlib.suppress(Exception):
            await self.client.delete(PODS, meta["name"], namespace=meta.get("namespace"),
                                     grace_period_seconds=0,
                                     preconditions={"uid": meta.get("uid", "")})

    async def _mark_lost(self, pod: dict[str, Any]) -> None:
        """Fail a Pod whose containers this agent no longer runs (see the module doc)."""
        meta = pod["metadata"]
        for _ in range(5):
            status = dict(pod.get("status") or {})
            for key in ("initContainerStatuses", "containerStatuses"):
                out = []
                for cs in status.get(key) or ():
                    cs = dict(cs)
                    running = (cs.get("state") or {}).get("running")
                    if running is not None:
                        cs["state"] = {"terminated": {
                            "exitCode": 137, "reason": "Error", "message": LOST_MESSAGE,
                            "startedAt": running.get("startedAt"), "finishedAt": now()}}
                        cs["ready"] = False
                        cs["started"] = False
                    out.append(cs)
                if out:
                    status[key] = out
            status.update(phase="Failed", reason="NodeAgentRestarted",
                          message=f"Pod failed: {LOST_MESSAGE}")
            body = dict(pod)
            body["status"] = status
            try:
                await self.client.update_status(PODS, body, namespace=meta.get("namespace"))
                return
            except Exception as exc:
                if not is_conflict(exc):
                    log.warning("pod %s/%s: could not mark lost: %s", meta.get("namespace"),
                                meta.get("name"), exc)
                    return
                pod = await self.client.get(PODS, meta["name"], namespace=meta.get("namespace"))
