"""Rate limiters: how long to wait before an item is retried.

The rules are client-go's (``util/workqueue/default_rate_limiters.go``); delays are seconds.

* :class:`ItemExponentialFailureRateLimiter`: ``base * 2**failures`` per item, capped.
* :class:`BucketRateLimiter`: one token bucket shared by all items (overall retry rate), with
  the reservation semantics of ``golang.org/x/time/rate``: every call takes a token, possibly
  one that will only exist in the future, and returns how long to wait for it.
* :class:`ItemFastSlowRateLimiter`: a short delay for the first attempts, then a long one.
* :class:`MaxOfRateLimiter`: the largest delay of several limiters.
* :class:`WithMaxWaitRateLimiter`: caps another limiter's delay.
* :func:`default_controller_rate_limiter`: max-of(exponential 5 ms..1000 s, bucket 10/s
  burst 100), the controller default.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Protocol

from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = [
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "WithMaxWaitRateLimiter",
    "default_controller_rate_limiter",
]


class RateLimiter(Protocol):
    """Decides the delay before each retry of an item."""

    def when(self, item: Hashable) -> float:
        """Record a failure of ``item`` and return the seconds to wait before retrying it."""
        ...

    def forget(self, item: Hashable) -> None:
        """Stop tracking ``item`` (it succeeded): its next failure starts from scratch."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """How many times ``item`` has failed since it was last forgotten."""
        ...


class ItemExponentialFailureRateLimiter:
    """``base_delay * 2**n`` for an item's n-th consecutive failure, at most ``max_delay``."""

    def __init__(self, base_delay: float = 0.005, max_delay: float = 1000.0) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        exp = self._failures.get(item, 0)
        self._failures[item] = exp + 1
        try:
            backoff = math.ldexp(self.base_delay, exp)
        except OverflowError:
            return self.max_delay
        return min(backoff, self.max_delay)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)


class BucketRateLimiter:
    """A token bucket of ``burst`` tokens refilled at ``rate`` tokens per second.

    It starts full. Each :meth:`when` reserves one token: if the bucket is empty the token
    is borrowed from the future (the count goes negative) and the delay until it would be
    refilled is returned, so callers are spread out at ``rate`` per second.
    """

    def __init__(self, rate: float = 10.0, burst: int = 100, *, clock: Clock = REAL_CLOCK) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._last: float | None = None

    def when(self, item: Hashable) -> float:
        now = self.clock.monotonic()
        last = now if self._last is None or self._last > now else self._last
        tokens = min(self._tokens + (now - last) * self.rate, float(self.burst)) - 1.0
        self._tokens = tokens
        self._last = now
        return -tokens / self.rate if tokens < 0 else 0.0

    @property
    def tokens(self) -> float:
        """Tokens in the bucket now (negative when reservations are outstanding)."""
        now = self.clock.monotonic()
        last = now if self._last is None else self._last
        return min(self._tokens + (now - last) * self.rate, float(self.burst))

    def num_requeues(self, item: Hashable) -> int:
        return 0

    def forget(self, item: Hashable) -> None:
        return None


class ItemFastSlowRateLimiter:
    """``fast_delay`` for an item's first ``max_fast_attempts`` failures, then ``slow_delay``."""

    def __init__(self, fast_delay: float, slow_delay: float, max_fast_attempts: int) -> None:
        self.fast_delay = fast_delay
        self.slow_delay = slow_delay
        self.max_fast_attempts = max_fast_attempts
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        failures = self._failures.get(item, 0) + 1
        self._failures[item] = failures
        return self.fast_delay if failures <= self.max_fast_attempts else self.slow_delay

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)


class MaxOfRateLimiter:
    """The longest delay of several limiters (every limiter records every failure)."""

    def __init__(self, *limiters: RateLimiter) -> None:
        self.limiters = limiters

    def when(self, item: Hashable) -> float:
        # Every limiter must see the failure (the bucket takes a token), so no short-circuit.
        return max((limiter.when(item) for limiter in self.limiters), default=0.0)

    def num_requeues(self, item: Hashable) -> int:
        return max((limiter.num_requeues(item) for limiter in self.limiters), default=0)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)


class WithMaxWaitRateLimiter:
    """Another limiter's delay, capped at ``max_delay``."""

    def __init__(self, limiter: RateLimiter, max_delay: float) -> None:
        self.limiter = limiter
        self.max_delay = max_delay

    def when(self, item: Hashable) -> float:
        return min(self.limiter.when(item), self.max_delay)

    def num_requeues(self, item: Hashable) -> int:
        return self.limiter.num_requeues(item)

    def forget(self, item: Hashable) -> None:
        self.limiter.forget(item)


def default_controller_rate_limiter(*, clock: Clock = REAL_CLOCK) -> MaxOfRateLimiter:
    """Per-item exponential backoff (5 ms doubling to 1000 s) combined with an overall
    token bucket (10 retries per second, burst 100), as client-go's controller default."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0),
        BucketRateLimiter(10.0, 100, clock=clock),
    )
