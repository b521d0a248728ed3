"""The error all selector parsing raises."""

from __future__ import annotations

__all__ = ["SelectorError"]


class SelectorError(ValueError):
    """A label or field selector that kube would reject; ``str()`` is kube's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
