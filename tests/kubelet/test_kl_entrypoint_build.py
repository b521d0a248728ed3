"""``ensure_entrypoint_build``: explicit and environment builds are used as given; in a
source checkout the build runs when missing or older than its sources, and only then."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tekpy.local.kubelet import EntrypointBuildError, ensure_entrypoint_build
from tekpy.local.kubelet import entrypoint_build as eb

SCRIPT = """#!/usr/bin/env bash
set -e
echo run >> "{log}"
[ -f "{fail}" ] && {{ echo "gcc: not found" >&2; exit 3; }}
mkdir -p "$1" && echo exe > "$1/entrypoint"
"""


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in source tree whose build script logs each run."""
    (tmp_path / "tekpy_entrypoint").mkdir()
    (tmp_path / "tekpy_entrypoint" / "main.py").write_text("print()\n")
    (tmp_path / "hack" / "entrypoint").mkdir(parents=True)
    script = tmp_path / "hack" / "build-entrypoint.sh"
    script.write_text(SCRIPT.format(log=tmp_path / "runs.log", fail=tmp_path / "fail"))
    monkeypatch.setattr(eb, "BUILD_SCRIPT", script)
    monkeypatch.setattr(eb, "DEFAULT_BUILD", tmp_path / "out" / "entrypoint")
    monkeypatch.setattr(eb, "_SOURCES", (tmp_path / "tekpy_entrypoint",
                                         tmp_path / "hack" / "entrypoint", script))
    monkeypatch.delenv("TEKPY_ENTRYPOINT_BUILD", raising=False)
    return tmp_path


def _runs(checkout: Path) -> int:
    log = checkout / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_explicit_and_environment_builds_are_used_as_given(
        checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ensure_entrypoint_build(Path("/given")) == Path("/given")
    monkeypatch.setenv("TEKPY_ENTRYPOINT_BUILD", "/from-env")
    assert ensure_entrypoint_build() == Path("/from-env")
    assert _runs(checkout) == 0


def test_builds_once_then_again_only_when_a_source_changes(checkout: Path) -> None:
    said: list[str] = []
    out = ensure_entrypoint_build(say=said.append)
    assert out == checkout / "out" / "entrypoint" and (out / "entrypoint").is_file()
    assert _runs(checkout) == 1 and "building the step entrypoint" in said[0]
    assert ensure_entrypoint_build(say=said.append) == out
    assert _runs(checkout) == 1  # fresh: not rebuilt
    source = checkout / "tekpy_entrypoint" / "main.py"
    later = (out / "entrypoint").stat().st_mtime + 10
    os.utime(source, (later, later))
    ensure_entrypoint_build(say=said.append)
    assert _runs(checkout) == 2


def test_a_failed_build_raises_with_the_scripts_last_lines(checkout: Path) -> None:
    (checkout / "fail").touch()
    with pytest.raises(EntrypointBuildError, match="exit 3") as failed:
        ensure_entrypoint_build(say=lambda _: None)
    assert "gcc: not found" in str(failed.value)
