"""Write an OCI image (from scratch) as an OCI image layout directory, no engine.

    oci-image.py --layout DIR --ref NAME:TAG --add SRC:DEST [--add SRC:DEST ...]
                 [--layer --add SRC:DEST ...] [--entrypoint ARG ...] [--cmd ARG ...]
                 [--env KEY=VALUE ...] [--user UID[:GID]] [--chown DEST=UID:GID ...]
                 [--arch amd64]

Each ``--add`` puts a file or a directory tree at DEST in the image; ``--layer`` starts a new
layer for the ``--add`` options after it (layers apply in order). Each layer is a gzip'd tar
with owner 0:0 (``--chown`` gives one entry another owner) and mtime 0 (``$SOURCE_DATE_EPOCH``
when set), so the same inputs give the same digests. ``--entrypoint``, ``--cmd`` and ``--env``
repeat, one argument or variable each; the config holds only the keys that were given.
The layout (``oci-layout``, ``index.json``, ``blobs/sha256/...``) can be pushed with
``skopeo copy oci:DIR:TAG docker://REGISTRY/NAME:TAG`` or loaded with ``podman load``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile
from datetime import UTC, datetime

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
INDEX = "application/vnd.oci.image.index.v1+json"


def _epoch() -> int:
    return int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


def _info(name: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = _epoch()
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def build_layer(
    adds: list[tuple[str, str]], owners: dict[str, tuple[int, int]] | None = None
) -> bytes:
    """The uncompressed tar of a layer; ``owners`` maps an image path to its uid and gid."""
    owned = {k.strip("/"): v for k, v in (owners or {}).items()}
    buf = io.BytesIO()
    seen: set[str] = set()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def put(info: tarfile.TarInfo, f: io.BufferedReader | None = None) -> None:
            if info.name in owned:
                info.uid, info.gid = owned[info.name]
                info.uname = info.gname = ""
            tar.addfile(info, f)

        def parents(dest: str) -> None:
            parts = dest.strip("/").split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in seen:
                    seen.add(d)
                    put(_info(d, tarfile.DIRTYPE, 0o755))

        def add(src: str, dest: str) -> None:
            name = dest.strip("/")
            parents(dest)
            if os.path.islink(src):
                info = _info(name, tarfile.SYMTYPE, 0o777)
                info.linkname = os.readlink(src)
                put(info)
            elif os.path.isdir(src):
                if name not in seen:
                    seen.add(name)
                    put(_info(name, tarfile.DIRTYPE, os.stat(src).st_mode & 0o7777))
                for child in sorted(os.listdir(src)):
                    add(os.path.join(src, child), f"{name}/{child}")
            else:
                st = os.stat(src)
                with open(src, "rb") as f:
                    put(_info(name, tarfile.REGTYPE, st.st_mode & 0o7777, st.st_size), f)

        for src, dest in adds:
            add(src, dest)
    return buf.getvalue()


def _blob(layout: str, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _json(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def write_layout(
    layout: str,
    ref: str,
    adds: list[tuple[str, str]],
    entrypoint: list[str],
    arch: str,
    *,
    more_layers: list[list[tuple[str, str]]] = (),  # type: ignore[assignment]
    cmd: list[str] | None = None,
    env: list[str] | None = None,
    user: str | None = None,
    owners: dict[str, tuple[int, int]] | None = None,
) -> str:
    """Write the image layout (layers: ``adds``, then each of ``more_layers``); return the
    manifest digest."""
    layers: list[dict[str, object]] = []
    diff_ids: list[str] = []
    for layer_adds in [adds, *more_layers]:
        tar = build_layer(layer_adds, owners)
        gz = gzip.compress(tar, compresslevel=9, mtime=_epoch())
        layers.append({"mediaType": LAYER, **_blob(layout, gz)})
        diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    created = datetime.fromtimestamp(_epoch(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run: dict[str, object] = {"Entrypoint": entrypoint, "WorkingDir": "/"}
    if cmd:
        run["Cmd"] = cmd
    if env:
        run["Env"] = env
    if user:
        run["User"] = user
    config = {
        "architecture": arch,
        "os": "linux",
        "created": created,
        "config": run,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": created, "created_by": "hack/oci-image.py"} for _ in layers],
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, **_blob(layout, _json(config))},
        "layers": layers,
    }
    desc = {"mediaType": MANIFEST, **_blob(layout, _json(manifest))}
    tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else "latest"
    desc["annotations"] = {
        "org.opencontainers.image.ref.name": tag,
        "io.containerd.image.name": ref,
    }
    desc["platform"] = {"architecture": arch, "os": "linux"}
    index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [desc]}
    with open(os.path.join(layout, "index.json"), "wb") as f:
        f.write(_json(index))
    with open(os.path.join(layout, "oci-layout"), "wb") as f:
        f.write(_json({"imageLayoutVersion": "1.0.0"}))
    return str(desc["digest"])


def _machine_arch() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


class _AddAction(argparse.Action):
    """``--add`` appends to the current layer, ``--layer`` starts the next one."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        layers = namespace.layers
        if option_string == "--layer":
            layers.append([])
            return
        src, sep, dest = str(values).partition(":")
        if not sep:
            parser.error(f"--add {values}: expected SRC:DEST")
        layers[-1].append((src, dest))


def _owner(spec: str) -> tuple[str, tuple[int, int]]:
    dest, _, ids = spec.partition("=")
    uid, _, gid = ids.partition(":")
    return dest, (int(uid), int(gid or uid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layout", required=True)
    parser.add_argument("--ref", required=True)
    parser.add_argument("--add", action=_AddAction, dest="layers", metavar="SRC:DEST")
    parser.add_argument("--layer", action=_AddAction, dest="layers", nargs=0)
    parser.add_argument("--entrypoint", action="append", default=[])
    parser.add_argument("--cmd", action="append", default=[])
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--user")
    parser.add_argument("--chown", action="append", default=[], metavar="DEST=UID:GID")
    parser.add_argument("--arch", default=_machine_arch())
    args = parser.parse_args(namespace=argparse.Namespace(layers=[[]]))
    if any(not layer for layer in args.layers):
        parser.error("every layer needs at least one --add")
    os.makedirs(args.layout, exist_ok=True)
    first, *more = args.layers
    digest = write_layout(args.layout, args.ref, first, args.entrypoint, args.arch,
                          more_layers=more, cmd=args.cmd, env=args.env, user=args.user,
                          owners=dict(_owner(o) for o in args.chown))
    print(f"{args.ref} {digest}")


if __name__ == "__main__":
    main()
