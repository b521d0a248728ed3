"""Builders of Pods with statuses for the status-derivation tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T0 = "2026-01-02T03:00:00Z"


def term(code: int = 0, reason: str = "", message: Any = None) -> dict[str, Any]:
    """A ``terminated`` container state; ``message`` may be a list of result entries."""
    t: dict[str, Any] = {"exitCode": code, "startedAt": T0, "finishedAt": "2026-01-02T03:01:00Z"}
    if reason:
        t["reason"] = reason
    if message is not None:
        t["message"] = message if isinstance(message, str) else json.dumps(message)
    return {"terminated": t}


def cs(name: str, state: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "state": state, "imageID": f"docker://{name}@sha256:1", **extra}


def pod(phase: str, containers: list[dict[str, Any]] | None = None,
        inits: list[dict[str, Any]] | None = None, **status: Any) -> dict[str, Any]:
    containers = containers or []
    return {
        "metadata": {"name": "tr-pod"},
        "spec": {"containers": [{"name": c["name"]} for c in containers]},
        "status": {"phase": phase, "containerStatuses": containers,
                   "initContainerStatuses": inits or [], **status},
    }


def taskrun(status: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": "tr", **meta}, "status": status or {}}


def cond(status: dict[str, Any]) -> tuple[str, str, str]:
    (c,) = [c for c in status["conditions"] if c["type"] == "Succeeded"]
    return c["status"], c.get("reason", ""), c.get("message", "")
