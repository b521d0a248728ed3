"""Fixtures of the controller-image tests: the image, built once per session by
``hack/build-controller-image.sh`` (or taken from ``$TEKPY_CONTROLLER_IMAGE_BUILD``) from a
copy of the checkout's inputs taken at the start of the session (so that a second build for
the reproducibility test sees the same sources even while the tree is being edited), a
reader of its OCI layout, and a sandbox whose root file system is the image's root and nothing
else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 300
# What the build reads from the checkout (the rest comes from the system and the venv).
INPUTS = ("hack/build-controller-image.sh", "hack/oci-image.py", "hack/controller-image",
          "tekpy", "tekpy_entrypoint", "pyproject.toml")


def _snapshot(dest: Path) -> Path:
    for name in INPUTS:
        src, target = ROOT / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, target)
    return dest


def _build(sources: Path, out: Path, umask: str = "022") -> Path:
    """Run the build script of ``sources`` into ``out`` under ``umask``, with this test run's
    environment as the venv (bounded; its output is shown when it fails)."""
    script = sources / "hack" / "build-controller-image.sh"
    env = {**os.environ, "VENV_PYTHON": sys.executable}
    proc = subprocess.run(["sh", "-c", f'umask {umask} && exec "$0" "$1"', str(script), str(out)],
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False,
                          env=env)
    if proc.returncode != 0:
        pytest.fail(f"build-controller-image.sh failed ({proc.returncode}):\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return out


@attrs.define
class OciLayout:
    """Reads an OCI image layout holding one image."""

    path: Path

    def blob(self, digest: str) -> bytes:
        algorithm, _, hexdigest = digest.partition(":")
        return (self.path / "blobs" / algorithm / hexdigest).read_bytes()

    def descriptor(self) -> dict[str, Any]:
        """The index's descriptor of the image manifest."""
        (desc,) = json.loads((self.path / "index.json").read_text())["manifests"]
        return dict(desc)

    def manifest(self) -> dict[str, Any]:
        return dict(json.loads(self.blob(self.descriptor()["digest"])))

    def config(self) -> dict[str, Any]:
        return dict(json.loads(self.blob(self.manifest()["config"]["digest"])))


@pytest.fixture(scope="session")
def image_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's copy of the build's inputs."""
    return _snapshot(tmp_path_factory.mktemp("controller-image-sources"))


@pytest.fixture(scope="session")
def build_image(image_sources: Path) -> Callable[..., Path]:
    """``build_image(out, umask="022")``: build from the session's sources (bounded), return
    ``out``."""
    return lambda out, umask="022": _build(image_sources, out, umask)


@pytest.fixture(scope="session")
def controller_image(build_image: Callable[..., Path],
                     tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build's output directory: ``rootfs/`` and ``oci/``."""
    given = os.environ.get("TEKPY_CONTROLLER_IMAGE_BUILD")
    if given:
        return Path(given)
    return build_image(tmp_path_factory.mktemp("controller-image"))


@pytest.fixture(scope="session")
def oci_layout(controller_image: Path) -> OciLayout:
    return OciLayout(controller_image / "oci")


@pytest.fixture(scope="session")
def image_config(oci_layout: OciLayout) -> dict[str, Any]:
    """The ``config`` part of the image's OCI config (Entrypoint, Cmd, Env, User...)."""
    return dict(oci_layout.config()["config"])


@attrs.define
class Sandbox:
    """Commands run under bubblewrap in the image's root, read-only, as the image's user, with
    the image's environment, their own PID namespace (the command is PID 1, as in a container)
    and the host's network (the tests' API server listens on loopback).

    ``files`` maps paths in the sandbox to host files, mounted read-only on a tmpfs at the
    first level of the path (``/tmp``, ``/run``) that is made read-only afterwards, so nothing
    is writable unless ``writable_tmp`` (an emptyDir at /tmp, in Kubernetes terms)."""

    bwrap: str
    rootfs: Path
    config: dict[str, Any]

    def argv(self, command: Sequence[str], files: dict[str, Path] | None = None, *,
             env: dict[str, str] | None = None, writable_tmp: bool = False,
             info_fd: int | None = None) -> list[str]:
        uid, _, gid = str(self.config.get("User", "0")).partition(":")
        argv = [self.bwrap, "--ro-bind", str(self.rootfs), "/", "--proc", "/proc",
                "--dev", "/dev", "--unshare-all", "--share-net", "--uid", uid,
                "--gid", gid or uid, "--as-pid-1", "--die-with-parent", "--clearenv",
                "--chdir", self.config.get("WorkingDir") or "/"]
        variables = dict(v.split("=", 1) for v in self.config.get("Env") or [])
        for key, value in sorted({**variables, **(env or {})}.items()):
            argv += ["--setenv", key, value]
        files = files or {}
        tops = sorted({"/" + p.strip("/").split("/")[0] for p in files}
                      | ({"/tmp"} if writable_tmp else set()))
        for top in tops:
            argv += ["--tmpfs", top]
        for dest, src in sorted(files.items()):
            argv += ["--ro-bind", str(src), dest]
        for top in tops:
            if not (writable_tmp and top == "/tmp"):
                argv += ["--remount-ro", top]
        if info_fd is not None:
            argv += ["--info-fd", str(info_fd)]
        return [*argv, *command]

    def run(self, command: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(command), capture_output=True, text=True,
                              timeout=timeout, check=False)


@pytest.fixture(scope="session")
def sandbox(bwrap: str, controller_image: Path, image_config: dict[str, Any]) -> Sandbox:
    return Sandbox(bwrap, controller_image / "rootfs", image_config)
