"""Environment, volumes, images and commands of containers run by the node agent."""

from __future__ import annotations

import base64
from typing import Any

from kl_support import cstatus, pod, sh, wait_phase

from tekpy.runtime.client import CONFIGMAPS, PODS, SECRETS
from tekpy.testing import eventually


async def test_env_from_values_fields_configmaps_and_secrets(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(CONFIGMAPS, {"metadata": {"name": "cm"}, "data": {"color": "blue",
                                                                         "size": "L"}},
                        namespace=namespace)
    await client.create(SECRETS, {"metadata": {"name": "sec"}, "data": {
        "token": base64.b64encode(b"s3cret").decode()}}, namespace=namespace)
    env = [
        {"name": "GREETING", "value": "hi"},
        {"name": "MSG", "value": "$(GREETING) there $$(NOT)"},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "color"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "token"}}},
    ]
    script = ('printf "%s|%s|%s|%s|%s|%s|%s|%s" "$MSG" "$POD" "$NS" "$COLOR" "$TOKEN" '
              '"$CM_size" "$(hostname)" "$(pwd)" > /dev/termination-log')
    await client.create(PODS, pod("env", sh(
        "main", script, env=env, envFrom=[{"configMapRef": {"name": "cm"}, "prefix": "CM_"}],
        workingDir="/work/dir")), namespace=namespace)
    p = await wait_phase(client, namespace, "env", "Succeeded", "Failed")
    msg = cstatus(p, "main")["state"]["terminated"]["message"]
    assert msg == f"hi there $(NOT)|env|{namespace}|blue|s3cret|L|env|/work/dir"


async def test_missing_secret_keeps_the_container_waiting_with_config_error(
        client: Any, namespace: str, agent: Any) -> None:
    env = [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "k"}}}]
    await client.create(PODS, pod("cfgerr", sh("main", "true", env=env)), namespace=namespace)

    async def waiting() -> dict[str, Any] | None:
        p = await client.get(PODS, "cfgerr", namespace=namespace)
        for cs in (p.get("status") or {}).get("containerStatuses") or ():
            w = cs["state"].get("waiting") or {}
            if w.get("reason") == "CreateContainerConfigError":
                return dict(w)
        return None

    w = await eventually(waiting, timeout=20)
    assert 'secret "absent" not found' in w["message"]


async def test_volumes_configmap_secret_downward_and_shared_emptydir(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(CONFIGMAPS, {"metadata": {"name": "files"}, "data": {
        "a.txt": "alpha", "b.txt": "beta"}}, namespace=namespace)
    await client.create(SECRETS, {"metadata": {"name": "creds"}, "data": {
        "password": base64.b64encode(b"pw").decode()}}, namespace=namespace)
    volumes = [
        {"name": "cm", "configMap": {"name": "files", "items": [
            {"key": "b.txt", "path": "sub/b"}]}},
        {"name": "sec", "secret": {"secretName": "creds", "defaultMode": 0o400}},
        {"name": "info", "downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "flag", "fieldRef": {
                "fieldPath": "metadata.annotations['example.com/flag']"}}]}},
        {"name": "shared", "emptyDir": {}},
    ]
    reader = sh("reader", "while [ ! -s /info/flag ]; do sleep 0.05; done; "
                "while [ ! -f /shared/ready ]; do sleep 0.05; done; "
                'printf "%s|%s|%s|%s|%s" "$(cat /cm/sub/b)" "$(cat /sec/password)" '
                '"$(stat -c %a /sec/password)" "$(cat /info/flag)" "$(cat /shared/ready)" '
                "> /dev/termination-log; touch /cm/x 2>/dev/null && exit 9; exit 0",
                volumeMounts=[{"name": "cm", "mountPath": "/cm"},
                              {"name": "sec", "mountPath": "/sec"},
                              {"name": "info", "mountPath": "/info"},
                              {"name": "shared", "mountPath": "/shared"}])
    writer = sh("writer", "echo from-writer > /shared/ready",
                volumeMounts=[{"name": "shared", "mountPath": "/shared"}])
    body = pod("vols", reader, writer, volumes=volumes)
    body["metadata"]["labels"] = {"app": "demo"}
    await client.create(PODS, body, namespace=namespace)
    # The downward API file follows the annotation, as Tekton's ready file does.
    await eventually(lambda: agent.workers and all(w.sandbox_ready
                                                  for w in agent.workers.values()))
    await client.patch(PODS, "vols", {"metadata": {"annotations": {"example.com/flag": "on"}}},
                       namespace=namespace)
    p = await wait_phase(client, namespace, "vols", "Succeeded", "Failed")
    assert p["status"]["phase"] == "Succeeded", p["status"]
    msg = cstatus(p, "reader")["state"]["terminated"]["message"]
    assert msg == "beta|pw|400|on|from-writer"


