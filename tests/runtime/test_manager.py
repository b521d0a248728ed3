"""Manager lifecycle, probes and metrics, without an API server.

The informer factory is replaced by a small gate (``GatedInformers``) so the tests can hold
the caches unsynced and observe what runs before and after; the Manager with real informers
and leader election is tested in tests/runtime/integration/.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import aiohttp
import pytest

from tekpy.runtime.clock import settle
from tekpy.runtime.manager import GracefulShutdownTimeout, Manager
from tekpy.testing.eventually import eventually


class GatedInformers:
    """Stands in for SharedInformerFactory: caches sync when the test opens the gate."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.gate = asyncio.Event()

    async def start(self) -> None:
        self.log.append("caches:start")

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        await self.gate.wait()
        self.log.append("caches:synced")
        return True

    async def stop(self) -> None:
        self.log.append("caches:stop")


class Recorder:
    """A runnable that logs its start and stop."""

    def __init__(self, name: str, log: list[str], *, needs_leader_election: bool = True) -> None:
        self.name = name
        self.log = log
        self.needs_leader_election = needs_leader_election
        self.running = asyncio.Event()

    async def start(self) -> None:
        self.log.append(f"{self.name}:start")
        self.running.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.log.append(f"{self.name}:stop")


def make_manager(log: list[str], **kwargs: Any) -> tuple[Manager, GatedInformers]:
    informers = GatedInformers(log)
    kwargs.setdefault("metrics_bind_address", "127.0.0.1:0")
    kwargs.setdefault("health_probe_bind_address", "127.0.0.1:0")
    kwargs.setdefault("handle_signals", False)
    mgr = Manager(None, informers=informers, **kwargs)  # type: ignore[arg-type]
    return mgr, informers


async def get(addr: tuple[str, int] | None, path: str) -> tuple[int, str]:
    assert addr is not None
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://{addr[0]}:{addr[1]}{path}") as resp:
            return resp.status, await resp.text()


async def run(mgr: Manager) -> asyncio.Task[None]:
    task = asyncio.create_task(mgr.start())
    await eventually(lambda: mgr.health_probe_address is not None or task.done(), timeout=5)
    return task


async def test_start_order_servers_caches_runnables_then_leader_runnables() -> None:
    log: list[str] = []
    mgr, informers = make_manager(log)
    mgr.add(Recorder("controller", log))
    mgr.add(Recorder("sidecar", log, needs_leader_election=False))
    task = await run(mgr)
    # Servers are up while caches are not synced: live but not ready.
    assert (await get(mgr.health_probe_address, "/healthz"))[0] == 200
    status, body = await get(mgr.health_probe_address, "/readyz?verbose")
    assert status == 500
    assert "[-]informer-sync failed: reason withheld\n" in body
    assert body.endswith("readyz check failed\n")
    assert log == ["caches:start"]
    informers.gate.set()
    await eventually(lambda: "controller:start" in log)
    assert log == ["caches:start", "caches:synced", "sidecar:start", "controller:start"]
    assert (await get(mgr.health_probe_address, "/readyz")) == (200, "ok")
    assert mgr.is_leader()
    mgr.stop()
    await asyncio.wait_for(task, 5)
    assert log[4:] == ["controller:stop", "sidecar:stop", "caches:stop"]


async def test_cancelling_start_stops_everything_and_propagates() -> None:
    log: list[str] = []
    mgr, informers = make_manager(log)
    informers.gate.set()
    runnable = Recorder("controller", log)
    mgr.add(runnable)
    task = await run(mgr)
    await asyncio.wait_for(runnable.running.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert log[-2:] == ["controller:stop", "caches:stop"]


async def test_runnable_failure_stops_the_manager_and_start_raises_it() -> None:
    log: list[str] = []
    mgr, informers = make_manager(log)
    informers.gate.set()
    other = Recorder("other", log)
    mgr.add(other)

    async def broken() -> None:
        await asyncio.wait_for(other.running.wait(), 5)
        raise ValueError("boom")

    mgr.add(broken)
    with pytest.raises(ValueError, match="boom"):
        await asyncio.wait_for(mgr.start(), 10)
    assert "other:stop" in log


async def test_runnable_ignoring_cancellation_hits_the_graceful_timeout() -> None:
    log: list[str] = []
    mgr, informers = make_manager(log, graceful_shutdown_timeout=0.2)
    informers.gate.set()
    release = asyncio.Event()
    started = asyncio.Event()

    async def stubborn() -> None:
        started.set()
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # refuses to stop

    mgr.add(stubborn)
    task = await run(mgr)
    await asyncio.wait_for(started.wait(), 5)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    mgr.stop()
    with pytest.raises(GracefulShutdownTimeout):
        await asyncio.wait_for(task, 5)
    assert loop.time() - t0 < 2
    release.set()
    await settle()


async def test_runnable_added_after_start_runs_at_once() -> None:
    log: list[str] = []
    mgr, informers = make_manager(log)
    informers.gate.set()
    task = await run(mgr)
    await asyncio.wait_for(mgr.elected.wait(), 5)
    late = Recorder("late", log)
    mgr.add(late)
    await asyncio.wait_for(late.running.wait(), 5)
    mgr.stop()
    await asyncio.wait_for(task, 5)
    assert log[-2:] == ["late:stop", "caches:stop"]


async def test_sigterm_stops_gracefully() -> None:
    log: list[str] = []
    mgr, informers = make_manager(log, handle_signals=True)
    informers.gate.set()
    runnable = Recorder("controller", log)
    mgr.add(runnable)
    task = await run(mgr)
    await asyncio.wait_for(runnable.running.wait(), 5)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 5)  # returns normally: a signal is a clean stop
    assert "controller:stop" in log


