"""Running a server command until SIGTERM or SIGINT (``tekpy apiserver``, ``tekpy webhook``)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Startable", "serve_until_stopped"]


class Startable(Protocol):
    async def start(self) -> Any: ...

    async def close(self) -> Any: ...


async def serve_until_stopped(server: Startable, ready: Callable[[], None]) -> int:
    """Start ``server``, call ``ready()`` once it serves, wait for SIGTERM/SIGINT, close it;
    returns the exit status (0)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    ready()
    try:
        await stop.wait()
    finally:
        await server.close()
    return 0
