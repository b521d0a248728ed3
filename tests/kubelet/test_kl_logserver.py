"""The agent's kubelet endpoint over HTTPS: query parameters the API server passes through."""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
from kl_support import pod, sh, wait_phase

from tekpy.runtime.client import PODS


async def _get(agent: Any, path: str, **params: str) -> tuple[int, str]:
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    url = f"https://127.0.0.1:{agent.log_server.port}{path}"
    async with aiohttp.ClientSession() as s, s.get(url, params=params, ssl=insecure) as r:
        return r.status, await r.text()


async def test_log_endpoint_serves_previous_timestamps_limits_and_healthz(
        client: Any, namespace: str, agent: Any) -> None:
    vols = [{"name": "s", "emptyDir": {}}]
    script = ("n=$(cat /s/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /s/n; "
              "echo attempt-$n; echo more; [ $n -ge 2 ]")
    await client.create(PODS, pod("again", sh("main", script, volumeMounts=[
        {"name": "s", "mountPath": "/s"}]), volumes=vols, restartPolicy="OnFailure"),
        namespace=namespace)
    await wait_phase(client, namespace, "again", "Succeeded")
    base = f"/containerLogs/{namespace}/again/main"
    assert await _get(agent, base) == (200, "attempt-2\nmore\n")
    assert await _get(agent, base, previous="true") == (200, "attempt-1\nmore\n")
    assert await _get(agent, base, tailLines="1") == (200, "more\n")
    assert await _get(agent, base, limitBytes="4") == (200, "atte")
    status, text = await _get(agent, base, timestamps="true")
    first = text.splitlines()[0].split(" ", 1)
    assert status == 200 and first[1] == "attempt-2" and first[0].endswith("Z")
    assert (await _get(agent, f"/containerLogs/{namespace}/nope/main"))[0] == 404
    assert (await _get(agent, f"/containerLogs/{namespace}/again/other"))[0] == 400
    assert await _get(agent, "/healthz") == (200, "ok")
