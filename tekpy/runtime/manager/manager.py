"""The Manager: runs caches, controllers and servers of one process, with leader election.

Start order (each step on every replica unless noted):

1. the metrics and health probe servers,
2. the shared informers, waiting until their caches are synced (a standby is warm),
3. runnables that do not need leader election,
4. leader election, and - only on the leader - the runnables that need it (controllers).

Stop (SIGTERM, SIGINT, :meth:`Manager.stop` or cancelling ``start()``) goes in reverse order:
leader runnables, leader election (releasing the Lease if ``leader_election_release_on_cancel``
so a standby takes over at once), other runnables, caches, event recorders, servers, all
within ``graceful_shutdown_timeout``. A leader that loses its Lease stops everything at once
and ``start()`` raises :class:`LeaderElectionLost`, so the process exits non-zero.

Bucket mode (``leader_election_buckets=B``, Knative's sharding): controllers run on every
replica from step 4 on, each with its own B Leases ``<leader_election_id>.<controller>.
<i>-of-<B>`` (:class:`~tekpy.runtime.leaderelection.BucketedElection`); a controller's
workers drop the keys whose bucket this replica does not hold, and gaining a bucket
re-enqueues that bucket's cached keys. Losing buckets is not fatal: the replica competes
for them again. Stop order: controllers (in-flight reconciles finish), then the elections
(releasing the Leases with ``leader_election_release_on_cancel``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.manager.healthz import Checker, CheckSet
from tekpy.runtime.manager.runnables import RunnableGroup, RunnableLike, needs_leader_election
from tekpy.runtime.manager.server import HttpServer, metrics_app, parse_bind_address, probes_app

if TYPE_CHECKING:
    from tekpy.runtime.cache import SharedInformerFactory
    from tekpy.runtime.client import Client
    from tekpy.runtime.events import EventRecorder
    from tekpy.runtime.leaderelection import BucketedElection, LeaderElector
    from tekpy.runtime.manager.buckets import ControllerBuckets

__all__ = ["GracefulShutdownTimeout", "LeaderElectionLost", "Manager"]

log = logging.getLogger("tekpy.runtime.manager")

_SA_NAMESPACE_FILE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


class LeaderElectionLost(RuntimeError):
    """The Manager was leading and lost its Lease; controllers were stopped."""


class GracefulShutdownTimeout(RuntimeError):
    """Some runnables did not stop within ``graceful_shutdown_timeout``."""


def default_identity() -> str:
    """``<hostname>_<uuid>``: unique per process, readable in ``kubectl get lease``."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


def _default_lease_namespace() -> str:
    try:
        return _SA_NAMESPACE_FILE.read_text().strip() or "default"
    except OSError:
        return "default"


