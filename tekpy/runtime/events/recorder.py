"""EventRecorder: writes core/v1 Events about objects, asynchronously.

``recorder.event(obj, "Normal", "Created", "created ConfigMap x")`` returns at once: the
event goes into a bounded buffer and a background task writes it, after correlation
(aggregation into a series with ``count`` and ``lastTimestamp``, spam filtering; see
:mod:`.correlator`). Recording never blocks and never raises into a reconcile: a full buffer
drops the event, and a write the server rejects is logged and dropped. Only connection
failures are retried (up to 12 tries, 10 s apart), as client-go does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.events.correlator import EventCorrelator

if TYPE_CHECKING:
    from tekpy.runtime.client import Client

__all__ = ["NORMAL", "WARNING", "EventRecorder", "object_reference"]

log = logging.getLogger("tekpy.runtime.events")

NORMAL = "Normal"
WARNING = "Warning"

MAX_QUEUED_EVENTS = 1000
MAX_TRIES_PER_EVENT = 12
RETRY_SLEEP = 10.0


def _events_resource() -> Any:
    from tekpy.runtime.client import Resource

    return Resource("", "v1", "events", "Event", namespaced=True)


def object_reference(obj: dict[str, Any]) -> dict[str, Any]:
    """The ``involvedObject`` for an object dict (kind and name are required)."""
    meta = obj.get("metadata") or {}
    if not obj.get("kind") or not meta.get("name"):
        raise ValueError("an event's object needs kind and metadata.name")
    ref: dict[str, Any] = {"kind": obj["kind"], "name": meta["name"]}
    for src, dst in (
        (obj.get("apiVersion"), "apiVersion"),
        (meta.get("namespace"), "namespace"),
        (meta.get("uid"), "uid"),
        (meta.get("resourceVersion"), "resourceVersion"),
    ):
        if src:
            ref[dst] = src
    return ref


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRecorder:
    """Records Events reported by ``component`` (shown as the Event's source)."""

    def __init__(
        self,
        client: Client,
        component: str,
        *,
        host: str = "",
        clock: Clock = REAL_CLOCK,
        max_queued: int = MAX_QUEUED_EVENTS,
        retry_sleep: float = RETRY_SLEEP,
        correlator: EventCorrelator | None = None,
    ) -> None:
        self._client = client
        self.component = component
        self.host = host
        self._clock = clock
        self._retry_sleep = retry_sleep
        self._max_queued = max_queued
        self._last_nanos = 0
        self._correlator = correlator or EventCorrelator(clock, name_for=self._event_name)
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        self.dropped = 0
        """Events dropped because the buffer was full or the server rejected them."""

    def event(
        self,
        obj: dict[str, Any],
        type: str,
        reason: str,
        message: str,
        *,
        annotations: dict[str, str] | None = None,
    ) -> None:
        """Record an event about ``obj`` (``type`` is ``Normal`` or ``Warning``). Never raises."""
        try:
            self._enqueue(self._make_event(obj, type, reason, message, annotations))
        except Exception as exc:
            self.dropped += 1
            log.error("unable to record event reason=%s err=%s", reason, exc)

    def _make_event(
        self,
        obj: dict[str, Any],
        type: str,
        reason: str,
        message: str,
        annotations: dict[str, str] | None,
    ) -> dict[str, Any]:
        if type not in (NORMAL, WARNING):
            raise ValueError(f"unsupported event type {type!r}")
        ref = object_reference(obj)
        now = _time(self._clock.now())
        metadata: dict[str, Any] = {
            "name": self._event_name(ref["name"]),
            "namespace": ref.get("namespace") or "default",
        }
        if annotations:
            metadata["annotations"] = dict(annotations)
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": metadata,
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "type": type,
            "source": {"component": self.component, "host": self.host}
            if self.host
            else {"component": self.component},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }

    def _event_name(self, ref_name: str) -> str:
        # <object>.<unix nanos in hex>, as client-go; forced strictly increasing so that two
        # events in the same clock tick (a coarse or fake clock) do not collide.
        nanos = int(self._clock.now().timestamp() * 1e9)
        nanos = max(nanos, self._last_nanos + 1)
        self._last_nanos = nanos
        return f"{ref_name}.{nanos:x}"

    def _enqueue(self, event: dict[str, Any]) -> None:
        if self._closed:
            raise RuntimeError("recorder is closed")
        loop = asyncio.get_running_loop()
        if self._queue is None:
            self._queue = asyncio.Queue(self._max_queued)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run(self._queue), name="event-recorder")
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            log.error("too many queued events, dropped event reason=%s", event["reason"])

    async def flush(self) -> None:
        """Wait until every event recorded so far has been written or dropped."""
        if self._queue is not None and self._worker is not None and not self._worker.done():
            await self._queue.join()

    async def aclose(self, grace: float = 5.0) -> None:
        """Stop accepting events, write what is buffered for up to ``grace`` s, then stop."""
        self._closed = True
        if self._worker is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flush(), timeout=max(grace, 0.001))
        self._worker.cancel()
        await asyncio.gather(self._worker, return_exceptions=True)

    async def _run(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            event = await queue.get()
            try:
                await self._record(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let one event stop the writer
                log.error("unable to write event err=%s", exc)
            finally:
                queue.task_done()

    async def _record(self, event: dict[str, Any]) -> None:
        result = self._correlator.correlate(event)
        if result.skip or result.event is None:
            return
        tries = 0
        while True:
            if await self._write(result.event, result.patch):
                return
            tries += 1
            if tries >= MAX_TRIES_PER_EVENT or self._closed:
                self.dropped += 1
                log.error("unable to write event (retry limit exceeded) reason=%s", event["reason"])
                return
            delay = self._retry_sleep
            if tries == 1:  # spread the first retry so that many writers do not align
                delay *= random.random()
            await self._clock.sleep(delay)

    async def _write(self, event: dict[str, Any], patch: dict[str, Any] | None) -> bool:
        """One attempt; True when done (written, or rejected for good)."""
        resource = _events_resource()
        meta = event["metadata"]
        try:
            written = None
            if patch is not None:
                try:
                    written = await self._client.patch(
                        resource, meta["name"], patch, namespace=meta["namespace"]
                    )
                except Exception as exc:
                    if getattr(exc, "status", None) != 404:
                        raise
            if written is None:
                body = {
                    **event,
                    "metadata": {k: v for k, v in meta.items() if k != "resourceVersion"},
                }
                written = await self._client.create(resource, body, namespace=meta["namespace"])
        except Exception as exc:
            status = getattr(exc, "status", None)
            if isinstance(status, int) and status > 0:
                # The server answered: retrying the same write cannot help (client-go).
                self.dropped += 1
                level = logging.DEBUG if status == 409 else logging.ERROR
                log.log(
                    level,
                    "server rejected event reason=%s status=%s err=%s",
                    event.get("reason"),
                    status,
                    exc,
                )
                return True
            log.warning(
                "unable to write event, may retry reason=%s err=%s", event.get("reason"), exc
            )
            return False
        self._correlator.update_state(written)
        return True
