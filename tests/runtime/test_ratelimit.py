"""Rate limiters: client-go's delays, with a fake clock for the token bucket."""

from __future__ import annotations

import pytest

from tekpy.runtime.clock import FakeClock
from tekpy.runtime.workqueue import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    WithMaxWaitRateLimiter,
    default_controller_rate_limiter,
)


def test_exponential_doubles_from_base_per_item() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.001, 1.0)
    assert [limiter.when("a") for _ in range(5)] == pytest.approx(
        [0.001, 0.002, 0.004, 0.008, 0.016]
    )
    assert limiter.num_requeues("a") == 5
    # Another item has its own history.
    assert limiter.when("b") == pytest.approx(0.001)
    assert limiter.num_requeues("b") == 1


def test_exponential_is_capped_at_max_delay_even_after_many_failures() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    delays = [limiter.when("a") for _ in range(2000)]  # 2**2000 would overflow a float
    assert delays[0] == pytest.approx(0.005)
    assert delays[17] == pytest.approx(655.36)  # 5 ms * 2**17
    assert delays[18] == 1000.0
    assert delays[-1] == 1000.0


def test_exponential_forget_resets() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.001, 1.0)
    limiter.when("a")
    limiter.when("a")
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == pytest.approx(0.001)


def test_bucket_allows_burst_then_spaces_reservations() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(10.0, 100, clock=clock)
    assert [limiter.when(i) for i in range(100)] == [0.0] * 100
    # Bucket empty: each reservation borrows a future token, 0.1 s apart.
    assert [limiter.when(i) for i in range(3)] == pytest.approx([0.1, 0.2, 0.3])
    assert limiter.num_requeues(1) == 0


def test_bucket_refills_over_time_up_to_burst() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(10.0, 5, clock=clock)
    for _ in range(5):
        assert limiter.when("x") == 0.0
    assert limiter.when("x") == pytest.approx(0.1)  # tokens now -1
    clock.step(0.35)  # +3.5 tokens -> 2.5
    assert limiter.when("x") == 0.0
    assert limiter.when("x") == 0.0
    assert limiter.when("x") == pytest.approx(0.05)  # 2.5 - 3 = -0.5 -> 0.05 s
    clock.step(100)  # refill caps at the burst
    assert limiter.tokens == 5
    for _ in range(5):
        assert limiter.when("x") == 0.0
    assert limiter.when("x") > 0


def test_bucket_rejects_useless_parameters() -> None:
    with pytest.raises(ValueError):
        BucketRateLimiter(0, 10)
    with pytest.raises(ValueError):
        BucketRateLimiter(10, 0)


def test_fast_slow_switches_after_max_fast_attempts() -> None:
    limiter = ItemFastSlowRateLimiter(0.005, 10.0, 3)
    assert [limiter.when("a") for _ in range(5)] == [0.005, 0.005, 0.005, 10.0, 10.0]
    assert limiter.num_requeues("a") == 5
    assert limiter.when("b") == 0.005
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 0.005


def test_max_of_takes_the_longest_and_feeds_every_limiter() -> None:
    fast_slow = ItemFastSlowRateLimiter(0.5, 3.0, 2)
    exponential = ItemExponentialFailureRateLimiter(0.1, 100.0)
    limiter = MaxOfRateLimiter(fast_slow, exponential)
    assert [limiter.when("a") for _ in range(6)] == pytest.approx([0.5, 0.5, 3.0, 3.0, 3.0, 3.2])
    assert limiter.num_requeues("a") == 6
    limiter.forget("a")
    assert fast_slow.num_requeues("a") == 0 and exponential.num_requeues("a") == 0


def test_with_max_wait_caps_the_delay() -> None:
    limiter = WithMaxWaitRateLimiter(ItemExponentialFailureRateLimiter(1.0, 1000.0), 3.0)
    assert [limiter.when("a") for _ in range(4)] == [1.0, 2.0, 3.0, 3.0]
    assert limiter.num_requeues("a") == 4
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0


def test_default_controller_limiter_is_exponential_and_bucket() -> None:
    clock = FakeClock()
    limiter = default_controller_rate_limiter(clock=clock)
    # One item failing repeatedly: the per-item exponential dominates.
    assert [limiter.when("a") for _ in range(4)] == pytest.approx([0.005, 0.01, 0.02, 0.04])
    # Many different items failing at once: after a burst of 100 the bucket spaces them.
    delays = [limiter.when(f"item-{i}") for i in range(100)]
    assert delays[:96] == pytest.approx([0.005] * 96)  # 4 tokens went to "a"
    assert delays[96] == pytest.approx(0.1)
    assert delays[99] == pytest.approx(0.4)
