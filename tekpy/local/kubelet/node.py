"""The Node object of the agent and its heartbeats.

On start the agent creates (or takes over) its Node: labels ``kubernetes.io/hostname``,
``kubernetes.io/os`` and ``kubernetes.io/arch``, capacity/allocatable from the host, address
``InternalIP 127.0.0.1`` (only), ``daemonEndpoints.kubeletEndpoint.Port`` (where the API server
proxies ``pods/log``), condition ``Ready`` and the pressure conditions. Like a kubelet it
then renews a Lease named after the node in ``kube-node-lease`` every ``lease_interval``
seconds (duration 40 s) and rewrites the status every ``status_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
from datetime import UTC, datetime
from typing import Any

from tekpy.local.kubelet.status import now
from tekpy.runtime.client import LEASES, NODES, Client, is_already_exists, is_conflict

__all__ = ["LEASE_NAMESPACE", "NodeHeartbeat", "node_object"]

log = logging.getLogger("tekpy.local.kubelet")

LEASE_NAMESPACE = "kube-node-lease"
KUBELET_VERSION = "v1.30.0-tekpy"
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}


def _memory_ki() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 4 * 1024 * 1024


def _conditions(old: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    prev = {c.get("type"): c for c in old or ()}
    stamp = now()
    out = []
    for ctype, status, reason, message in (
        ("MemoryPressure", "False", "KubeletHasSufficientMemory",
         "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ):
        p = prev.get(ctype)
        trans = p.get("lastTransitionTime") if p and p.get("status") == status else stamp
        out.append({"type": ctype, "status": status, "reason": reason, "message": message,
                    "lastHeartbeatTime": stamp, "lastTransitionTime": trans})
    return out


def node_status(port: int, name: str, old: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Node's status for a log server on ``port``."""
    cpu = str(os.cpu_count() or 1)
    mem = f"{_memory_ki()}Ki"
    res = {"cpu": cpu, "memory": mem, "pods": "110", "ephemeral-storage": "100Gi"}
    uname = platform.uname()
    return {
        "capacity": dict(res), "allocatable": dict(res),
        "conditions": _conditions((old or {}).get("conditions")),
        # InternalIP only: kube-apiserver prefers a Hostname address for the kubelet
        # connection, and a node name need not resolve.
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        "nodeInfo": {
            "machineID": "", "systemUUID": "", "bootID": "",
            "kernelVersion": uname.release, "osImage": "tekpy local node",
            "containerRuntimeVersion": "bwrap://sandbox", "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": "", "operatingSystem": "linux",
            "architecture": _ARCH.get(uname.machine, uname.machine),
        },
    }


def node_object(name: str, port: int, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A new Node object for this agent."""
    arch = _ARCH.get(platform.machine(), platform.machine())
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
            "kubernetes.io/arch": arch, "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": arch, **(labels or {})}},
        "spec": {},
    }


def _micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NodeHeartbeat:
    """Registers the Node and keeps its status and Lease fresh."""

    def __init__(self, client: Client, name: str, port: int, *,
                 labels: dict[str, str] | None = None, lease_interval: float = 10.0,
                 status_interval: float = 60.0) -> None:
        self.client = client
        self.name = name
        self.port = port
        self.labels = labels or {}
        self.lease_interval = lease_interval
        self.status_interval = status_interval
        self.node: dict[str, Any] = {}

    async def register(self) -> dict[str, Any]:
        """Create the Node (or adopt an existing one) and write its status."""
        try:
            self.node = await self.client.create(NODES, node_object(self.name, self.port,
                                                                    self.labels))
        except Exception as exc:
            if not is_already_exists(exc):
                raise
            self.node = await self.client.get(NODES, self.name)
            missing = {k: v for k, v in node_object(self.name, self.port, self.labels)[
                "metadata"]["labels"].items()
                if (self.node["metadata"].get("labels") or {}).get(k) != v}
            if missing:
                self.node = await self.client.patch(NODES, self.name,
                                                    {"metadata": {"labels": missing}})
        await self.update_status()
        await self.renew_lease()
        return self.node

    async def update_status(self) -> None:
        """Rewrite the Node's status (re-reading it on a conflict)."""
        for _ in range(5):
            body = dict(self.node)
            body["status"] = node_status(self.port, self.name, self.node.get("status"))
            try:
                self.node = await self.client.update_status(NODES, body)
                return
            except Exception as exc:
                if not is_conflict(exc):
                    raise
                self.node = await self.client.get(NODES, self.name)

    async def renew_lease(self) -> None:
        """Create or renew the node's Lease in ``kube-node-lease``."""
        spec = {"holderIdentity": self.name, "leaseDurationSeconds": 40,
                "renewTime": _micro_now()}
        try:
            lease = await self.client.get(LEASES, self.name, namespace=LEASE_NAMESPACE)
        except Exception:
            lease = None
        if lease is None:
            owner = {"apiVersion": "v1", "kind": "Node", "name": self.name,
                     "uid": self.node.get("metadata", {}).get("uid", "")}
            body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": LEASE_NAMESPACE,
                                 "ownerReferences": [owner]},
                    "spec": spec}
            try:
                await self.client.create(LEASES, body, namespace=LEASE_NAMESPACE)
            except Exception as exc:
                if not is_already_exists(exc):
                    raise
            return
        lease["spec"] = {**(lease.get("spec") or {}), **spec}
        await self.client.update(LEASES, lease, namespace=LEASE_NAMESPACE)

    async def run(self) -> None:
        """Heartbeat forever (errors are logged and retried at the next beat)."""
        last_status = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(self.lease_interval)
            try:
                await self.renew_lease()
                if asyncio.get_running_loop().time() - last_status >= self.status_interval:
                    await self.update_status()
                    last_status = asyncio.get_running_loop().time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("node %s: heartbeat failed: %s", self.name, exc)
