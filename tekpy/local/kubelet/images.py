"""Image references -> root file systems.

The node agent pulls nothing: an image reference is mapped to a directory used as the
container's root file system (read-only), to the host's own root, or to "stop this container"
(Tekton's nop image). The mapping comes from built-in defaults plus an optional YAML/JSON
file (``--image-map``)::

    images:
      busybox: busybox          # built-in busybox-only root made from the host's busybox
      python: host              # the host's root, read-only
      ghcr.io/acme/tool: /srv/roots/tool   # a directory holding an unpacked image
      tekpy/entrypoint: entrypoint         # the packaged step entrypoint
      ghcr.io/tektoncd/pipeline/nop: nop

Keys match the normalised repository (registry host, ``library/``, tag and digest removed:
``mirror.gcr.io/library/bash@sha256:...`` -> ``bash``), the full repository with its
registry (``ghcr.io/acme/tool``) or the last path component (``tool``), in that order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs

from tekpy.local.kubelet.entrypoint_build import find_entrypoint_build

__all__ = [
    "BUSYBOX_APPLETS",
    "DEFAULT_MAPPING",
    "ImageError",
    "ImageMap",
    "Rootfs",
    "image_keys",
    "load_image_map",
]

RootKind = Literal["dir", "host", "nop"]

#: Marks a busybox root of the current layout (applets in /bin, /sbin, /usr/bin, /usr/sbin).
_BUSYBOX_MARK = ".tekpy-busybox-v2"

#: Applets always linked in the busybox root (plus whatever ``busybox --list`` names).
BUSYBOX_APPLETS = (
    "sh", "ash", "echo", "true", "false", "cat", "sleep", "printf", "ls", "touch", "mkdir",
    "rm", "cp", "mv", "env", "id", "test", "[", "grep", "sed", "awk", "head", "tail", "wc",
    "base64", "chmod", "ln", "pwd", "date", "tr", "cut", "sort", "uniq", "tee", "find",
    "xargs", "basename", "dirname", "readlink", "hostname", "ps", "kill", "stat", "seq",
    "expr", "uname", "whoami", "yes", "md5sum", "sha256sum", "wget", "nc", "vi", "which",
)

#: Built-in mapping (normalised repository -> target). Overridden by the image map file.
DEFAULT_MAPPING: Mapping[str, str] = {
    "busybox": "busybox",
    "tekpy/entrypoint": "entrypoint",
    "tektoncd/pipeline/nop": "nop",
    "tektoncd/pipeline/cmd/nop": "nop",
    "tekpy/nop": "nop",
    "nop": "nop",
    # Alpine's userland is busybox (its shell is ash, which the host lacks); images that add
    # tools to Alpine (alpine/git, curlimages/curl) still need the host's.
    "alpine": "busybox",
    **{name: "host" for name in (
        "ubuntu", "debian", "bash", "python", "centos", "fedora", "node", "golang",
        "alpine/git", "git", "bitnami/git", "ruby", "perl", "openjdk", "maven", "gradle",
        "curlimages/curl", "registry.access.redhat.com/ubi8/ubi-minimal", "ubi8", "ubi9",
        "ubi-minimal", "docker", "gcr.io/distroless/base", "distroless/base",
    )},
}


class ImageError(Exception):
    """The image cannot be mapped (``reason`` is the container waiting reason)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@attrs.frozen
class Rootfs:
    """Where a container's root comes from: ``dir`` (``path``), ``host`` or ``nop``."""

    kind: RootKind
    path: str = ""
    # extra read-only binds (host path -> sandbox path), e.g. the entrypoint script
    binds: tuple[tuple[str, str], ...] = ()


def image_keys(image: str) -> list[str]:
    """Candidate keys of an image reference, most specific first."""
    ref = image.strip()
    if "@" in ref:
        ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)
    if ":" in last[-1]:
        ref = ref[: len(ref) - len(last[-1])] + last[-1].split(":", 1)[0]
    full = ref
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "library":
        parts = parts[1:]
    repo = "/".join(parts)
    keys = [repo, full, parts[-1]]
    seen: list[str] = []
    for k in keys:
        if k and k not in seen:
            seen.append(k)
    return seen


def load_image_map(path: str | None) -> dict[str, str]:
    """Read an image map file (YAML or JSON: ``{images: {ref: target}}`` or a flat map)."""
    if not path:
        return {}
    import yaml

    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an image map must be a mapping")
    images = data.get("images", data)
    if not isinstance(images, dict):
        raise ValueError(f"{path}: 'images' must be a mapping")
    return {str(k): str(v) for k, v in images.items()}


def _is_static(path: str) -> bool:
    """The ELF executable at ``path`` has no program interpreter (no dynamic loader)."""
    import struct

    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit ELF only
            return False
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return all(struct.unpack_from("<I", table, i * phentsize)[0] != 3  # PT_INTERP
               for i in range(phnum))


