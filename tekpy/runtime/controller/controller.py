"""The Controller: watches feed a rate-limited work queue; workers run the reconciler.

Behaviour (controller-runtime's, in asyncio):

* ``max_concurrent_reconciles`` worker tasks share one :class:`RateLimitingQueue` keyed by
  :class:`Request`; the queue guarantees a request is never reconciled by two workers at once.
* Reconcile outcome -> queue action -> ``controller_runtime_reconcile_total{result}``:

  ====================================== ================================= ==============
  returns ``Result()`` / ``None``         ``forget``                        success
  returns ``Result(requeue_after=d)``     ``forget`` + ``add_after(d)``     requeue_after
  returns ``Result(requeue=True)``        ``add_rate_limited``              requeue
  raises a 409 with reason ``Conflict``   ``add_rate_limited``, debug log   requeue
  raises :class:`TerminalError`           nothing (not retried), logged     error
  raises any other ``Exception``          ``add_rate_limited``, logged      error
  ====================================== ================================= ==============

  Errors also count in ``controller_runtime_reconcile_errors_total`` and terminal ones in
  ``controller_runtime_terminal_reconcile_errors_total``. A conflict means the reconcile
  read a stale object; the retry will see the new one, so it is not reported as an error
  (AlreadyExists, also a 409, is). Returning anything but a ``Result`` or None is an error.
* An exception never kills a worker.
* :meth:`Controller.start` registers the watches' event handlers, waits until every watched
  informer has synced, starts the workers and runs until cancelled or :meth:`Controller.stop`;
  stopping shuts the queue, lets in-flight reconciles finish (a second cancellation cancels
  them) and does not start queued ones.
* Sharding (Knative-style buckets, set up by the Manager): with a ``key_filter``, a worker
  checks each request when it takes it from the queue and drops the ones the filter
  rejects (another replica owns them) - no reconcile, no requeue, their retry history
  forgotten. Requests from watches, ``requeue_after`` timers and retries all pass this one
  check, so a key whose bucket moved away is dropped at its next dequeue. :meth:`resync`
  re-enqueues the cached keys a filter selects (when this replica gains a bucket).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.controller.handlers import EnqueueRequestForObject, EventHandler
from tekpy.runtime.controller.predicates import Predicate
from tekpy.runtime.controller.reconcile import (
    ReconcileFunc,
    Reconciler,
    Request,
    Result,
    TerminalError,
)
from tekpy.runtime.metrics.controller import (
    ACTIVE_WORKERS,
    MAX_CONCURRENT_RECONCILES,
    RECONCILE_ERRORS,
    RECONCILE_TIME,
    RECONCILE_TOTAL,
    TERMINAL_RECONCILE_ERRORS,
)
from tekpy.runtime.workqueue import RateLimiter, RateLimitingQueue, ShutDown

__all__ = ["Controller", "Informer", "KeyFilter"]

log = logging.getLogger("tekpy.runtime.controller")
Obj = dict[str, Any]
KeyFilter = Callable[[Request], bool]


class Informer(Protocol):
    """What a controller needs from a watched informer (``tekpy.runtime.cache``)."""

    def add_event_handler(self, handler: Any) -> Any:
        """Register ``handler`` (``on_add``/``on_update``/``on_delete``); returns a
        registration, whose ``has_synced()`` is used when it has one."""
        ...

    def has_synced(self) -> bool:
        """True once the initial list has been delivered to the store."""
        ...


def _outcome(result: object) -> tuple[float, bool]:
    """``(requeue_after seconds, requeue)`` of a reconcile's return value; TypeError or
    ValueError when it is not a :class:`Result` (or None) with a valid delay."""
    if result is None:
        return 0.0, False
    if not isinstance(result, Result):
        raise TypeError(f"reconcile returned {type(result).__name__}, not a Result or None")
    after = result.requeue_after_seconds
    if after != after:  # NaN would never become due
        raise ValueError("Result.requeue_after is NaN")
    return after, bool(result.requeue)


def _is_conflict(err: BaseException) -> bool:
    # Duck-typed so this module does not depend on the client package. HTTP 409 also carries
    # AlreadyExists, which is not a stale read: like apimachinery's IsConflict, decide on the
    # reason when the error has one.
    if getattr(err, "status", None) != 409:
        return False
    return getattr(err, "reason", None) in (None, "", "Conflict")


class _EventSource:
    """The handler registered on an informer: predicates, then the event handler."""

    def __init__(
        self, controller: Controller, handler: EventHandler, predicates: tuple[Predicate, ...]
    ) -> None:
        self.controller = controller
        self.handler = handler
        self.predicates = predicates

    def on_add(self, obj: Obj, is_in_initial_list: bool = False) -> None:
        try:
            if all(p.create(obj) for p in self.predicates):
                self.handler.create(obj, self.controller.queue, is_in_initial_list)
        except Exception:
            log.exception("event handler failed: controller=%s event=add", self.controller.name)

    def on_update(self, old: Obj, new: Obj) -> None:
        try:
            if all(p.update(old, new) for p in self.predicates):
                self.handler.update(old, new, self.controller.queue)
        except Exception:
            log.exception("event handler failed: controller=%s event=update",
                          self.controller.name)

    def on_delete(self, obj: Any) -> None:
        if not isinstance(obj, dict):
            # A DeletedFinalStateUnknown tombstone (deletion noticed by a relist): use the
            # last state it carries.
            obj = getattr(obj, "obj", None)
            if not isinstance(obj, dict):
                log.error("delete event without an object: controller=%s", self.controller.name)
                return
        try:
            if all(p.delete(obj) for p in self.predicates):
                self.handler.delete(obj, self.controller.queue)
        except Exception:
            log.exception("event handler failed: controller=%s event=delete",
                          self.controller.name)


class Controller:
    """Runs a reconciler for the requests its watches produce.

    ``reconciler`` is a :class:`Reconciler` or an ``async def reconcile(request)`` function.
    ``rate_limiter`` spaces retries (default: exponential 5 ms..1000 s per request, max-of a
    10/s burst-100 bucket). ``clock`` drives the queue's delays and the reconcile timing.
    ``cache_sync_timeout`` (seconds of loop time) bounds the wait for informers to sync.
    ``key_filter(request)``, when set, decides at dequeue which requests this process
    reconciles (the others are dropped); the Manager sets it in bucket mode.
    """

    #: Controllers run only on the elected leader (read by the Manager).
    needs_leader_election = True

    def __init__(
        self,
        name: str,
        reconciler: Reconciler | ReconcileFunc,
        *,
        max_concurrent_reconciles: int = 1,
        rate_limiter: RateLimiter | None = None,
        clock: Clock = REAL_CLOCK,
        cache_sync_timeout: float = 120.0,
        key_filter: KeyFilter | None = None,
    ) -> None:
        if not name:
            raise ValueError("a controller needs a name (it labels its metrics and logs)")
        if max_concurrent_reconciles < 1:
            raise ValueError("max_concurrent_reconciles must be at least 1")
        self.name = name
        self.reconciler = reconciler
        self._reconcile: ReconcileFunc = (
            reconciler.reconcile if isinstance(reconciler, Reconciler) else reconciler
        )
        self.max_concurrent_reconciles = max_concurrent_reconciles
        self.clock = clock
        self.cache_sync_timeout = cache_sync_timeout
        self.key_filter = key_filter
        self.queue: RateLimitingQueue[Request] = RateLimitingQueue(
            name, rate_limiter=rate_limiter, clock=clock
        )
        self._watches: list[tuple[Informer, _EventSource]] = []
        self._sync_checks: list[Callable[[], bool]] = []
        self._workers: list[asyncio.Task[None]] = []
        self._started = False
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._finished = asyncio.Event()
        self._active = 0
        self._m_total = {
            r: RECONCILE_TOTAL.labels(name, r)
            for r in ("success", "error", "requeue", "requeue_after")
        }
        self._m_errors = RECONCILE_ERRORS.labels(name)
        self._m_terminal = TERMINAL_RECONCILE_ERRORS.labels(name)
        self._m_time = RECONCILE_TIME.labels(name)
        self._m_active = ACTIVE_WORKERS.labels(name)

    # -- wiring --------------------------------------------------------------------------

    def watch(self, informer: Informer, handler: EventHandler, *predicates: Predicate) -> None:
        """Feed ``informer``'s events, filtered by ``predicates``, through ``handler`` into
        this controller's queue. The handler is registered with the informer when the
        controller starts (at once, without waiting for a sync, if it already has); the
        informer replays the objects it already holds to a late handler."""
        source = _EventSource(self, handler, predicates)
        self._watches.append((informer, source))
        if self._started:
            self._register(informer, source)

    def _register(self, informer: Informer, source: _EventSource) -> None:
        registration = informer.add_event_handler(source)
        has_synced = getattr(registration, "has_synced", None)
        self._sync_checks.append(has_synced if callable(has_synced) else informer.has_synced)

    # -- running -------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """True once :meth:`start` was called."""
        return self._started

    @property
    def active_workers(self) -> int:
        """Number of reconciles in progress."""
        return self._active

    async def start(self) -> None:
        """Register the watches, wait for their caches, run the workers until cancelled or
        :meth:`stop`. Raises ``TimeoutError`` if the caches do not sync in time and
        ``RuntimeError`` if started twice."""
        if self._started:
            raise RuntimeError(f"controller {self.name} was started more than once")
        self._started = True
        MAX_CONCURRENT_RECONCILES.labels(self.name).set(self.max_concurrent_reconciles)
        self._m_active.set(0)
        try:
            for informer, source in self._watches:
                self._register(informer, source)
            if not await self._wait_for_sync():
                return
            log.info("starting workers: controller=%s workers=%d", self.name,
                     self.max_concurrent_reconciles)
            self._workers = [
                asyncio.create_task(self._worker(), name=f"controller:{self.name}:{i}")
                for i in range(self.max_concurrent_reconciles)
            ]
            await self._stop_requested.wait()
        finally:
            self._stopping = True
            self.queue.shut_down()
            if self._workers:
                log.info("stopping: controller=%s, waiting for workers", self.name)
                # A second cancellation while waiting cancels the in-flight reconciles.
                await asyncio.gather(*self._workers, return_exceptions=True)
            self._finished.set()

    async def stop(self) -> None:
        """Stop taking new requests and wait for in-flight reconciles to finish."""
        self._stop_requested.set()
        if not self._started:
            self._stopping = True
            self.queue.shut_down()
            return
        await self._finished.wait()

    async def _wait_for_sync(self) -> bool:
        # Sync is reached through I/O, not through time on the injected clock, so poll on
        # the event loop's clock (a fake clock would never advance here).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cache_sync_timeout
        delay = 0.001
        while not all(check() for check in self._sync_checks):
            if self._stop_requested.is_set():
                return False
            if loop.time() >= deadline:
                raise TimeoutError(f"controller {self.name}: caches did not sync within "
                                   f"{self.cache_sync_timeout}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        return not self._stop_requested.is_set()

    async def _worker(self) -> None:
        queue = self.queue
        while not self._stopping:
            try:
                request = await queue.get()
            except ShutDown:
                return
            if self._stopping:
                queue.done(request)
                return
            if self.key_filter is not None and not self._accepts(request):
                # Another replica's key: drop it (and any backoff it built up here).
                queue.forget(request)
                queue.done(request)
                continue
            self._active += 1
            self._m_active.inc()
            try:
                await self._reconcile_handler(request)
            finally:
                self._active -= 1
                self._m_active.dec()
                queue.done(request)

    def _accepts(self, request: Request) -> bool:
        assert self.key_filter is not None
        try:
            return self.key_filter(request)
        except Exception:
            log.exception("key filter failed, request dropped: controller=%s key=%s",
                          self.name, request.key)
            return False

    def resync(self, keep: KeyFilter | None = None) -> int:
        """Enqueue a request for every cached object this controller reconciles, or only
        those ``keep(request)`` accepts; return how many were enqueued.

        The objects come from the watches that enqueue the object itself (``for_``), or,
        when there is none, from every watch through its handler's ``generic`` event.
        Predicates apply through their ``generic`` check, except that a ``for_`` watch
        without predicates is listed by key only (no object is decoded).
        """
        own = [(i, s) for i, s in self._watches if isinstance(s.handler, EnqueueRequestForObject)]
        counter = _CountingQueue(self.queue, keep)
        for informer, source in own or self._watches:
            store = getattr(informer, "store", None)
            if own and not source.predicates and callable(getattr(store, "list_keys", None)):
                for key in store.list_keys():  # type: ignore[union-attr]
                    counter.add(Request.from_key(key))
                continue
            objs = _cached_objects(informer, store)
            if objs is None:
                log.warning("cannot resync from a watch without a store: controller=%s",
                            self.name)
                continue
            for obj in objs:
                try:
                    if all(p.generic(obj) for p in source.predicates):
                        source.handler.generic(obj, counter)
                except Exception:
                    log.exception("resync failed for an object: controller=%s", self.name)
        return counter.added

    async def _reconcile_handler(self, request: Request) -> None:
        start = self.clock.monotonic()
        name = self.name
        try:
            result = await self._reconcile(request)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # we are being cancelled
            # The reconciler let a CancelledError of its own escape: an ordinary failure.
            self._failed(request, RuntimeError("reconcile raised CancelledError"))
        except TerminalError as err:
            self._m_terminal.inc()
            self._m_errors.inc()
            self._m_total["error"].inc()
            log.error("terminal reconcile error (not retried): controller=%s namespace=%s "
                      "name=%s error=%s", name, request.namespace, request.name, err)
        except Exception as err:
            if _is_conflict(err):
                self.queue.add_rate_limited(request)
                self._m_total["requeue"].inc()
                log.debug("conflict, requeued: controller=%s namespace=%s name=%s error=%s",
                          name, request.namespace, request.name, err)
            else:
                self._failed(request, err)
        else:
            try:
                after, requeue = _outcome(result)
            except (TypeError, ValueError) as err:
                # A malformed result is a reconciler bug: fail (and retry) this reconcile
                # rather than let the exception end the worker.
                self._failed(request, err)
            else:
                self._succeeded(request, after, requeue)
        finally:
            self._m_time.observe(self.clock.monotonic() - start)

    def _failed(self, request: Request, err: BaseException) -> None:
        self.queue.add_rate_limited(request)
        self._m_errors.inc()
        self._m_total["error"].inc()
        log.error("reconciler error: controller=%s namespace=%s name=%s error=%s",
                  self.name, request.namespace, request.name, err, exc_info=err)

    def _succeeded(self, request: Request, after: float, requeue: bool) -> None:
        if after > 0:
            self.queue.forget(request)
            self.queue.add_after(request, after)
            self._m_total["requeue_after"].inc()
        elif requeue:
            self.queue.add_rate_limited(request)
            self._m_total["requeue"].inc()
        else:
            self.queue.forget(request)
            self._m_total["success"].inc()


class _CountingQueue:
    """Adds the requests ``keep`` accepts to ``queue`` and counts them (resync)."""

    def __init__(self, queue: RateLimitingQueue[Request], keep: KeyFilter | None) -> None:
        self._queue = queue
        self._keep = keep
        self.added = 0

    def add(self, item: Request) -> None:
        if self._keep is None or self._keep(item):
            self._queue.add(item)
            self.added += 1


def _cached_objects(informer: Any, store: Any) -> list[Obj] | None:
    if callable(getattr(store, "list", None)):
        return list(store.list())
    lister = getattr(informer, "lister", None)
    return list(lister().list()) if callable(lister) else None
