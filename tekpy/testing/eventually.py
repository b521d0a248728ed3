"""``await eventually(predicate)``: wait for a condition with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

__all__ = ["eventually"]

T = TypeVar("T")


def _describe(predicate: Callable[..., Any]) -> str:
    name = getattr(predicate, "__qualname__", None) or repr(predicate)
    try:
        source = inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return name
    first = source.splitlines()[0]
    return f"{name} ({first[:120]})" if "lambda" in first else name


@overload
async def eventually(
    predicate: Callable[[], Awaitable[T]],
    timeout: float = ...,  # noqa: ASYNC109
    interval: float = ...,
    *,
    message: str | None = ...,
) -> T: ...


@overload
async def eventually(
    predicate: Callable[[], T],
    timeout: float = ...,  # noqa: ASYNC109
    interval: float = ...,
    *,
    message: str | None = ...,
) -> T: ...


async def eventually(
    predicate: Callable[[], Any],
    timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline, not a cancel scope
    interval: float = 0.02,
    *,
    message: str | None = None,
) -> Any:
    """Poll ``predicate`` (sync or async) until it returns a truthy value, and return it.

    A predicate may also signal "not yet" by raising ``AssertionError`` (so plain ``assert``
    statements work inside it). Other exceptions propagate at once. After ``timeout``
    seconds (of real time) raise ``AssertionError`` naming the predicate, the number of
    attempts, and its last result or assertion message.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    attempts = 0
    last: Any = None
    last_error: AssertionError | None = None
    started = time.monotonic()
    while True:
        attempts += 1
        try:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
        except AssertionError as exc:
            last_error, last = exc, None
        else:
            last_error = None
            if value:
                return value
            last = value
        if loop.time() >= deadline:
            break
        await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
    detail = f"last assertion: {last_error}" if last_error is not None else f"last value: {last!r}"
    head = f"{message}: " if message else ""
    raise AssertionError(
        f"{head}condition {_describe(predicate)} not met within {timeout:g}s "
        f"({attempts} attempts over {time.monotonic() - started:.2f}s); {detail}"
    )
