"""Build the runtime of the packaged step entrypoint (run by hack/build-entrypoint.sh).

Run it with the interpreter to package (Debian's /usr/bin/python3). Two commands:

``tree OUT``      lays out OUT/rt: bin/python3, lib/<loader and shared libraries>,
                  lib/pythonX.Y/ (sourceless .pyc of the standard-library modules
                  tekpy_entrypoint needs, and of tekpy_entrypoint itself),
                  lib/pythonX.Y/lib-dynload/<extensions>, and the
                  marker file ``tekpy-runtime``; prints the build id and the loader's name.
``assemble OUT``  writes OUT/entrypoint = OUT/launcher + archive of OUT/rt + trailer.

Archive format (little endian): records of ``u8 type (0 dir, 1 file, 2 symlink)``, ``u32 mode``,
``u32 path length``, ``u64 data length``, path, data (a symlink's data is its target); then a
16-byte trailer: ``u64 offset of the first record`` and the magic ``TEKPYRT1``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAGIC = b"TEKPYRT1"
PKG = "tekpy_entrypoint"
# Needed at interpreter start-up although nothing imports them by name.
STARTUP_PACKAGES = ["encodings"]


def _pyc(source_path: str, filename: str) -> bytes:
    with open(source_path, "rb") as f:
        code = compile(f.read(), filename, "exec", dont_inherit=True, optimize=1)
    return importlib.util.MAGIC_NUMBER + b"\0" * 12 + marshal.dumps(code)


def _ldd(path: str) -> dict[str, str]:
    out = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
    deps: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (\S+) \(", line)
        if m:
            deps[m.group(1)] = m.group(2)
            continue
        m = re.match(r"\s*(/\S*ld-linux\S*) \(", line)
        if m:
            deps[os.path.basename(m.group(1))] = m.group(1)
    return deps


def _traced_modules() -> dict[str, str]:
    """Module name -> file of every module the entrypoint loads (see trace_imports.py)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trace_imports.py")
    out = subprocess.run(
        [sys.executable, "-I", "-S", script], capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(out.splitlines()[-1])["modules"])


def build_tree(out: str) -> None:
    rt = os.path.join(out, "rt")
    shutil.rmtree(rt, ignore_errors=True)
    ver = f"{sys.version_info.major}.{sys.version_info.minor}"
    lib = os.path.join(rt, "lib")
    dynload_dst = os.path.join(lib, f"python{ver}", "lib-dynload")
    os.makedirs(os.path.join(rt, "bin"))
    os.makedirs(dynload_dst)
    python = os.path.realpath(sys.executable)
    shutil.copy2(python, os.path.join(rt, "bin", "python3"))

    modules = _traced_modules()
    for pkg in STARTUP_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        assert spec is not None and spec.origin is not None
        pkg_dir = os.path.dirname(spec.origin)
        for name in os.listdir(pkg_dir):
            if name.endswith(".py"):
                mod = pkg if name == "__init__.py" else f"{pkg}.{name[:-3]}"
                modules[mod] = os.path.join(pkg_dir, name)
    stdlib = sysconfig.get_paths()["stdlib"]
    dynload = os.path.join(stdlib, "lib-dynload")
    libraries: dict[str, str] = dict(_ldd(python))
    stdlib_dst = os.path.join(lib, f"python{ver}")

    def put(rel: str, source: str) -> None:
        # Sourceless .pyc files in place of the .py: importing them from a directory costs
        # less start-up than a zip, whose index zipimport reads in Python at every start.
        target = os.path.join(stdlib_dst, rel + ".pyc")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(_pyc(source, rel + ".py"))

    for name, path in sorted(modules.items()):
        if name == "__main__":
            continue
        if path.startswith(dynload) and path.endswith(".so"):
            shutil.copy2(path, dynload_dst)
            libraries.update(_ldd(path))
            continue
        if not path.endswith(".py"):
            continue
        in_project = path.startswith(os.path.join(ROOT, PKG) + os.sep)
        if in_project or not path.startswith(stdlib + os.sep):
            continue  # the package is added whole below; third-party ones never needed
        is_pkg = os.path.basename(path) == "__init__.py"
        if not is_pkg and os.path.basename(path)[:-3] != name.rsplit(".", 1)[-1]:
            continue  # an alias such as os.path (posixpath), which is listed under its name
        put(name.replace(".", "/") + ("/__init__" if is_pkg else ""), path)
    # The package itself, whole, including modules only reached lazily.
    pkg_dir = os.path.join(ROOT, PKG)
    for fname in sorted(os.listdir(pkg_dir)):
        if fname.endswith(".py"):
            put(f"{PKG}/{fname[:-3]}", os.path.join(pkg_dir, fname))
    loader = ""
    for soname, path in sorted(libraries.items()):
        shutil.copy2(os.path.realpath(path), os.path.join(lib, soname))
        if soname.startswith("ld-"):
            loader = soname
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(rt):
        dirnames.sort()
        for fname in sorted(filenames):
            full = os.path.join(dirpath, fname)
            digest.update(os.path.relpath(full, rt).encode() + b"\0")
            with open(full, "rb") as f:
                digest.update(f.read())
    build_id = digest.hexdigest()[:16]
    with open(os.path.join(rt, "tekpy-runtime"), "w") as f:
        f.write(build_id + "\n")
    print(build_id, loader)


def _records(rt: str):  # type: ignore[no-untyped-def]
    for dirpath, dirnames, filenames in os.walk(rt):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, rt)
        if rel_dir != ".":
            yield 0, os.stat(dirpath).st_mode & 0o7777, rel_dir, b""
        for fname in sorted(filenames):
            full = os.path.join(dirpath, fname)
            rel = os.path.normpath(os.path.join(rel_dir, fname))
            if os.path.islink(full):
                yield 2, 0o777, rel, os.readlink(full).encode()
            else:
                with open(full, "rb") as f:
                    yield 1, os.stat(full).st_mode & 0o7777, rel, f.read()


def assemble(out: str) -> None:
    target = os.path.join(out, "entrypoint")
    with open(os.path.join(out, "launcher"), "rb") as f:
        launcher = f.read()
    # The marker goes last so that a unpacked tree is "ready" only when complete.
    records = sorted(_records(os.path.join(out, "rt")), key=lambda r: r[2] == "tekpy-runtime")
    with open(target + ".tmp", "wb") as f:
        f.write(launcher)
        for rtype, mode, rel, data in records:
            path = rel.encode()
            f.write(struct.pack("<BIIQ", rtype, mode, len(path), len(data)) + path + data)
        f.write(struct.pack("<Q", len(launcher)) + MAGIC)
    os.chmod(target + ".tmp", 0o755)
    os.replace(target + ".tmp", target)


if __name__ == "__main__":
    command, out_dir = sys.argv[1], sys.argv[2]
    if command == "tree":
        build_tree(out_dir)
    elif command == "assemble":
        assemble(out_dir)
    else:
        sys.exit(f"unknown command {command}")
