"""The error the Pod builder raises for a spec it cannot turn into a Pod."""

from __future__ import annotations

__all__ = ["PodBuildError"]


class PodBuildError(ValueError):
    """The TaskRun cannot become a Pod; ``reason`` is the condition reason to fail it with.

    Tekton ends such a TaskRun with ``TaskRunValidationFailed`` (errors found while building
    the Pod) or ``PodCreationFailed``; the message is the one shown in the condition.
    """

    def __init__(self, message: str, reason: str = "TaskRunValidationFailed") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
