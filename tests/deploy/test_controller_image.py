"""The controller image (``hack/build-controller-image.sh``): its root file system alone runs
``tekpy controller`` as the nonroot user, read-only, as PID 1, and that controller reconciles
TaskRuns on the test API server and serves its metrics; the OCI layout is consistent (digests,
sizes, config, layers = the root file system) and the build is reproducible."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import io
import json
import os
import signal
import socket
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import yaml

import tekpy
from tekpy.runtime.client import PODS
from tekpy.taskrun.reconciler import TASKRUNS
from tekpy.testing import eventually
from tekpy.testing.crds import load_crds

ROOT = Path(__file__).resolve().parents[2]
SITE = "/usr/local/lib/python3.11/dist-packages"
# The runtime dependencies of tekpy (import names), and what must stay out of the image.
EXPECTED = {"aiohttp", "orjson", "attr", "attrs", "cattrs", "yaml", "prometheus_client",
            "kubernetes_asyncio", "cryptography", "multidict", "yarl", "tekpy",
            "tekpy_entrypoint"}
UNWANTED = {"pip", "setuptools", "pytest", "_pytest", "pytest_asyncio", "hypothesis", "mypy",
            "ruff", "pluggy", "pygments", "iniconfig"}

# Run in the sandbox: every extension module shipped imports (its libraries are there), the
# user and CA store are the image's, and nothing of the build machine is on sys.path.
PROBE = r"""
import importlib, json, os, pwd, ssl, sys, sysconfig
site = [p for p in sys.path if p.endswith("-packages")]
failed, count = {}, 0
for base in [sysconfig.get_config_var("DESTSHARED"), *site]:
    for d, _, names in os.walk(base):
        for name in names:
            if ".so" in name:
                rel = os.path.relpath(os.path.join(d, name), base)
                mod = rel.split(".", 1)[0].replace("/", ".")
                count += 1
                try:
                    importlib.import_module(mod)
                except Exception as exc:
                    failed[mod] = repr(exc)
print(json.dumps({
    "uid": os.getuid(), "user": pwd.getpwuid(os.getuid()).pw_name, "path": sys.path,
    "site": sorted(n.split("-")[0] for p in site for n in os.listdir(p)),
    "ca": ssl.create_default_context().cert_store_stats()["x509_ca"],
    "extensions": count, "failed": failed,
}))
"""


def _entrypoint(config: dict[str, Any], *args: str) -> list[str]:
    return [*config["Entrypoint"], *args]


def test_help_runs_in_the_image_alone(sandbox: Any, image_config: dict[str, Any]) -> None:
    assert image_config["Entrypoint"] == ["/usr/bin/python3", "-I", "-m", "tekpy"]
    proc = sandbox.run(_entrypoint(image_config, "controller", "--help"))
    assert proc.returncode == 0, proc.stderr
    assert "usage: tekpy controller" in proc.stdout
    assert "--leader-elect" in proc.stdout


def test_image_contents(sandbox: Any) -> None:
    proc = sandbox.run(["/usr/bin/python3", "-I", "-c", PROBE])
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["uid"] == 65532 and found["user"] == "nonroot"
    assert found["ca"] > 10  # the build machine's bundle, through OpenSSL's default paths
    assert found["extensions"] > 30 and found["failed"] == {}
    assert all(p.startswith("/usr/lib/") or p.startswith(SITE) for p in found["path"])
    names = {n.removesuffix(".py") for n in found["site"]}
    assert EXPECTED <= names, EXPECTED - names
    assert not names & UNWANTED, names & UNWANTED


def test_bytecode_is_precompiled(sandbox: Any) -> None:
    """The root is read-only: every module must come from its shipped .pyc, none compiled at
    start-up (that would cost seconds for kubernetes_asyncio, at every start)."""
    proc = sandbox.run(["/usr/bin/python3", "-I", "-v", "-c",
                        "import tekpy.cli.main, tekpy.cli.controller, kubernetes_asyncio.client"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = [line for line in proc.stderr.splitlines() if "code object from" in line]
    assert len(loaded) > 300
    assert all(line.rstrip().endswith(".pyc'") for line in loaded), \
        [line for line in loaded if not line.rstrip().endswith(".pyc'")][:5]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kubeconfig_files(path: str, tmp_path: Path) -> dict[str, Path]:
    """Sandbox files giving the kubeconfig (``/tmp/kube/config``) and every file it refers to,
    the references rewritten to their paths in the sandbox."""
    doc = yaml.safe_load(Path(path).read_text())
    files: dict[str, Path] = {}
    entries = [(c.get("cluster") or {}) for c in doc.get("clusters") or []]
    entries += [(u.get("user") or {}) for u in doc.get("users") or []]
    for entry in entries:
        for key in ("certificate-authority", "client-certificate", "client-key", "tokenFile"):
            if entry.get(key):
                dest = f"/tmp/kube/file{len(files)}"
                files[dest] = Path(path).parent / entry[key]
                entry[key] = dest
    rewritten = tmp_path / "kubeconfig"
    rewritten.write_text(yaml.safe_dump(doc))
    files["/tmp/kube/config"] = rewritten
    return files


def _in_cluster(api_server: Any, namespace: str, tmp_path: Path
                ) -> tuple[dict[str, Path], dict[str, str]]:
    """What the kubelet gives a Pod: the service account's token, CA and namespace where
    client-go and kubernetes_asyncio look (/var/run/secrets/..., /var/run -> /run in the
    image), and the service's address in the environment."""
    url = urlsplit(api_server.url)
    assert url.scheme == "https" and url.hostname and url.port
    (tmp_path / "token").write_text(api_server.token)
    (tmp_path / "namespace").write_text(namespace)
    sa = "/run/secrets/kubernetes.io/serviceaccount"
    files = {f"{sa}/token": tmp_path / "token", f"{sa}/ca.crt": Path(api_server.ca_file),
             f"{sa}/namespace": tmp_path / "namespace"}
    env = {"KUBERNETES_SERVICE_HOST": url.hostname, "KUBERNETES_SERVICE_PORT": str(url.port)}
    return files, env


