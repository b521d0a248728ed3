"""Pod builder: names, step ordering under the entrypoint, scripts, run dirs, metadata."""

from __future__ import annotations

import base64
import re

import pytest
from taskrun_support import container, make_taskrun, mounts, pod_for

from tekpy.api.config import FeatureFlags
from tekpy.taskrun import ImageCommand, PodBuilderConfig, PodBuildError, build_pod, pod_name
from tekpy.taskrun.names import child_name, hashed_name, restrict_length, step_container_name

SH = {"image": "busybox", "command": ["sh", "-c"], "args": ["true"]}


def test_pod_names_and_retries() -> None:
    assert pod_name("build") == "build-pod"
    assert pod_name("build", 1) == "build-pod-retry1"
    assert pod_name("build", 12) == "build-pod-retry12"


@pytest.mark.parametrize("length", [58, 59, 60, 63, 64, 100, 253])
def test_long_names_are_truncated_with_a_hash(length: int) -> None:
    parent = "a" * (length - 1) + "z"
    for retries in (0, 3):
        name = pod_name(parent, retries)
        assert len(name) <= 63
        assert name.endswith("-pod" if retries == 0 else f"-pod-retry{retries}")
        if len(parent) + len(name.split("a")[-1]) <= 63:
            assert name.startswith(parent)
    # distinct long parents never collide
    assert pod_name("x" * 70 + "1") != pod_name("x" * 70 + "2")


def test_child_name_with_a_suffix_longer_than_the_hash_room() -> None:
    name = child_name("p" * 40, "-" + "s" * 40)
    assert len(name) == 63 and name.startswith("p" * 31) and name[-1].isalnum()


def test_name_helpers() -> None:
    assert restrict_length("a" * 62 + "--b") == "a" * 62
    assert step_container_name("", 3) == "step-unnamed-3"
    assert step_container_name("build", 0) == "step-build"
    # FNV-1a of "" is 0x811c9dc5: the hashed name is deterministic and fixed-width
    assert hashed_name("ws", "") == "ws-811c9"
    assert hashed_name("tekton-creds", "x", 8) == hashed_name("tekton-creds", "x", 8)


def test_steps_wait_for_each_other_and_step0_for_the_ready_file() -> None:
    pod = pod_for({"taskSpec": {"steps": [{"name": "a", **SH}, {"name": "b", **SH},
                                          {"name": "c", **SH}]}}).pod
    a, b, c = (container(pod, f"step-{n}") for n in "abc")
    assert a["command"] == ["/tekton/bin/entrypoint"]
    assert a["args"][:3] == ["-wait_file", "/tekton/downward/ready", "-wait_file_content"]
    assert b["args"][:2] == ["-wait_file", "/tekton/run/0/out"]
    assert c["args"][:2] == ["-wait_file", "/tekton/run/1/out"]
    for i, s in enumerate((a, b, c)):
        args = s["args"]
        assert args[args.index("-post_file") + 1] == f"/tekton/run/{i}/out"
        assert args[args.index("-step_metadata_dir") + 1] == f"/tekton/run/{i}/status"
        assert args[args.index("-termination_path") + 1] == "/tekton/termination"
        assert args[args.index("-entrypoint") + 1] == "sh"
        assert args[args.index("--") + 1:] == ["-c", "true"]
        assert s["terminationMessagePath"] == "/tekton/termination"
    assert "/tekton/downward" in mounts(a) and "/tekton/downward" not in mounts(b)
    assert "tekton.dev/ready" not in pod["metadata"]["annotations"]
    down = next(v for v in pod["spec"]["volumes"] if v["name"] == "tekton-internal-downward")
    assert down["downwardAPI"]["items"][0] == {
        "path": "ready", "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/ready']"}}


