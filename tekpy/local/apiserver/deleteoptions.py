"""``DeleteOptions``: how a delete request asks to be carried out."""

from __future__ import annotations

from typing import Any

from . import errors

__all__ = ["DeleteOptions"]


class DeleteOptions:
    """The parts of ``DeleteOptions`` the server honours."""

    def __init__(self, raw: dict[str, Any] | None = None) -> None:
        raw = raw or {}
        self.propagation: str | None = raw.get("propagationPolicy")
        if self.propagation is None and raw.get("orphanDependents") is not None:
            self.propagation = "Orphan" if raw["orphanDependents"] else "Background"
        grace = raw.get("gracePeriodSeconds")
        self.grace: int | None = int(grace) if grace is not None else None
        pre = raw.get("preconditions") or {}
        self.pre_uid: str | None = pre.get("uid")
        self.pre_rv: str | None = pre.get("resourceVersion")
        if self.propagation not in (None, "Background", "Foreground", "Orphan"):
            raise errors.options_invalid("DeleteOptions", "propagationPolicy", self.propagation,
                                         ("Foreground", "Background", "Orphan", "nil"))
