"""Lay out the root file system of the controller image (run by hack/build-controller-image.sh).

    python3 -I hack/controller-image/rootfs.py OUT VENV_PYTHON

Run it with the interpreter the image will run (Debian's /usr/bin/python3). It writes:

``OUT/rootfs/``     the interpreter at its own path, the shared libraries it and every shipped
                    extension module link (ldd, each with its chain of symbolic links), the
                    standard library without what a controller never loads (PRUNED), the
                    runtime distributions of tekpy installed in VENV_PYTHON's environment
                    (resolve.py; extension modules stripped) and the tekpy packages in the
                    interpreter's first site directory, unchecked-hash bytecode for all of it
                    (pyc.py), CA certificates, /etc/passwd and /etc/group with the nonroot user
                    65532, /tmp, /home/nonroot, mount points, and the Debian copyright files
                    of the system packages shipped;
``OUT/image.args``  the ``--add``/``--layer`` arguments of hack/oci-image.py, one a line:
                    three layers, the system (interpreter, libraries, standard library, /etc),
                    the dependencies, then tekpy itself, so that a tekpy change moves the
                    smallest layer only.

Every mode is normalised (0755 directories and executables, 0644 other files, 1777 /tmp):
the umask and the modes of the sources do not reach the image.
"""

from __future__ import annotations

import ast
import importlib.machinery
import json
import os
import re
import shutil
import site
import ssl
import subprocess
import sys
import sysconfig
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
APP_PACKAGES = ["tekpy", "tekpy_entrypoint"]
UID = GID = 65532
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

# Top-level names of the standard library left out: test suites, GUI and terminal tools,
# installers, the static library and build config, and modules whose extension is left out.
PRUNED = {
    "test", "idlelib", "tkinter", "turtledemo", "turtle.py", "ensurepip", "venv", "lib2to3",
    "distutils", "pydoc_data", "curses", "dbm", "shelve.py", "sqlite3", "crypt.py",
    "__phello__", "__hello__.py", "antigravity.py", "this.py", "__pycache__",
    "sitecustomize.py", "EXTERNALLY-MANAGED",
}
# Extension modules (lib-dynload, by module name) left out: test helpers, and those needing
# terminal, database or NIS libraries.
PRUNED_EXTENSIONS = re.compile(
    r"_test.*|_ctypes_test|_xxtestfuzz|xxlimited.*|xxsubtype|_curses.*|readline|_dbm|_gdbm"
    r"|_sqlite3|_tkinter|nis|ossaudiodev|_crypt|spwd"
)
# Files of the dependencies that are never loaded: C and Cython sources, type stubs, tests.
PRUNED_DEP_FILE = re.compile(r".*\.(c|h|pyx|pxd|pyi)$|(.*/)?(tests?/.*|[^/]*_test\.py)$")


def mirror_dir(root: str, host_dir: str) -> str:
    """Create ``host_dir`` in ``root`` with the host's symbolic links along the way (``/lib``
    -> ``usr/lib`` on a merged-/usr system); return the real directory."""
    cur = "/"
    for part in host_dir.strip("/").split("/"):
        if not part:
            continue
        nxt = os.path.join(cur, part)
        if os.path.islink(nxt):
            link = root + nxt
            if not os.path.lexists(link):
                os.makedirs(os.path.dirname(link), exist_ok=True)
                os.symlink(os.readlink(nxt), link)
            nxt = mirror_dir(root, os.path.realpath(nxt))
        else:
            os.makedirs(root + nxt, exist_ok=True)
        cur = nxt
    return cur


def mirror_file(root: str, path: str) -> str:
    """Copy host file ``path`` into ``root`` at the same path, with each symbolic link of its
    chain (``libz.so.1`` -> ``libz.so.1.2.13``); return the real host file."""
    real_dir = mirror_dir(root, os.path.dirname(path))
    path = os.path.join(real_dir, os.path.basename(path))
    if os.path.islink(path):
        target = os.readlink(path)
        if not os.path.lexists(root + path):
            os.symlink(target, root + path)
        return mirror_file(root, os.path.normpath(os.path.join(real_dir, target)))
    if not os.path.exists(root + path):
        shutil.copyfile(path, root + path)
        shutil.copymode(path, root + path)
    return path


