"""client-go's event correlation: aggregation, series counting and spam filtering.

For each event about to be written, in this order:

1. **Aggregation.** Events that share source, involved object, type and reason but differ in
   message are similar. When 10 distinct messages of a similar group arrive within 10
   minutes, further ones are folded into a single event whose message is prefixed with
   ``(combined from similar events):``.
2. **Series.** An event identical to an earlier one (same source, object, type, reason and
   message) is not written again: the earlier Event's ``count`` is incremented and its
   ``lastTimestamp`` moved, by a patch.
3. **Spam filter.** Each (source, object, type) has a token bucket of 25 events refilled at
   one per 5 minutes; events beyond it are dropped.

State lives in LRU caches of 4096 entries, so memory is bounded however many objects a
controller touches.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Generic, TypeVar

import attrs

from tekpy.runtime.clock import Clock

__all__ = [
    "COMBINED_PREFIX",
    "CorrelateResult",
    "EventCorrelator",
    "aggregate_key",
    "event_key",
    "spam_key",
]

COMBINED_PREFIX = "(combined from similar events): "

K = TypeVar("K")
V = TypeVar("V")

Event = dict[str, Any]


class LRU(Generic[K, V]):
    """A least-recently-used map of bounded size."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def _ref(event: Event) -> tuple[str, ...]:
    src = event.get("source") or {}
    ref = event.get("involvedObject") or {}
    return (
        src.get("component", ""),
        src.get("host", ""),
        ref.get("kind", ""),
        ref.get("namespace", ""),
        ref.get("name", ""),
        ref.get("uid", ""),
        ref.get("apiVersion", ""),
    )


def event_key(event: Event) -> tuple[str, ...]:
    """Identity of a series: source, object (with field path), type, reason and message."""
    field_path = (event.get("involvedObject") or {}).get("fieldPath", "")
    return (
        *_ref(event),
        field_path,
        event.get("type", ""),
        event.get("reason", ""),
        event.get("message", ""),
    )


def spam_key(event: Event) -> tuple[str, ...]:
    """The spam filter's bucket: source, object and type."""
    return (*_ref(event), event.get("type", ""))


def aggregate_key(event: Event) -> tuple[str, ...]:
    """Similar events: source, object, type, reason and reporting controller/instance."""
    return (
        *_ref(event),
        event.get("type", ""),
        event.get("reason", ""),
        event.get("reportingComponent", ""),
        event.get("reportingInstance", ""),
    )


@attrs.define
class _TokenBucket:
    tokens: float
    last: float


@attrs.define
class _Aggregate:
    messages: set[str]
    last: float


@attrs.frozen
class _Observation:
    count: int
    first_timestamp: str | None
    name: str
    resource_version: str


@attrs.frozen
class CorrelateResult:
    """What to write: ``event`` (a create when ``patch`` is None, else a patch of the
    existing Event named in it), or nothing when ``skip``."""

    event: Event | None
    patch: dict[str, Any] | None = None
    skip: bool = False


class EventCorrelator:
    """Decides, for each new event, whether to create, patch (count++) or drop it."""

    def __init__(
        self,
        clock: Clock,
        *,
        cache_size: int = 4096,
        max_events: int = 10,
        max_interval: float = 600.0,
        spam_burst: int = 25,
        spam_qps: float = 1.0 / 300.0,
        name_for: Any = None,
    ) -> None:
        self._clock = clock
        self._max_events = max_events
        self._max_interval = max_interval
        self._burst = spam_burst
        self._qps = spam_qps
        self._spam: LRU[tuple[str, ...], _TokenBucket] = LRU(cache_size)
        self._aggregates: LRU[tuple[str, ...], _Aggregate] = LRU(cache_size)
        self._observed: LRU[tuple[str, ...], _Observation] = LRU(cache_size)
        self._name_for = name_for or (lambda ref_name: f"{ref_name}.combined")

    def correlate(self, new_event: Event) -> CorrelateResult:
        event, key = self._aggregate(new_event)
        observed, patch = self._observe(event, key)
        if self._filtered(observed):
            return CorrelateResult(None, None, skip=True)
        return CorrelateResult(observed, patch)

    def update_state(self, written: Event) -> None:
        """Remember the server's copy (name, count, resourceVersion) of a written Event."""
        self._remember(event_key(written), written)

    def _aggregate(self, event: Event) -> tuple[Event, tuple[str, ...]]:
        now = self._clock.monotonic()
        akey = aggregate_key(event)
        record = self._aggregates.get(akey)
        if record is None or now - record.last > self._max_interval:
            record = _Aggregate(set(), now)
        record.messages.add(event.get("message", ""))
        record.last = now
        self._aggregates.put(akey, record)
        if len(record.messages) < self._max_events:
            return event, event_key(event)
        # Keep the set at its bound, as client-go pops one message.
        record.messages.pop()
        combined = copy.deepcopy(event)
        combined["metadata"] = {
            "name": self._name_for(event["involvedObject"].get("name", "")),
            "namespace": event["metadata"].get("namespace"),
        }
        combined["count"] = 1
        combined["message"] = COMBINED_PREFIX + event.get("message", "")
        return combined, akey

    def _observe(self, event: Event, key: tuple[str, ...]) -> tuple[Event, dict[str, Any] | None]:
        event = copy.deepcopy(event)
        last = self._observed.get(key)
        patch = None
        if last is not None and last.count > 0:
            event["metadata"]["name"] = last.name
            if last.resource_version:
                event["metadata"]["resourceVersion"] = last.resource_version
            event["firstTimestamp"] = last.first_timestamp
            event["count"] = last.count + 1
            patch = {
                "count": event["count"],
                "lastTimestamp": event.get("lastTimestamp"),
                "message": event.get("message", ""),
            }
        self._remember(key, event)
        return event, patch

    def _remember(self, key: tuple[str, ...], event: Event) -> None:
        meta = event.get("metadata") or {}
        self._observed.put(
            key,
            _Observation(
                count=int(event.get("count") or 0),
                first_timestamp=event.get("firstTimestamp"),
                name=meta.get("name", ""),
                resource_version=meta.get("resourceVersion", "") or "",
            ),
        )

    def _filtered(self, event: Event) -> bool:
        now = self._clock.monotonic()
        skey = spam_key(event)
        bucket = self._spam.get(skey)
        if bucket is None:
            bucket = _TokenBucket(float(self._burst), now)
        bucket.tokens = min(float(self._burst), bucket.tokens + (now - bucket.last) * self._qps)
        bucket.last = now
        self._spam.put(skey, bucket)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return False
        return True
