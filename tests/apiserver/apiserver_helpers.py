"""Helpers for the embedded API server's tests (a raw HTTP client, sample objects)."""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
import orjson

from tekpy.local.apiserver import EmbeddedApiServer


class Kube:
    """A tiny HTTP client for tests: raw requests, decoded JSON answers."""

    def __init__(self, srv: EmbeddedApiServer, session: aiohttp.ClientSession) -> None:
        self.srv = srv
        self.session = session
        self.headers = {"Authorization": f"Bearer {srv.token}"}

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        h = dict(self.headers)
        h.update(headers or {})
        data = raw
        if body is not None:
            data = orjson.dumps(body)
            h["Content-Type"] = content_type
        async with self.session.request(method, self.srv.url + path, data=data, headers=h) as resp:
            text = await resp.read()
            try:
                return resp.status, orjson.loads(text)
            except orjson.JSONDecodeError:
                return resp.status, text

    async def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any, **kw: Any) -> tuple[int, Any]:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any, **kw: Any) -> tuple[int, Any]:
        return await self.request("PUT", path, body, **kw)

    async def patch(self, path: str, body: Any, ptype: str = "merge", **kw: Any) -> tuple[int, Any]:
        ctype = {
            "merge": "application/merge-patch+json",
            "json": "application/json-patch+json",
            "strategic": "application/strategic-merge-patch+json",
        }[ptype]
        return await self.request("PATCH", path, body, content_type=ctype, **kw)

    async def delete(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return await self.request("DELETE", path, body, **kw)

    async def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, out = await self.request(method, path, body, **kw)
        assert status < 300, (status, out)
        return out


def client_ssl(srv: EmbeddedApiServer) -> ssl.SSLContext | bool:
    if srv.ca_file is None:
        return False
    return ssl.create_default_context(cafile=srv.ca_file)


WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "shortNames": ["wd"],
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "integer"},
                                    "color": {"type": "string", "default": "blue"},
                                },
                            },
                            "status": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            },
                        },
                    }
                },
            }
        ],
    },
}

WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"


def cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


class WatchStream:
    """An open watch: ``next()`` returns the next event dict (with a deadline)."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.resp = resp

    async def next(self, wait: float = 10.0) -> dict[str, Any]:
        import asyncio

        line = await asyncio.wait_for(self.resp.content.readline(), wait)
        if not line:
            raise EOFError("watch ended")
        event: dict[str, Any] = orjson.loads(line)
        return event

    async def ended(self, wait: float = 10.0) -> bool:
        import asyncio

        return await asyncio.wait_for(self.resp.content.readline(), wait) == b""

    def close(self) -> None:
        self.resp.close()


async def open_watch(kube: Kube, path: str, **params: str) -> WatchStream:
    q = "&".join(f"{k}={v}" for k, v in {"watch": "true", **params}.items())
    sep = "&" if "?" in path else "?"
    resp = await kube.session.get(kube.srv.url + path + sep + q, headers=kube.headers)
    assert resp.status == 200, await resp.text()
    return WatchStream(resp)


class SubprocessServer:
    """``tekpy apiserver`` in a child process, with the server handle protocol's attributes
    (``url``, ``token``, ``ca_file``, ``kubeconfig_path``; ``hooks`` is None out of process)."""

    hooks = None

    def __init__(self, directory: str, data_dir: str | None = None) -> None:
        self.directory = directory
        self.data_dir = data_dir
        self.kubeconfig_path = f"{directory}/kubeconfig"
        self.ca_file = f"{directory}/ca.crt"
        self.url = self.token = ""
        self.proc: Any = None

    async def start(self) -> None:
        import asyncio
        import sys

        args = [sys.executable, "-m", "tekpy", "apiserver", "--port", "0",
                "--kubeconfig-out", self.kubeconfig_path]
        if self.data_dir:
            args += ["--data-dir", self.data_dir]
        self.proc = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
        assert line.decode().strip() == self.kubeconfig_path
        self._read_kubeconfig()

    def _read_kubeconfig(self) -> None:
        import base64
        from pathlib import Path

        import yaml

        kc = yaml.safe_load(Path(self.kubeconfig_path).read_text())
        cluster = kc["clusters"][0]["cluster"]
        self.url = cluster["server"]
        self.token = kc["users"][0]["user"]["token"]
        Path(self.ca_file).write_bytes(base64.b64decode(cluster["certificate-authority-data"]))

    async def stop(self) -> int:
        """SIGTERM and wait; returns the exit code."""
        import asyncio

        self.proc.terminate()
        return int(await asyncio.wait_for(self.proc.wait(), 30))

    def kill(self) -> None:
        self.proc.kill()
