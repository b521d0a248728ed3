"""The reflector's backoff: exponential with jitter, reset after a healthy stretch."""

from __future__ import annotations

import random
from collections.abc import Callable

from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = ["Backoff"]


class Backoff:
    """client-go's reflector backoff (``wait.Backoff.DelayWithReset``).

    Delays start at ``initial`` and double up to ``cap``; each delay d is jittered uniformly
    into ``[d, d * (1 + jitter)]`` (so at the cap, 30-60 s: about 0.02 QPS per reflector
    while the API server is down). If no delay was asked for during ``reset_after`` seconds,
    the component was healthy and the next delay starts again at ``initial``.
    """

    def __init__(
        self,
        initial: float = 0.8,
        cap: float = 30.0,
        factor: float = 2.0,
        jitter: float = 1.0,
        reset_after: float = 120.0,
        *,
        clock: Clock = REAL_CLOCK,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.initial, self.cap, self.factor, self.jitter = initial, cap, factor, jitter
        self.reset_after = reset_after
        self._clock = clock
        self._rand = rand
        self._next = initial
        self._last: float | None = None

    def next(self) -> float:
        """The next delay in seconds."""
        now = self._clock.monotonic()
        if self._last is not None and now - self._last > self.reset_after:
            self._next = self.initial
        self._last = now
        d = self._next
        self._next = min(self.cap, d * self.factor)
        return d + self._rand() * self.jitter * d

    def reset(self) -> None:
        """Start again from ``initial``."""
        self._next = self.initial
        self._last = None