async def test_healthz_checks_verbose_single_and_exclude() -> None:
    log: list[str] = []
    mgr, informers = make_manager(log)
    informers.gate.set()
    healthy = True

    def db() -> bool:
        return healthy

    async def cache() -> None:
        raise RuntimeError("cache stale")

    mgr.add_healthz_check("db", db)
    mgr.add_healthz_check("cache", cache)
    with pytest.raises(ValueError):
        mgr.add_healthz_check("db", db)
    task = await run(mgr)
    addr = mgr.health_probe_address
    status, body = await get(addr, "/healthz")
    assert status == 500
    assert body == "[-]cache failed: reason withheld\n[+]db ok\nhealthz check failed\n"
    assert await get(addr, "/healthz?exclude=cache") == (200, "ok")
    status, body = await get(addr, "/healthz?exclude=cache&exclude=nope&verbose")
    assert body == (
        "[+]cache excluded: ok\n[+]db ok\n"
        'warn: some health checks cannot be excluded: no matches for "nope"\n'
        "healthz check passed\n"
    )
    assert await get(addr, "/healthz/db") == (200, "ok")
    assert await get(addr, "/healthz/cache") == (500, "internal server error: cache stale\n")
    assert (await get(addr, "/healthz/missing"))[0] == 404
    healthy = False
    assert (await get(addr, "/healthz/db"))[0] == 500
    mgr.stop()
    await asyncio.wait_for(task, 5)


async def test_healthz_without_checks_answers_ping() -> None:
    mgr, informers = make_manager([])
    informers.gate.set()
    task = await run(mgr)
    addr = mgr.health_probe_address
    assert await get(addr, "/healthz?verbose") == (200, "[+]ping ok\nhealthz check passed\n")
    assert await get(addr, "/healthz/ping") == (200, "ok")
    await eventually(lambda: mgr.started.is_set())
    assert await get(addr, "/readyz/informer-sync") == (200, "ok")
    mgr.stop()
    await asyncio.wait_for(task, 5)


async def test_metrics_endpoint_serves_the_runtime_registry() -> None:
    mgr, informers = make_manager([])
    informers.gate.set()
    task = await run(mgr)
    await eventually(lambda: mgr.metrics_address is not None)
    status, body = await get(mgr.metrics_address, "/metrics")
    assert status == 200
    assert "process_cpu_seconds_total" in body
    assert "# TYPE leader_election_master_status gauge" in body
    mgr.stop()
    await asyncio.wait_for(task, 5)


async def test_disabled_servers_bind_nothing() -> None:
    mgr, informers = make_manager([], metrics_bind_address="0", health_probe_bind_address="0")
    informers.gate.set()
    task = asyncio.create_task(mgr.start())
    await asyncio.wait_for(mgr.started.wait(), 5)
    assert mgr.metrics_address is None and mgr.health_probe_address is None
    mgr.stop()
    await asyncio.wait_for(task, 5)


def test_leader_election_needs_an_id_and_bind_addresses_are_checked() -> None:
    with pytest.raises(ValueError, match="leader_election_id"):
        Manager(None, leader_election=True, informers=GatedInformers([]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bind address"):
        Manager(None, metrics_bind_address="8080", informers=GatedInformers([]))  # type: ignore[arg-type]


async def test_start_twice_is_refused() -> None:
    mgr, informers = make_manager([])
    informers.gate.set()
    task = await run(mgr)
    with pytest.raises(RuntimeError, match="already started"):
        await mgr.start()
    mgr.stop()
    await asyncio.wait_for(task, 5)


def test_namespace_option_scopes_namespaced_informers_only() -> None:
    from tekpy.runtime.client import CONFIGMAPS, NAMESPACES

    mgr = Manager(None, namespace="team-a", metrics_bind_address="0")  # type: ignore[arg-type]
    informers = mgr.informers
    scoped = informers.informer_for(CONFIGMAPS)
    assert scoped is informers.informer_for(CONFIGMAPS, namespace="team-a")
    assert scoped is not informers.informer_for(CONFIGMAPS, namespace="team-b")
    assert informers.informer_for(NAMESPACES) is informers.informer_for(NAMESPACES)
    assert len(informers.informers) == 3
