"""Client-side QPS/burst limiting (client-go's token-bucket ``flowcontrol`` limiter).

Off by default: the API server's priority-and-fairness is the real protection, and a
client-side limit mostly adds latency. Turn it on with ``ClientConfig(qps=..., burst=...)``.
"""

from __future__ import annotations

from tekpy.runtime.clock import REAL_CLOCK, Clock

__all__ = ["TokenBucket"]


class TokenBucket:
    """Allows ``qps`` requests per second on average with bursts of up to ``burst``.

    Each :meth:`acquire` reserves the next token and sleeps until it is due, so concurrent
    callers are served in arrival order without a lock (asyncio is single-threaded).
    """

    def __init__(self, qps: float, burst: int, *, clock: Clock = REAL_CLOCK) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("qps must be > 0 and burst >= 1")
        self._qps = qps
        self._burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock.monotonic()

    def _reserve(self) -> float:
        now = self._clock.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._qps)
        self._last = now
        self._tokens -= 1.0
        # A negative balance is a debt that the caller waits out.
        return 0.0 if self._tokens >= 0 else -self._tokens / self._qps

    def try_accept(self) -> bool:
        """Take a token if one is available now, without waiting."""
        now = self._clock.monotonic()
        tokens = min(self._burst, self._tokens + (now - self._last) * self._qps)
        if tokens < 1.0:
            return False
        self._tokens, self._last = tokens - 1.0, now
        return True

    async def acquire(self) -> float:
        """Wait for a token; returns the seconds waited."""
        delay = self._reserve()
        if delay > 0:
            await self._clock.sleep(delay)
        return delay
