"""Work queues and rate limiters with client-go's semantics.

* :class:`Queue`: FIFO, deduplicating; an item is never handed to two workers at once, and
  adds during processing collapse into one re-run after :meth:`Queue.done`.
* :class:`DelayingQueue`: adds :meth:`~DelayingQueue.add_after` (earliest ready time wins).
* :class:`RateLimitingQueue`: adds :meth:`~RateLimitingQueue.add_rate_limited`,
  :meth:`~RateLimitingQueue.forget` and :meth:`~RateLimitingQueue.num_requeues`.
* Rate limiters: :class:`ItemExponentialFailureRateLimiter`, :class:`BucketRateLimiter`,
  :class:`ItemFastSlowRateLimiter`, :class:`MaxOfRateLimiter`,
  :class:`WithMaxWaitRateLimiter`, :func:`default_controller_rate_limiter`.
* :class:`ShutDown`: raised by ``get()`` once a shut-down queue is empty.

Time-dependent pieces take ``clock=`` (:mod:`tekpy.runtime.clock`). Named queues export the
``workqueue_*`` metrics (:mod:`tekpy.runtime.metrics.workqueue`).
"""

from tekpy.runtime.workqueue.delaying import DelayingQueue
from tekpy.runtime.workqueue.queue import Queue, ShutDown
from tekpy.runtime.workqueue.ratelimiters import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    WithMaxWaitRateLimiter,
    default_controller_rate_limiter,
)
from tekpy.runtime.workqueue.ratelimiting import RateLimitingQueue

__all__ = [
    "BucketRateLimiter",
    "DelayingQueue",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "Queue",
    "RateLimiter",
    "RateLimitingQueue",
    "ShutDown",
    "WithMaxWaitRateLimiter",
    "default_controller_rate_limiter",
]
