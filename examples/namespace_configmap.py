"""Keep a ConfigMap in every namespace that carries a label.

A cluster-scoped ``ConfigMapPolicy`` (``policies.example.tekpy.dev/v1``) says which
namespaces (``spec.namespaceSelector``, a label map), which ConfigMap name and which data.
The controller keeps exactly that ConfigMap in each matching namespace, owned by the policy
(so deleting the policy garbage-collects them), removes it from namespaces that stop
matching, and reports the namespaces it serves in the policy's ``status``.

Run it against any cluster or a local embedded API server::

    tekpy apiserver --port 0 --kubeconfig-out /tmp/kubeconfig &
    python examples/namespace_configmap.py --kubeconfig /tmp/kubeconfig --install-crd
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

import yaml

from tekpy.runtime.client import (
    CONFIGMAPS,
    CRDS,
    NAMESPACES,
    Client,
    Resource,
    is_already_exists,
    is_not_found,
)
from tekpy.runtime.controller import ControllerBuilder, Request, Result
from tekpy.runtime.manager import Manager

POLICIES = Resource(
    "example.tekpy.dev", "v1", "configmappolicies", "ConfigMapPolicy", namespaced=False
)

CRD: dict[str, Any] = yaml.safe_load(
    """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: configmappolicies.example.tekpy.dev}
spec:
  group: example.tekpy.dev
  scope: Cluster
  names: {plural: configmappolicies, singular: configmappolicy, kind: ConfigMapPolicy}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              namespaceSelector: {type: object, additionalProperties: {type: string}}
              configMapName: {type: string}
              data: {type: object, additionalProperties: {type: string}}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
)


class ConfigMapPolicyReconciler:
    """Level-based: each call reads the policy and the world from the caches and converges."""

    def __init__(self, manager: Manager) -> None:
        self.client = manager.client
        self.policies = manager.informers.lister_for(POLICIES)
        self.namespaces = manager.informers.lister_for(NAMESPACES)
        self.configmaps = manager.informers.lister_for(CONFIGMAPS)
        self.events = manager.event_recorder("configmap-policy-controller")

    async def reconcile(self, request: Request) -> Result:
        policy = self.policies.get(request.name)
        if policy is None:
            return Result()  # deleted: the garbage collector removes the ConfigMaps it owned
        spec = policy.get("spec") or {}
        name = spec.get("configMapName") or request.name
        selector = spec.get("namespaceSelector") or {}
        wanted = sorted(
            ns["metadata"]["name"]
            for ns in self.namespaces.list(label_selector=selector)
            if (ns.get("status") or {}).get("phase") != "Terminating"
        )
        for namespace in wanted:
            await self.ensure_config_map(policy, namespace, name, spec.get("data") or {})
        for cm in self.owned_config_maps(policy):
            if cm["metadata"]["namespace"] not in wanted:
                await self.delete_config_map(cm)
        await self.update_status(policy, wanted)
        return Result()

    async def ensure_config_map(
        self, policy: dict[str, Any], namespace: str, name: str, data: dict[str, str]
    ) -> None:
        owner = {
            "apiVersion": POLICIES.api_version,
            "kind": POLICIES.kind,
            "name": policy["metadata"]["name"],
            "uid": policy["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
        current = self.configmaps.get(name, namespace)
        if current is None:
            desired = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": namespace, "ownerReferences": [owner]},
                "data": data,
            }
            try:
                await self.client.create(CONFIGMAPS, desired, namespace=namespace)
            except Exception as exc:
                if not is_already_exists(exc):  # the cache was behind: the next event fixes it
                    raise
            self.events.event(policy, "Normal", "Created", f"created ConfigMap {namespace}/{name}")
            return
        refs = current["metadata"].get("ownerReferences") or []
        if any(r.get("controller") and r.get("uid") != owner["uid"] for r in refs):
            message = f"{namespace}/{name} is controlled by another owner"
            self.events.event(policy, "Warning", "Conflict", message)
            return
        # A merge patch of what differs; null removes a key the policy no longer has.
        patch: dict[str, Any] = {}
        if current.get("data") != data:
            patch["data"] = {**{key: None for key in current.get("data") or {}}, **data}
        if not any(r.get("uid") == owner["uid"] for r in refs):
            patch["metadata"] = {"ownerReferences": [*refs, owner]}  # adopt the orphan
        if patch:
            await self.client.patch(CONFIGMAPS, name, patch, namespace=namespace)

    def owned_config_maps(self, policy: dict[str, Any]) -> list[dict[str, Any]]:
        uid = policy["metadata"]["uid"]
        return [
            cm
            for cm in self.configmaps.list()
            if any(r.get("uid") == uid for r in cm["metadata"].get("ownerReferences") or [])
        ]

    async def delete_config_map(self, cm: dict[str, Any]) -> None:
        meta = cm["metadata"]
        try:
            await self.client.delete(CONFIGMAPS, meta["name"], namespace=meta["namespace"])
        except Exception as exc:
            if not is_not_found(exc):
                raise

    async def update_status(self, policy: dict[str, Any], namespaces: list[str]) -> None:
        status = {
            "observedGeneration": policy["metadata"].get("generation"),
            "namespaces": namespaces,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Synced",
                    "message": f"ConfigMap kept in {len(namespaces)} namespace(s)",
                }
            ],
        }
        if policy.get("status") != status:
            await self.client.patch(
                POLICIES, policy["metadata"]["name"], {"status": status}, subresource="status"
            )


def setup(manager: Manager) -> ConfigMapPolicyReconciler:
    """Wire the controller into ``manager``: for policies, owning ConfigMaps, watching
    Namespaces (any namespace change may matter to every policy)."""
    reconciler = ConfigMapPolicyReconciler(manager)

    def all_policies(_namespace: dict[str, Any]) -> list[Request]:
        return [Request("", p["metadata"]["name"]) for p in reconciler.policies.list()]

    (
        ControllerBuilder(manager)
        .named("configmap-policy")
        .for_(POLICIES)
        .owns(CONFIGMAPS)
        .watches(NAMESPACES, all_policies)
        .with_options(max_concurrent_reconciles=2)
        .complete(reconciler)
    )
    return reconciler


async def install_crd(client: Client) -> None:
    """Create the CRD unless it exists (a real deployment applies it with kubectl)."""
    try:
        await client.create(CRDS, CRD)
    except Exception as exc:
        if not is_already_exists(exc):
            raise


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", help="default: $KUBECONFIG, in-cluster, ~/.kube/config")
    parser.add_argument("--install-crd", action="store_true")
    parser.add_argument("--leader-elect", action="store_true")
    parser.add_argument("--metrics-bind-address", default=":8080")
    parser.add_argument("--health-probe-bind-address", default=":8081")
    args = parser.parse_args(argv)
    if args.kubeconfig:
        client = await Client.from_kubeconfig(args.kubeconfig)
    else:
        client = await Client.from_environment()
    async with client:
        if args.install_crd:
            await install_crd(client)
        manager = Manager(
            client,
            leader_election=args.leader_elect,
            leader_election_id="configmap-policy-controller",
            metrics_bind_address=args.metrics_bind_address,
            health_probe_bind_address=args.health_probe_bind_address,
        )
        setup(manager)
        await manager.start()  # until SIGTERM/SIGINT; raises if the Lease is lost


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main())