def test_ready_immediately_without_sidecars_when_nothing_is_injected() -> None:
    cfg = PodBuilderConfig(feature_flags=FeatureFlags(
        running_in_environment_with_injected_sidecars=False))
    pod = pod_for({"taskSpec": {"steps": [SH]}}, cfg).pod
    assert pod["metadata"]["annotations"]["tekton.dev/ready"] == "READY"
    assert container(pod, "step-unnamed-0")["args"][0] == "-post_file"
    assert all(v["name"] != "tekton-internal-downward" for v in pod["spec"]["volumes"])
    # a sidecar makes step 0 wait again
    pod = pod_for({"taskSpec": {"steps": [SH], "sidecars": [{"name": "db", **SH}]}}, cfg).pod
    assert "tekton.dev/ready" not in pod["metadata"]["annotations"]
    assert container(pod, "step-unnamed-0")["args"][1] == "/tekton/downward/ready"
    assert pod["spec"]["containers"][-1]["name"] == "sidecar-db"


def test_each_step_writes_only_its_own_run_dir() -> None:
    pod = pod_for({"taskSpec": {"steps": [SH, SH, SH]}}).pod
    for i in range(3):
        m = mounts(container(pod, f"step-unnamed-{i}"))
        for j in range(3):
            assert m[f"/tekton/run/{j}"].get("readOnly", False) is (i != j)
        assert m["/tekton/bin"]["readOnly"] is True
        assert m["/tekton/steps"]["readOnly"] is True
        assert m["/tekton/creds"]["name"] == f"tekton-creds-init-home-{i}"
        for path in ("/workspace", "/tekton/home", "/tekton/results"):
            assert path in m


def test_prepare_init_container_copies_the_entrypoint_and_links_steps() -> None:
    cfg = PodBuilderConfig(entrypoint_image="ep:1", entrypoint_path="/ep")
    pod = pod_for({"taskSpec": {"steps": [{"name": "x", **SH}, SH]}}, cfg).pod
    prep = pod["spec"]["initContainers"][0]
    assert prep["name"] == "prepare" and prep["image"] == "ep:1"
    assert prep["command"] == ["/ep", "init", "/ep", "/tekton/bin/entrypoint", "step-x",
                               "step-unnamed-1"]
    assert mounts(prep)["/tekton/bin"].get("readOnly") is None
    assert mounts(prep)["/tekton/steps"].get("readOnly") is None


def test_step_flags() -> None:
    spec = {"taskSpec": {
        "results": [{"name": "r1"}, {"name": "r2", "value": "$(steps.a.results.s)"}],
        "steps": [{"name": "a", **SH, "onError": "continue", "timeout": "90s",
                   "stdoutConfig": {"path": "/o"}, "stderrConfig": {"path": "/e"},
                   "results": [{"name": "s"}, {"name": "t"}]}]}}
    args = container(pod_for(spec).pod, "step-a")["args"]
    flat = " ".join(args)
    assert "-on_error continue" in flat and "-timeout 1m30s" in flat
    assert "-stdout_path /o" in flat and "-stderr_path /e" in flat
    assert "-step_results s,t" in flat
    # task results valued from a step result are not written by the step itself
    assert args[args.index("-results") + 1] == "r1"


def test_invalid_on_error_is_a_validation_error() -> None:
    with pytest.raises(PodBuildError) as err:
        pod_for({"taskSpec": {"steps": [{**SH, "onError": "ignore"}]}})
    assert err.value.reason == "TaskRunValidationFailed"
    assert '"ignore"' in err.value.message


def test_step_without_command_needs_a_known_image() -> None:
    with pytest.raises(PodBuildError, match="has no command or script"):
        pod_for({"taskSpec": {"steps": [{"image": "alpine", "args": ["x"]}]}})
    cfg = PodBuilderConfig(image_commands={"alpine": ImageCommand(("/bin/ep",), ("sh",))})
    args = container(pod_for({"taskSpec": {"steps": [{"image": "alpine", "args": ["x"]}]}},
                             cfg).pod, "step-unnamed-0")["args"]
    assert args[args.index("-entrypoint") + 1] == "/bin/ep"
    assert args[args.index("--") + 1:] == ["x"]
    args = container(pod_for({"taskSpec": {"steps": [{"image": "alpine"}]}}, cfg).pod,
                     "step-unnamed-0")["args"]
    assert args[args.index("--") + 1:] == ["sh"]


