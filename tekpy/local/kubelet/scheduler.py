"""Binding unscheduled Pods to this node (local mode has no scheduler).

A Pod without ``spec.nodeName`` whose ``schedulerName`` is unset or ``default-scheduler``
and whose ``nodeSelector`` matches the node's labels is bound through ``pods/binding``, as
kube-scheduler would. Required node affinity and taints are not evaluated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from tekpy.runtime.client import PODS, Client, is_conflict, is_not_found

__all__ = ["bind", "schedulable"]

log = logging.getLogger("tekpy.local.kubelet")


def schedulable(pod: Mapping[str, Any], node_labels: Mapping[str, str]) -> bool:
    """This node may take ``pod``: unbound, not deleted, default scheduler, selector ok."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    if spec.get("nodeName") or meta.get("deletionTimestamp"):
        return False
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if spec.get("schedulerName") not in (None, "", "default-scheduler"):
        return False
    selector = spec.get("nodeSelector") or {}
    return all(node_labels.get(k) == v for k, v in selector.items())


async def bind(client: Client, pod: Mapping[str, Any], node: str) -> bool:
    """POST a Binding of ``pod`` to ``node``; False when it was bound or deleted meanwhile."""
    meta = pod.get("metadata") or {}
    ns, name = meta.get("namespace", "default"), meta.get("name", "")
    body = {"apiVersion": "v1", "kind": "Binding",
            "metadata": {"name": name, "namespace": ns, "uid": meta.get("uid")},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
    try:
        await client.request_json("POST", PODS.path(ns, name, "binding"), body=body)
    except Exception as exc:
        if is_conflict(exc) or is_not_found(exc):
            return False
        log.warning("pod %s/%s: binding to %s failed: %s", ns, name, node, exc)
        return False
    return True
