"""The reflector pauses the cyclic GC while it lists, and only then (also after a failure)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from cache_fakes import FakeListerWatcher, wait_for

from tekpy.runtime.cache import Reflector, Store
from tekpy.runtime.client import ApiError
from tekpy.runtime.clock import FakeClock


class RecordingLW(FakeListerWatcher):
    """Records whether the collector was enabled while each page was listed."""

    def __init__(self) -> None:
        super().__init__()
        self.gc_during_list: list[bool] = []

    async def list(self, **kw: Any) -> dict[str, Any]:
        self.gc_during_list.append(gc.isenabled())
        return await super().list(**kw)


async def test_gc_is_paused_during_lists_and_resumed_for_the_watch() -> None:
    lw, store, clock = RecordingLW(), Store(), FakeClock()
    lw.put("a", emit=False)
    lw.list_errors.append(ApiError.from_status({"code": 500, "message": "boom"}))
    r = Reflector(lw, store, clock=clock, name="pods")
    task = asyncio.create_task(r.run())
    try:
        await wait_for(lambda: len(lw.gc_during_list) == 1)
        # The failed list must not leave the collector off while the reflector backs off.
        await wait_for(lambda: gc.isenabled())
        await clock.advance(60)
        await wait_for(lambda: lw.open_watches == 1)
        assert lw.gc_during_list == [False, False]
        assert gc.isenabled()  # on again while watching
        assert [o["metadata"]["name"] for o in store.list()] == ["a"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert gc.isenabled()
