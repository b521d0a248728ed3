"""Starting one container attempt and recording how it ended.

An attempt goes: image -> root file system, environment, command line (``$(VAR)`` expanded),
bubblewrap process with its stdout/stderr pumped into the log file, exit, termination
message. Problems before the process starts leave the container *waiting* with kube's
reasons (``ErrImagePull``, ``CreateContainerConfigError``, ``CreateContainerError``); a
process that bubblewrap could not start ends ``terminated`` with ``ContainerCannotRun``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from tekpy.local.kubelet.env import container_env, expand
from tekpy.local.kubelet.images import ImageError, ImageMap, image_keys
from tekpy.local.kubelet.logs import LogWriter, tail_text
from tekpy.local.kubelet.objects import ConfigError, Lookup
from tekpy.local.kubelet.probes import exec_probes, probe_until_ready
from tekpy.local.kubelet.sandbox import ContainerSpec, bwrap_argv
from tekpy.local.kubelet.status import ContainerRecord, now
from tekpy.local.kubelet.volumes import HostVolume

__all__ = ["AttemptContext", "MAX_MESSAGE", "StartFailure", "run_attempt"]

log = logging.getLogger("tekpy.local.kubelet")

#: The kubelet keeps at most this many bytes of a termination message.
MAX_MESSAGE = 4096
#: FallbackToLogsOnError takes at most this many lines / bytes of the log's tail.
FALLBACK_LINES = 80
FALLBACK_BYTES = 2048
#: Exit status reported when the sandbox could not start the command.
CANNOT_RUN_EXIT = 128
#: The shells' "command not found" status: often a tool missing from the mapped root.
NOT_FOUND_EXIT = 127


class StartFailure(Exception):
    """The container cannot start now; it stays waiting with ``reason``/``message``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@attrs.frozen
class AttemptContext:
    """What an attempt needs from the agent and the Pod worker."""

    bwrap: str
    images: ImageMap
    lookup: Lookup
    pod_dir: Path
    volumes: dict[str, HostVolume]
    on_started: Callable[[asyncio.subprocess.Process, LogWriter], None]
    on_status: Callable[[], None]


def log_path(pod_dir: Path, name: str, attempt: int) -> Path:
    """Where attempt ``attempt`` of container ``name`` logs."""
    return pod_dir / "logs" / name / f"{attempt}.log"


def _security(pod: dict[str, Any], container: dict[str, Any]) -> tuple[int | None, int | None]:
    psc = (pod.get("spec") or {}).get("securityContext") or {}
    csc = container.get("securityContext") or {}
    uid = csc.get("runAsUser", psc.get("runAsUser"))
    gid = csc.get("runAsGroup", psc.get("runAsGroup"))
    return uid, gid


async def prepare_argv(ctx: AttemptContext, pod: dict[str, Any], container: dict[str, Any],
                       rec: ContainerRecord) -> tuple[list[str], dict[str, str], str] | None:
    """The bubblewrap command, environment and termination file of the next attempt, or
    None for a container of the nop image (it just stops). Raises :class:`StartFailure`."""
    try:
        rootfs = ctx.images.resolve(container.get("image", ""))
    except ImageError as exc:
        raise StartFailure(exc.reason, exc.message) from None
    if rootfs.kind == "nop":
        return None
    command = list(container.get("command") or ())
    if not command:
        raise StartFailure(
            "CreateContainerError",
            f'container "{rec.name}" sets no command: the local node agent does not know the '
            f'entrypoint of image "{container.get("image")}"; set command (and args)')
    try:
        env = await container_env(pod, container, ctx.lookup)
    except ConfigError as exc:
        raise StartFailure("CreateContainerConfigError", str(exc)) from None
    argv = [expand(a, env) for a in [*command, *(container.get("args") or ())]]
    term_dir = ctx.pod_dir / "containers" / rec.name / str(rec.restart_count)
    term_dir.mkdir(parents=True, exist_ok=True)
    term = term_dir / "termination-log"
    term.write_bytes(b"")
    term.chmod(0o666)
    meta = pod.get("metadata") or {}
    uid, gid = _security(pod, container)
    spec = ContainerSpec(
        rootfs=rootfs, argv=argv, mounts=container.get("volumeMounts") or (),
        volumes=ctx.volumes, hostname=str(meta.get("name", "")),
        working_dir=container.get("workingDir") or "", termination_file=str(term),
        termination_path=container.get("terminationMessagePath") or "/dev/termination-log",
        uid=uid, gid=gid)
    try:
        cmd = bwrap_argv(spec)
    except (ConfigError, OSError) as exc:
        raise StartFailure("CreateContainerError", str(exc)) from None
    cmd[0] = ctx.bwrap
    return cmd, env, str(term)