def _decoded_scripts(pod: dict) -> dict[str, str]:
    body = container(pod, "place-scripts")["args"][1]
    found = re.findall(r'scriptfile="([^"]+)"\n.*?<< \'_EOF_\'\n(.*?)\n_EOF_\n', body, re.S)
    return {path: base64.b64decode(data).decode() for path, data in found}


def test_scripts_are_placed_base64_encoded_with_a_default_shebang() -> None:
    spec = {"taskSpec": {
        "steps": [{"image": "alpine", "script": "echo $(params.x) $HOME"},
                  {"image": "alpine", "script": "#!/usr/bin/env python3\nprint(1)"}],
        "params": [{"name": "x", "default": "hi"}],
        "sidecars": [{"name": "s", "image": "alpine", "script": "sleep 1"}]}}
    pod = pod_for(spec).pod
    scripts = _decoded_scripts(pod)
    step0 = container(pod, "step-unnamed-0")
    path0 = step0["args"][step0["args"].index("-entrypoint") + 1]
    assert scripts[path0] == "#!/bin/sh\nset -e\necho hi $HOME"
    step1 = container(pod, "step-unnamed-1")
    assert scripts[step1["args"][step1["args"].index("-entrypoint") + 1]].startswith(
        "#!/usr/bin/env python3\n")
    side = container(pod, "sidecar-s")
    assert side["command"][0].startswith("/tekton/scripts/sidecar-script-0-")
    assert scripts[side["command"][0]] == "#!/bin/sh\nset -e\nsleep 1"
    assert mounts(step0)["/tekton/scripts"]["readOnly"] is True
    init = container(pod, "place-scripts")
    assert init["command"] == ["sh"] and "decode-script" in init["args"][1]
    assert "script" not in step0 and "script" not in side
    # deterministic file names
    assert pod == pod_for(spec).pod


def test_working_dir_initializer_creates_relative_and_workspace_dirs() -> None:
    pod = pod_for({"taskSpec": {"steps": [
        {**SH, "workingDir": "src/app"}, {**SH, "workingDir": "/workspace/x/../y"},
        {**SH, "workingDir": "/tmp"}]}}).pod
    wd = container(pod, "working-dir-initializer")
    assert wd["args"] == ["/workspace/y", "src/app"] and wd["workingDir"] == "/workspace"
    pod = pod_for({"taskSpec": {"steps": [{**SH, "workingDir": "/tmp"}]}}).pod
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["prepare"]


def test_metadata_labels_annotations_owner_and_deadline() -> None:
    meta = {"labels": {"app.kubernetes.io/managed-by": "me", "team": "a"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}",
                            "note": "x"}}
    tr = make_taskrun({"taskSpec": {"steps": [SH]}, "timeout": "1h"}, meta=meta)
    assert tr.spec.task_spec is not None
    pod = build_pod(tr, tr.spec.task_spec, PodBuilderConfig(release="v9")).pod
    md = pod["metadata"]
    assert md["name"] == "tr-pod" and md["namespace"] == "ns"
    assert md["labels"] == {"app.kubernetes.io/managed-by": "tekton-pipelines", "team": "a",
                            "tekton.dev/taskRun": "tr", "tekton.dev/taskRunUID": "uid-1"}
    assert md["annotations"] == {"note": "x", "pipeline.tekton.dev/release": "v9"}
    assert md["ownerReferences"] == [{"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
                                      "name": "tr", "uid": "uid-1", "controller": True,
                                      "blockOwnerDeletion": True}]
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["spec"]["activeDeadlineSeconds"] == 5400
    assert pod["spec"]["serviceAccountName"] == "default"
    tr0 = make_taskrun({"taskSpec": {"steps": [SH]}, "timeout": "0s"})
    assert tr0.spec.task_spec is not None
    assert build_pod(tr0, tr0.spec.task_spec).pod["spec"]["activeDeadlineSeconds"] == 2**31 - 1


