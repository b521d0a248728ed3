"""Pod builder: workspaces of every kind, the pod template and credential initialisation."""

from __future__ import annotations

import pytest
from taskrun_support import container, make_taskrun, mounts, pod_for, volume

from tekpy.api.config import Defaults, FeatureFlags
from tekpy.taskrun import PodBuilderConfig, PodBuildError, build_pod, resolve_task_spec
from tekpy.taskrun.names import hashed_name
from tekpy.taskrun.podbuilder.workspaces import claim_name

SH = {"image": "busybox", "command": ["sh", "-c"]}


def _ws_spec(binding: dict, decl: dict | None = None, args: str = "$(workspaces.w.path)"
             ) -> dict:
    return {"taskSpec": {"workspaces": [{"name": "w", **(decl or {})}],
                         "steps": [{**SH, "args": [args]}],
                         "sidecars": [{"name": "side", **SH}]},
            "workspaces": [{"name": "w", **binding}]}


@pytest.mark.parametrize(("binding", "key"), [
    ({"emptyDir": {}}, "emptyDir"),
    ({"persistentVolumeClaim": {"claimName": "data"}}, "persistentVolumeClaim"),
    ({"configMap": {"name": "cm"}}, "configMap"),
    ({"secret": {"secretName": "s"}}, "secret"),
    ({"projected": {"sources": [{"configMap": {"name": "cm"}}]}}, "projected"),
    ({"csi": {"driver": "inline.csi"}}, "csi"),
])
def test_each_workspace_kind_becomes_a_volume_mounted_everywhere(binding: dict, key: str
                                                                 ) -> None:
    built = pod_for(_ws_spec(binding))
    pod = built.pod
    name = hashed_name("ws", "w")
    assert volume(pod, name)[key] == binding[key]
    step = container(pod, "step-unnamed-0")
    assert mounts(step)["/workspace/w"] == {"name": name, "mountPath": "/workspace/w"}
    assert mounts(container(pod, "sidecar-side"))["/workspace/w"]["name"] == name
    assert step["args"][-1] == "/workspace/w"
    assert built.claims == []


def test_sub_path_read_only_and_mount_path() -> None:
    pod = pod_for(_ws_spec({"emptyDir": {}, "subPath": "sub"},
                           {"mountPath": "/data", "readOnly": True})).pod
    step = container(pod, "step-unnamed-0")
    assert mounts(step)["/data"] == {"name": hashed_name("ws", "w"), "mountPath": "/data",
                                     "readOnly": True, "subPath": "sub"}
    assert step["args"][-1] == "/data"