async def run_attempt(ctx: AttemptContext, pod: dict[str, Any], container: dict[str, Any],
                      rec: ContainerRecord) -> None:
    """Run one attempt of ``container`` to its end, keeping ``rec`` up to date.

    Raises :class:`StartFailure` when it cannot start (``rec`` untouched)."""
    prepared = await prepare_argv(ctx, pod, container, rec)
    if prepared is None:  # the nop image: "stop this container"
        rec.state, rec.reason, rec.exit_code, rec.message = "terminated", "Completed", 0, ""
        rec.started_at = rec.finished_at = now()
        return
    cmd, env, term = prepared
    writer = LogWriter(log_path(ctx.pod_dir, rec.name, rec.restart_count))
    uid = (pod.get("metadata") or {}).get("uid", "")
    try:
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True, limit=1 << 20)
    except OSError as exc:
        writer.close()
        raise StartFailure("CreateContainerError", f"cannot start bubblewrap: {exc}") from None
    rec.state, rec.reason, rec.message = "running", "", ""
    rec.started_at, rec.finished_at = now(), None
    rec.container_id = f"tekpy://{uid[:8]}-{rec.name}-{rec.restart_count}"
    # set before the first "running" status, so a probed container is never seen ready early
    rec.probing = bool(exec_probes(container))
    probing = (asyncio.get_running_loop().create_task(probe_until_ready(
        ctx.bwrap, ctx.images, ctx.lookup, ctx.volumes, pod, container, rec, proc,
        ctx.on_status)) if rec.probing else None)
    ctx.on_started(proc, writer)
    ctx.on_status()
    assert proc.stdout is not None and proc.stderr is not None
    last_err: list[bytes] = []

    async def pump_err() -> None:
        assert proc.stderr is not None
        reader = proc.stderr
        while True:
            line = await reader.readline()
            if not line:
                return
            last_err[:] = [line]
            writer.write("stderr", line)

    try:
        await asyncio.gather(writer.pump(proc.stdout, "stdout"), pump_err())
        rc = await proc.wait()
        if rc == NOT_FOUND_EXIT:
            writer.write("stderr", not_found_hint(ctx.images, container.get("image", "")))
    finally:
        writer.close()
        if probing is not None:
            probing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probing
    rec.probing = False
    rec.finished_at = now()
    if rc < 0:  # bubblewrap itself was killed
        rc = 128 - rc
    message = _read_message(term)
    if rc == 1 and last_err and last_err[0].startswith(b"bwrap: "):
        rec.exit_code, rec.reason = CANNOT_RUN_EXIT, "ContainerCannotRun"
        message = last_err[0].decode(errors="replace").strip()
    else:
        rec.exit_code, rec.reason = rc, "Completed" if rc == 0 else "Error"
        if (not message and rc != 0
                and container.get("terminationMessagePolicy") == "FallbackToLogsOnError"):
            message = tail_text(writer.path, FALLBACK_LINES, FALLBACK_BYTES)
    rec.message = message
    rec.state = "terminated"


def not_found_hint(images: ImageMap, image: str) -> bytes:
    """The log line added when a container exits 127: which root the image ran in and
    which --image-map key changes it (the exit status is usually a missing command)."""
    target = images.target_for(image) or "?"
    key = image_keys(image)[0] if image.strip() else image
    other = "busybox" if target == "host" else "host"
    where = {"host": "the host's root", "busybox": "the busybox-only root"}.get(
        target, f"the root {target}")
    return (f'tekpy kubelet: exit status 127 (command not found?): image "{image}" runs in '
            f'{where} on this node (image map key "{key}: {target}"); if a command the '
            f'step needs is missing there, map the image elsewhere with --image-map, e.g. '
            f'"{key}: {other}" or "{key}: /path/to/unpacked/image"\n').encode()


def _read_message(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_MESSAGE)
    except OSError:
        return ""
    return data.decode(errors="replace")
