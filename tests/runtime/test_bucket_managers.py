"""Bucket mode: several Managers (replicas) in one process share the keys of a controller.

Each replica has its own client; they meet only through the API server's Leases. Lease
settings are short (2 s / 1.5 s / 0.2 s). A shared in-memory map of the keys being
reconciled catches any key reconciled by two replicas at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from tekpy.runtime.client import CONFIGMAPS, LEASES, Client
from tekpy.runtime.controller import Controller, ControllerBuilder, Request, Result
from tekpy.runtime.leaderelection import JITTER_FACTOR, BucketSet, bucket_names
from tekpy.runtime.leaderelection.record import format_micro_time
from tekpy.runtime.manager import Manager
from tekpy.runtime.metrics.registry import REGISTRY
from tekpy.testing import eventually

LEASE, RENEW, RETRY = 2.0, 1.5, 0.2
#: A takeover after a crash: the lease runs out, then the next jittered retry (twice, for
#: an unlucky read just before expiry), plus scheduling slack on a loaded machine.
TAKEOVER = LEASE + 2 * (1 + JITTER_FACTOR) * RETRY + 3.0
BUCKETS = 4
CONTROLLER = "cm"


@dataclass
class Fleet:
    """What every replica's reconciler reports, shared by all of them."""

    active: dict[str, str] = field(default_factory=dict)
    overlaps: list[tuple[str, str, str]] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)

    def reconciled_by(self, key: str, since: int = 0) -> set[str]:
        return {who for who, k in self.log[since:] if k == key}


def replica(client: Client, ns: str, component: str, identity: str, fleet: Fleet, *,
            release: bool = True, hold: float = 0.005, requeue_after: float | None = None,
            **options: Any) -> tuple[Manager, Controller]:
    mgr = Manager(
        client,
        namespace=ns,
        leader_election=True,
        leader_election_id=component,
        leader_election_buckets=BUCKETS,
        leader_election_release_on_cancel=release,
        lease_duration=LEASE,
        renew_deadline=RENEW,
        retry_period=RETRY,
        identity=identity,
        metrics_bind_address="0",
        handle_signals=False,
        **options,
    )

    async def reconcile(request: Request) -> Result:
        key = request.key
        if key in fleet.active:
            fleet.overlaps.append((key, fleet.active[key], identity))
        fleet.active[key] = identity
        fleet.log.append((identity, key))
        try:
            if hold:
                await asyncio.sleep(hold)  # stay inside the reconcile across a switch
        finally:
            if fleet.active.get(key) == identity:
                del fleet.active[key]
        return Result(requeue_after=requeue_after)

    ctl = ControllerBuilder(mgr).named(CONTROLLER).for_(CONFIGMAPS).complete(reconcile)
    return mgr, ctl


async def seed_lease(client: Client, ns: str, name: str, holder: str) -> None:
    """A Lease as a replica that is coming back would have left it (valid for a minute)."""
    now = format_micro_time(datetime.now(UTC))
    spec = {"holderIdentity": holder, "leaseDurationSeconds": 60, "acquireTime": now,
            "renewTime": now, "leaseTransitions": 0}
    body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}
    await client.create(LEASES, body, namespace=ns)


async def create_configmaps(client: Client, ns: str, count: int) -> list[str]:
    keys = []
    for i in range(count):
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"obj-{i}"}}
        await client.create(CONFIGMAPS, body, namespace=ns)
        keys.append(f"{ns}/obj-{i}")
    return keys


async def stop_all(tasks: dict[str, asyncio.Task[None]], mgrs: dict[str, Manager]) -> None:
    for mgr in mgrs.values():
        mgr.stop()
    await asyncio.wait_for(asyncio.gather(*tasks.values(), return_exceptions=True), 30)