def test_task_label_and_retry_pod_name() -> None:
    status = {"retriesStatus": [{"podName": "tr-pod"}, {"podName": "tr-pod-retry1"}]}
    tr = make_taskrun({"taskRef": {"name": "build"}}, status=status)
    from tekpy.api.converter import structure
    from tekpy.api.types import TaskSpec

    spec = structure({"steps": [SH]}, TaskSpec)
    pod = build_pod(tr, spec).pod
    assert pod["metadata"]["name"] == "tr-pod-retry2"
    assert pod["metadata"]["labels"]["tekton.dev/task"] == "build"


def test_step_template_and_step_specs() -> None:
    spec = {"taskSpec": {
        "stepTemplate": {"env": [{"name": "A", "value": "t"}, {"name": "B", "value": "t"}],
                         "computeResources": {"requests": {"cpu": "1"}}},
        "steps": [{"name": "s", **SH, "env": [{"name": "B", "value": "s"}]}]},
        "stepSpecs": [{"name": "s", "computeResources": {"limits": {"memory": "1Gi"}}}]}
    c = container(pod_for(spec).pod, "step-s")
    assert c["env"] == [{"name": "A", "value": "t"}, {"name": "B", "value": "s"}]
    assert c["resources"] == {"limits": {"memory": "1Gi"}}


def test_keep_pod_on_cancel_mounts_the_cancel_file_in_every_step() -> None:
    cfg = PodBuilderConfig(feature_flags=FeatureFlags(keep_pod_on_cancel=True))
    pod = pod_for({"taskSpec": {"steps": [SH, SH]}}, cfg).pod
    items = next(v for v in pod["spec"]["volumes"]
                 if v["name"] == "tekton-internal-downward")["downwardAPI"]["items"]
    assert [i["path"] for i in items] == ["ready", "cancel"]
    assert all("/tekton/downward" in mounts(container(pod, f"step-unnamed-{i}"))
               for i in range(2))


def test_duplicate_volume_names_are_rejected() -> None:
    with pytest.raises(PodBuildError, match="multiple volumes with same name"):
        pod_for({"taskSpec": {"steps": [SH], "volumes": [{"name": "v", "emptyDir": {}}]},
                 "podTemplate": {"volumes": [{"name": "v", "emptyDir": {}}]}})


def test_set_security_context_restricts_tekton_init_containers() -> None:
    cfg = PodBuilderConfig(feature_flags=FeatureFlags(
        set_security_context=True, set_security_context_read_only_root_filesystem=True))
    pod = pod_for({"taskSpec": {"steps": [{"image": "a", "script": "x", "workingDir": "w"}]}},
                  cfg).pod
    assert [c["name"] for c in pod["spec"]["initContainers"]] == [
        "prepare", "place-scripts", "working-dir-initializer"]
    for c in pod["spec"]["initContainers"]:
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
            "readOnlyRootFilesystem": True}
    assert "securityContext" not in container(pod, "step-unnamed-0")
    pod = pod_for({"taskSpec": {"steps": [SH]},
                   "podTemplate": {"nodeSelector": {"kubernetes.io/os": "windows"}}}, cfg).pod
    assert pod["spec"]["initContainers"][0]["securityContext"] == {"runAsNonRoot": True}


def test_variables_resolved_before_building() -> None:
    from tekpy.taskrun import resolve_task_spec

    status = {"retriesStatus": [{"podName": "tr-pod"}]}
    tr = make_taskrun({"params": [{"name": "p", "value": ["a", "b"]}], "taskSpec": {
        "params": [{"name": "p", "type": "array"}],
        "results": [{"name": "out"}],
        "steps": [{"name": "first", "image": "i", "command": ["echo"],
                   "results": [{"name": "sr"}],
                   "args": ["$(params.p[*])", "$(context.taskRun.name)",
                            "$(context.taskRun.namespace)", "$(context.taskRun.uid)",
                            "$(context.task.retry-count)", "$(results.out.path)",
                            "$(step.results.sr.path)", "$(steps.step-first.exitCode.path)",
                            "$(credentials.path)", "$(params.nope)"]}]}}, status=status)
    assert tr.spec.task_spec is not None
    spec, errors = resolve_task_spec(tr, tr.spec.task_spec)
    assert spec.steps[0].args == [
        "a", "b", "tr", "ns", "uid-1", "1", "/tekton/results/out",
        "/tekton/steps/step-first/results/sr", "/tekton/steps/step-first/exitCode",
        "/tekton/creds", "$(params.nope)"]
    assert [e.message for e in errors] == ['non-existent variable in "$(params.nope)"']


