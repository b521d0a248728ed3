"""Helpers of the node agent tests: Pod manifests and waiting for Pod states."""

from __future__ import annotations

from typing import Any

from tekpy.runtime.client import PODS
from tekpy.testing import eventually


def pod(name: str, *containers: dict[str, Any], node: str | None = "node-test",
        **spec: Any) -> dict[str, Any]:
    """A Pod manifest bound to ``node`` (None: unscheduled)."""
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "containers": list(containers), **spec}}
    if node:
        body["spec"]["nodeName"] = node
    return body


def sh(name: str, script: str, image: str = "busybox", **extra: Any) -> dict[str, Any]:
    """A container running ``sh -c script``."""
    return {"name": name, "image": image, "command": ["sh", "-c", script], **extra}


async def wait_phase(client: Any, ns: str, name: str, *phases: str,
                     timeout: float = 30) -> dict[str, Any]:  # noqa: ASYNC109 - a deadline
    """Wait until the Pod's phase is one of ``phases``; returns the Pod."""
    async def check() -> dict[str, Any] | None:
        p = await client.get(PODS, name, namespace=ns)
        return p if (p.get("status") or {}).get("phase") in phases else None

    result: Any = await eventually(check, timeout=timeout, interval=0.05)
    return dict(result)


def cstatus(p: dict[str, Any], name: str) -> dict[str, Any]:
    """The container status named ``name`` (init or regular)."""
    st = p.get("status") or {}
    for cs in [*(st.get("initContainerStatuses") or ()), *(st.get("containerStatuses") or ())]:
        if cs["name"] == name:
            return dict(cs)
    raise AssertionError(f"no status for container {name}: {st}")