async def test_replicas_share_buckets_and_take_over_those_of_a_stopped_replica(
    api_server: Any, client: Client, namespace: str
) -> None:
    component = "fleet"
    names = bucket_names(f"{component}.{CONTROLLER}", BUCKETS)
    assert names[0] == "fleet.cm.00-of-04"
    # Leases left by a, b, c: each comes back to its own buckets, so the spread is known;
    # d is a spare that holds nothing - a normal state, not an error.
    plan = {names[0]: "a", names[1]: "a", names[2]: "b", names[3]: "c"}
    for lease, holder in plan.items():
        await seed_lease(client, namespace, lease, holder)

    fleet = Fleet()
    clients = {who: await Client.from_kubeconfig(api_server.kubeconfig_path) for who in "abcd"}
    mgrs = {
        who: replica(clients[who], namespace, component, who, fleet, release=(who != "c"))[0]
        for who in "abcd"
    }
    tasks = {who: asyncio.create_task(m.start()) for who, m in mgrs.items()}
    owner = BucketSet(names)
    try:
        await eventually(
            lambda: [mgrs[w].held_buckets for w in "abcd"]
            == [{names[0], names[1]}, {names[2]}, {names[3]}, set()],
            timeout=20,
        )
        keys = await create_configmaps(client, namespace, 40)
        by_bucket = {n: [k for k in keys if owner.owner_of(k) == n] for n in names}
        assert all(by_bucket.values()), by_bucket  # each bucket has some of the 40 keys

        # Every key is reconciled, and only by the replica holding its bucket.
        await eventually(lambda: all(fleet.reconciled_by(k) for k in keys), timeout=20)
        for key in keys:
            assert fleet.reconciled_by(key) == {plan[owner.owner_of(key)]}, key
        assert all(mgrs[w].is_leader() for w in "abc") and not mgrs["d"].is_leader()

        # b stops gracefully and releases its bucket: another replica takes it within a
        # retry or two and reconciles b's keys (the resync on promotion), with no events.
        mark = len(fleet.log)
        mgrs["b"].stop()
        await asyncio.wait_for(tasks["b"], 10)
        assert mgrs["b"].held_buckets == frozenset()

        def moved(keys: list[str], since: int, replicas: str) -> bool:
            # Each key reconciled since ``since`` by exactly the replica holding its bucket.
            held = {b: w for w in replicas for b in mgrs[w].held_buckets}
            return set(held) == set(names) and all(
                fleet.reconciled_by(k, since) == {held[owner.owner_of(k)]} for k in keys
            )

        await eventually(lambda: moved(by_bucket[names[2]], mark, "acd"), timeout=TAKEOVER)

        # c stops without releasing (as a crash would): its buckets move once the
        # Leases run out, and a or d reconciles all of their keys.
        c_buckets = set(mgrs["c"].held_buckets)
        assert names[3] in c_buckets
        mark = len(fleet.log)  # c has no events to reconcile: nothing of c's comes after
        mgrs["c"].stop()
        await asyncio.wait_for(tasks["c"], 10)
        c_keys = [k for k in keys if owner.owner_of(k) in c_buckets]
        await eventually(lambda: moved(c_keys, mark, "ad"), timeout=TAKEOVER)
        assert not tasks["a"].done() and not tasks["d"].done()
        assert fleet.overlaps == []
    finally:
        await stop_all(tasks, mgrs)
        for c in clients.values():
            await c.close()
    assert fleet.overlaps == []
    for who in "abd":  # graceful stops: no error (losing buckets is not one either)
        assert tasks[who].exception() is None


def master_status(lease: str) -> float | None:
    return REGISTRY.get_sample_value("leader_election_master_status", {"name": lease})