def test_volume_claim_template_becomes_a_claim_owned_by_the_taskrun() -> None:
    tpl = {"metadata": {"name": "cache", "labels": {"a": "b"}},
           "spec": {"accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}}}}
    built = pod_for(_ws_spec({"volumeClaimTemplate": tpl},
                             args="$(workspaces.w.claim)"), uid="u-1")
    (claim,) = built.claims
    name = claim_name("cache", "w", "u-1")
    assert name.startswith("cache-") and len(name) == len("cache-") + 10
    assert claim["apiVersion"] == "v1" and claim["kind"] == "PersistentVolumeClaim"
    assert claim["metadata"]["name"] == name and claim["metadata"]["namespace"] == "ns"
    assert claim["metadata"]["labels"] == {"a": "b"}
    assert claim["metadata"]["ownerReferences"][0]["kind"] == "TaskRun"
    assert claim["metadata"]["ownerReferences"][0]["controller"] is True
    assert claim["spec"] == tpl["spec"]
    vol = volume(built.pod, hashed_name("ws", "w"))
    assert vol["persistentVolumeClaim"] == {"claimName": name}
    assert container(built.pod, "step-unnamed-0")["args"][-1] == name
    assert claim_name("", "w", "u-1").startswith("pvc-")


def test_two_bindings_of_one_claim_share_a_volume() -> None:
    spec = {"taskSpec": {"workspaces": [{"name": "a"}, {"name": "b"}], "steps": [SH]},
            "workspaces": [{"name": "a", "persistentVolumeClaim": {"claimName": "c"}},
                           {"name": "b", "persistentVolumeClaim": {"claimName": "c"},
                            "subPath": "x"}]}
    pod = pod_for(spec).pod
    pvc_vols = [v for v in pod["spec"]["volumes"] if "persistentVolumeClaim" in v]
    assert len(pvc_vols) == 1
    m = mounts(container(pod, "step-unnamed-0"))
    assert m["/workspace/a"]["name"] == m["/workspace/b"]["name"] == pvc_vols[0]["name"]


def test_isolated_workspace_is_mounted_only_where_used() -> None:
    spec = {"taskSpec": {
        "workspaces": [{"name": "w"}],
        "steps": [{"name": "uses", **SH, "workspaces": [{"name": "w", "mountPath": "/iso"}],
                   "args": ["$(workspaces.w.path)"]},
                  {"name": "other", **SH, "args": ["$(workspaces.w.path)"]}]},
        "workspaces": [{"name": "w", "emptyDir": {}}]}
    pod = pod_for(spec).pod
    uses, other = container(pod, "step-uses"), container(pod, "step-other")
    assert "/iso" in mounts(uses) and "/workspace/w" not in mounts(uses)
    assert "/iso" not in mounts(other) and "/workspace/w" not in mounts(other)
    assert uses["args"][-1] == "/iso" and other["args"][-1] == "/workspace/w"


def test_unbound_optional_workspace() -> None:
    tr = make_taskrun({"taskSpec": {
        "workspaces": [{"name": "w", "optional": True}],
        "steps": [{**SH, "args": ["$(workspaces.w.bound)", "[$(workspaces.w.path)]"]}]}})
    assert tr.spec.task_spec is not None
    spec, errors = resolve_task_spec(tr, tr.spec.task_spec)
    assert not errors
    assert spec.steps[0].args == ["false", "[]"]
    pod = build_pod(tr, spec).pod
    assert not any(v["name"].startswith("ws-") for v in pod["spec"]["volumes"])


def test_pod_template_fields_env_and_volumes() -> None:
    tpl = {"nodeSelector": {"disk": "ssd"}, "tolerations": [{"key": "k", "operator": "Exists"}],
           "affinity": {"nodeAffinity": {}}, "securityContext": {"runAsUser": 1000},
           "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["x"]}],
           "dnsConfig": {"nameservers": ["1.1.1.1"]}, "dnsPolicy": "None",
           "imagePullSecrets": [{"name": "pull"}], "priorityClassName": "high",
           "runtimeClassName": "gvisor", "schedulerName": "s", "hostNetwork": True,
           "env": [{"name": "FROM_TPL", "value": "1"}, {"name": "SECRET", "value": "no"}],
           "volumes": [{"name": "extra", "emptyDir": {}}]}
    defaults = Defaults(default_pod_template={"nodeSelector": {"zone": "a"},
                                              "automountServiceAccountToken": False},
                        default_forbidden_env=("SECRET",))
    pod = pod_for({"taskSpec": {"steps": [{**SH, "env": [{"name": "OWN", "value": "x"}]}]},
                   "podTemplate": tpl}, PodBuilderConfig(defaults=defaults)).pod
    spec = pod["spec"]
    for key in ("tolerations", "affinity", "securityContext", "hostAliases", "dnsConfig",
                "dnsPolicy", "imagePullSecrets", "priorityClassName", "runtimeClassName",
                "schedulerName", "hostNetwork"):
        assert spec[key] == tpl[key], key
    assert spec["nodeSelector"] == {"disk": "ssd"}  # the TaskRun's template wins
    assert spec["automountServiceAccountToken"] is False  # from the default template
    assert volume(pod, "extra") == {"name": "extra", "emptyDir": {}}
    env = container(pod, "step-unnamed-0")["env"]
    assert env == [{"name": "OWN", "value": "x"}, {"name": "FROM_TPL", "value": "1"}]


def _sa(*names: str) -> dict:
    return {"metadata": {"name": "builder"}, "secrets": [{"name": n} for n in names]}


SECRETS = {
    "git-basic": {"metadata": {"name": "git-basic", "annotations": {
        "tekton.dev/git-1": "https://github.com", "tekton.dev/git-0": "https://gitlab.com"}},
        "type": "kubernetes.io/basic-auth"},
    "git-ssh": {"metadata": {"name": "git-ssh",
                             "annotations": {"tekton.dev/git-0": "github.com"}},
                "type": "kubernetes.io/ssh-auth", "data": {"ssh-privatekey": "eA=="}},
    "reg": {"metadata": {"name": "reg"}, "type": "kubernetes.io/dockerconfigjson"},
    "docker-basic": {"metadata": {"name": "docker-basic", "annotations": {
        "tekton.dev/docker-0": "https://index.docker.io"}}, "type": "kubernetes.io/basic-auth"},
    "plain": {"metadata": {"name": "plain", "annotations": {"tekton.dev/git-0": "x"}},
              "type": "Opaque"},
}


def test_credentials_from_annotated_service_account_secrets() -> None:
    built = pod_for({"taskSpec": {"steps": [SH, SH]}, "serviceAccountName": "builder"},
                    service_account=_sa("git-basic", "git-ssh", "reg", "docker-basic",
                                        "plain", "gone", "git-basic"),
                    secrets=SECRETS)
    pod = built.pod
    assert built.missing_secrets == ["gone"]
    args = container(pod, "step-unnamed-1")["args"]
    flags = [a for a in args[:args.index("--")] if a.startswith(("-basic-", "-ssh-", "-docker"))]
    assert flags == ["-basic-git=git-basic=https://github.com",
                     "-basic-git=git-basic=https://gitlab.com",
                     "-ssh-git=git-ssh=github.com", "-docker-config=reg",
                     "-basic-docker=docker-basic=https://index.docker.io"]
    for name in ("git-basic", "git-ssh", "reg", "docker-basic"):
        vol = volume(pod, hashed_name("tekton-creds", name, 8))
        assert vol["secret"] == {"secretName": name}
        for i in range(2):
            m = mounts(container(pod, f"step-unnamed-{i}"))
            assert m[f"/tekton/creds-secrets/{name}"]["name"] == vol["name"]
    assert not any(v.get("secret", {}).get("secretName") == "plain"
                   for v in pod["spec"]["volumes"])


def test_creds_init_can_be_disabled_and_known_hosts_required() -> None:
    cfg = PodBuilderConfig(feature_flags=FeatureFlags(disable_creds_init=True))
    pod = pod_for({"taskSpec": {"steps": [SH]}}, cfg, service_account=_sa("git-basic"),
                  secrets=SECRETS).pod
    assert "/tekton/creds" not in mounts(container(pod, "step-unnamed-0"))
    assert not any(v["name"].startswith("tekton-creds") for v in pod["spec"]["volumes"])
    cfg = PodBuilderConfig(feature_flags=FeatureFlags(require_git_ssh_secret_known_hosts=True))
    with pytest.raises(PodBuildError, match="known_hosts"):
        pod_for({"taskSpec": {"steps": [SH]}}, cfg, service_account=_sa("git-ssh"),
                secrets=SECRETS)


def test_params_apply_to_workspace_bindings() -> None:
    spec = {"taskSpec": {"params": [{"name": "cm"}, {"name": "dir", "default": "d1"}],
                         "workspaces": [{"name": "w"}], "steps": [SH]},
            "params": [{"name": "cm", "value": "my-config"}],
            "workspaces": [{"name": "w", "configMap": {"name": "$(params.cm)"},
                            "subPath": "$(params.dir)"}]}
    pod = pod_for(spec).pod
    assert volume(pod, hashed_name("ws", "w"))["configMap"] == {"name": "my-config"}
    assert mounts(container(pod, "step-unnamed-0"))["/workspace/w"]["subPath"] == "d1"
