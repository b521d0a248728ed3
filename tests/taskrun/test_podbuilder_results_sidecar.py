"""Pod builder, ``results-from: sidecar-logs``: the ``tekton-log-results`` sidecar, and its
shell program run for real (busybox, as the shell image is) on a stand-in ``/tekton``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from taskrun_support import container, pod_for

from tekpy.api.config import Config
from tekpy.taskrun import RESULTS_CONTAINER, PodBuilderConfig, RunResult, parse_sidecar_log
from tekpy.taskrun.status.results import STEP_RESULT, TASK_RESULT

SPEC = {"taskSpec": {
    "results": [{"name": "r1"}, {"name": "r2"}],
    "steps": [{"name": "make", "image": "busybox", "script": "true",
               "results": [{"name": "out"}]},
              {"image": "busybox", "script": "true"}]}}


def _config(results_from: str) -> PodBuilderConfig:
    cfg = Config.for_gate("beta", **{"results-from": results_from})
    return PodBuilderConfig(feature_flags=cfg.feature_flags, defaults=cfg.defaults)


def _sidecar(pod: dict[str, Any]) -> dict[str, Any]:
    return container(pod, RESULTS_CONTAINER)


@pytest.mark.parametrize(("results_from", "spec", "added"), [
    pytest.param("sidecar-logs", SPEC, True, id="flag-and-results"),
    pytest.param("termination-message", SPEC, False, id="default-flag"),
    pytest.param("sidecar-logs", {"taskSpec": {"steps": [{"image": "busybox",
                                                          "script": "true"}]}},
                 False, id="no-results-declared"),
])
def test_the_sidecar_is_added_with_the_flag_for_declared_results(
        results_from: str, spec: dict[str, Any], added: bool) -> None:
    pod = pod_for(spec, _config(results_from)).pod
    names = [c["name"] for c in pod["spec"]["containers"]]
    assert (RESULTS_CONTAINER in names) is added
    step_args = container(pod, "step-unnamed-0" if "results" not in spec["taskSpec"]
                          else "step-make")["args"]
    assert ("-result_from" in step_args) is added
    if added:
        assert step_args[step_args.index("-result_from") + 1] == "sidecar-logs"
        # a sidecar: step 0 waits for the Pod's ready annotation
        assert "tekton.dev/ready" not in pod["metadata"]["annotations"]


def test_the_sidecar_reads_declared_results_and_sees_every_step() -> None:
    pod = pod_for(SPEC, _config("sidecar-logs")).pod
    sc = _sidecar(pod)
    assert sc["image"] == "busybox" and sc["command"][:2] == ["sh", "-c"]
    assert sc["command"][3:] == ["tekton-log-results", "0.1", "task:r1", "task:r2",
                                 "step:step-make/out"]
    mounts = {m["mountPath"]: m for m in sc["volumeMounts"]}
    assert mounts["/tekton/run/0"]["readOnly"] and mounts["/tekton/run/1"]["readOnly"]
    assert "/tekton/results" in mounts and mounts["/tekton/steps"]["readOnly"]


def _run_program(tmp_path: Path, files: dict[str, str], run_dirs: dict[str, str]
                 ) -> subprocess.CompletedProcess[bytes]:
    busybox = shutil.which("busybox")
    assert busybox is not None, "the node agent's shell image needs the host's busybox"
    root = tmp_path / "tekton"
    for rel, text in {**files, **run_dirs}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    command = _sidecar(pod_for(SPEC, _config("sidecar-logs")).pod)["command"]
    program = command[2].replace("/tekton/", f"{root}/")
    return subprocess.run([busybox, "sh", "-c", program, *command[3:]], capture_output=True,
                          timeout=30, check=False)


VALUES = {
    "plain": "abc",
    "final-newline": "abc\n",
    "lines": "one\ntwo\n\nthree",
    "json-specials": 'q"uote b\\ack\ttab\rcr',
    "html-characters": "<a href='x'>&amp;</a>",
    "unicode": "héllo wörld ✓",
    "empty": "",
    "long": "x" * 5000,
}


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
def test_the_program_prints_each_result_file_as_tektons_json_line(tmp_path: Path,
                                                                   value: str) -> None:
    done = _run_program(tmp_path, {"results/r1": value, "steps/step-make/results/out": value},
                        {"run/0/out": "", "run/1/out": ""})
    assert done.returncode == 0, done.stderr
    assert parse_sidecar_log(done.stdout, 1 << 20) == [
        RunResult("r1", value, TASK_RESULT), RunResult("step-make.out", value, STEP_RESULT)]
    for line in done.stdout.splitlines():  # Go's encoder escapes HTML characters
        assert not {"<", ">", "&"} & set(line.decode())


def test_a_failed_step_ends_the_wait_and_missing_files_print_nothing(tmp_path: Path) -> None:
    # step 0 failed (out.err); step 1 never posts anything: the program must not wait for it
    done = _run_program(tmp_path, {"results/r2": "partial"}, {"run/0/out.err": ""})
    assert done.returncode == 0, done.stderr
    assert parse_sidecar_log(done.stdout, 4096) == [RunResult("r2", "partial", TASK_RESULT)]
