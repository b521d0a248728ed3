"""The agent's kubelet endpoint: ``/containerLogs/<ns>/<pod>/<container>`` and ``/healthz``.

Served over HTTPS on loopback with a self-signed certificate (made with ``cryptography`` and
kept in ``<data dir>/pki``), as the API server's ``pods/log`` proxy expects a kubelet to be.
Query parameters are the kubelet's: ``follow``, ``tailLines``, ``previous``, ``timestamps``,
``sinceSeconds``, ``sinceTime``, ``limitBytes``. Requests are not authenticated: the port
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from tekpy.local.kubelet.logs import read_log

__all__ = ["LogServer", "self_signed_cert"]


def self_signed_cert(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate and key for ``host`` (created once, reused afterwards)."""
    cert_path, key_path = directory / "kubelet.crt", directory / "kubelet.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{host}@tekpy-kubelet")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]),
            critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


# (namespace, pod) -> the worker-like object serving logs
WorkerLookup = Callable[[str, str], Any]


class LogServer:
    """Serves container logs of the Pods ``lookup`` knows."""

    def __init__(self, lookup: WorkerLookup, pki_dir: Path, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.lookup = lookup
        self.pki_dir = pki_dir
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start serving; returns the bound port."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/containerLogs/{ns}/{pod}/{container}", self._logs)
        cert, key = self_signed_cert(self.pki_dir, self.host)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=ctx)
        await site.start()
        server: Any = site._server
        sockets: list[Any] = list(getattr(server, "sockets", None) or ())
        self.port = int(sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _logs(self, request: web.Request) -> web.StreamResponse:
        ns, pod, container = (request.match_info[k] for k in ("ns", "pod", "container"))
        worker = self.lookup(ns, pod)
        if worker is None:
            return web.Response(status=404, text=f'pod "{pod}" not found on this node\n')
        q = request.query
        previous = q.get("previous", "false").lower() == "true"
        path = worker.log_file(container, previous)
        if path is None:
            what = "previous terminated container" if previous else "container"
            return web.Response(status=400, text=f'{what} "{container}" in pod "{pod}" '
                                                 "not found\n")
        if not path.exists():
            return web.Response(status=400, text=f'container "{container}" in pod "{pod}" '
                                                 "is waiting to start: no logs yet\n")
        try:
            tail = int(q["tailLines"]) if "tailLines" in q else None
            limit = int(q["limitBytes"]) if "limitBytes" in q else None
            since = _since(q)
        except ValueError as exc:
            return web.Response(status=400, text=f"invalid query: {exc}\n")
        follow = q.get("follow", "false").lower() == "true" and not previous
        resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await resp.prepare(request)
        writers = getattr(worker, "writers", {})
        async for chunk in read_log(
                path, follow=follow, tail=tail,
                timestamps=q.get("timestamps", "false").lower() == "true",
                since=since, limit_bytes=limit,
                running=lambda: bool(worker.is_running(container))
                and worker.log_file(container, False) == path,
                changed=lambda: getattr(writers.get(container), "changed", None)):
            await resp.write(chunk)
        await resp.write_eof()
        return resp


def _since(q: Any) -> dt.datetime | None:
    if "sinceSeconds" in q:
        return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=int(q["sinceSeconds"]))
    if "sinceTime" in q:
        return dt.datetime.fromisoformat(q["sinceTime"].replace("Z", "+00:00"))
    return None
