"""``tekpy validate`` as users run it: a real process, files, exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tekpy.cli.main import main

VALID = """apiVersion: tekton.dev/v1
kind: Task
metadata: {name: ok}
spec:
  steps: [{name: s, image: busybox, script: echo hi}]
"""

INVALID = """apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: build}
spec:
  tasks:
  - name: Bad_Name
    taskSpec: {steps: [{image: x}]}
  - name: b
    taskRef: {name: t}
    matrix: {params: [{name: x, value: [a, b]}]}
    runAfter: [missing]
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tekpy", "validate", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_valid_file_exits_zero(tmp_path: Path) -> None:
    f = tmp_path / "ok.yaml"
    f.write_text(VALID)
    proc = _run("-f", str(f))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_every_error_is_printed_with_file_document_kind_path(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(INVALID)
    proc = _run("-f", str(f), "--enable-api-fields", "stable")
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    prefix = f"{f}: document 1 (Pipeline/build): "
    assert prefix + 'spec.tasks[0].name: invalid value "Bad_Name"' in lines
    assert prefix + ('spec.tasks[1]: matrix requires "enable-api-fields" feature gate to be '
                     '"alpha" or "beta" but it is "stable"') in lines
    assert prefix + ("spec.tasks: invalid value: couldn't add link between b and missing: task "
                     "b depends on missing but missing wasn't present in Pipeline") in lines
    assert "document 0" not in proc.stdout
    assert "problem(s) found" in proc.stderr


def test_feature_flags_change_the_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    f = tmp_path / "enum.yaml"
    f.write_text(VALID.replace("spec:\n", "spec:\n  params: [{name: p, enum: [a]}]\n"))
    assert main(["validate", "-f", str(f)]) == 2
    assert "enable-param-enum" in capsys.readouterr().out
    assert main(["validate", "-f", str(f), "--feature-flag", "enable-param-enum=true"]) == 0


def test_bad_flag_and_missing_file_exit_two(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().out
    f = tmp_path / "ok.yaml"
    f.write_text(VALID)
    assert main(["validate", "-f", str(f), "--feature-flag", "enable-param-enum=maybe"]) == 2
    assert "enable-param-enum" in capsys.readouterr().err
    assert main(["validate", "-f", str(f), "--feature-flag", "novalue"]) == 2


def test_seed_examples_validate_from_the_command_line(seed_examples: Path) -> None:
    files = [str(p) for p in sorted(seed_examples.glob("*.yaml"))]
    proc = _run(*[a for f in files for a in ("-f", f)])
    assert proc.returncode == 0, proc.stdout
