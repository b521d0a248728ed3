"""eventually(): polls sync or async predicates until truthy, with a useful failure message."""

from __future__ import annotations

import asyncio

import pytest

from tekpy.testing import eventually


async def test_returns_the_first_truthy_value_of_a_sync_predicate() -> None:
    calls = []

    def pred() -> int:
        calls.append(1)
        return len(calls) if len(calls) >= 3 else 0

    assert await eventually(pred, timeout=5, interval=0.001) == 3


async def test_awaits_async_predicates() -> None:
    ready = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, ready.set)

    async def pred() -> str | None:
        return "done" if ready.is_set() else None

    assert await eventually(pred, timeout=5) == "done"


async def test_assertion_errors_mean_not_yet() -> None:
    state = {"n": 0}

    def pred() -> bool:
        state["n"] += 1
        assert state["n"] > 2, "still warming up"
        return True

    assert await eventually(pred, timeout=5, interval=0.001) is True


async def test_failure_names_the_condition_and_last_value() -> None:
    with pytest.raises(AssertionError) as info:
        await eventually(lambda: [], timeout=0.05, interval=0.01, message="queue drained")
    text = str(info.value)
    assert text.startswith("queue drained: condition ")
    assert "lambda" in text and "not met within 0.05s" in text
    assert "last value: []" in text


async def test_failure_reports_the_last_assertion() -> None:
    def pred() -> bool:
        raise AssertionError("x is 3, wanted 4")

    with pytest.raises(AssertionError, match="last assertion: x is 3, wanted 4"):
        await eventually(pred, timeout=0.03, interval=0.01)


async def test_other_exceptions_propagate_at_once() -> None:
    def pred() -> bool:
        raise KeyError("boom")

    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(KeyError):
        await eventually(pred, timeout=5)
    assert loop.time() - t0 < 1