@pytest.mark.parametrize(("image", "found"), [
    ("busybox", "bare"),
    ("busybox:1.36", "bare"),
    ("mirror.gcr.io/busybox@sha256:" + "a" * 64, "bare"),
    ("docker.io/library/busybox:1.36@sha256:" + "b" * 64, "bare"),
    ("localhost:5000/busybox", "bare"),
    ("quay.io/acme/busybox", None),  # another owner's repository is another image
    ("acme/busybox", None),
    ("busybox-extra", None),
    ("registry.example.com:5000/tools/x:1", "with-registry"),
    ("registry.example.com:5000/tools/x:1@sha256:" + "c" * 64, "with-registry"),
    ("exact:tag", "exact"),
])
def test_image_commands_match_without_tag_digest_or_registry(image: str,
                                                             found: str | None) -> None:
    from tekpy.taskrun.config import find_image_command

    commands = {"busybox": ImageCommand((), ("bare",)),
                "registry.example.com:5000/tools/x": ImageCommand((), ("with-registry",)),
                "exact:tag": ImageCommand((), ("exact",)), "exact": ImageCommand((), ("no",))}
    got = find_image_command(commands, image)
    assert (got.cmd[0] if got is not None else None) == found


def test_the_controller_knows_official_shell_images_by_default() -> None:
    from tekpy.taskrun.reconciler.options import ReconcilerOptions

    cfg = ReconcilerOptions().pod_builder_config()
    step = {"image": "mirror.gcr.io/busybox@sha256:" + "d" * 64, "args": ["-c", "ls"]}
    args = container(pod_for({"taskSpec": {"steps": [step]}}, cfg).pod,
                     "step-unnamed-0")["args"]
    assert args[args.index("-entrypoint") + 1] == "sh"
    assert args[args.index("--") + 1:] == ["-c", "ls"]
    # an image nobody listed is not guessed
    with pytest.raises(PodBuildError, match="has no command or script"):
        pod_for({"taskSpec": {"steps": [{"image": "acme/tool", "args": ["x"]}]}}, cfg)


# Docker Hub's bash image: ENTRYPOINT docker-entrypoint.sh, CMD bash. The script runs bash
# when there are no arguments or the first is an option, and execs the arguments otherwise.
@pytest.mark.parametrize(("args", "stdin", "out"), [
    pytest.param(["echo", "foo", "bar"], "", "foo bar\n", id="a-command-is-executed"),
    pytest.param(["printf", "%s|", "-c", "x"], "", "-c|x|", id="later-options-belong-to-it"),
    pytest.param(["-c", "echo from-bash $0", "zero"], "", "from-bash zero\n",
                 id="an-option-first-goes-to-bash"),
    pytest.param([], "echo from-stdin", "from-stdin\n", id="no-args-runs-bash-cmd"),
])
def test_the_bash_image_runs_its_entrypoint_rule(args: list[str], stdin: str,
                                                  out: str) -> None:
    import shutil
    import subprocess

    from tekpy.taskrun.reconciler.options import ReconcilerOptions

    cfg = ReconcilerOptions().pod_builder_config()
    step = {"image": "mirror.gcr.io/bash@sha256:" + "e" * 64, **({"args": args} if args else {})}
    c = container(pod_for({"taskSpec": {"steps": [step]}}, cfg).pod, "step-unnamed-0")
    flags = c["args"]
    # what the entrypoint runs: -entrypoint's program, then everything after "--"
    command = [flags[flags.index("-entrypoint") + 1], *flags[flags.index("--") + 1:]]
    assert command[:2] == ["bash", "-c"] and command[3] == "docker-entrypoint.sh"
    assert command[4:] == (args or ["bash"])  # the image's CMD only without step args
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run([bash, *command[1:]], input=stdin, capture_output=True, text=True,
                          timeout=30, check=False)
    assert (done.returncode, done.stdout) == (0, out), done.stderr
