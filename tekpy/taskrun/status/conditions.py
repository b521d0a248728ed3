"""The ``Succeeded`` condition of a TaskRun status dict (knative's condition semantics).

A condition's ``lastTransitionTime`` changes only when its status, reason or message does.
Times are RFC 3339 in UTC with second precision, as ``metav1.Time`` serialises them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tekpy.taskrun.status import reasons as r

__all__ = [
    "format_time",
    "get_condition",
    "initialize",
    "is_done",
    "keep_transition_time",
    "mark_failed",
    "mark_running",
    "mark_succeeded",
    "parse_time",
    "set_condition",
]

SUCCEEDED = "Succeeded"


def format_time(t: datetime) -> str:
    """``2006-01-02T15:04:05Z`` (UTC, seconds)."""
    if t.tzinfo is not None:
        t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse RFC 3339 (``Z`` or an offset, optional fraction) into an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def get_condition(status: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``Succeeded`` condition, or None."""
    for c in (status or {}).get("conditions") or []:
        if c.get("type") == SUCCEEDED:
            return dict(c)
    return None


def is_done(status: dict[str, Any] | None) -> bool:
    """Whether the condition is True or False."""
    c = get_condition(status)
    return c is not None and c.get("status") in ("True", "False")


def set_condition(status: dict[str, Any], value: str, reason: str, message: str,
                  now: datetime) -> None:
    """Set the ``Succeeded`` condition in place (other conditions kept)."""
    old = get_condition(status)
    new: dict[str, Any] = {"type": SUCCEEDED, "status": value}
    if reason:
        new["reason"] = reason
    if message:
        new["message"] = message
    same = old is not None and all(old.get(k, "") == new.get(k, "")
                                   for k in ("status", "reason", "message"))
    new["lastTransitionTime"] = (old or {}).get("lastTransitionTime") if same else \
        format_time(now)
    others = [c for c in status.get("conditions") or [] if c.get("type") != SUCCEEDED]
    status["conditions"] = [*others, new]


def keep_transition_time(before: dict[str, Any] | None, status: dict[str, Any]) -> None:
    """Restore ``before``'s ``lastTransitionTime`` when the condition ended up unchanged.

    Deriving a status may pass through intermediate conditions (Running, then Pending);
    comparing the final one with the condition the run started with keeps a re-derivation
    from the same Pod free of changes (no status write on every reconcile).
    """
    after = get_condition(status)
    if before is None or after is None:
        return
    if all(before.get(k, "") == after.get(k, "") for k in ("status", "reason", "message")):
        after["lastTransitionTime"] = before.get("lastTransitionTime")
        others = [c for c in status.get("conditions") or [] if c.get("type") != SUCCEEDED]
        status["conditions"] = [*others, after]


def mark_running(status: dict[str, Any], reason: str, message: str, now: datetime) -> None:
    set_condition(status, "Unknown", reason, message, now)


def mark_failed(status: dict[str, Any], reason: str, message: str, now: datetime) -> None:
    set_condition(status, "False", reason, message, now)


def mark_succeeded(status: dict[str, Any], now: datetime) -> None:
    set_condition(status, "True", r.SUCCEEDED, r.MSG_SUCCEEDED, now)


def initialize(status: dict[str, Any], now: datetime) -> None:
    """First sight of a TaskRun: ``startTime`` and an Unknown ``Started`` condition."""
    if not status.get("startTime"):
        status["startTime"] = format_time(now)
    if get_condition(status) is None:
        set_condition(status, "Unknown", r.STARTED, "", now)
