"""The processes of a test control plane: etcd, kube-apiserver, kube-controller-manager."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import aiohttp

from tekpy.testing.realapi.binaries import RealApiBinaries, RealApiUnavailable, ensure_binaries
from tekpy.testing.realapi.credentials import free_ports, kubeconfig, write_credentials, write_file
from tekpy.testing.realapi.faultproxy import FaultProxy
from tekpy.testing.realapi.orphans import OrphanGuard

__all__ = ["CONTROLLERS", "DISABLED_ADMISSION_PLUGINS", "RealApiServer"]

#: Default-on admission plugins that would rewrite objects in ways that need a real node or
#: a token controller (Pods get tolerations, a priority and a token volume; Nodes a taint).
DISABLED_ADMISSION_PLUGINS = (
    "ServiceAccount",
    "DefaultTolerationSeconds",
    "Priority",
    "TaintNodesByCondition",
)

#: Controllers of kube-controller-manager that tests rely on.
CONTROLLERS = ("garbage-collector-controller", "namespace-controller", "serviceaccount-controller")


@dataclass
class _Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]
    argv: list[str]

    def tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace").strip().splitlines()
            return "\n".join(text[-lines:])
        return ""


class RealApiServer:
    """etcd + kube-apiserver (+ kube-controller-manager) on loopback, for tests.

    After ``start()``: ``url``, ``token``, ``ca_file``, ``kubeconfig_path`` and ``hooks``
    (the handle shape of the embedded server), plus ``apiserver_url`` (kube-apiserver
    itself), ``etcd_url`` and ``log_dir`` (each process logs to ``<name>.log`` there until
    ``stop()`` removes it). With ``fault_proxy`` (the default) ``url`` and the kubeconfig
    point at a :class:`FaultProxy` in front of kube-apiserver and ``hooks`` are its fault
    hooks; without it they point at kube-apiserver and ``hooks`` is None. ``fault_proxy``
    is on unless ``$TEKPY_REALAPI_FAULT_PROXY`` is ``0``.
    ``controller_manager=False`` saves a process when nothing needs garbage collection or
    namespace cleanup; ``extra_apiserver_args`` are appended to kube-apiserver's flags.
    """

    def __init__(
        self,
        binaries: RealApiBinaries | None = None,
        *,
        host: str = "127.0.0.1",
        controller_manager: bool = True,
        startup_timeout: float = 90.0,
        extra_apiserver_args: Sequence[str] = (),
        fault_proxy: bool | None = None,
    ) -> None:
        self._binaries = binaries
        self._host = host
        self._with_kcm = controller_manager
        self._startup_timeout = startup_timeout
        self._extra_args = tuple(extra_apiserver_args)
        self._with_proxy = (
            os.environ.get("TEKPY_REALAPI_FAULT_PROXY", "1") != "0" if fault_proxy is None
            else fault_proxy
        )
        self._proxy: FaultProxy | None = None
        self._proxy_finalizer: weakref.finalize[Any, Any] | None = None
        self.hooks: Any = None
        self.apiserver_url = ""
        self._procs: list[_Proc] = []
        self._tmp: Path | None = None
        self._guard: OrphanGuard | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self.url = ""
        self.token = ""
        self.ca_file = ""
        self.kubeconfig_path = ""
        self.log_dir = ""
        self.etcd_url = ""

    async def __aenter__(self) -> RealApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def binaries(self) -> RealApiBinaries:
        if self._binaries is None:
            self._binaries = ensure_binaries()
        return self._binaries

    async def start(self) -> None:
        """Start the control plane and wait until kube-apiserver reports ready."""
        binaries = self.binaries
        last: Exception | None = None
        for _attempt in range(3):
            try:
                await self._start_once(binaries)
                return
            except _PortTaken as exc:  # lost the free-port race: try new ports
                last = exc
                await self.stop()
            except BaseException:
                await self.stop()
                raise
        raise RealApiUnavailable(f"could not start kube-apiserver: {last}")

    async def _start_once(self, binaries: RealApiBinaries) -> None:
        self._tmp = tmp = Path(tempfile.mkdtemp(prefix="tekpy-realapi-"))
        # When stop() is never called: the finalizer runs when this object is collected or
        # when Python exits; the guard process when this process is killed outright.
        self._guard = guard = OrphanGuard()
        guard.track_dir(tmp)
        self._finalizer = weakref.finalize(self, _cleanup, self._procs, tmp, 2.0, guard)
        (tmp / "pki").mkdir()
        ca, crt, key, sa_pub, sa_key = await asyncio.to_thread(
            write_credentials, tmp / "pki", self._host
        )
        self.token = secrets.token_urlsafe(24)
        # Static token file: token,user,uid,"groups".
        tokens = write_file(
            tmp / "tokens.csv", f'{self.token},tekpy-admin,tekpy-admin,"system:masters"\n'
        )
        host = self._host
        client_port, peer_port, api_port = free_ports(host, 3)
        self.url = self.apiserver_url = f"https://{host}:{api_port}"
        self.ca_file = str(ca)
        self.log_dir = str(tmp)
        self.kubeconfig_path = str(
            write_file(tmp / "kubeconfig", kubeconfig(self.url, ca, self.token, "tekpy-admin"))
        )
        etcd_url = self.etcd_url = f"http://{host}:{client_port}"
        peer_url = f"http://{host}:{peer_port}"
        self._spawn("etcd", [
            str(binaries.etcd),
            "--name=default",
            f"--data-dir={tmp / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            # Test data is throwaway: skipping fsync makes etcd writes ~10x faster.
            "--unsafe-no-fsync",
            # Room for a 2 MiB object (etcd's default limit is 1.5 MiB).
            "--max-request-bytes=4194304",
            "--log-level=warn",
        ])
        self._spawn("kube-apiserver", [
            str(binaries.kube_apiserver),
            f"--etcd-servers={etcd_url}",
            f"--bind-address={host}",
            f"--advertise-address={host}",
            f"--secure-port={api_port}",
            f"--cert-dir={tmp / 'certs'}",
            f"--tls-cert-file={crt}",
            f"--tls-private-key-file={key}",
            f"--client-ca-file={ca}",
            f"--token-auth-file={tokens}",
            "--authorization-mode=RBAC",
            f"--service-account-key-file={sa_pub}",
            f"--service-account-signing-key-file={sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--allow-privileged=true",
            f"--disable-admission-plugins={','.join(DISABLED_ADMISSION_PLUGINS)}",
            "--profiling=false",
            *self._extra_args,
        ])
        await self._wait_ready()
        if self._with_kcm:
            write_file(tmp / "kcm.kubeconfig", kubeconfig(self.url, ca, self.token, "tekpy-kcm"))
            self._spawn("kube-controller-manager", [
                str(binaries.kube_controller_manager),
                f"--kubeconfig={tmp / 'kcm.kubeconfig'}",
                f"--controllers={','.join(CONTROLLERS)}",
                "--secure-port=0",  # no serving: nothing scrapes it and it saves a port
                "--leader-elect=false",
                f"--service-account-private-key-file={sa_key}",
            ])
            self._check_alive()
        if self._with_proxy:
            # Same CA and serving pair as kube-apiserver, so clients need no change; the
            # controller manager above keeps talking to kube-apiserver directly.
            # The proxy (its thread lives on) holds this server only weakly, so an abandoned
            # server is still collected and its finalizers stop the proxy and the processes.
            self._proxy = proxy = FaultProxy(
                self.apiserver_url, ca_file=str(ca), cert_file=str(crt), key_file=str(key),
                compact=_weak_compact_etcd(self), host=host,
            )
            await asyncio.to_thread(proxy.start)
            self._proxy_finalizer = weakref.finalize(self, proxy.stop)
            self.url = self._proxy.url
            self.hooks = self._proxy.hooks
            self.kubeconfig_path = str(
                write_file(tmp / "kubeconfig", kubeconfig(self.url, ca, self.token, "tekpy-admin"))
            )

    def _spawn(self, name: str, argv: list[str]) -> None:
        assert self._tmp is not None
        log_path = self._tmp / f"{name}.log"
        log = log_path.open("ab")  # append: a restarted process keeps the earlier log
        popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self._tmp,
            start_new_session=True,  # own process group: stop() kills children too
        )
        if self._guard is not None:
            self._guard.track_group(popen.pid)  # start_new_session: the pid is the group
        proc = _Proc(name, popen, log_path, log, argv)
        for i, old in enumerate(self._procs):
            if old.name == name:  # a restart keeps the start order (used when stopping)
                self._procs[i] = proc
                return
        self._procs.append(proc)

    async def restart(self) -> None:
        """Restart the control plane but etcd (kube-apiserver on the same port, and the
        controller manager), keeping etcd and its data.

        Clients see refused connections while kube-apiserver is down (the fault proxy stops
        listening meanwhile, as the embedded server does when restarted) and closed
        watches; the new process rebuilds its watch cache from the current revision, so
        resuming from an older version may get 410 Expired. Returns once kube-apiserver is
        ready and the controller manager demonstrably works (:meth:`wait_controllers`).

        The controller manager is restarted too: one that merely lived through a few
        kube-apiserver restarts took longer each time to delete a namespace (7, 18, 44 s,
        then over 90 s), which broke later tests of the shared server; a fresh one takes
        about 6 s every time.
        """
        if self._proxy is not None:
            await asyncio.to_thread(self._proxy.suspend)
            try:
                await self._stop_control_plane()
                await self._start_control_plane()
            finally:
                await asyncio.to_thread(self._proxy.resume)
        else:
            await self._stop_control_plane()
            await self._start_control_plane()
        await self.wait_controllers()

    @contextlib.asynccontextmanager
    async def unreachable(self) -> AsyncIterator[None]:
        """Inside the block clients cannot connect (refused), as while the embedded server
        is stopped; afterwards the same URL serves again.

        With the fault proxy only the proxy stops listening (kube-apiserver and the
        controller manager keep working); without it the control plane but etcd is
        stopped, and restarted as by :meth:`restart` on exit.
        """
        proxy = self._proxy
        if proxy is None:
            await self._stop_control_plane()
            try:
                yield
            finally:
                await self._start_control_plane()
                await self.wait_controllers()
            return
        await asyncio.to_thread(proxy.suspend)
        try:
            yield
        finally:
            await asyncio.to_thread(proxy.resume)

    def _proc(self, name: str) -> _Proc:
        return next(p for p in self._procs if p.name == name)

    async def _stop_control_plane(self) -> None:
        for proc in reversed(self._procs):
            if proc.name != "etcd":
                # kube-apiserver stops listening at once on SIGTERM but then takes over 30 s
                # to exit: a short grace makes the restart a crash-restart, which is fine
                # with etcd holding the data.
                await asyncio.to_thread(_stop_group, proc.popen, 1.0)
                proc.log.close()

    async def _start_control_plane(self) -> None:
        for proc in list(self._procs):
            if proc.name != "etcd":
                # The controller manager waits for kube-apiserver's /healthz by itself.
                self._spawn(proc.name, proc.argv)
        await self._wait_ready()

    async def _restart_process(self, name: str) -> None:
        proc = self._proc(name)
        await asyncio.to_thread(_stop_group, proc.popen, 2.0)
        proc.log.close()
        self._spawn(proc.name, proc.argv)

    async def wait_controllers(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Return once kube-controller-manager serves this kube-apiserver again.

        Proof: a throwaway namespace holding a ConfigMap is deleted completely, which needs
        the namespace controller's informers and discovery (the garbage collector's share
        them). A controller manager that does not recover within ``timeout`` is restarted
        once; ``RealApiUnavailable`` if even that does not help. No-op without one.
        """
        if not self._with_kcm or self._tmp is None:
            return
        for attempt in range(2):
            if await self._namespace_deletion_completes(timeout):
                return
            if attempt == 0:
                await self._restart_process("kube-controller-manager")
        raise RealApiUnavailable(
            "kube-controller-manager does not delete namespaces after a restart:\n"
            + self._proc("kube-controller-manager").tail()
        )

    async def _namespace_deletion_completes(self, timeout: float) -> bool:  # noqa: ASYNC109
        name = f"tekpy-probe-{secrets.token_hex(5)}"
        ns_url = f"{self.apiserver_url}/api/v1/namespaces"
        ctx = ssl.create_default_context(cafile=self.ca_file)
        headers = {"Authorization": f"Bearer {self.token}"}
        probe = {"metadata": {"name": "probe"}, "data": {"k": "v"}}
        async with aiohttp.ClientSession(
            headers=headers, timeout=aiohttp.ClientTimeout(total=10),
            connector=aiohttp.TCPConnector(ssl=ctx),
        ) as session:
            async with session.post(ns_url, json={"metadata": {"name": name}}) as r:
                r.raise_for_status()
            async with session.post(f"{ns_url}/{name}/configmaps", json=probe) as r:
                r.raise_for_status()
            async with session.delete(f"{ns_url}/{name}") as r:
                r.raise_for_status()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                self._check_alive()
                async with session.get(f"{ns_url}/{name}") as r:
                    if r.status == 404:
                        return True
                await asyncio.sleep(0.2)  # poll interval, not a wait for a condition
        return False

    def _check_alive(self) -> None:
        for proc in self._procs:
            code = proc.popen.poll()
            if code is not None:
                tail = proc.tail()
                if "address already in use" in tail:
                    raise _PortTaken(f"{proc.name}: {tail.splitlines()[-1]}")
                raise RealApiUnavailable(f"{proc.name} exited with code {code}:\n{tail}")

    async def _wait_ready(self) -> None:
        ctx = ssl.create_default_context(cafile=self.ca_file)
        headers = {"Authorization": f"Bearer {self.token}"}
        deadline = time.monotonic() + self._startup_timeout
        last = "no answer yet"
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while time.monotonic() < deadline:
                self._check_alive()
                try:
                    url = f"{self.apiserver_url}/readyz"
                    async with session.get(url, ssl=ctx, headers=headers) as r:
                        if r.status == 200:
                            return
                        last = f"/readyz {r.status}: {(await r.text())[-300:]}"
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    last = repr(exc)
                await asyncio.sleep(0.2)  # poll interval, not a wait for a condition
        tail = "\n".join(f"--- {p.name}\n{p.tail()}" for p in self._procs)
        raise RealApiUnavailable(
            f"kube-apiserver not ready after {self._startup_timeout:.0f}s ({last})\n{tail}"
        )

    async def compact(self) -> int:
        """Make every resourceVersion older than now unusable (410 Expired), like the
        embedded server's ``hooks.compact()``; returns the revision compacted to.

        Compacts etcd to its current revision. kube-apiserver's watch cache goes on
        serving recent versions from memory, so with the fault proxy (the default) the
        proxy also records the revision and answers requests for older versions itself,
        worded as kube-apiserver's expired answers (``expiry``); through ``apiserver_url``
        only reads that reach etcd see the compaction. Without the proxy the watch cache is
        emptied the only way there is, by :meth:`restart` (seconds, not milliseconds).
        """
        if self._proxy is not None:
            await asyncio.to_thread(self._proxy.hooks.compact)
            return self._proxy.compacted_rv
        revision = await self._compact_etcd()
        await self.restart()
        return revision

    async def _compact_etcd(self) -> int:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            # etcd's JSON gateway: a range on any key reports the store's revision.
            async with session.post(f"{self.etcd_url}/v3/kv/range", json={"key": "Lw=="}) as r:
                r.raise_for_status()
                revision = int((await r.json())["header"]["revision"])
            body = {"revision": str(revision), "physical": True}
            async with session.post(f"{self.etcd_url}/v3/kv/compaction", json=body) as r:
                # Nothing written since an earlier compaction (ours or kube-apiserver's
                # own, every 5 minutes): etcd refuses to compact the same revision again.
                if r.status != 200 and "compacted" not in await r.text():
                    r.raise_for_status()
        return revision

    async def stop(self) -> None:
        """Stop every process (controller manager first) and remove the temp dir."""
        if self._proxy is not None:
            await asyncio.to_thread(self._proxy.stop)
            self._proxy = None
            self.hooks = None
        if self._proxy_finalizer is not None:
            self._proxy_finalizer.detach()
            self._proxy_finalizer = None
        if self._tmp is not None:
            await asyncio.to_thread(_cleanup, self._procs, self._tmp, 10.0, self._guard)
            self._tmp = None
            self._guard = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None


class _PortTaken(Exception):
    pass


def _weak_compact_etcd(server: RealApiServer) -> Callable[[], Awaitable[int]]:
    ref = weakref.ref(server)

    async def compact() -> int:
        srv = ref()
        if srv is None:
            raise RuntimeError("the RealApiServer behind this proxy is gone")
        return await srv._compact_etcd()

    return compact


def _cleanup(procs: list[_Proc], tmp: Path, grace: float, guard: OrphanGuard | None) -> None:
    # Reverse start order, so the apiserver outlives its clients and etcd outlives it.
    for proc in reversed(procs):
        _stop_group(proc.popen, grace)
        proc.log.close()
    procs.clear()
    shutil.rmtree(tmp, ignore_errors=True)
    if guard is not None:
        guard.close()


def _stop_group(popen: subprocess.Popen[Any], grace: float) -> None:
    """SIGTERM the process group, SIGKILL it after ``grace`` seconds, then reap.

    Signals go to the group only while its leader is alive and unreaped, so the group id
    cannot have been reused by an unrelated process.
    """
    pgid = popen.pid  # start_new_session made the child its group's leader
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=wait)
