"""One Pod's life on the node: volumes, init containers in order, containers together,
restarts, deadline, image switches, graceful deletion and status writes.

A worker is driven by the agent: :meth:`PodWorker.update` hands it every new version of the
Pod (from the informer) and :meth:`PodWorker.run` is its task. Status is written to
``pods/<name>/status`` with the resourceVersion of the object it was computed from; a 409
re-reads the Pod and writes again, so nothing another writer changed is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tekpy.local.kubelet.containers import AttemptContext, StartFailure, log_path, run_attempt
from tekpy.local.kubelet.images import ImageMap
from tekpy.local.kubelet.logs import LogWriter
from tekpy.local.kubelet.objects import ConfigError, Lookup
from tekpy.local.kubelet.sandbox import kill_container, signal_container
from tekpy.local.kubelet.status import ContainerRecord, PodOutcome, build_status, now
from tekpy.local.kubelet.volumes import (
    HostVolume,
    VolumeContext,
    pod_dir,
    refresh_downward,
    setup_volumes,
)
from tekpy.runtime.client import PODS, Client, is_conflict, is_not_found

__all__ = ["PodWorker", "WorkerConfig"]

log = logging.getLogger("tekpy.local.kubelet")

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


class WorkerConfig:
    """Agent-wide settings a worker reads."""

    def __init__(self, client: Client, data_dir: Path, images: ImageMap, lookup: Lookup,
                 bwrap: str, *, allow_host_path: bool = False, restart_backoff: float = 10.0,
                 max_backoff: float = 300.0, retry_interval: float = 2.0,
                 recorder: Any = None) -> None:
        self.client = client
        self.data_dir = data_dir
        self.images = images
        self.lookup = lookup
        self.bwrap = bwrap
        self.allow_host_path = allow_host_path
        self.restart_backoff = restart_backoff
        self.max_backoff = max_backoff
        self.retry_interval = retry_interval
        # an EventRecorder (source "kubelet"), or None
        self.recorder = recorder


class PodWorker:
    """Runs one Pod (identified by its UID) until it is finished and deleted."""

    def __init__(self, cfg: WorkerConfig, pod: dict[str, Any],
                 on_gone: Callable[[PodWorker], None] | None = None) -> None:
        self.cfg = cfg
        self.pod = pod
        meta = pod["metadata"]
        self.uid: str = meta.get("uid", "")
        self.namespace: str = meta.get("namespace", "")
        self.name: str = meta.get("name", "")
        spec = pod.get("spec") or {}
        has_init = bool(spec.get("initContainers"))
        self.init = [ContainerRecord(c["name"], c.get("image", ""), init=True,
                                     reason="PodInitializing")
                     for c in spec.get("initContainers") or ()]
        self.main = [ContainerRecord(c["name"], c.get("image", ""),
                                     reason="PodInitializing" if has_init else
                                     "ContainerCreating")
                     for c in spec.get("containers") or ()]
        self.dir = pod_dir(cfg.data_dir, self.uid)
        self.volumes: dict[str, HostVolume] = {}
        self.sandbox_ready = False
        self.start_time: str | None = (pod.get("status") or {}).get("startTime")
        self.outcome: PodOutcome | None = None
        self.stopping = False
        self.finished = asyncio.Event()
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.writers: dict[str, LogWriter] = {}
        self._replace: dict[str, str] = {}
        self._dirty = asyncio.Event()
        self._wake = asyncio.Event()
        self._on_gone = on_gone
        self._tasks: list[asyncio.Task[Any]] = []
        self._removed = False

    # ---- inputs ---------------------------------------------------------------------------

    def update(self, pod: dict[str, Any]) -> None:
        """A newer version of the Pod arrived (annotations, image switches, deletion)."""
        self.pod = pod
        if self.volumes:
            refresh_downward(pod, self.volumes)
        spec = pod.get("spec") or {}
        for c in spec.get("containers") or ():
            rec = self._record(c["name"])
            if rec is None or not c.get("image") or c["image"] == rec.image:
                continue
            if self._replace.get(rec.name) == c["image"]:
                continue
            self._replace[rec.name] = c["image"]
            proc = self.procs.get(rec.name)
            if proc is not None and proc.returncode is None:
                self._spawn(self._stop_process(rec.name, self._grace()))
            self._wake.set()
        if (pod.get("metadata") or {}).get("deletionTimestamp") and not self.stopping:
            self._spawn(self.stop(self._grace(), None))
        self._wake.set()

    def removed(self) -> None:
        """The Pod is gone from the API server: kill what still runs."""
        self._removed = True
        self._wake.set()
        if not self.stopping:
            self._spawn(self.stop(0, None))

    async def shutdown(self) -> None:
        """The agent stops: kill every container now, leave the Pod's status alone."""
        self._removed = True
        self._wake.set()
        self.stopping = False  # let stop() run even if a graceful stop is in progress
        await self.stop(0, None)

    # ---- helpers --------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.append(task)
        task.add_done_callback(lambda t: self._tasks.remove(t) if t in self._tasks else None)

    def _record(self, name: str) -> ContainerRecord | None:
        return next((r for r in [*self.init, *self.main] if r.name == name), None)

    def _grace(self) -> float:
        meta = self.pod.get("metadata") or {}
        if meta.get("deletionGracePeriodSeconds") is not None:
            return float(meta["deletionGracePeriodSeconds"])
        return float((self.pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))

    def _event(self, kind: str, reason: str, message: str) -> None:
        if self.cfg.recorder is not None:
            self.cfg.recorder.event(self.pod, kind, reason, message)

    def mark_dirty(self) -> None:
        """Ask the status writer to write the current status."""
        self._dirty.set()

    def log_file(self, container: str, previous: bool) -> Path | None:
        """The log file of the current (or previous) attempt of ``container``."""
        rec = self._record(container)
        if rec is None:
            return None
        attempt = rec.restart_count - (1 if previous else 0)
        if attempt < 0:
            return None
        return log_path(self.dir, container, attempt)

    def is_running(self, container: str) -> bool:
        """The container has a live process (or will start one)."""
        rec = self._record(container)
        if rec is None or self.finished.is_set():
            return False
        return rec.state != "terminated" or rec.will_restart

    # ---- the life of the Pod ----------------------------------------------------------------

    async def run(self) -> None:
        """The worker's task: run the Pod to its end, then finish deletion when asked."""
        writer = asyncio.create_task(self._status_loop())
        try:
            if self.start_time is None:
                self.start_time = now()
            self.mark_dirty()
            deadline = (self.pod.get("spec") or {}).get("activeDeadlineSeconds")
            if deadline is not None:
                self._spawn(self._deadline(float(deadline)))
            if await self._prepare() and await self._run_init():
                await asyncio.gather(*(self._container_loop(i) for i in range(len(self.main))))
            for t in list(self._tasks):  # a stop in progress kills what is left
                with contextlib.suppress(asyncio.CancelledError):
                    await t
        finally:
            self.finished.set()
            self.mark_dirty()
            await self._drain_status(writer)
        await self._finish_deletion()

    async def _prepare(self) -> bool:
        ctx = VolumeContext(self.cfg.data_dir, self.cfg.lookup, self.cfg.allow_host_path)
        while not self.stopping:
            try:
                self.volumes = await setup_volumes(self.pod, ctx)
                # the Pod may have changed while the volumes were written
                refresh_downward(self.pod, self.volumes)
                self.sandbox_ready = True
                self.mark_dirty()
                return True
            except ConfigError as exc:
                reason = ("CreateContainerConfigError" if "hostPath" in str(exc)
                          else "ContainerCreating")
                for rec in [*self.init[:1], *([] if self.init else self.main)]:
                    rec.reason, rec.message = reason, f"MountVolume.SetUp failed: {exc}"
                self.mark_dirty()
            await self._sleep(self.cfg.retry_interval)
        return False

    async def _run_init(self) -> bool:
        spec = self.pod.get("spec") or {}
        policy = spec.get("restartPolicy", "Always")
        for i, c in enumerate(spec.get("initContainers") or ()):
            rec = self.init[i]
            while True:
                if self.stopping:
                    return False
                if not await self._attempt(c, rec):
                    return False
                if rec.succeeded:
                    break
                if policy == "Never":
                    self.mark_dirty()
                    return False
                await self._backoff(rec)
        for rec in self.main:
            if rec.state == "waiting" and rec.reason == "PodInitializing":
                rec.reason = "ContainerCreating"
        self.mark_dirty()
        return True

    async def _attempt(self, container: dict[str, Any], rec: ContainerRecord) -> bool:
        """One attempt; False when the Pod stopped before the container could start."""
        def started(proc: asyncio.subprocess.Process, writer: LogWriter) -> None:
            self._started(rec.name, proc, writer)

        while not self.stopping:
            if not rec.init:
                # an image switched before the start (or during a back-off) applies now
                container = self._current_spec(rec.name)
                if container.get("image") and container["image"] != rec.image:
                    rec.image = container["image"]
                    self._replace.pop(rec.name, None)
            ctx = AttemptContext(self.cfg.bwrap, self.cfg.images, self.cfg.lookup, self.dir,
                                 self.volumes, started, self.mark_dirty)
            try:
                await run_attempt(ctx, self.pod, container, rec)
            except StartFailure as exc:
                if exc.reason != rec.reason:
                    self._event("Warning", "Failed", exc.message)
                pulling = exc.reason == "ErrImagePull" and rec.reason in ("ErrImagePull",
                                                                          "ImagePullBackOff")
                rec.reason = "ImagePullBackOff" if pulling else exc.reason
                rec.message = (f'Back-off pulling image "{container.get("image")}": '
                               f"{exc.message}" if pulling else exc.message)
                self.mark_dirty()
                await self._sleep(self.cfg.retry_interval)
                continue
            finally:
                self.procs.pop(rec.name, None)
            self.mark_dirty()
            return True
        return False

    def _started(self, name: str, proc: asyncio.subprocess.Process, writer: LogWriter) -> None:
        self.procs[name] = proc
        self.writers[name] = writer
        self._event("Normal", "Started", f"Started container {name}")
        if self.stopping:  # a stop raced with the start: stop this one too
            self._spawn(self._stop_process(name, self._grace()))

    async def _container_loop(self, index: int) -> None:
        spec = self.pod.get("spec") or {}
        policy = spec.get("restartPolicy", "Always")
        rec = self.main[index]
        while not self.stopping:
            container = self._current_spec(rec.name)
            if not await self._attempt(container, rec):
                return
            new_image = self._replace.pop(rec.name, None)
            if new_image is not None and new_image != rec.image:
                self._restart_record(rec)
                rec.image = new_image
                continue  # runs the new image now (the nop image just stops)
            failed = not rec.succeeded
            if self.stopping or policy == "Never" or (policy == "OnFailure" and not failed):
                return
            await self._backoff(rec)

    def _current_spec(self, name: str) -> dict[str, Any]:
        spec = self.pod.get("spec") or {}
        return next(c for c in spec.get("containers") or () if c.get("name") == name)

    def _restart_record(self, rec: ContainerRecord) -> None:
        rec.last_state = {"terminated": rec.terminated_state()}
        rec.restart_count += 1
        rec.state, rec.reason, rec.message, rec.will_restart = "waiting", "", "", False

    async def _backoff(self, rec: ContainerRecord) -> None:
        rec.will_restart = True
        self.mark_dirty()
        delay = min(self.cfg.restart_backoff * (2 ** rec.restart_count), self.cfg.max_backoff)
        self._restart_record(rec)
        rec.reason = "CrashLoopBackOff"
        rec.message = f"back-off {delay:g}s restarting failed container={rec.name}"
        rec.will_restart = True
        self.mark_dirty()
        await self._sleep(delay)
        rec.will_restart = False

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _deadline(self, seconds: float) -> None:
        from datetime import UTC, datetime

        assert self.start_time is not None
        started = datetime.fromisoformat(self.start_time.replace("Z", "+00:00"))
        left = seconds - (datetime.now(UTC) - started).total_seconds()
        if left > 0:
            await asyncio.sleep(left)
        if not self.finished.is_set() and not self.stopping:
            self._event("Warning", "DeadlineExceeded", DEADLINE_MESSAGE)
            await self.stop(self._grace(), PodOutcome("Failed", "DeadlineExceeded",
                                                      DEADLINE_MESSAGE))

    # ---- stopping ---------------------------------------------------------------------------

    async def stop(self, grace: float, outcome: PodOutcome | None) -> None:
        """Stop every container: SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.stopping:
            return
        self.stopping = True
        if outcome is not None:
            self.outcome = outcome
        self._wake.set()
        await asyncio.gather(*(self._stop_process(n, grace) for n in list(self.procs)))
        self.mark_dirty()

    async def _stop_process(self, name: str, grace: float) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.returncode is not None:
            return
        self._event("Normal", "Killing", f"Stopping container {name}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        # The sandbox may still be setting up (no command process yet): retry the SIGTERM
        # until the command exists, exits, or the grace period is over.
        while grace > 0 and proc.returncode is None and loop.time() < deadline:
            if signal_container(proc.pid):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), max(0.0, deadline - loop.time()))
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 0.02)
        if proc.returncode is None:
            kill_container(proc.pid)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 10)

    # ---- status -------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The Pod status as the agent sees it now."""
        # a Pod-level verdict shows once nothing runs any more, as the kubelet reports it
        running = any(r.state == "running" for r in [*self.init, *self.main])
        return build_status(self.pod, self.init, self.main, start_time=self.start_time,
                            sandbox_ready=self.sandbox_ready,
                            outcome=None if running else self.outcome)

    async def _status_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            await self._write_status()

    async def _drain_status(self, writer: asyncio.Task[None]) -> None:
        self._dirty.clear()
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        if not self._removed:
            await self._write_status()

    async def _write_status(self) -> None:
        client = self.cfg.client
        pod = self.pod
        for _ in range(10):
            if self._removed or (pod.get("metadata") or {}).get("uid") != self.uid:
                return
            status = self.status()
            if status == pod.get("status"):
                return
            body = dict(pod)
            body["status"] = status
            try:
                self.pod = await client.update_status(PODS, body, namespace=self.namespace)
                return
            except Exception as exc:
                if is_not_found(exc):
                    self._removed = True
                    return
                if not is_conflict(exc):
                    log.warning("pod %s/%s: status write failed: %s", self.namespace,
                                self.name, exc)
                    await asyncio.sleep(0.5)
                try:
                    pod = await client.get(PODS, self.name, namespace=self.namespace)
                except Exception as get_exc:
                    if is_not_found(get_exc):
                        self._removed = True
                        return
                    await asyncio.sleep(0.5)
                    continue
                self.pod = pod

    async def _finish_deletion(self) -> None:
        """Wait for deletion (a finished Pod stays until deleted), then confirm it with
        gracePeriodSeconds=0 and a UID precondition, and clean up the Pod's directory."""
        while not self._removed:
            if (self.pod.get("metadata") or {}).get("deletionTimestamp"):
                try:
                    await self.cfg.client.delete(PODS, self.name, namespace=self.namespace,
                                                 grace_period_seconds=0,
                                                 preconditions={"uid": self.uid})
                except Exception as exc:
                    if not is_not_found(exc) and not is_conflict(exc):
                        log.warning("pod %s/%s: final delete failed: %s", self.namespace,
                                    self.name, exc)
                        await self._sleep(self.cfg.retry_interval)
                        continue
                self._removed = True
                break
            await self._sleep(5)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self._on_gone is not None:
            self._on_gone(self)
