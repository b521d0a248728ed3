"""Durability: restart keeps data; SIGKILL during a write burst loses no acknowledged write."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import ssl
import sys
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from apiserver_helpers import Kube, SubprocessServer, cm, open_watch

from tekpy.local.apiserver import EmbeddedApiServer

CMS = "/api/v1/namespaces/default/configmaps"


async def test_restart_keeps_memory_data_and_watch_resumes_or_expires(kube: Kube) -> None:
    a = await kube.ok("POST", CMS, cm("a"))
    await kube.srv.restart()
    got = await kube.ok("GET", f"{CMS}/a")
    assert got["metadata"]["uid"] == a["metadata"]["uid"]
    b = await kube.ok("POST", CMS, cm("b"))
    assert int(b["metadata"]["resourceVersion"]) > int(a["metadata"]["resourceVersion"])


async def test_data_dir_restart_keeps_objects_and_rv(tmp_path: Path) -> None:
    srv = EmbeddedApiServer(port=0, data_dir=str(tmp_path / "d"))
    await srv.start()
    conn = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=srv.ca_file))
    async with aiohttp.ClientSession(connector=conn) as session:
        kube = Kube(srv, session)
        a = await kube.ok("POST", CMS, cm("a", k="v"))
        await srv.restart()  # reloads from SQLite
        got = await kube.ok("GET", f"{CMS}/a")
        assert got == a
        # a resume from before the restart is answered with 410 (history is not persisted)
        w = await open_watch(kube, CMS, resourceVersion=str(
            int(a["metadata"]["resourceVersion"]) - 1))
        assert (await w.next())["object"]["code"] == 410
        b = await kube.ok("POST", CMS, cm("b"))
        assert int(b["metadata"]["resourceVersion"]) > int(a["metadata"]["resourceVersion"])
    await srv.close()


def _server_of(kubeconfig: str) -> tuple[str, str, ssl.SSLContext]:
    with open(kubeconfig) as f:
        kc = yaml.safe_load(f)
    cluster = kc["clusters"][0]["cluster"]
    ctx = ssl.create_default_context(
        cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
    return cluster["server"], kc["users"][0]["user"]["token"], ctx


async def _start(data_dir: Path, kubeconfig: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tekpy", "apiserver", "--port", "0", "--data-dir", str(data_dir),
        "--kubeconfig-out", str(kubeconfig), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert line.decode().strip() == str(kubeconfig)
    return proc


async def test_sigkill_during_write_burst_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data, kc = tmp_path / "data", tmp_path / "kubeconfig"
    proc = await _start(data, kc)
    url, token, ctx = _server_of(str(kc))
    headers = {"Authorization": f"Bearer {token}"}
    acked: dict[str, int] = {}
    enough = asyncio.Event()

    async def writer(session: aiohttp.ClientSession, w: int) -> None:
        i = 0
        while True:
            name = f"w{w}-{i}"
            try:
                async with session.post(url + CMS, json=cm(name, i=str(i)),
                                        headers=headers) as resp:
                    body: dict[str, Any] = await resp.json()
                    assert resp.status == 201, body
                    acked[name] = int(body["metadata"]["resourceVersion"])
            except (TimeoutError, aiohttp.ClientError):
                return  # the server died under us
            i += 1
            if len(acked) >= 300:
                enough.set()

    conn = aiohttp.TCPConnector(ssl=ctx, limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=conn) as session:
        writers = [asyncio.create_task(writer(session, w)) for w in range(6)]
        await asyncio.wait_for(enough.wait(), 60)
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the burst
        await proc.wait()
        await asyncio.gather(*writers)
    assert len(acked) >= 300

    proc = await _start(data, kc)
    try:
        url, token, ctx = _server_of(str(kc))
        conn = aiohttp.TCPConnector(ssl=ctx)
        async with aiohttp.ClientSession(connector=conn) as session:
            async with session.get(url + CMS, headers=headers) as resp:
                listed = await resp.json()
            present = {i["metadata"]["name"]: int(i["metadata"]["resourceVersion"])
                       for i in listed["items"]}
            missing = set(acked) - set(present)
            assert not missing, f"{len(missing)} acknowledged writes lost"
            assert all(present[n] == rv for n, rv in acked.items())
            async with session.post(url + CMS, json=cm("after"), headers=headers) as resp:
                after = await resp.json()
            assert int(after["metadata"]["resourceVersion"]) > max(present.values())
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0


async def test_subprocess_server_serves_and_stops_cleanly(
    subprocess_server: SubprocessServer,
) -> None:
    srv = subprocess_server
    conn = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=srv.ca_file))
    async with aiohttp.ClientSession(connector=conn) as session:
        kube = Kube(srv, session)  # type: ignore[arg-type]
        created = await kube.ok("POST", CMS, cm("a"))
        assert (await kube.ok("GET", f"{CMS}/a")) == created
    assert os.stat(srv.kubeconfig_path).st_mode & 0o777 == 0o600
    assert await srv.stop() == 0
