"""Reading one container's log through ``pods/log`` (the results sidecar's log).

The controller's ServiceAccount needs ``get`` on ``pods/log``.
"""

from __future__ import annotations

from tekpy.runtime.client import PODS, Client

__all__ = ["read_container_log"]


async def read_container_log(client: Client, namespace: str, pod: str, container: str, *,
                             limit_bytes: int = 16 << 20) -> bytes:
    """The whole log of ``container`` (at most ``limit_bytes``); raises ``ApiError`` for an
    error answer, as every client call does."""
    return await client.get_bytes(PODS, pod, namespace=namespace, subresource="log",
                                  params={"container": container,
                                          "limitBytes": str(limit_bytes)})
