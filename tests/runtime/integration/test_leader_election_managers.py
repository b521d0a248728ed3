"""Two in-process Managers electing on one Lease: one leads, the standby is warm."""

from __future__ import annotations

import asyncio
from typing import Any

from tekpy.runtime.client import CONFIGMAPS, Client
from tekpy.runtime.controller import ControllerBuilder, Request, Result
from tekpy.runtime.manager import Manager
from tekpy.testing import eventually


def manager(client: Client, ns: str, identity: str, seen: list[tuple[str, str]]) -> Manager:
    mgr = Manager(
        client,
        namespace=ns,
        leader_election=True,
        leader_election_id="pair",
        leader_election_release_on_cancel=True,
        lease_duration=2,
        renew_deadline=1.5,
        retry_period=0.2,
        identity=identity,
        metrics_bind_address="0",
        handle_signals=False,
    )

    async def reconcile(request: Request) -> Result:
        seen.append((identity, request.name))
        return Result()

    ControllerBuilder(mgr).named(f"pair-{identity}").for_(CONFIGMAPS).complete(reconcile)
    return mgr


async def test_one_leader_reconciles_and_the_standby_cache_is_warm(
    api_server: Any, client: Client, namespace: str
) -> None:
    other = await Client.from_kubeconfig(api_server.kubeconfig_path)
    seen: list[tuple[str, str]] = []
    a = manager(client, namespace, "a", seen)
    b = manager(other, namespace, "b", seen)
    ta = asyncio.create_task(a.start())
    await asyncio.wait_for(a.elected.wait(), 10)
    tb = asyncio.create_task(b.start())
    try:
        await asyncio.wait_for(b.started.wait(), 10)
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
        await client.create(CONFIGMAPS, body, namespace=namespace)
        await eventually(lambda: ("a", "x") in seen)
        # The standby's informer has the object too, but its controller never ran.
        standby_cache = b.informers.lister_for(CONFIGMAPS)
        await eventually(lambda: standby_cache.get("x", namespace) is not None)
        assert a.is_leader() and not b.is_leader()
        assert all(who == "a" for who, _ in seen)

        # A graceful stop of the leader releases the Lease: b leads well before expiry.
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        a.stop()
        await asyncio.wait_for(ta, 10)
        await asyncio.wait_for(b.elected.wait(), 10)
        assert loop.time() - t0 < 2
        await eventually(lambda: ("b", "x") in seen)  # b's controller reconciles the backlog
    finally:
        a.stop()
        b.stop()
        await asyncio.gather(ta, tb, return_exceptions=True)
        await other.close()
