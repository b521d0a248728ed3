"""Node-agent behaviour that Tekton's examples depend on: mount points under directories an
image lacks, the default working directory, a writable ``/root``, the Alpine layout of the
busybox root, the exit-127 hint, source-less volumes and exec readiness probes."""

from __future__ import annotations

from typing import Any

from kl_support import cstatus, pod, sh, wait_phase
from test_kl_logserver import _get

from tekpy.runtime.client import PODS, SECRETS
from tekpy.testing import eventually


async def test_secret_mounted_where_the_host_root_has_no_directory(
        client: Any, namespace: str, agent: Any) -> None:
    # Tekton's secret-volume example mounts at /var/secret: /var exists in the image, but
    # not /var/secret, and the image's /var is read-only
    await client.create(SECRETS, {"metadata": {"name": "s"}, "data": {"k": "djE="}},
                        namespace=namespace)
    script = ("cat /var/secret/k > /dev/termination-log; test -d /var/lib && "
              "test -f /etc/nested/deeper/k")
    await client.create(PODS, pod("sec", sh("main", script, image="ubuntu", volumeMounts=[
        {"name": "s", "mountPath": "/var/secret"},
        {"name": "s", "mountPath": "/etc/nested/deeper"}]),
        volumes=[{"name": "s", "secret": {"secretName": "s"}}]), namespace=namespace)
    p = await wait_phase(client, namespace, "sec", "Succeeded", "Failed")
    term = cstatus(p, "main")["state"]["terminated"]
    assert (term["exitCode"], term["message"]) == (0, "v1"), term


async def test_default_working_dir_is_root_and_root_and_home_are_writable(
        client: Any, namespace: str, agent: Any) -> None:
    # without workingDir a container starts in "/" (never the agent's own directory), where
    # it can create files, as in an image's writable layer; /root (HOME) is writable too
    script = "pwd > /dev/termination-log; touch here && mkdir /root/.ssh"
    await client.create(PODS, pod("wd", sh("main", script, image="ubuntu")),
                        namespace=namespace)
    p = await wait_phase(client, namespace, "wd", "Succeeded", "Failed")
    term = cstatus(p, "main")["state"]["terminated"]
    assert (term["exitCode"], term["message"]) == (0, "/\n"), term


async def test_alpine_runs_in_the_busybox_root_with_alpines_layout(
        client: Any, namespace: str, agent: Any) -> None:
    # Tekton's alpine examples start scripts with "#!/usr/bin/env ash"
    c = {"name": "main", "image": "mirror.gcr.io/alpine@sha256:" + "a" * 64,
         "command": ["/usr/bin/env", "ash", "-c", "echo ash ok > /dev/termination-log"]}
    await client.create(PODS, pod("alp", c), namespace=namespace)
    p = await wait_phase(client, namespace, "alp", "Succeeded", "Failed")
    term = cstatus(p, "main")["state"]["terminated"]
    assert (term["exitCode"], term["message"]) == (0, "ash ok\n"), term


async def test_exit_127_logs_the_image_and_the_mapping_to_change(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("nf", sh("main", "no-such-tool-here", image="busybox:1.36")),
                        namespace=namespace)
    p = await wait_phase(client, namespace, "nf", "Failed")
    assert cstatus(p, "main")["state"]["terminated"]["exitCode"] == 127
    status, text = await _get(agent, f"/containerLogs/{namespace}/nf/main")
    assert status == 200
    hint = text.splitlines()[-1]
    assert 'image "busybox:1.36"' in hint and "busybox-only root" in hint, text
    assert '"busybox: host"' in hint and "--image-map" in hint, text


async def test_a_volume_without_source_is_an_empty_dir(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("nosrc", sh(
        "main", "echo x > /data/f && cat /data/f > /dev/termination-log",
        volumeMounts=[{"name": "data", "mountPath": "/data"}]),
        volumes=[{"name": "data"}]), namespace=namespace)
    p = await wait_phase(client, namespace, "nosrc", "Succeeded", "Failed")
    assert cstatus(p, "main")["state"]["terminated"]["message"] == "x\n"


async def test_exec_readiness_probe_keeps_the_container_unready_until_it_passes(
        client: Any, namespace: str, agent: Any) -> None:
    # the probe runs with the container's volumes: it passes once /s/go exists
    probe = {"exec": {"command": ["sh", "-c", "test -f /s/go"]}, "periodSeconds": 1}
    await client.create(PODS, pod("probed", sh(
        "side", "sleep 60", readinessProbe=probe,
        volumeMounts=[{"name": "s", "mountPath": "/s"}]),
        volumes=[{"name": "s", "emptyDir": {}}], terminationGracePeriodSeconds=0),
        namespace=namespace)

    async def side(ready: bool) -> dict[str, Any] | None:
        p = await client.get(PODS, "probed", namespace=namespace)
        st = cstatus(p, "side") if (p.get("status") or {}).get("containerStatuses") else {}
        running = "running" in (st.get("state") or {})
        return p if running and st.get("ready") is ready else None

    p = await eventually(lambda: side(False), timeout=30, interval=0.05)
    assert p["status"]["phase"] == "Running"
    conds = {c["type"]: c for c in p["status"]["conditions"]}
    assert conds["Ready"]["status"] == "False"
    assert "side" in conds["Ready"]["message"]
    # the gate, written into the Pod's emptyDir from the host
    (agent.data_dir / "pods" / p["metadata"]["uid"] / "volumes" / "s" / "go").write_text("")
    p = await eventually(lambda: side(True), timeout=30, interval=0.05)
    conds = {c["type"]: c for c in p["status"]["conditions"]}
    assert conds["Ready"]["status"] == "True"
    await client.delete(PODS, "probed", namespace=namespace, grace_period_seconds=0)