class ImageMap:
    """Resolves image references to :class:`Rootfs`, creating built-in roots on demand.

    ``data_dir`` holds the roots the agent builds (``rootfs/busybox``,
    ``rootfs/entrypoint``). ``entrypoint_build`` is a directory built by
    ``hack/build-entrypoint.sh`` (default ``$TEKPY_ENTRYPOINT_BUILD``, else ``out/entrypoint``
    of the source tree); without it the entrypoint image is the host root with the
    ``tekpy-entrypoint`` console script at ``/ko-app/entrypoint``.
    """

    def __init__(self, data_dir: str | Path, overrides: Mapping[str, str] | None = None, *,
                 entrypoint_build: str | Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.mapping: dict[str, str] = {**DEFAULT_MAPPING, **(overrides or {})}
        self.entrypoint_build = (Path(entrypoint_build) if entrypoint_build
                                 else find_entrypoint_build())
        self._built: dict[str, Rootfs] = {}

    def target_for(self, image: str) -> str | None:
        """The mapping target of ``image`` (None when unmapped)."""
        for key in image_keys(image):
            if key in self.mapping:
                return self.mapping[key]
        if image in self.mapping:
            return self.mapping[image]
        return None

    def resolve(self, image: str) -> Rootfs:
        """The root of ``image``; raises :class:`ImageError` (``ErrImagePull``) if unmapped."""
        if not image or not image.strip():
            raise ImageError("InvalidImageName", "image reference is empty")
        target = self.target_for(image)
        if target is None:
            key = image_keys(image)[0]
            raise ImageError(
                "ErrImagePull",
                f'image "{image}" is not mapped to a root file system on this node; '
                f"the local node agent pulls no images: add \"{key}: host\" (or a directory "
                f"holding the unpacked image) to the --image-map file")
        if target == "nop":
            return Rootfs("nop")
        if target == "host":
            return Rootfs("host", "/")
        if target in self._built:
            return self._built[target]
        if target == "busybox":
            root = Rootfs("dir", str(self._busybox_root()))
        elif target == "entrypoint":
            root = self._entrypoint_root()
        else:
            path = Path(target)
            if not path.is_dir():
                raise ImageError(
                    "ErrImagePull",
                    f'image "{image}" is mapped to {target}, which is not a directory')
            root = Rootfs("dir", str(path))
        self._built[target] = root
        return root

    def _busybox_root(self) -> Path:
        root = self.data_dir / "rootfs" / "busybox"
        if (root / _BUSYBOX_MARK).exists():
            return root
        busybox = shutil.which("busybox") or "/bin/busybox"
        if not Path(busybox).exists() or not _is_static(busybox):
            raise ImageError("ErrImagePull", "the busybox image needs the host's static "
                             "busybox (apt-get install busybox-static)")
        tmp = root.with_name(f".busybox-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "root", "home"):
            (tmp / d).mkdir(parents=True)
        shutil.copy2(busybox, tmp / "bin" / "busybox")
        # Applets where busybox (and Alpine) install them: /bin/sh, /usr/bin/env, ... so
        # "#!/usr/bin/env ash" scripts work; plus the always-linked ones in /bin.
        listed = subprocess.run([busybox, "--list-full"], capture_output=True, text=True,
                                check=False, timeout=30).stdout.split()
        paths = {p for p in listed if p.count("/") in (1, 2) and not p.startswith("/")}
        paths |= {f"bin/{a}" for a in BUSYBOX_APPLETS}
        for rel in sorted(paths):
            link = tmp / rel
            if link.parent.is_dir() and not link.exists() and link.name != "busybox":
                link.symlink_to("/bin/busybox")
        (tmp / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                            "nobody:x:65534:65534:nobody:/home:/bin/false\n")
        (tmp / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
        (tmp / _BUSYBOX_MARK).write_text("")
        if (root / _BUSYBOX_MARK).exists():  # another agent made it meanwhile
            shutil.rmtree(tmp)
        else:
            shutil.rmtree(root, ignore_errors=True)  # an older layout
            os.replace(tmp, root)
        return root

    def _entrypoint_root(self) -> Rootfs:
        build = self.entrypoint_build
        if build is None:
            script = shutil.which("tekpy-entrypoint") or str(
                Path(sys.executable).parent / "tekpy-entrypoint")
            if not Path(script).exists():
                raise ImageError("ErrImagePull", "the entrypoint image needs the packaged "
                                 "entrypoint (hack/build-entrypoint.sh) or tekpy-entrypoint")
            return Rootfs("host", "/", binds=((script, "/ko-app/entrypoint"),))
        root = self.data_dir / "rootfs" / "entrypoint"
        exe = root / "ko-app" / "entrypoint"
        src = build / "entrypoint"
        if not exe.exists() or exe.stat().st_size != src.stat().st_size:
            tmp = root.with_name(f".entrypoint-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            (tmp / "ko-app").mkdir(parents=True)
            (tmp / "tmp").mkdir()
            shutil.copy2(src, tmp / "ko-app" / "entrypoint")
            # Unpack the runtime once next to the executable: in the container /ko-app is
            # read-only, so an unpacked runtime is what lets every start skip unpacking.
            subprocess.run([str(tmp / "ko-app" / "entrypoint"), "-h"], capture_output=True,
                           timeout=120, check=False)
            shutil.rmtree(root, ignore_errors=True)
            os.replace(tmp, root)
        return Rootfs("dir", str(root))
