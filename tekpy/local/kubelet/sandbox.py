"""One container = one process tree under bubblewrap.

The sandbox gets new PID, IPC and UTS namespaces (hostname = the Pod's name) and a fresh
mount namespace whose root is a tmpfs holding read-only binds of every top-level entry of
the image root, a private ``/proc``, a minimal ``/dev``, a ``/tmp`` tmpfs, the Pod's volumes at
their mount paths and the termination message file. The network is the host's (the Pod IP
is 127.0.0.1). ``--die-with-parent`` ties the tree to the agent.

Signals: bubblewrap's outer process ignores nothing and forwards nothing, and its init inside
the PID namespace only handles what it installed handlers for; so SIGTERM goes to the
container's own top process (the child of bubblewrap's init, found through
``/proc/<pid>/task/*/children``), and SIGKILL to bubblewrap's init, which takes the whole
PID namespace down.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from tekpy.local.kubelet.images import Rootfs
from tekpy.local.kubelet.objects import ConfigError
from tekpy.local.kubelet.volumes import HostVolume

__all__ = ["ContainerSpec", "bwrap_argv", "children", "signal_container", "kill_container"]

#: Entries of an image root never bound (the sandbox makes its own).
_SKIP = {"proc", "dev", "tmp", "sys", "lost+found"}


@attrs.frozen
class ContainerSpec:
    """What the sandbox needs to start one container."""

    rootfs: Rootfs
    argv: Sequence[str]
    mounts: Sequence[dict[str, Any]]
    volumes: Mapping[str, HostVolume]
    hostname: str
    working_dir: str = ""
    termination_file: str = ""
    termination_path: str = "/dev/termination-log"
    uid: int | None = None
    gid: int | None = None


def _root_entries(root: str, needs: Sequence[str] = (), *, host: bool = False) -> list[str]:
    """Binds of the image root's top-level entries.

    ``needs`` are sandbox paths that must be creatable (mount points, the working
    directory). A read-only bind cannot take a new directory, so a directory on the way to
    a missing path is not bound whole: it becomes a tmpfs directory holding binds of its own
    entries (recursively), and the missing part is then created in that tmpfs, as a
    container runtime creates a mount point in the image's writable layer.

    ``/root`` (root's HOME) is an empty writable tmpfs when the image's is empty, and always
    for the ``host`` root (``host``), whose /root is the agent user's own home."""
    rel = [n.strip("/") for n in needs if n.strip("/")]
    return _dir_entries(root, "", rel, top=True, host=host)


def _dir_entries(src_dir: str, dst_dir: str, needs: list[str], *, top: bool,
                 host: bool = False) -> list[str]:
    args: list[str] = []
    for name in sorted(os.listdir(src_dir)):
        if top and name in _SKIP:
            continue
        src = os.path.join(src_dir, name)
        dst = f"{dst_dir}/{name}"
        below = [n.split("/", 1)[1] for n in needs
                 if n.split("/", 1)[0] == name and "/" in n]
        if os.path.islink(src):
            args += ["--symlink", os.readlink(src), dst]
        elif top and name == "root" and (host or _empty_or_private(src)):
            # HOME of root: writable, as in a container (Tekton copies credentials there)
            args += ["--tmpfs", dst]
        elif os.path.isdir(src) and any(not os.path.lexists(os.path.join(src, b))
                                        for b in below):
            args += ["--dir", dst]
            args += _dir_entries(src, dst, below, top=False)
        elif os.path.isdir(src) or os.path.isfile(src):
            args += ["--ro-bind", src, dst]
    return args


def _empty_or_private(path: str) -> bool:
    try:
        return not os.listdir(path)
    except OSError:  # the host's /root: not readable by the agent's user
        return True


def _host_view(spec: ContainerSpec, path: str) -> Path | None:
    """Where ``path`` in the sandbox lives on the host (None: in the tmpfs root)."""
    best: tuple[int, Path] | None = None
    for m in spec.mounts:
        mp = m.get("mountPath", "").rstrip("/") or "/"
        if path == mp or path.startswith(mp + "/"):
            vol = spec.volumes.get(m.get("name", ""))
            if vol is None:
                continue
            src = Path(vol.path) / (m.get("subPath") or "")
            rel = path[len(mp):].lstrip("/")
            if best is None or len(mp) > best[0]:
                best = (len(mp), src / rel if rel else src)
    if best is not None:
        return best[1]
    if spec.rootfs.kind == "nop":
        return None
    top = path.strip("/").split("/", 1)[0]
    if not top or top in _SKIP:
        return None
    return Path(spec.rootfs.path) / path.lstrip("/")


def bwrap_argv(spec: ContainerSpec) -> list[str]:
    """The bubblewrap command line of a container (raises :class:`ConfigError` for a
    mount that names no volume)."""
    args = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--hostname", spec.hostname[:63] or "pod", "--tmpfs", "/"]
    needs = [m.get("mountPath", "") for m in spec.mounts]
    if spec.working_dir:
        needs.append(spec.working_dir)
    args += _root_entries(spec.rootfs.path, needs, host=spec.rootfs.kind == "host")
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for host_path, dst in spec.rootfs.binds:
        args += ["--ro-bind", host_path, dst]
    # Parents before children, so a nested mount lands inside its parent's volume.
    mounts = sorted(spec.mounts, key=lambda m: m.get("mountPath", "").rstrip("/").count("/"))
    for m in mounts:
        vol = spec.volumes.get(m.get("name", ""))
        if vol is None:
            raise ConfigError(f'unable to find volume "{m.get("name")}" for mount '
                              f'{m.get("mountPath")}')
        src = Path(vol.path)
        sub = m.get("subPath") or ""
        if sub:
            src = src / sub
            if not src.exists() and Path(vol.path).is_dir():
                src.mkdir(parents=True, exist_ok=True)  # kube creates a missing subPath dir
        ro = bool(m.get("readOnly")) or vol.read_only
        args += ["--ro-bind" if ro else "--bind", str(src), m.get("mountPath", "")]
    if spec.termination_file:
        args += ["--bind", spec.termination_file, spec.termination_path]
    if spec.working_dir:
        where = _host_view(spec, spec.working_dir)
        if where is None or not where.exists():
            args += ["--dir", spec.working_dir]
        args += ["--chdir", spec.working_dir]
    else:
        # the image's WORKDIR is unknown: "/" (its default), never the agent's own directory,
        # which bubblewrap would keep when it exists in the sandbox (a host root)
        args += ["--chdir", "/"]
    if spec.uid not in (None, 0) or spec.gid not in (None, 0):
        args += ["--unshare-user", "--uid", str(spec.uid or 0), "--gid", str(spec.gid or 0)]
    return [*args, "--", *spec.argv]


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (empty when it is gone)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            continue
    return out


def signal_container(bwrap_pid: int, sig: int = signal.SIGTERM) -> bool:
    """Send ``sig`` to the container's top process; False when none was found."""
    sent = False
    for init in children(bwrap_pid):
        for top in children(init):
            try:
                os.kill(top, sig)
                sent = True
            except ProcessLookupError:
                pass
    return sent


def kill_container(bwrap_pid: int) -> None:
    """SIGKILL the container's PID namespace (through its init) and bubblewrap itself."""
    for init in children(bwrap_pid):
        try:
            os.kill(init, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.kill(bwrap_pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