async def test_unknown_image_waits_with_an_image_pull_reason(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("img", {"name": "main", "image": "example.com/acme/tool:1.0",
                                          "command": ["tool"]}), namespace=namespace)

    async def waiting() -> dict[str, Any] | None:
        p = await client.get(PODS, "img", namespace=namespace)
        for cs in (p.get("status") or {}).get("containerStatuses") or ():
            w = cs["state"].get("waiting") or {}
            if w.get("reason") in ("ErrImagePull", "ImagePullBackOff"):
                return dict(w)
        return None

    w = await eventually(waiting, timeout=20)
    assert "acme/tool" in w["message"] and "--image-map" in w["message"]
    p = await client.get(PODS, "img", namespace=namespace)
    assert p["status"]["phase"] == "Pending"


async def test_container_without_command_is_a_create_container_error(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("nocommand", {"name": "main", "image": "busybox"}),
                        namespace=namespace)

    async def waiting() -> dict[str, Any] | None:
        p = await client.get(PODS, "nocommand", namespace=namespace)
        for cs in (p.get("status") or {}).get("containerStatuses") or ():
            w = cs["state"].get("waiting") or {}
            if w.get("reason") == "CreateContainerError":
                return dict(w)
        return None

    w = await eventually(waiting, timeout=20)
    assert "set command" in w["message"]


async def test_host_root_image_and_read_only_root(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("host", sh(
        "main", "test -x /usr/bin/env && ! touch /usr/x 2>/dev/null && echo ok "
        "> /dev/termination-log", image="docker.io/library/ubuntu:24.04")), namespace=namespace)
    p = await wait_phase(client, namespace, "host", "Succeeded", "Failed")
    assert cstatus(p, "main")["state"]["terminated"]["message"] == "ok\n"


async def test_claims_persist_across_pods_and_subpath_mounts(
        client: Any, namespace: str, agent: Any) -> None:
    vols = [{"name": "data", "persistentVolumeClaim": {"claimName": "cache"}}]
    await client.create(PODS, pod("producer", sh(
        "main", "echo kept > /data/file",
        volumeMounts=[{"name": "data", "mountPath": "/data", "subPath": "sub"}]),
        volumes=vols), namespace=namespace)
    await wait_phase(client, namespace, "producer", "Succeeded")
    await client.create(PODS, pod("consumer", sh(
        "main", "cat /all/sub/file > /dev/termination-log",
        volumeMounts=[{"name": "data", "mountPath": "/all", "readOnly": True}]),
        volumes=vols), namespace=namespace)
    p = await wait_phase(client, namespace, "consumer", "Succeeded", "Failed")
    assert cstatus(p, "main")["state"]["terminated"]["message"] == "kept\n"


async def test_host_path_volumes_are_refused_by_default(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("hostpath", sh("main", "true"), volumes=[
        {"name": "h", "hostPath": {"path": "/etc"}}]), namespace=namespace)

    async def refused() -> dict[str, Any] | None:
        p = await client.get(PODS, "hostpath", namespace=namespace)
        for cs in (p.get("status") or {}).get("containerStatuses") or ():
            w = cs["state"].get("waiting") or {}
            if w.get("reason") == "CreateContainerConfigError":
                return dict(w)
        return None

    w = await eventually(refused, timeout=20)
    assert "--allow-host-path" in w["message"]


async def test_projected_volume_and_run_as_user(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(CONFIGMAPS, {"metadata": {"name": "proj"}, "data": {"k": "v"}},
                        namespace=namespace)
    volumes = [{"name": "all", "projected": {"sources": [
        {"configMap": {"name": "proj"}},
        {"downwardAPI": {"items": [{"path": "name",
                                    "fieldRef": {"fieldPath": "metadata.name"}}]}}]}}]
    await client.create(PODS, pod("proj", sh(
        "main", 'printf "%s|%s|%s" "$(cat /p/k)" "$(cat /p/name)" "$(id -u)" '
                "> /dev/termination-log",
        volumeMounts=[{"name": "all", "mountPath": "/p"}],
        securityContext={"runAsUser": 1000}), volumes=volumes), namespace=namespace)
    p = await wait_phase(client, namespace, "proj", "Succeeded", "Failed")
    assert cstatus(p, "main")["state"]["terminated"]["message"] == "v|proj|1000"
