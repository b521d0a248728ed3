"""The leader election record and its mapping to a coordination.k8s.io/v1 Lease spec."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs

__all__ = ["LeaderElectionRecord", "format_micro_time", "parse_micro_time"]


def format_micro_time(value: datetime) -> str:
    """Render a timestamp as Kubernetes' MicroTime (RFC 3339, microseconds, ``Z``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_micro_time(value: str | None) -> datetime | None:
    """Parse a MicroTime or Time string; ``None`` and empty strings give ``None``."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@attrs.frozen
class LeaderElectionRecord:
    """What a lock stores: who holds it, for how long, and since when.

    Timestamps are informative only: electors decide expiry from the time *they* observed a
    change of the record on their own monotonic clock, never from these remote timestamps,
    so clock skew between replicas cannot cause two leaders.
    """

    holder_identity: str = ""
    lease_duration_seconds: int = 0
    acquire_time: datetime | None = None
    renew_time: datetime | None = None
    leader_transitions: int = 0

    def to_lease_spec(self) -> dict[str, Any]:
        """The ``spec`` of a Lease carrying this record (client-go's field mapping)."""
        spec: dict[str, Any] = {
            "holderIdentity": self.holder_identity,
            "leaseDurationSeconds": self.lease_duration_seconds,
            "leaseTransitions": self.leader_transitions,
        }
        if self.acquire_time is not None:
            spec["acquireTime"] = format_micro_time(self.acquire_time)
        if self.renew_time is not None:
            spec["renewTime"] = format_micro_time(self.renew_time)
        return spec

    @classmethod
    def from_lease_spec(cls, spec: dict[str, Any] | None) -> LeaderElectionRecord:
        """Read a record from a Lease ``spec``; absent fields take their zero values."""
        spec = spec or {}
        return cls(
            holder_identity=spec.get("holderIdentity") or "",
            lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
            acquire_time=parse_micro_time(spec.get("acquireTime")),
            renew_time=parse_micro_time(spec.get("renewTime")),
            leader_transitions=int(spec.get("leaseTransitions") or 0),
        )
