"""The original API's resources: a git input cloned by a real git, an image output's digest,
StepActions inlined."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from taskrun_support import container, make_taskrun

from tekpy.api import structure
from tekpy.api.types import PipelineResource, StepAction, TaskSpec
from tekpy.taskrun import PodBuilderConfig, PodBuildError, build_pod, prepare_task_spec

GIT_TASK = {"resources": {"inputs": [{"name": "src", "type": "git", "targetPath": "code"}],
                          "outputs": [{"name": "img", "type": "image"}]},
            "steps": [{"name": "build", "image": "alpine", "command": ["ls"],
                       "args": ["$(inputs.resources.src.path)", "$(inputs.resources.src.url)"]}]}


def _resource(kind: str, **params: str) -> PipelineResource:
    return structure({"apiVersion": "tekton.dev/v1", "kind": "PipelineResource",
                      "metadata": {"name": "r"},
                      "spec": {"type": kind, "params": [{"name": k, "value": v}
                                                        for k, v in params.items()]}},
                     PipelineResource)


def _build(resources: dict[str, Any], bindings: dict[str, Any]) -> dict[str, Any]:
    tr = make_taskrun({"taskRef": {"name": "t"}, "resources": bindings})
    spec = structure(GIT_TASK, TaskSpec)
    resolved, errors = prepare_task_spec(tr, spec, PodBuilderConfig(git_image="git:1"),
                                         resources=resources)
    assert not errors, errors
    return build_pod(tr, resolved).pod


def _scripts(pod: dict[str, Any]) -> dict[str, str]:
    body = container(pod, "place-scripts")["args"][1]
    found = re.findall(r'scriptfile="([^"]+)"\n.*?<< \'_EOF_\'\n(.*?)\n_EOF_\n', body, re.S)
    return {path: base64.b64decode(data).decode() for path, data in found}


def _script_of(pod: dict[str, Any], name: str) -> str:
    c = container(pod, name)
    return _scripts(pod)[c["args"][c["args"].index("-entrypoint") + 1]]


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True, timeout=30).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    (r / "a.txt").write_text("one")
    _git(r, "add", ".")
    _git(r, "commit", "-q", "-m", "one")
    _git(r, "tag", "v1")
    (r / "a.txt").write_text("two")
    _git(r, "commit", "-q", "-am", "two")
    return r


def _run_clone(pod: dict[str, Any], tmp_path: Path, **env: str) -> tuple[Path, str]:
    step = container(pod, "step-git-source-src")
    script = _script_of(pod, "step-git-source-src")
    result = tmp_path / "commit"
    script = script.replace("/tekton/steps/step-git-source-src/results/commit", str(result))
    dest = tmp_path / "workspace" / "code"
    values = {e["name"]: e["value"] for e in step["env"]}
    values.update(TEKPY_GIT_DEST=str(dest), HOME=str(tmp_path), PATH=os.environ["PATH"], **env)
    subprocess.run(["sh", "-c", script], env=values, check=True, capture_output=True,
                   timeout=60)
    return dest, result.read_text()


def test_git_input_clones_the_revision_and_records_the_commit(repo: Path, tmp_path: Path
                                                               ) -> None:
    res = _resource("git", url=f"file://{repo}", revision="v1")
    pod = _build({"r": res}, {"inputs": [{"name": "src", "resourceRef": {"name": "r"}}],
                              "outputs": [{"name": "img", "resourceSpec": {"type": "image"}}]})
    names = [c["name"] for c in pod["spec"]["containers"]]
    assert names == ["step-git-source-src", "step-create-dir-img", "step-build",
                     "step-image-digest-exporter-img"]
    step = container(pod, "step-git-source-src")
    assert step["image"] == "git:1"
    assert "-step_results" in step["args"]
    build = container(pod, "step-build")["args"]
    assert build[-2:] == ["/workspace/code", f"file://{repo}"]
    dest, commit = _run_clone(pod, tmp_path)
    assert (dest / "a.txt").read_text() == "one"
    assert commit == _git(repo, "rev-parse", "v1")


def test_git_default_revision_full_depth_and_refspec(repo: Path, tmp_path: Path) -> None:
    res = _resource("git", url=f"file://{repo}", depth="0")
    pod = _build({"r": res}, {"inputs": [{"name": "src", "resourceRef": {"name": "r"}}],
                              "outputs": [{"name": "img", "resourceSpec": {"type": "image"}}]})
    dest, commit = _run_clone(pod, tmp_path)
    assert commit == _git(repo, "rev-parse", "HEAD")
    assert _git(dest, "rev-list", "--count", "HEAD") == "2"
    res = _resource("git", url=f"file://{repo}", refspec="refs/tags/v1:refs/tags/v1",
                    revision="v1")
    pod = _build({"r": res}, {"inputs": [{"name": "src", "resourceRef": {"name": "r"}}],
                              "outputs": [{"name": "img", "resourceSpec": {"type": "image"}}]})
    _, commit = _run_clone(pod, tmp_path / "again")
    assert commit == _git(repo, "rev-parse", "v1")


def test_git_params_reach_the_step_as_environment() -> None:
    res = _resource("git", url="https://x/y", sslVerify="false", httpsProxy="http://p:3128",
                    submodules="False")
    pod = _build({"r": res}, {"inputs": [{"name": "src", "resourceRef": {"name": "r"}}],
                              "outputs": [{"name": "img", "resourceSpec": {"type": "image"}}]})
    env = {e["name"]: e["value"] for e in container(pod, "step-git-source-src")["env"]}
    assert env["GIT_SSL_VERIFY"] == "false" and env["GIT_SUBMODULES"] == "false"
    assert env["HTTPS_PROXY"] == "http://p:3128" and "HTTP_PROXY" not in env


def test_image_output_digest_from_index_json(tmp_path: Path) -> None:
    pod = _build({"r": _resource("git", url="https://x/y")},
                 {"inputs": [{"name": "src", "resourceRef": {"name": "r"}}],
                  "outputs": [{"name": "img", "resourceSpec": {"type": "image"}}]})
    assert container(pod, "step-create-dir-img")["args"][-3:] == [
        "--", "-p", "/workspace/output/img"]
    script = _script_of(pod, "step-image-digest-exporter-img")
    out = tmp_path / "digest"
    script = script.replace("/tekton/steps/step-image-digest-exporter-img/results/digest",
                            str(out)).replace("/workspace/output", str(tmp_path))
    run = {"TEKPY_RESOURCE": "img", "PATH": os.environ["PATH"]}
    subprocess.run(["sh", "-c", script], env=run, check=True, timeout=30)
    assert not out.exists()  # no index.json: nothing recorded, the step still succeeds
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json",
         "digest": "sha256:" + "ab" * 32, "size": 1},
        {"digest": "sha256:" + "cd" * 32}]}))
    subprocess.run(["sh", "-c", script], env=run, check=True, timeout=30)
    assert out.read_text() == "sha256:" + "ab" * 32


def test_unbound_or_unknown_resources_fail_resolution() -> None:
    with pytest.raises(PodBuildError) as err:
        _build({}, {"inputs": [{"name": "src", "resourceRef": {"name": "nope"}}]})
    assert err.value.reason == "TaskRunResolutionFailed" and '"nope"' in err.value.message
    with pytest.raises(PodBuildError, match='resource "src" is declared but not bound'):
        _build({}, {})


def test_step_actions_are_inlined_with_params() -> None:
    action = structure({"apiVersion": "tekton.dev/v1beta1", "kind": "StepAction",
                        "metadata": {"name": "greet"},
                        "spec": {"image": "alpine", "params": [
                            {"name": "who", "default": "world"}, {"name": "n", "type": "array"}],
                            "command": ["echo"], "args": ["$(params.who)", "$(params.n[*])"]}},
                       StepAction)
    tr = make_taskrun({"params": [{"name": "x", "value": "tekton"}], "taskSpec": {
        "params": [{"name": "x"}, {"name": "list", "type": "array", "default": ["1", "2"]}],
        "steps": [{"name": "hi", "ref": {"name": "greet"},
                   "params": [{"name": "who", "value": "$(params.x)"},
                              {"name": "n", "value": "$(params.list[*])"}]}]}})
    assert tr.spec.task_spec is not None
    spec, errors = prepare_task_spec(tr, tr.spec.task_spec, step_actions={"greet": action})
    assert not errors
    (step,) = spec.steps
    assert (step.image, step.command, step.args, step.ref) == (
        "alpine", ["echo"], ["tekton", "1", "2"], None)
    with pytest.raises(PodBuildError, match="not resolved") as err:
        prepare_task_spec(tr, tr.spec.task_spec)
    assert err.value.reason == "TaskRunResolutionFailed"


def test_resources_result_in_status() -> None:
    from status_support import NOW, cs, pod, taskrun, term

    from tekpy.taskrun import derive_status

    msg = [{"key": "commit", "value": "abc123", "type": 4}]
    dmsg = [{"key": "digest", "value": "sha256:1", "type": 4}]
    spec = structure({"steps": [{"name": "git-source-src", "results": [{"name": "commit"}]},
                                {"name": "image-digest-exporter-img",
                                 "results": [{"name": "digest"}]}]}, TaskSpec)
    p = pod("Succeeded", [cs("step-git-source-src", term(0, "", msg)),
                          cs("step-image-digest-exporter-img", term(0, "", dmsg))])
    status, _ = derive_status(taskrun(), p, spec, NOW)
    assert status["resourcesResult"] == [
        {"key": "commit", "value": "abc123", "resourceName": "src"},
        {"key": "digest", "value": "sha256:1", "resourceName": "img"}]