class Manager:
    """Owns the client, the shared informers and every runnable of a controller process.

    ``metrics_bind_address`` and ``health_probe_bind_address`` take ``HOST:PORT`` or
    ``:PORT``; ``"0"`` disables the server (the probes are off by default, as in
    controller-runtime). With ``leader_election=True``, ``leader_election_id`` names the
    Lease (in ``leader_election_namespace``, else ``namespace``, else the pod's namespace,
    else ``default``). With ``namespace``, informers of namespaced resources watch only
    that namespace unless a watch names another.

    ``leader_election_buckets=B`` (with ``leader_election=True``) selects bucket mode
    instead of one Lease for the whole process (see the module docstring): every replica
    runs the controllers, each reconciling only the keys of the buckets it holds;
    ``leader_election_id`` is then the ``<component>`` part of the Lease names.
    """

    def __init__(
        self,
        client: Client,
        *,
        namespace: str | None = None,
        leader_election: bool = False,
        leader_election_id: str | None = None,
        leader_election_namespace: str | None = None,
        leader_election_release_on_cancel: bool = False,
        leader_election_buckets: int | None = None,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        identity: str | None = None,
        metrics_bind_address: str = ":8080",
        health_probe_bind_address: str = "0",
        graceful_shutdown_timeout: float = 30.0,
        handle_signals: bool = True,
        informers: SharedInformerFactory | None = None,
        clock: Clock = REAL_CLOCK,
    ) -> None:
        if leader_election and not leader_election_id:
            raise ValueError("leader_election_id is required when leader_election is enabled")
        if leader_election_buckets is not None and not leader_election:
            raise ValueError("leader_election_buckets needs leader_election=True")
        self.client = client
        self.namespace = namespace
        self.clock = clock
        if informers is None:
            from tekpy.runtime.manager.informers import NamespacedInformerFactory

            if namespace:
                informers = NamespacedInformerFactory(client, namespace, clock=clock)
            else:
                from tekpy.runtime.cache import SharedInformerFactory

                informers = SharedInformerFactory(client, clock=clock)
        self.informers: SharedInformerFactory = informers
        self.identity = identity or default_identity()
        self.graceful_shutdown_timeout = graceful_shutdown_timeout
        self._handle_signals = handle_signals
        self._metrics_bind = parse_bind_address(metrics_bind_address)
        self._probe_bind = parse_bind_address(health_probe_bind_address)
        self.healthz = CheckSet("healthz")
        self.readyz = CheckSet("readyz")
        self.readyz.add("informer-sync", self._check_caches_synced)

        self._others = RunnableGroup("runnables", self._fail)
        self._leader_runnables = RunnableGroup("leader-runnables", self._fail)
        self._servers: list[HttpServer] = []
        self._recorders: dict[str, EventRecorder] = {}
        self._caches_synced = False
        self._error: BaseException | None = None
        self._stop_event: asyncio.Event | None = None
        self._shutting_down = False
        self._started = False
        self._lost = False
        self.started = asyncio.Event()
        """Set once servers are bound and the caches are synced."""
        self.elected = asyncio.Event()
        """Set when leader runnables start (at once without leader election)."""

        self.elector: LeaderElector | None = None
        self._elector_task: asyncio.Task[None] | None = None
        self.buckets = leader_election_buckets
        """Buckets per controller in bucket mode, else None."""
        self._bucket_mode: ControllerBuckets | None = None
        if leader_election and leader_election_buckets is not None:
            from tekpy.runtime.manager.buckets import ControllerBuckets

            self._bucket_mode = ControllerBuckets(
                client,
                self.identity,
                component=leader_election_id or "",
                total=leader_election_buckets,
                namespace=leader_election_namespace or namespace or _default_lease_namespace(),
                lease_duration=lease_duration,
                renew_deadline=renew_deadline,
                retry_period=retry_period,
                release_on_cancel=leader_election_release_on_cancel,
                clock=clock,
                on_error=self._fail,
            )
        elif leader_election:
            self.elector = self._make_elector(
                leader_election_id or "",
                leader_election_namespace or namespace or _default_lease_namespace(),
                lease_duration,
                renew_deadline,
                retry_period,
                leader_election_release_on_cancel,
            )

    # -- configuration -------------------------------------------------------------------

    def add(self, runnable: RunnableLike, needs_leader_election: bool | None = None) -> None:
        """Run ``runnable`` for the Manager's lifetime (see :mod:`.runnables`).

        It runs only while leading unless ``needs_leader_election`` is False (the argument
        wins over the runnable's own attribute). Runnables added after start begin at once
        when their group is running. In bucket mode a runnable that needs leader election
        must be a controller (it gets its own bucket election and key filter); anything
        else raises ``ValueError``.
        """
        if needs_leader_election is None:
            needs_leader_election = _needs_le(runnable)
        if needs_leader_election and self._bucket_mode is not None:
            self._bucket_mode.add(runnable)  # raises unless it is a controller
            self._leader_runnables.add(runnable)
            return
        group = self._leader_runnables if needs_leader_election else self._others
        group.add(runnable)

    def add_healthz_check(self, name: str, check: Checker) -> None:
        """Add a liveness check, served on ``/healthz`` and ``/healthz/<name>``."""
        self.healthz.add(name, check)

    def add_readyz_check(self, name: str, check: Checker) -> None:
        """Add a readiness check, served on ``/readyz`` and ``/readyz/<name>``."""
        self.readyz.add(name, check)

    def event_recorder(self, component: str) -> EventRecorder:
        """A recorder of core/v1 Events reported by ``component`` (flushed on stop)."""
        recorder = self._recorders.get(component)
        if recorder is None:
            from tekpy.runtime.events import EventRecorder

            recorder = EventRecorder(
                self.client, component, host=socket.gethostname(), clock=self.clock
            )
            self._recorders[component] = recorder
        return recorder

    # -- state ---------------------------------------------------------------------------

    @property
    def metrics_address(self) -> tuple[str, int] | None:
        """The bound (host, port) of the metrics server, once started."""
        return self._server_address("metrics")

    @property
    def health_probe_address(self) -> tuple[str, int] | None:
        """The bound (host, port) of the health probe server, once started."""
        return self._server_address("health probes")

    def _server_address(self, name: str) -> tuple[str, int] | None:
        for srv in self._servers:
            if srv.name == name:
                return srv.address
        return None

    def is_leader(self) -> bool:
        """True while leader runnables run (always, once started, without election); in
        bucket mode, while this replica holds at least one bucket."""
        if self._bucket_mode is not None:
            return self.elected.is_set() and bool(self._bucket_mode.held)
        if self.elector is None:
            return self.elected.is_set()
        return self.elected.is_set() and self.elector.is_leader() and not self._lost

    @property
    def held_buckets(self) -> frozenset[str]:
        """Bucket mode: the Lease names of the buckets this replica holds now."""
        return self._bucket_mode.held if self._bucket_mode is not None else frozenset()

    @property
    def bucket_elections(self) -> dict[str, BucketedElection]:
        """Bucket mode: each controller's election, by controller name."""
        return self._bucket_mode.elections if self._bucket_mode is not None else {}

    def stop(self) -> None:
        """Ask a running ``start()`` to stop gracefully (safe to call from a signal)."""
        if self._stop_event is not None:
            self._stop_event.set()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Run until stopped; raise if a runnable failed or the Lease was lost."""
        if self._started:
            raise RuntimeError("manager already started")
        self._started = True
        self._stop_event = asyncio.Event()
        uninstall = self._install_signal_handlers()
        try:
            try:
                await self._start_everything()
                await self._stop_event.wait()
            finally:
                shutdown_error = await self._shutdown()
        finally:
            uninstall()
        if self._error is not None:
            raise self._error
        if shutdown_error is not None:
            raise shutdown_error

    async def _start_everything(self) -> None:
        if self._metrics_bind is not None:
            self._servers.append(HttpServer("metrics", metrics_app(), *self._metrics_bind))
        if self._probe_bind is not None:
            app = probes_app(self.healthz, self.readyz)
            self._servers.append(HttpServer("health probes", app, *self._probe_bind))
        for srv in self._servers:
            await srv.start()

        await self.informers.start()
        if not await self._until_stopped(self.informers.wait_for_cache_sync()):
            return
        self._caches_synced = True
        self._others.start()
        self.started.set()
        if self.elector is not None:
            self._elector_task = asyncio.create_task(self.elector.run(), name="leader-election")
            self._elector_task.add_done_callback(self._elector_done)
        else:
            self._start_leader_runnables()
            if self._bucket_mode is not None:
                self._bucket_mode.start()  # the controllers are up: compete for buckets

    async def _until_stopped(self, aw: Any) -> bool:
        """Await ``aw`` unless a stop comes first; False if stopped or ``aw`` is falsy."""
        assert self._stop_event is not None
        work = asyncio.ensure_future(aw)
        stopper = asyncio.ensure_future(self._stop_event.wait())
        try:
            await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not work.done():
                work.cancel()
            await asyncio.gather(work, stopper, return_exceptions=True)
        if work.cancelled():
            return False
        exc = work.exception()
        if exc is not None:
            raise exc
        if not work.result():
            self._fail(RuntimeError("timed out waiting for caches to sync"))
            return False
        return True

    def _start_leader_runnables(self) -> None:
        if self._shutting_down:
            return
        log.info("starting leader runnables count=%d", len(self._leader_runnables))
        self._leader_runnables.start()
        self.elected.set()

    def _fail(self, exc: BaseException) -> None:
        if self._error is None and not self._shutting_down:
            self._error = exc
        if self._stop_event is not None:
            self._stop_event.set()

    async def _shutdown(self) -> BaseException | None:
        self._shutting_down = True
        loop = asyncio.get_running_loop()
        # Losing the Lease means another replica may already be acting: stop at once.
        budget = 0.0 if self._lost else self.graceful_shutdown_timeout
        deadline = loop.time() + budget

        def left() -> float:
            return max(0.0, deadline - loop.time())

        in_time = await self._leader_runnables.stop(left())
        if self._elector_task is not None and not self._elector_task.done():
            self._elector_task.cancel()
            # Let a release finish even if the runnables used up the grace period: it is
            # bounded by renew_deadline inside the elector, and it saves the standby a
            # whole lease duration (controller-runtime waits for it too).
            assert self.elector is not None
            grace = max(left(), self.elector.config.renew_deadline)
            await asyncio.wait({self._elector_task}, timeout=grace)
        if self._bucket_mode is not None:
            # The controllers have stopped, so releasing the buckets now cannot let
            # another replica run a key while this one still does.
            await self._bucket_mode.stop(left())
        in_time = await self._others.stop(left()) and in_time
        try:
            await asyncio.wait_for(self.informers.stop(), timeout=max(left(), 1.0))
        except Exception as exc:  # shutting down: log and go on
            log.warning("stopping informers failed err=%s", exc)
        for recorder in self._recorders.values():
            await recorder.aclose(grace=min(left(), 5.0))
        for srv in reversed(self._servers):
            await srv.stop()
        log.info("manager stopped")
        if not in_time and budget > 0:
            return GracefulShutdownTimeout(
                f"runnables did not stop within the grace period of {budget:g}s"
            )
        return None

    # -- leader election -----------------------------------------------------------------

    def _make_elector(
        self,
        lease_name: str,
        lease_namespace: str,
        lease_duration: float,
        renew_deadline: float,
        retry_period: float,
        release_on_cancel: bool,
    ) -> LeaderElector:
        from tekpy.runtime.leaderelection import LeaderElectionConfig, LeaderElector, LeaseLock

        lock = LeaseLock(self.client, lease_namespace, lease_name, self.identity)
        config = LeaderElectionConfig(
            lock=lock,
            lease_duration=lease_duration,
            renew_deadline=renew_deadline,
            retry_period=retry_period,
            on_started_leading=self._start_leader_runnables,
            on_stopped_leading=self._on_stopped_leading,
            on_new_leader=lambda holder: log.info("new leader observed leader=%s", holder),
            release_on_cancel=release_on_cancel,
            name=lease_name,
        )
        return LeaderElector(config, clock=self.clock)

    def _elector_done(self, task: asyncio.Task[None]) -> None:
        # run() ends normally only when leadership was lost (reported through the callback);
        # an exception is a bug that must not leave the process leaderless and silent.
        if not task.cancelled() and task.exception() is not None:
            self._fail(task.exception())  # type: ignore[arg-type]

    def _on_stopped_leading(self) -> None:
        if self._shutting_down:
            return
        log.error("leader election lost identity=%s", self.identity)
        self._lost = True
        self._fail(LeaderElectionLost("leader election lost"))

    # -- checks and signals --------------------------------------------------------------

    def _check_caches_synced(self) -> None:
        # Informers requested after start (a controller added late) count too.
        has_synced = getattr(self.informers, "has_synced", None)
        if not self._caches_synced or (callable(has_synced) and not has_synced()):
            raise RuntimeError("informer caches not synced")

    def _install_signal_handlers(self) -> Any:
        if not self._handle_signals or threading.current_thread() is not threading.main_thread():
            return lambda: None
        loop = asyncio.get_running_loop()
        received: list[int] = []

        def on_signal(signum: int) -> None:
            received.append(signum)
            if len(received) > 1:
                # A second signal means "now": exit without waiting, as controller-runtime.
                log.error("second signal received, exiting signal=%d", signum)
                os._exit(1)
            log.info("signal received, stopping signal=%d", signum)
            self.stop()

        installed = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(signum, on_signal, signum)
                installed.append(signum)
            except (NotImplementedError, RuntimeError):
                pass

        def uninstall() -> None:
            for signum in installed:
                loop.remove_signal_handler(signum)

        return uninstall


def _needs_le(runnable: object) -> bool:
    return needs_leader_election(runnable)
