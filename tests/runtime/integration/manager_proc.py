"""A controller process for the leader election tests (run as a subprocess, not collected).

    python manager_proc.py KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_S RENEW_S RETRY_S [--release]

It runs a Manager with leader election and one controller that stamps every ConfigMap
labelled ``role=parent`` with the annotation ``reconciled-by: <IDENTITY>``. It prints JSON
lines on stdout: ``{"event": "started", "metrics": PORT, "health": PORT}`` once its caches
are synced, and ``{"event": "leading"}`` when its controllers start. It exits 0 after
SIGTERM and non-zero (an uncaught LeaderElectionLost) when it loses its Lease.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from tekpy.runtime.client import CONFIGMAPS, Client
from tekpy.runtime.controller import ControllerBuilder, Request, Result
from tekpy.runtime.manager import Manager


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


async def main(argv: list[str]) -> None:
    kubeconfig, namespace, lease, identity = argv[:4]
    lease_s, renew_s, retry_s = (float(x) for x in argv[4:7])
    client = await Client.from_kubeconfig(kubeconfig)
    mgr = Manager(
        client,
        namespace=namespace,
        leader_election=True,
        leader_election_id=lease,
        leader_election_release_on_cancel="--release" in argv,
        lease_duration=lease_s,
        renew_deadline=renew_s,
        retry_period=retry_s,
        identity=identity,
        metrics_bind_address="127.0.0.1:0",
        health_probe_bind_address="127.0.0.1:0",
        graceful_shutdown_timeout=5,
    )

    async def reconcile(request: Request) -> Result:
        patch = {"metadata": {"annotations": {"reconciled-by": identity}}}
        await client.patch(CONFIGMAPS, request.name, patch, namespace=request.namespace)
        return Result()

    ControllerBuilder(mgr).named("stamp").for_(CONFIGMAPS, label_selector="role=parent").complete(
        reconcile
    )

    async def report_started() -> None:
        await mgr.started.wait()
        metrics, health = mgr.metrics_address, mgr.health_probe_address
        assert metrics is not None and health is not None
        emit(event="started", metrics=metrics[1], health=health[1])
        await asyncio.Event().wait()

    async def report_leading() -> None:
        emit(event="leading")
        await asyncio.Event().wait()

    mgr.add(report_started, needs_leader_election=False)
    mgr.add(report_leading, needs_leader_election=True)
    try:
        await mgr.start()
    finally:
        await client.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    asyncio.run(main(sys.argv[1:]))