async def test_a_lost_bucket_drops_its_keys_and_a_regained_one_resyncs_them(
    api_server: Any, client: Client, namespace: str
) -> None:
    component = f"lone-{namespace}"
    names = bucket_names(f"{component}.{CONTROLLER}", BUCKETS)
    fleet = Fleet()
    # Every key is reconciled again 0.3 s later, so each holds a requeue_after timer.
    mgr, ctl = replica(client, namespace, component, "solo", fleet, hold=0,
                       requeue_after=0.3, health_probe_bind_address="127.0.0.1:0")
    task = asyncio.create_task(mgr.start())
    owner = BucketSet(names)
    try:
        await eventually(lambda: mgr.held_buckets == set(names), timeout=20)
        assert [master_status(n) for n in names] == [1.0] * BUCKETS
        keys = await create_configmaps(client, namespace, 12)
        lost = owner.owner_of(keys[0])
        lost_keys = [k for k in keys if owner.owner_of(k) == lost]
        kept_keys = [k for k in keys if owner.owner_of(k) != lost]
        await eventually(lambda: all(len(fleet.reconciled_by(k)) for k in keys), timeout=20)

        # Another party takes the bucket's Lease; the renewals fail and, within the renew
        # deadline, this replica lets the bucket go - and keeps running.
        lease = await client.get(LEASES, lost, namespace=namespace)
        lease["spec"].update(holderIdentity="thief", leaseDurationSeconds=60)
        await client.update(LEASES, lease, namespace=namespace)
        await eventually(lambda: lost not in mgr.held_buckets, timeout=RENEW + 5)
        mark = len(fleet.log)
        assert master_status(lost) == 0.0
        assert mgr.is_leader() and not task.done()
        for path in ("/healthz", "/readyz"):
            assert await probe(mgr, path) == 200

        # The kept keys go on being reconciled; the lost keys' timers fire and are dropped
        # at dequeue: no reconcile, no retry, nothing left waiting for them.
        def kept_twice() -> bool:
            seen = [k for _, k in fleet.log[mark:]]
            return all(seen.count(k) >= 2 for k in kept_keys)

        await eventually(kept_twice, timeout=10)
        assert not any(k in lost_keys for _, k in fleet.log[mark:])
        assert all(ctl.queue.num_requeues(Request.from_key(k)) == 0 for k in lost_keys)
        assert ctl.queue.waiting <= len(kept_keys) + 1  # + the namespace's own ConfigMap

        # The Lease is given back: the bucket is regained and its keys resynced.
        lease = await client.get(LEASES, lost, namespace=namespace)
        lease["spec"].update(holderIdentity="", leaseDurationSeconds=1)
        await client.update(LEASES, lease, namespace=namespace)
        mark = len(fleet.log)
        await eventually(
            lambda: all(fleet.reconciled_by(k, mark) == {"solo"} for k in lost_keys),
            timeout=TAKEOVER,
        )
        assert master_status(lost) == 1.0
    finally:
        mgr.stop()
        await asyncio.wait_for(task, 30)
    assert fleet.overlaps == []


async def probe(mgr: Manager, path: str) -> int:
    addr = mgr.health_probe_address
    assert addr is not None
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://{addr[0]}:{addr[1]}{path}") as resp:
            return resp.status


class Plain:
    """A runnable that is not a controller."""

    needs_leader_election = True

    async def start(self) -> None:
        await asyncio.Event().wait()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"leader_election_buckets": 2}, "needs leader_election=True",
                     id="buckets-without-election"),
        pytest.param({"leader_election": True, "leader_election_id": "x",
                      "leader_election_buckets": 0}, "at least 1", id="zero-buckets"),
        pytest.param({"leader_election": True, "leader_election_id": "x",
                      "leader_election_buckets": 2, "lease_duration": 5,
                      "renew_deadline": 6}, "lease_duration", id="invalid-durations"),
    ],
)
def test_bucket_mode_options_are_checked(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Manager(None, informers=object(), handle_signals=False, **options)  # type: ignore[arg-type]


def test_only_controllers_may_need_leader_election_in_bucket_mode() -> None:
    mgr = Manager(None, informers=object(), leader_election=True,  # type: ignore[arg-type]
                  leader_election_id="x", leader_election_buckets=2, handle_signals=False)
    with pytest.raises(ValueError, match="only controllers"):
        mgr.add(Plain())
    mgr.add(Plain(), needs_leader_election=False)  # runs on every replica: fine


def test_a_controller_name_must_make_valid_lease_names() -> None:
    async def reconcile(request: Request) -> Result:
        return Result()

    no_io = object()  # the Leases are not touched before start
    mgr = Manager(no_io, informers=object(), leader_election=True,  # type: ignore[arg-type]
                  leader_election_id="x", leader_election_buckets=2, handle_signals=False)
    with pytest.raises(ValueError, match="not a valid DNS subdomain"):
        mgr.add(Controller("under_score", reconcile))
    mgr.add(Controller("Fine-Name", reconcile))  # lower-cased, as Knative does
    assert mgr.bucket_elections["Fine-Name"].buckets.names == ("x.fine-name.00-of-02",
                                                               "x.fine-name.01-of-02")
    with pytest.raises(ValueError, match="already added"):
        mgr.add(Controller("Fine-Name", reconcile))
