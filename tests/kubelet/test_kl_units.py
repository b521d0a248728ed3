"""Pure parts of the node agent: image keys, $(VAR) expansion, phase rules, log lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.kubelet.env import expand
from tekpy.local.kubelet.images import ImageError, ImageMap, image_keys
from tekpy.local.kubelet.logs import format_line, parse_line
from tekpy.local.kubelet.status import ContainerRecord, build_status


@pytest.mark.parametrize(("image", "first"), [
    ("busybox", "busybox"),
    ("busybox:1.36", "busybox"),
    ("docker.io/library/busybox:latest", "busybox"),
    ("mirror.gcr.io/bash@sha256:e320b40b14", "bash"),
    ("ghcr.io/tektoncd/pipeline/nop:latest", "tektoncd/pipeline/nop"),
    ("localhost:5000/team/tool:v1", "team/tool"),
    ("tekpy/entrypoint:v0.1.0", "tekpy/entrypoint"),
])
def test_image_keys_normalise_registry_tag_and_digest(image: str, first: str) -> None:
    assert image_keys(image)[0] == first


def test_image_map_defaults_overrides_and_unknown_images(tmp_path: Path) -> None:
    images = ImageMap(tmp_path, {"team/tool": "host", "bash": "nop"})
    assert images.resolve("localhost:5000/team/tool:v1").kind == "host"
    assert images.resolve("docker.io/library/bash:5").kind == "nop"  # override wins
    assert images.resolve("ghcr.io/tektoncd/pipeline/nop:latest").kind == "nop"
    with pytest.raises(ImageError) as err:
        images.resolve("quay.io/acme/unknown:1")
    assert err.value.reason == "ErrImagePull"
    assert '"acme/unknown: host"' in err.value.message


def test_busybox_root_holds_only_busybox(tmp_path: Path) -> None:
    root = Path(ImageMap(tmp_path).resolve("busybox").path)
    assert (root / "bin" / "busybox").is_file()
    assert (root / "bin" / "sh").is_symlink()
    # applets where busybox installs them (Alpine's layout), all links to /bin/busybox
    assert (root / "usr" / "bin" / "env").is_symlink()
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    assert {p.relative_to(root).as_posix() for p in files} <= {
        "bin/busybox", "etc/passwd", "etc/group", ".tekpy-busybox-v2"}
    assert all(os.readlink(p) == "/bin/busybox" for p in root.rglob("*") if p.is_symlink())


_names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True)


@given(st.dictionaries(_names, st.text(max_size=10), max_size=4), st.text(max_size=30))
def test_expand_without_references_only_unescapes_dollars(env: dict[str, str], text: str
                                                          ) -> None:
    plain = text.replace("$", "")
    assert expand(plain, env) == plain


@given(_names, st.text(alphabet=st.characters(blacklist_characters="$()"), max_size=10))
def test_expand_replaces_defined_and_keeps_undefined(name: str, value: str) -> None:
    assert expand(f"<$({name})>", {name: value}) == f"<{value}>"
    assert expand(f"<$({name})>", {}) == f"<$({name})>"
    assert expand(f"$$({name})", {name: value}) == f"$({name})"


@given(st.sampled_from(["stdout", "stderr"]), st.binary(max_size=50).filter(
    lambda b: b"\n" not in b), st.booleans())
def test_log_lines_round_trip(stream: str, body: bytes, newline: bool) -> None:
    text = body + (b"\n" if newline else b"")
    ts, got_stream, content = parse_line(format_line(stream, text, "2024-01-01T00:00:00Z"))
    assert (ts, got_stream, content) == ("2024-01-01T00:00:00Z", stream, text)


def _rec(name: str, state: str, code: int = 0, *, init: bool = False,
         started: bool = True) -> ContainerRecord:
    return ContainerRecord(name, "busybox", init=init, state=state, exit_code=code,
                           started_at="2024-01-01T00:00:00Z" if started else None)


@pytest.mark.parametrize(("case", "init", "main", "policy", "phase"), [
    ("init running", [_rec("i", "running", init=True)], [_rec("c", "waiting", started=False)],
     "Never", "Pending"),
    ("init failed", [_rec("i", "terminated", 1, init=True)],
     [_rec("c", "waiting", started=False)], "Never", "Failed"),
    ("one not started", [], [_rec("a", "running"), _rec("b", "waiting", started=False)],
     "Never", "Pending"),
    ("running", [], [_rec("a", "running"), _rec("b", "terminated")], "Never", "Running"),
    ("all ok", [], [_rec("a", "terminated"), _rec("b", "terminated")], "Never", "Succeeded"),
    ("one failed", [], [_rec("a", "terminated", 2), _rec("b", "terminated")], "Never",
     "Failed"),
    ("on failure restarts", [], [_rec("a", "terminated", 2)], "OnFailure", "Running"),
    ("always restarts", [], [_rec("a", "terminated")], "Always", "Running"),
])
def test_pod_phase_rules(case: str, init: list[ContainerRecord], main: list[ContainerRecord],
                         policy: str, phase: str) -> None:
    pod = {"spec": {"restartPolicy": policy}, "status": {}}
    status = build_status(pod, init, main, start_time=None, sandbox_ready=True)
    assert status["phase"] == phase, case


def test_entrypoint_image_without_a_build_is_the_console_script_on_the_host_root(
        tmp_path: Path) -> None:
    images = ImageMap(tmp_path)
    images.entrypoint_build = None
    root = images.resolve("tekpy/entrypoint:v0.1.0")
    assert root.kind == "host"
    assert [dst for _, dst in root.binds] == ["/ko-app/entrypoint"]


def test_entrypoint_image_with_a_build_has_its_runtime_unpacked(tmp_path: Path) -> None:
    fake = tmp_path / "build"
    fake.mkdir()
    exe = fake / "entrypoint"
    exe.write_text("#!/bin/sh\nmkdir -p \"$(dirname \"$0\")/.tekpy-test\"\n")
    exe.chmod(0o755)
    root = Path(ImageMap(tmp_path / "data", entrypoint_build=fake)
                .resolve("tekpy/entrypoint").path)
    assert (root / "ko-app" / "entrypoint").is_file()
    assert (root / "ko-app" / ".tekpy-test").is_dir()
