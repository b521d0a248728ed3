"""Resources handed between PipelineTasks with ``from``: the Pod builder's copy steps on the
artifact claim (ordering, mounts, the volume), and the copy script run for real."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from taskrun_support import container, make_taskrun
from test_podbuilder_resources import _script_of

from tekpy.api import structure
from tekpy.api.types import TaskSpec
from tekpy.taskrun import PodBuilderConfig, build_pod, prepare_task_spec

TASK = {"resources": {"inputs": [{"name": "src", "type": "git", "targetPath": "code"},
                                 {"name": "img", "type": "image"}],
                      "outputs": [{"name": "src", "type": "git"},
                                  {"name": "app", "type": "image"},
                                  {"name": "extra", "type": "git"}]},
        "steps": [{"name": "build", "image": "alpine", "command": ["ls"]}]}
GIT = {"type": "git", "params": [{"name": "url", "value": "file:///nowhere"}]}
IMAGE = {"type": "image", "params": [{"name": "url", "value": "r/x"}]}
CLAIM = {"tekpy.dev/artifact-pvc": "pr-pvc"}


def _pod(bindings: dict[str, Any], annotations: dict[str, str] | None = None
         ) -> dict[str, Any]:
    tr = make_taskrun({"taskRef": {"name": "t"}, "resources": bindings},
                      meta={"annotations": annotations or {}})
    spec, errors = prepare_task_spec(tr, structure(TASK, TaskSpec),
                                     PodBuilderConfig(git_image="git:1", shell_image="sh:1"))
    assert not errors, errors
    return build_pod(tr, spec).pod


HANDED = {"inputs": [{"name": "src", "resourceSpec": GIT, "paths": ["/pvc/a/src", "/pvc/b/s"]},
                     {"name": "img", "resourceSpec": IMAGE}],
          "outputs": [{"name": "src", "resourceSpec": GIT, "paths": ["/pvc/me/src"]},
                      {"name": "app", "resourceSpec": IMAGE, "paths": ["/pvc/me/app"]},
                      {"name": "extra", "resourceSpec": GIT}]}


def _env(c: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in c.get("env", [])}


def test_handed_input_is_copied_not_cloned_and_outputs_uploaded_last() -> None:
    pod = _pod(HANDED, CLAIM)
    names = [c["name"] for c in pod["spec"]["containers"]]
    assert names == ["step-artifact-copy-from-src", "step-create-dir-app", "step-build",
                     "step-image-digest-exporter-app", "step-upload-src", "step-upload-app"]
    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert vols["artifact-pvc"] == {"name": "artifact-pvc",
                                    "persistentVolumeClaim": {"claimName": "pr-pvc"}}
    for name in ("step-artifact-copy-from-src", "step-upload-src", "step-upload-app"):
        c = container(pod, name)
        assert c["image"] == "sh:1"
        assert {"name": "artifact-pvc", "mountPath": "/pvc"} in c["volumeMounts"]
    # the Task's own steps do not see the claim
    assert all(m["name"] != "artifact-pvc"
               for m in container(pod, "step-build").get("volumeMounts", []))
    copy_in = _env(container(pod, "step-artifact-copy-from-src"))
    assert (copy_in["TEKPY_FROM"], copy_in["TEKPY_TO"]) == ("/pvc/a/src\n/pvc/b/s",
                                                            "/workspace/code")
    # an output that is also an input is uploaded from the input's directory
    up = _env(container(pod, "step-upload-src"))
    assert (up["TEKPY_FROM"], up["TEKPY_TO"]) == ("/workspace/code", "/pvc/me/src")
    up = _env(container(pod, "step-upload-app"))
    assert (up["TEKPY_FROM"], up["TEKPY_TO"]) == ("/workspace/output/app", "/pvc/me/app")


def test_paths_without_the_claim_annotation_change_nothing() -> None:
    plain = _pod({**HANDED, "inputs": [{"name": "src", "resourceSpec": GIT},
                                       {"name": "img", "resourceSpec": IMAGE}],
                  "outputs": [{k: v for k, v in b.items() if k != "paths"}
                              for b in HANDED["outputs"]]})
    assert _pod(HANDED)["spec"] == plain["spec"]
    assert plain["spec"]["containers"][0]["name"] == "step-git-source-src"
    assert all(v["name"] != "artifact-pvc" for v in plain["spec"].get("volumes", []))


def test_git_output_of_its_own_gets_its_output_dir() -> None:
    b = {"inputs": [{"name": "src", "resourceSpec": GIT}, {"name": "img", "resourceSpec": IMAGE}],
         "outputs": [{"name": "src", "resourceSpec": GIT},
                     {"name": "app", "resourceSpec": IMAGE},
                     {"name": "extra", "resourceSpec": GIT, "paths": ["/pvc/me/extra"]}]}
    pod = _pod(b, CLAIM)
    names = [c["name"] for c in pod["spec"]["containers"]]
    assert names == ["step-git-source-src", "step-create-dir-app", "step-create-dir-extra",
                     "step-build", "step-image-digest-exporter-app", "step-upload-extra"]
    assert _env(container(pod, "step-upload-extra"))["TEKPY_FROM"] == "/workspace/output/extra"


def test_copy_script_copies_every_source_in_order(tmp_path: Path) -> None:
    pod = _pod(HANDED, CLAIM)
    script = _script_of(pod, "step-artifact-copy-from-src")
    a, b, dest = tmp_path / "a", tmp_path / "b", tmp_path / "dest" / "code"
    (a / "sub").mkdir(parents=True)
    (a / "sub" / "f.txt").write_text("from a")
    (a / "both.txt").write_text("a")
    (a / ".hidden").write_text("dot")
    b.mkdir()
    (b / "both.txt").write_text("b")
    env = {"TEKPY_FROM": f"{a}\n{b}", "TEKPY_TO": str(dest), "PATH": os.environ["PATH"]}
    subprocess.run(["sh", "-c", script], env=env, check=True, timeout=30, capture_output=True)
    assert (dest / "sub" / "f.txt").read_text() == "from a"
    assert (dest / ".hidden").read_text() == "dot"
    assert (dest / "both.txt").read_text() == "b"  # later sources win
    missing = {**env, "TEKPY_FROM": str(tmp_path / "absent")}
    run = subprocess.run(["sh", "-c", script], env=missing, timeout=30, capture_output=True)
    assert run.returncode != 0  # a producer that left nothing fails the consumer loudly
