"""Pods run by the node agent against the real embedded API server."""

from __future__ import annotations

from typing import Any

from kl_support import cstatus, pod, sh, wait_phase

from tekpy.runtime.client import PODS


async def test_busybox_pod_succeeds_with_exit_code_and_termination_message(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("ok", sh(
        "main", "echo hello; printf 'all good' > /dev/termination-log")), namespace=namespace)
    p = await wait_phase(client, namespace, "ok", "Succeeded", "Failed")
    assert p["status"]["phase"] == "Succeeded"
    term = cstatus(p, "main")["state"]["terminated"]
    assert term["exitCode"] == 0
    assert term["reason"] == "Completed"
    assert term["message"] == "all good"
    conds = {c["type"]: c for c in p["status"]["conditions"]}
    assert conds["Ready"]["status"] == "False" and conds["Ready"]["reason"] == "PodCompleted"
    assert conds["Initialized"]["status"] == "True"
    assert p["status"]["podIP"] == "127.0.0.1"
    assert p["status"]["startTime"]


async def test_failing_container_fails_the_pod_with_its_exit_code(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("bad", sh("main", "echo oops >&2; exit 3"),
                                  sh("other", "true")), namespace=namespace)
    p = await wait_phase(client, namespace, "bad", "Succeeded", "Failed")
    assert p["status"]["phase"] == "Failed"
    term = cstatus(p, "main")["state"]["terminated"]
    assert (term["exitCode"], term["reason"]) == (3, "Error")
    assert cstatus(p, "other")["state"]["terminated"]["reason"] == "Completed"


async def test_fallback_to_logs_on_error_uses_the_log_tail(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("fb", sh("main", "echo first; echo last words; exit 1",
                                           terminationMessagePolicy="FallbackToLogsOnError")),
                        namespace=namespace)
    p = await wait_phase(client, namespace, "fb", "Failed")
    assert cstatus(p, "main")["state"]["terminated"]["message"] == "first\nlast words\n"


async def test_termination_message_is_cut_at_4096_bytes(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("big", sh(
        "main", "i=0; while [ $i -lt 600 ]; do printf 0123456789; i=$((i+1)); done "
                "> /tmp/m; cat /tmp/m > /dev/termination-log")), namespace=namespace)
    p = await wait_phase(client, namespace, "big", "Succeeded")
    assert len(cstatus(p, "main")["state"]["terminated"]["message"]) == 4096


async def test_init_containers_run_in_order_before_the_containers(
        client: Any, namespace: str, agent: Any) -> None:
    vols = [{"name": "shared", "emptyDir": {}}]
    mount = [{"name": "shared", "mountPath": "/shared"}]
    body = pod("init", sh("main", "cat /shared/log > /dev/termination-log",
                          volumeMounts=mount),
               volumes=vols,
               initContainers=[
                   sh("first", "sleep 0.2; echo first >> /shared/log", volumeMounts=mount),
                   sh("second", "echo second >> /shared/log", volumeMounts=mount)])
    await client.create(PODS, body, namespace=namespace)
    p = await wait_phase(client, namespace, "init", "Succeeded", "Failed")
    assert p["status"]["phase"] == "Succeeded"
    assert cstatus(p, "main")["state"]["terminated"]["message"] == "first\nsecond\n"
    first = cstatus(p, "first")["state"]["terminated"]
    second = cstatus(p, "second")["state"]["terminated"]
    assert first["finishedAt"] <= second["startedAt"]


async def test_failed_init_container_fails_the_pod_and_never_starts_containers(
        client: Any, namespace: str, agent: Any) -> None:
    body = pod("initfail", sh("main", "true"), initContainers=[sh("setup", "exit 4")])
    await client.create(PODS, body, namespace=namespace)
    p = await wait_phase(client, namespace, "initfail", "Failed")
    assert cstatus(p, "setup")["state"]["terminated"]["exitCode"] == 4
    assert "waiting" in cstatus(p, "main")["state"]
    conds = {c["type"]: c["status"] for c in p["status"]["conditions"]}
    assert conds["Initialized"] == "False"


async def test_restart_policy_on_failure_restarts_until_success(
        client: Any, namespace: str, agent: Any) -> None:
    vols = [{"name": "state", "emptyDir": {}}]
    script = ("n=$(cat /s/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /s/n; "
              "[ $n -ge 3 ]")
    await client.create(PODS, pod("retry", sh(
        "main", script, volumeMounts=[{"name": "state", "mountPath": "/s"}]),
        volumes=vols, restartPolicy="OnFailure"), namespace=namespace)
    p = await wait_phase(client, namespace, "retry", "Succeeded", "Failed")
    assert p["status"]["phase"] == "Succeeded"
    cs = cstatus(p, "main")
    assert cs["restartCount"] == 2
    assert cs["lastState"]["terminated"]["exitCode"] == 1


async def test_command_not_found_is_container_cannot_run(
        client: Any, namespace: str, agent: Any) -> None:
    await client.create(PODS, pod("nocmd", {"name": "main", "image": "busybox",
                                            "command": ["/no/such/program"]}),
                        namespace=namespace)
    p = await wait_phase(client, namespace, "nocmd", "Failed")
    term = cstatus(p, "main")["state"]["terminated"]
    assert term["reason"] == "ContainerCannotRun"
    assert "/no/such/program" in term["message"]


async def test_events_record_container_starts(client: Any, namespace: str, agent: Any) -> None:
    from tekpy.runtime.client import EVENTS
    from tekpy.testing import eventually

    await client.create(PODS, pod("evented", sh("main", "true")), namespace=namespace)
    await wait_phase(client, namespace, "evented", "Succeeded")

    async def started() -> bool:
        items = (await client.list(EVENTS, namespace=namespace))["items"]
        return any(e.get("reason") == "Started" and e["involvedObject"]["name"] == "evented"
                   and e.get("source", {}).get("component") == "kubelet" for e in items)

    await eventually(started, timeout=10)
