"""Kubernetes Events for a TaskRun's condition changes (Tekton's ``EmitK8sEvents``).

- first condition (none before): ``Normal Started``;
- then, when the condition changed: ``True`` -> ``Normal Succeeded``, ``False`` ->
  ``Warning Failed``, ``Unknown`` -> ``Normal <reason>`` (``Pending``, ``Running``, ...),
  each with the condition's message.
"""

from __future__ import annotations

from typing import Any

__all__ = ["condition_events", "emit_condition_events"]

NORMAL = "Normal"
WARNING = "Warning"
STARTED = "Started"


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    keys = ("status", "reason", "message")
    return a is not None and b is not None and all(a.get(k) == b.get(k) for k in keys)


def condition_events(before: dict[str, Any] | None, after: dict[str, Any] | None
                     ) -> list[tuple[str, str, str]]:
    """``(type, reason, message)`` of the events a condition change produces."""
    if after is None:
        return []
    out: list[tuple[str, str, str]] = []
    base = before
    if before is None:
        out.append((NORMAL, STARTED, ""))
        base = {"status": "Unknown", "reason": STARTED}
    if _same(base, after):
        return out
    value = after.get("status")
    message = str(after.get("message") or "")
    if value == "True":
        out.append((NORMAL, "Succeeded", message))
    elif value == "False":
        out.append((WARNING, "Failed", message))
    elif after.get("reason") and after.get("reason") != STARTED:
        out.append((NORMAL, str(after["reason"]), message))
    return out


def emit_condition_events(recorder: Any, obj: dict[str, Any], before: dict[str, Any] | None,
                          after: dict[str, Any] | None) -> None:
    """Record the events of a condition change about ``obj`` (never raises)."""
    for kind, reason, message in condition_events(before, after):
        try:
            recorder.event(obj, kind, reason, message)
        except Exception:  # events are best effort; a reconcile must not fail on them
            pass
