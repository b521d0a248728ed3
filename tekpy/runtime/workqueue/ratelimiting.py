"""The rate-limiting queue: a delaying queue whose retries are spaced by a rate limiter."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

from tekpy.runtime.clock import REAL_CLOCK, Clock
from tekpy.runtime.workqueue.delaying import DelayingQueue
from tekpy.runtime.workqueue.ratelimiters import RateLimiter, default_controller_rate_limiter

__all__ = ["RateLimitingQueue"]

T = TypeVar("T", bound=Hashable)


class RateLimitingQueue(DelayingQueue[T]):
    """A :class:`DelayingQueue` with :meth:`add_rate_limited`, :meth:`forget` and
    :meth:`num_requeues`. ``rate_limiter`` defaults to
    :func:`~tekpy.runtime.workqueue.default_controller_rate_limiter` on ``clock``."""

    def __init__(
        self,
        name: str = "",
        *,
        rate_limiter: RateLimiter | None = None,
        clock: Clock = REAL_CLOCK,
    ) -> None:
        super().__init__(name, clock=clock)
        self.rate_limiter: RateLimiter = rate_limiter or default_controller_rate_limiter(
            clock=clock
        )

    def add_rate_limited(self, item: T) -> None:
        """Add ``item`` after the delay the rate limiter decides for its next retry."""
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        """Reset the limiter's failure history of ``item`` (call when it succeeded). It does
        not remove the item from the queue."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        """How many rate-limited retries ``item`` has had since it was last forgotten."""
        return self.rate_limiter.num_requeues(item)
