"""Pod subresources served specially: ``binding`` (scheduling) and ``log`` (kubelet proxy).

Logs are proxied exactly as kube-apiserver does: to the kubelet endpoint of the Pod's Node
(``status.daemonEndpoints.kubeletEndpoint.Port`` at the Node's address), path
``/containerLogs/<ns>/<pod>/<container>``, so one node agent serves both this server and a
real one. Like kube-apiserver we speak HTTPS without verifying the kubelet's certificate;
a node agent serving plain HTTP (local mode) is also accepted.
"""

from __future__ import annotations

import contextlib
import ssl
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from . import errors
from .context import Context
from .registry import ResourceInfo
from .stamps import now_rfc3339

__all__ = ["serve_binding", "serve_log"]

_LOG_PARAMS = ("follow", "tailLines", "previous", "timestamps", "sinceSeconds", "sinceTime",
               "limitBytes")
_schemes: dict[tuple[str, int], str] = {}  # kubelet endpoint -> scheme that worked


def serve_binding(
    ctx: Context, info: ResourceInfo, ns: str, name: str, body: dict[str, Any]
) -> web.Response:
    """POST pods/<name>/binding: assign the Pod to a Node (once)."""
    target = body.get("target") or {}
    node = target.get("name")
    if not node:
        raise errors.invalid("", "Binding", name, [])
    cur = ctx.api.lookup(info, ns, name)
    spec = cur.obj.get("spec") or {}
    if spec.get("nodeName"):
        raise errors.conflict("", "pods/binding", name,
                              f"pod {name} is already assigned to node \"{spec['nodeName']}\"")
    if cur.meta.get("deletionTimestamp"):
        raise errors.conflict("", "pods/binding", name, f"pod {name} is being deleted")
    obj = orjson.loads(cur.raw)
    obj.setdefault("spec", {})["nodeName"] = node
    conds = [c for c in (obj.setdefault("status", {}).get("conditions") or [])
             if c.get("type") != "PodScheduled"]
    conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                  "lastTransitionTime": now_rfc3339()})
    obj["status"]["conditions"] = conds
    ctx.api.put_object(info.storage_key, obj)
    resp = web.Response(status=201, body=orjson.dumps({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}))
    resp.content_type = "application/json"
    return resp


def _node_address(node: dict[str, Any]) -> tuple[str, int]:
    status = node.get("status") or {}
    port = (((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port"))
    addrs = {a.get("type"): a.get("address") for a in status.get("addresses") or ()}
    address = addrs.get("InternalIP") or addrs.get("ExternalIP") or addrs.get("Hostname")
    if not port or not address:
        raise errors.bad_request(
            f"no preferred addresses found or kubelet endpoint unknown for node "
            f"{(node.get('metadata') or {}).get('name')}")
    return str(address), int(port)


async def serve_log(
    ctx: Context, request: web.BaseRequest, info: ResourceInfo, ns: str, name: str
) -> web.StreamResponse:
    pod = ctx.api.lookup(info, ns, name).obj
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in spec.get("containers") or ()]
    others = [c.get("name") for key in ("initContainers", "ephemeralContainers")
              for c in spec.get(key) or ()]
    q = request.query
    container = q.get("container", "")
    if not container:
        if len(names) != 1:
            raise errors.bad_request(
                f"a container name must be specified for pod {name}, choose one of: "
                f"[{' '.join(str(n) for n in names)}]")
        container = str(names[0])
    if container not in names and container not in others:
        raise errors.bad_request(f"container {container} is not valid for pod {name}")
    node_name = spec.get("nodeName")
    if not node_name:
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    node = ctx.store.get("/nodes", "", node_name)
    if node is None:
        raise errors.not_found("", "nodes", node_name)
    address, port = _node_address(node.obj)
    params = {k: q[k] for k in _LOG_PARAMS if k in q}
    path = f"/containerLogs/{ns}/{name}/{container}"
    return await _proxy(request, address, port, path, params)


async def _proxy(request: web.BaseRequest, address: str, port: int, path: str,
                 params: dict[str, str]) -> web.StreamResponse:
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    host = f"[{address}]" if ":" in address else address
    known = _schemes.get((address, port))
    schemes = [known] if known else ["https", "http"]
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    last: Exception | None = None
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for scheme in schemes:
            try:
                upstream = await session.get(
                    f"{scheme}://{host}:{port}{path}", params=params,
                    ssl=insecure if scheme == "https" else False)
            except (aiohttp.ClientSSLError, aiohttp.ServerDisconnectedError,
                    aiohttp.ClientOSError) as exc:
                last = exc
                continue
            _schemes[(address, port)] = scheme
            async with upstream:
                resp = web.StreamResponse(status=upstream.status, headers={
                    "Content-Type": upstream.headers.get("Content-Type", "text/plain")})
                await resp.prepare(request)
                with contextlib.suppress(ConnectionError, aiohttp.ClientPayloadError):
                    async for chunk in upstream.content.iter_any():
                        await resp.write(chunk)
                await resp.write_eof()
                return resp
    raise errors.ApiError(
        500, "InternalError",
        f"Get \"https://{host}:{port}{path}\": {last or 'kubelet unreachable'}")