def ldd(path: str) -> list[str]:
    """The shared libraries ``path`` loads, as the paths ldd resolved them to."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        if "not found" in line:
            sys.exit(f"rootfs: {path} needs a missing library: {line.strip()}")
        m = re.match(r"\s*\S+ => (/\S+) \(", line) or re.match(r"\s*(/\S+) \(", line)
        if m:
            libs.append(m.group(1))
    return libs


def copy_stdlib(root: str, stdlib: str, dynload: str) -> list[str]:
    """Copy the pruned standard library; return the host files copied."""
    copied = []
    for dirpath, dirnames, filenames in os.walk(stdlib):
        top = dirpath == stdlib
        dirnames[:] = sorted(d for d in dirnames
                             if d != "__pycache__" and not (top and (d in PRUNED
                                                                     or d.startswith("config-"))))
        os.makedirs(root + dirpath, exist_ok=True)
        for name in sorted(filenames):
            src = os.path.join(dirpath, name)
            if top and name in PRUNED:
                continue
            if dirpath == dynload and PRUNED_EXTENSIONS.fullmatch(name.split(".", 1)[0]):
                continue
            target = os.readlink(src) if os.path.islink(src) else ""
            if target and not target.startswith("/"):
                os.symlink(target, root + src)  # e.g. Debian's _sysconfigdata alias
                continue
            shutil.copyfile(src, root + src)
            shutil.copymode(src, root + src)
            copied.append(src)
    return copied


def resolve(venv_python: str) -> dict[str, object]:
    ver = ".".join(map(str, sys.version_info[:3]))
    out = subprocess.run(
        [venv_python, "-I", os.path.join(HERE, "resolve.py"),
         os.path.join(ROOT, "pyproject.toml"), ver],
        capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(out.stderr.strip() or f"rootfs: resolve.py failed ({out.returncode})")
    return dict(json.loads(out.stdout))


def copy_dependencies(root: str, site_dir: str, resolved: dict[str, object]) -> None:
    src_site = str(resolved["site"])
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for dist in resolved["dists"]:  # type: ignore[attr-defined]
        for rel in dist["files"]:
            if PRUNED_DEP_FILE.fullmatch(rel) and ".dist-info/" not in rel:
                continue
            if "/" not in rel and not re.search(r"\.(py|pth)$|\.so", rel):
                continue  # a wheel's README or LICENSE at the top (its .dist-info has them)
            name = os.path.basename(rel)
            if re.search(r"\.(cpython-\d+|abi3|pypy)", name) and not name.endswith(suffixes):
                sys.exit(f"rootfs: {dist['name']} {dist['version']} ships {rel}, built for "
                         f"another Python than {sys.executable} (suffixes {suffixes}); "
                         "make the venv with this interpreter's version")
            dest = root + os.path.join(site_dir, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(os.path.join(src_site, rel), dest)
            shutil.copymode(os.path.join(src_site, rel), dest)


def strip_extensions(directory: str) -> None:
    """Drop the symbol tables and debug sections wheels ship in their extension modules
    (uvloop's 13 MiB become 1.6 MiB); the dynamic symbols stay. Debian's are stripped."""
    strip = os.environ.get("STRIP", "strip")
    if shutil.which(strip) is None:
        sys.exit(f"rootfs: no {strip} (apt-get install binutils)")
    files = sorted(os.path.join(d, n) for d, _, names in os.walk(directory) for n in names
                   if ".so" in n and not os.path.islink(os.path.join(d, n)))
    if files:
        subprocess.run([strip, "--strip-unneeded", *files], check=True)


def _tekpy_version() -> str:
    with open(os.path.join(ROOT, "tekpy", "__init__.py")) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__version__":
            return str(ast.literal_eval(node.value))
    sys.exit("rootfs: no __version__ in tekpy/__init__.py")


def copy_app(root: str, site_dir: str) -> str:
    """Copy the tekpy packages and write their distribution metadata; return the version."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    version = _tekpy_version()
    if version != project["version"]:
        sys.exit(f"rootfs: tekpy.__version__ {version} != pyproject version {project['version']}")
    for pkg in APP_PACKAGES:
        shutil.copytree(os.path.join(ROOT, pkg), root + os.path.join(site_dir, pkg),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    info = root + os.path.join(site_dir, f"tekpy-{version}.dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: tekpy\nVersion: {version}\n"
                f"Summary: {project['description']}\nLicense: {project['license']}\n")
        f.writelines(f"Requires-Dist: {r}\n" for r in project["dependencies"])
    return version


def write_etc(root: str) -> None:
    def write(path: str, text: str) -> None:
        os.makedirs(os.path.dirname(root + path), exist_ok=True)
        with open(root + path, "w") as f:
            f.write(text)

    write("/etc/passwd", f"root:x:0:0:root:/root:/sbin/nologin\n"
                         f"nonroot:x:{UID}:{GID}:nonroot:/home/nonroot:/sbin/nologin\n")
    write("/etc/group", f"root:x:0:\nnonroot:x:{GID}:\n")
    # glibc's own defaults, written down (no NSS module libraries are shipped).
    write("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")
    if not os.path.isfile(CA_BUNDLE):
        sys.exit(f"rootfs: no {CA_BUNDLE} (apt-get install ca-certificates)")
    os.makedirs(root + os.path.dirname(CA_BUNDLE))
    shutil.copyfile(CA_BUNDLE, root + CA_BUNDLE)
    # OpenSSL's compiled-in defaults (Debian: /usr/lib/ssl/{cert.pem,certs}) lead to it.
    paths = ssl.get_default_verify_paths()
    for link, target in ((paths.openssl_cafile, CA_BUNDLE),
                         (paths.openssl_capath, os.path.dirname(CA_BUNDLE))):
        if link and link != target and not os.path.lexists(root + link):
            os.makedirs(os.path.dirname(root + link), exist_ok=True)
            os.symlink(target, root + link)
    os.makedirs(root + "/tmp")
    os.makedirs(root + "/home/nonroot")
    # Mount points, which a read-only root cannot get at run time; the kubelet mounts the
    # service account at /var/run/secrets/kubernetes.io/serviceaccount.
    for mount_point in ("/proc", "/sys", "/dev", "/run", "/var"):
        os.makedirs(root + mount_point)
    os.symlink("/run", root + "/var/run")


def copy_copyrights(root: str, host_files: list[str]) -> None:
    """The Debian copyright file of every system package a shipped file comes from."""
    if shutil.which("dpkg-query") is None:
        return
    out = subprocess.run(["dpkg-query", "-S", *host_files], capture_output=True, text=True,
                         check=False).stdout
    packages = {line.split(":", 1)[0].split(",")[0].strip() for line in out.splitlines()}
    packages.add("ca-certificates")
    for pkg in sorted(packages):
        src = f"/usr/share/doc/{pkg}/copyright"
        if os.path.isfile(src):
            os.makedirs(root + os.path.dirname(src), exist_ok=True)
            shutil.copyfile(src, root + src)


def normalise_modes(root: str) -> None:
    for dirpath, _, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755 if os.stat(path).st_mode & 0o111 else 0o644)
    os.chmod(root + "/tmp", 0o1777)


def layer_args(root: str, site_dir: str) -> list[str]:
    """``--add``/``--layer`` arguments: system, dependencies, tekpy."""
    args: list[str] = []

    def outside(image_dir: str, skip: str) -> None:
        # Everything under image_dir except skip (a path below it).
        rest = os.path.relpath(skip, image_dir).split("/")
        for name in sorted(os.listdir(root + image_dir)):
            path = os.path.join(image_dir, name)
            if name != rest[0]:
                args.append(f"--add={root + path}:{path}")
            elif len(rest) > 1:
                outside(path, skip)

    outside("/", site_dir)
    app = {*APP_PACKAGES, *(n for n in os.listdir(root + site_dir) if n.startswith("tekpy-"))}
    for group in (sorted(set(os.listdir(root + site_dir)) - app), sorted(app)):
        args.append("--layer")
        args.extend(f"--add={root + site_dir}/{n}:{site_dir}/{n}" for n in group)
    return args


def main() -> None:
    out, venv_python = sys.argv[1], sys.argv[2]
    root = os.path.abspath(os.path.join(out, "rootfs"))
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    stdlib = sysconfig.get_paths()["stdlib"]
    dynload = sysconfig.get_config_var("DESTSHARED") or os.path.join(stdlib, "lib-dynload")
    site_dir = site.getsitepackages()[0]

    # The interpreter, through the link it was called by (/usr/bin/python3 -> python3.11).
    python = mirror_file(root, os.path.abspath(sys.executable))
    host_files = [python, *copy_stdlib(root, stdlib, dynload)]
    os.makedirs(root + site_dir, exist_ok=True)
    copy_dependencies(root, site_dir, resolve(venv_python))
    version = copy_app(root, site_dir)
    strip_extensions(root + site_dir)

    # Libraries of the interpreter and of every extension module shipped.
    binaries = [python]
    for dirpath, _, filenames in os.walk(root):
        binaries.extend(os.path.join(dirpath, n) for n in filenames
                        if n.endswith(".so") and not os.path.islink(os.path.join(dirpath, n)))
    libs: set[str] = set()
    for binary in sorted(binaries):
        libs.update(lib for lib in ldd(binary) if not lib.startswith(root))
    for lib in sorted(libs):
        host_files.append(lib)
        host_files.append(mirror_file(root, lib))

    write_etc(root)
    copy_copyrights(root, sorted(set(host_files)))
    env = {"PYTHONHASHSEED": "0", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    subprocess.run([python, "-s", os.path.join(HERE, "pyc.py"), root, stdlib, site_dir],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    normalise_modes(root)
    with open(os.path.join(out, "image.args"), "w") as f:
        f.writelines(a + "\n" for a in layer_args(root, site_dir))
    print(version)


if __name__ == "__main__":
    main()
