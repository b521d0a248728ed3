"""Leader election between controller PROCESSES sharing a Lease on the embedded API server.

Each replica is ``manager_proc.py`` in a subprocess; the API server runs in the test
process. Durations are short (Lease 2 s, renew deadline 1.5 s, retry 0.2 s) for speed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tekpy.runtime.client import CONFIGMAPS, LEASES, ApiError, Client, is_conflict
from tekpy.runtime.leaderelection import JITTER_FACTOR
from tekpy.testing import eventually

SCRIPT = Path(__file__).with_name("manager_proc.py")
LEASE, RENEW, RETRY = 2.0, 1.5, 0.2
# Scheduling slack for subprocesses on a loaded CI machine.
SLACK = 1.5

pytestmark = pytest.mark.slow


class Replica:
    """One manager process and the events it printed (with loop-time stamps)."""

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self.proc: asyncio.subprocess.Process | None = None
        self.events: dict[str, float] = {}
        self.info: dict[str, Any] = {}
        self.stderr = b""
        self._reader: asyncio.Task[None] | None = None

    async def start(self, kubeconfig: str, ns: str, lease: str, *extra: str) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            kubeconfig,
            ns,
            lease,
            self.identity,
            str(extra[0] if extra else LEASE),
            str(extra[1] if extra else RENEW),
            str(extra[2] if extra else RETRY),
            *extra[3:],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        loop = asyncio.get_running_loop()
        async for line in self.proc.stdout:
            msg = json.loads(line)
            self.events[msg["event"]] = loop.time()
            self.info.update(msg)

    def leading(self) -> bool:
        return "leading" in self.events

    async def exit_code(self, within: float = 15) -> int:
        assert self.proc is not None and self.proc.stderr is not None
        self.stderr = await asyncio.wait_for(self.proc.stderr.read(), within)
        return await asyncio.wait_for(self.proc.wait(), within)

    def signal(self, signum: int) -> float:
        assert self.proc is not None
        self.proc.send_signal(signum)
        return asyncio.get_running_loop().time()

    async def metric(self, lease: str) -> float | None:
        port = self.info["metrics"]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                text = await resp.text()
        needle = f'leader_election_master_status{{name="{lease}"}} '
        for line in text.splitlines():
            if line.startswith(needle):
                return float(line[len(needle) :])
        return None

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def two_replicas(
    api_server: Any, ns: str, lease: str, *extra: str
) -> tuple[Replica, Replica]:
    a, b = Replica("replica-a"), Replica("replica-b")
    await a.start(api_server.kubeconfig_path, ns, lease, *extra)
    await eventually(lambda: a.leading(), timeout=30, message="first replica leads")
    await b.start(api_server.kubeconfig_path, ns, lease, *extra)
    await eventually(lambda: "started" in b.events, timeout=30, message="standby started")
    return a, b


async def stamped_by(client: Client, ns: str, name: str) -> str | None:
    obj = await client.get(CONFIGMAPS, name, namespace=ns)
    return ((obj["metadata"].get("annotations")) or {}).get("reconciled-by")


async def create_parent(client: Client, ns: str, name: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": {"role": "parent"}},
    }
    await client.create(CONFIGMAPS, body, namespace=ns)


async def test_killed_leader_is_replaced_within_lease_duration_plus_retry(
    api_server: Any, client: Client, namespace: str
) -> None:
    a, b = await two_replicas(api_server, namespace, "kill-test")
    try:
        # Exactly one replica runs its controller; the standby's caches are warm.
        await create_parent(client, namespace, "one")
        assert await eventually(lambda: stamped_by(client, namespace, "one")) == a.identity
        assert not b.leading()
        assert await a.metric("kill-test") == 1.0
        assert await b.metric("kill-test") == 0.0

        killed = a.signal(signal.SIGKILL)
        await eventually(lambda: b.leading(), timeout=15, message="standby takes over")
        took = b.events["leading"] - killed
        # The standby restarts its countdown when it last saw the Lease change (at most one
        # jittered retry before the kill), waits the lease duration, then wins at its next
        # jittered retry.
        bound = LEASE + 2 * RETRY * (1 + JITTER_FACTOR)
        print(f"takeover after SIGKILL: {took:.2f}s (bound {bound:.2f}s + slack)")
        assert LEASE - 2 * RETRY * (1 + JITTER_FACTOR) < took < bound + SLACK

        spec = (await client.get(LEASES, "kill-test", namespace=namespace))["spec"]
        assert spec["holderIdentity"] == b.identity
        assert spec["leaseTransitions"] == 1
        await create_parent(client, namespace, "two")
        assert await eventually(lambda: stamped_by(client, namespace, "two")) == b.identity
        assert await b.metric("kill-test") == 1.0
    finally:
        await a.kill()
        await b.kill()


async def test_graceful_stop_with_release_hands_over_at_once(
    api_server: Any, client: Client, namespace: str
) -> None:
    # A long lease: a hand-over much faster than it can only come from the release.
    a, b = await two_replicas(api_server, namespace, "release-test", "8", "6", "0.2", "--release")
    try:
        stopped = a.signal(signal.SIGTERM)
        assert await a.exit_code() == 0
        await eventually(lambda: b.leading(), timeout=15, message="standby takes over")
        took = b.events["leading"] - stopped
        print(f"takeover after SIGTERM with release: {took:.2f}s")
        assert took < 8 / 2
        spec = (await client.get(LEASES, "release-test", namespace=namespace))["spec"]
        assert spec["holderIdentity"] == b.identity and spec["leaseTransitions"] == 1
        assert b"released lease" in a.stderr
    finally:
        await a.kill()
        await b.kill()


async def test_leader_that_loses_its_lease_stops_and_exits_non_zero(
    api_server: Any, client: Client, namespace: str
) -> None:
    a = Replica("replica-a")
    await a.start(api_server.kubeconfig_path, namespace, "lost-test")
    try:
        await eventually(lambda: a.leading(), timeout=30)
        # Another party takes the Lease over with a long lease: a cannot renew it.
        # The leader renews concurrently, so retry the read-modify-write on a conflict.
        for _ in range(50):
            lease = await client.get(LEASES, "lost-test", namespace=namespace)
            lease["spec"]["holderIdentity"] = "intruder"
            lease["spec"]["leaseDurationSeconds"] = 3600
            try:
                await client.update(LEASES, lease, namespace=namespace)
                break
            except ApiError as exc:
                if not is_conflict(exc):
                    raise
        else:
            pytest.fail("could not take the Lease over: every update conflicted")
        code = await a.exit_code(within=20)
        assert code != 0
        assert b"leader election lost" in a.stderr
    finally:
        await a.kill()


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The subprocess inherits the environment; make sure it talks to loopback directly.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert os.environ["NO_PROXY"]