async def _read_info(fd: int, wait: float = 30) -> dict[str, Any]:
    """bwrap's ``--info-fd`` JSON (it closes the pipe once written, or when it fails)."""
    os.set_blocking(fd, False)
    data = b""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            await asyncio.sleep(0.02)
            continue
        if not chunk:
            break
        data += chunk
    return dict(json.loads(data or b"{}"))


@pytest.mark.crds(*load_crds([ROOT / "manifests" / "crds"]))
@pytest.mark.parametrize("config_source", ["in-cluster", "kubeconfig"])
async def test_controller_from_the_image_reconciles(
    sandbox: Any, image_config: dict[str, Any], api_server: Any, client: Any,
    namespace: str, tmp_path: Path, config_source: str,
) -> None:
    """In-cluster, as the Deployment runs it (with leader election): nothing writable at all.
    With a kubeconfig (the image run outside a cluster): kubernetes_asyncio writes the
    kubeconfig's inline certificate data to temporary files, so /tmp is writable there."""
    port = _free_port()
    args = ["controller", "--namespace", namespace, "--metrics-bind-address",
            f"127.0.0.1:{port}", "--health-probe-bind-address", "0",
            "--threads-per-controller", "1"]
    env: dict[str, str] = {}
    if config_source == "kubeconfig":
        files = _kubeconfig_files(api_server.kubeconfig_path, tmp_path)
        args += ["--kubeconfig", "/tmp/kube/config"]
    else:
        files, env = _in_cluster(api_server, namespace, tmp_path)
        args += ["--leader-elect"]
    info_r, info_w = os.pipe()
    argv = sandbox.argv(_entrypoint(image_config, *args), files, env=env,
                        writable_tmp=config_source == "kubeconfig", info_fd=info_w)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, pass_fds=(info_w,),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        os.close(info_w)
        info = await _read_info(info_r)
    finally:
        with contextlib.suppress(OSError):
            os.close(info_w)
        os.close(info_r)
    try:
        assert "child-pid" in info, info
        step = {"name": "s", "image": "busybox", "command": ["true"]}
        await client.create(TASKRUNS, {
            "apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "img"},
            "spec": {"taskSpec": {"steps": [step]}}}, namespace=namespace)

        async def pod_made() -> bool:
            pods = (await client.list(PODS, namespace=namespace))["items"]
            return any(p["metadata"]["name"] == "img-pod" for p in pods)
        await eventually(pod_made, 60)

        async def scraped() -> str | None:
            try:
                async with aiohttp.ClientSession() as s, \
                        s.get(f"http://127.0.0.1:{port}/metrics") as resp:
                    text = await resp.text()
            except aiohttp.ClientError:
                return None
            return text if "tekton_pipelines_controller_running_taskruns 1.0" in text else None
        text = str(await eventually(scraped, 30))
        assert "controller_runtime_reconcile_total" in text
    finally:
        if proc.returncode is None:
            if "child-pid" in info:  # what the kubelet does to a container's PID 1
                os.kill(int(info["child-pid"]), signal.SIGTERM)
            else:
                proc.kill()
        try:
            _, err = await asyncio.wait_for(proc.communicate(), 40)
        except TimeoutError:
            proc.kill()
            _, err = await proc.communicate()
        print(err.decode()[-5000:])  # shown when the test fails
    assert proc.returncode == 0, err.decode()[-3000:]


