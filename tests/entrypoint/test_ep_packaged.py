"""The packaged executable in a root file system holding only busybox (no Python, no libc).

The executable is built once per session with hack/build-entrypoint.sh (about 10 s), or taken
from ``$TEKPY_ENTRYPOINT_BUILD`` (a directory the script built). Needs bubblewrap and
busybox-static (``apt-get install bubblewrap busybox-static``), gcc and Debian's python3.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest
from ep_helpers import ROOT

BUSYBOX = shutil.which("busybox") or "/bin/busybox"
APPLETS = ["sh", "echo", "true", "false", "cat", "sleep", "printf", "ls", "touch"]


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("TEKPY_ENTRYPOINT_BUILD")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("entrypoint-build")
    subprocess.run(
        [str(ROOT / "hack" / "build-entrypoint.sh"), str(out)], check=True, timeout=600,
        capture_output=True,
    )
    return out


def _make_root(base: Path, build: Path) -> Path:
    root = base / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(BUSYBOX, root / "bin" / "busybox")
    for applet in APPLETS:
        (root / "bin" / applet).symlink_to("busybox")
    (root / "ko-app").mkdir()
    shutil.copy(build / "entrypoint", root / "ko-app" / "entrypoint")
    for d in ("tekton/bin", "tekton/results", "tekton/downward", "tmp"):
        (root / d).mkdir(parents=True)
    return root


def _bwrap(root: Path, *extra: str) -> list[str]:
    return [
        "bwrap", "--bind", str(root), "/", "--proc", "/proc", "--dev", "/dev",
        "--unshare-all", "--die-with-parent", "--clearenv", "--setenv", "PATH", "/bin",
        *extra,
    ]


@pytest.fixture
def sandbox_root(tmp_path: Path, build: Path) -> Path:
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is not installed (apt-get install bubblewrap busybox-static)")
    ldd = subprocess.run(["ldd", BUSYBOX], capture_output=True, text=True)
    if "not a dynamic executable" not in ldd.stdout + ldd.stderr:
        pytest.fail(f"{BUSYBOX} is not static (apt-get install busybox-static)")
    root = _make_root(tmp_path, build)
    probe = subprocess.run(_bwrap(root, "/bin/true"), capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"bwrap cannot create namespaces here: {probe.stderr.strip()}")
    return root


def test_root_has_no_python_and_no_libc(sandbox_root: Path) -> None:
    names = {p.name for p in sandbox_root.rglob("*")}
    assert not any(n.startswith(("libc.so", "python", "ld-linux")) for n in names)


def test_three_steps_run_the_protocol_in_a_busybox_root(sandbox_root: Path) -> None:
    init = subprocess.run(
        _bwrap(sandbox_root, "/ko-app/entrypoint", "init", "/ko-app/entrypoint",
               "/tekton/bin/entrypoint", "step-a", "step-b", "step-c", "step-d"),
        capture_output=True, text=True, timeout=60,
    )
    assert init.returncode == 0, init.stderr
    commands = [
        "echo 0 >> /tmp/log; printf hello > /tekton/results/greeting",
        "echo 1 >> /tmp/log",
        "echo 2 >> /tmp/log; exit 7",
        "echo 3 >> /tmp/log",
    ]
    lines = []
    for i in reversed(range(4)):  # started last-first, in the background, all together
        wait = f"-wait_file /tekton/run/{i - 1}/out " if i else ""
        results = "-results greeting " if i == 0 else ""
        lines.append(
            f"/tekton/bin/entrypoint {wait}-post_file /tekton/run/{i}/out "
            f"-termination_path /tmp/term-{i} -step_metadata_dir /tekton/run/{i}/status "
            f"{results}-entrypoint sh -- -c '{commands[i]}' & p{i}=$!"
        )
    lines.append("for i in 0 1 2 3; do eval wait \\$p$i; echo $? >> /tmp/rcs; done")
    # The steps see /tekton/bin read-only, as in a Pod.
    run = subprocess.run(
        _bwrap(sandbox_root, "--ro-bind", str(sandbox_root / "tekton" / "bin"), "/tekton/bin",
               "/bin/sh", "-c", "\n".join(lines)),
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    tmp = sandbox_root / "tmp"
    assert (tmp / "log").read_text().split() == ["0", "1", "2"]
    assert (tmp / "rcs").read_text().split() == ["0", "0", "7", "1"]
    run_dir = sandbox_root / "tekton" / "run"
    assert [(run_dir / str(i) / "out").exists() for i in range(4)] == [True, True, False, False]
    assert (run_dir / "3" / "out.err").exists()
    term0 = json.loads((tmp / "term-0").read_text())
    assert term0[0] == {"key": "greeting", "value": "hello", "type": 1}
    term3 = {e["key"]: e["value"] for e in json.loads((tmp / "term-3").read_text())}
    assert term3["Reason"] == "Skipped"
    assert os.readlink(sandbox_root / "tekton" / "steps" / "step-b") == "/tekton/run/1/status"


def test_unpacks_itself_when_its_directory_is_read_only(sandbox_root: Path) -> None:
    res = subprocess.run(
        _bwrap(sandbox_root, "--ro-bind", str(sandbox_root / "ko-app"), "/ko-app",
               "/ko-app/entrypoint", "-post_file", "/tmp/out", "-termination_path", "/tmp/t",
               "-entrypoint", "echo", "--", "hi"),
        capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout == "hi\n"
    assert any(p.name.startswith(".tekpy-") for p in (sandbox_root / "tmp").iterdir())


def test_oci_layout_is_consistent(build: Path) -> None:
    layout = build / "oci"
    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((layout / "index.json").read_text())

    def blob(desc: dict[str, object]) -> bytes:
        algo, digest = str(desc["digest"]).split(":")
        data = (layout / "blobs" / algo / digest).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest and len(data) == desc["size"]
        return data

    (desc,) = index["manifests"]
    assert desc["annotations"]["io.containerd.image.name"].startswith("tekpy/entrypoint:v")
    manifest = json.loads(blob(desc))
    config = json.loads(blob(manifest["config"]))
    assert config["config"]["Entrypoint"] == ["/ko-app/entrypoint"]
    (layer_desc,) = manifest["layers"]
    tar_bytes = gzip.decompress(blob(layer_desc))
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(tar_bytes).hexdigest()]
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        member = tar.getmember("ko-app/entrypoint")
        assert stat.S_IMODE(member.mode) == 0o755 and member.uid == 0
        data = tar.extractfile(member)
        assert data is not None and data.read() == (build / "entrypoint").read_bytes()
        assert any(n.startswith("ko-app/.tekpy-") for n in tar.getnames())


def test_lazily_imported_paths_work_packaged(sandbox_root: Path) -> None:
    """Credentials, when expressions, platform commands: modules only some steps import."""
    secret = sandbox_root / "tekton" / "creds-secrets" / "s"
    secret.mkdir(parents=True)
    (secret / "username").write_text("u")
    (secret / "password").write_text("p")
    res = subprocess.run(
        _bwrap(sandbox_root, "--setenv", "TEKTON_PLATFORM_COMMANDS",
               '{"linux/amd64":["echo"],"linux/arm64":["echo"]}', "--setenv", "HOME", "/tmp",
               "/ko-app/entrypoint", "-basic-git=s=https://h/p", "-basic-docker=s=r",
               "-when_expressions", '[{"input":"a","operator":"in","values":["a"]}]',
               "-termination_path", "/tmp/t", "-compress_termination_message", "--", "ok"),
        capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout == "ok\n"
    assert (sandbox_root / "tmp" / ".git-credentials").read_text() == "https://u:p@h/p\n"
    assert (sandbox_root / "tmp" / ".docker" / "config.json").exists()


def test_step_artifacts_are_substituted_packaged(sandbox_root: Path) -> None:
    """A script step reading an earlier step's artifacts: the rewritten script goes to /tmp."""
    status = sandbox_root / "tekton" / "run" / "0" / "status" / "artifacts"
    status.mkdir(parents=True)
    (status / "provenance.json").write_text(
        '{"outputs": [{"name": "img", "values": [{"uri": "u&", "digest": {"sha256": "d"}}]}]}')
    scripts = sandbox_root / "tekton" / "scripts"
    scripts.mkdir()
    script = scripts / "script-1-abc"
    # the JSON lands in the script text as is: the script quotes it for the shell
    script.write_text("#!/bin/sh\necho '$(steps.a.outputs.img)' \"$A\"\n")
    script.chmod(0o755)
    res = subprocess.run(
        _bwrap(sandbox_root, "--setenv", "A", "$(steps.a.outputs.img)", "/bin/sh", "-c",
               "/ko-app/entrypoint step-init step-a step-b && /ko-app/entrypoint "
               "-termination_path /tmp/t -entrypoint /tekton/scripts/script-1-abc --"),
        capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr
    value = '[{"digest":{"sha256":"d"},"uri":"u\\u0026"}]'
    assert res.stdout.splitlines()[-1] == f"{value} {value}"
    assert [p.name[:7] for p in (sandbox_root / "tmp").iterdir()
            if p.name.startswith("script-")] == ["script-"]