def _layer_files(layout: Any, manifest: dict[str, Any], config: dict[str, Any]
                 ) -> dict[str, tarfile.TarInfo | bytes]:
    """Every layer's blob checked against its descriptor and diff_id; the union of the layers
    (path -> TarInfo, or the content of a regular file)."""
    files: dict[str, tarfile.TarInfo | bytes] = {}
    assert len(manifest["layers"]) == len(config["rootfs"]["diff_ids"]) == 3
    for desc, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"], strict=True):
        blob = layout.blob(desc["digest"])
        assert desc["digest"] == "sha256:" + hashlib.sha256(blob).hexdigest()
        assert desc["size"] == len(blob)
        assert desc["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
        tar_bytes = gzip.decompress(blob)
        assert diff_id == "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
        with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
            for member in tar.getmembers():
                extracted = tar.extractfile(member) if member.isreg() else None
                files[member.name] = extracted.read() if extracted else member
                if member.name in ("tmp", "home/nonroot"):
                    files[member.name + "#info"] = member
    return files


def test_oci_layout(controller_image: Path, oci_layout: Any) -> None:
    layout = oci_layout
    assert json.loads((layout.path / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    desc, manifest, config = layout.descriptor(), layout.manifest(), layout.config()
    raw = layout.blob(desc["digest"])
    assert desc["digest"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert desc["size"] == len(raw)
    ref = f"tekpy/controller:v{tekpy.__version__}"
    assert desc["annotations"]["io.containerd.image.name"] == ref
    assert desc["annotations"]["org.opencontainers.image.ref.name"] == f"v{tekpy.__version__}"
    config_raw = layout.blob(manifest["config"]["digest"])
    assert manifest["config"]["size"] == len(config_raw)
    assert manifest["config"]["digest"] == "sha256:" + hashlib.sha256(config_raw).hexdigest()

    run = config["config"]
    assert run["Entrypoint"] == ["/usr/bin/python3", "-I", "-m", "tekpy"]
    assert run["Cmd"] == ["controller"]
    assert run["User"] == "65532:65532"
    assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in run["Env"]
    assert config["os"] == "linux" and len(config["history"]) == 3

    # The layers hold exactly the root file system, byte for byte.
    files = _layer_files(layout, manifest, config)
    rootfs = controller_image / "rootfs"
    on_disk: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(rootfs):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            on_disk[str(full.relative_to(rootfs))] = full
    in_layers = {k for k in files if not k.endswith("#info")}
    assert in_layers == set(on_disk), (in_layers ^ set(on_disk))
    for name, path in on_disk.items():
        entry = files[name]
        if path.is_symlink():
            assert isinstance(entry, tarfile.TarInfo) and entry.linkname == os.readlink(path)
        elif path.is_file():
            assert entry == path.read_bytes(), name
    tmp, home = files["tmp#info"], files["home/nonroot#info"]
    assert isinstance(tmp, tarfile.TarInfo) and tmp.mode == 0o1777
    assert isinstance(home, tarfile.TarInfo) and (home.uid, home.gid) == (65532, 65532)


def test_build_is_reproducible(oci_layout: Any, build_image: Callable[..., Path],
                               tmp_path: Path) -> None:
    """Another build (another directory, another umask) gives the same image digest."""
    if os.environ.get("TEKPY_CONTROLLER_IMAGE_BUILD"):
        pytest.skip("the image under test was built elsewhere: its inputs may differ")
    again = type(oci_layout)(build_image(tmp_path / "again", umask="002") / "oci")
    assert again.manifest()["layers"] == oci_layout.manifest()["layers"]
    assert again.descriptor()["digest"] == oci_layout.descriptor()["digest"]
