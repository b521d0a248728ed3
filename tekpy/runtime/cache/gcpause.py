"""Pausing the cyclic garbage collector while a (re)list is decoded and cached.

A list of 10,000 Pods decodes into about a million dicts, lists and strings. Each 700 new
container objects trigger a young collection, and every tenth of those an older one, so
decoding the list costs many collections whose scans grow with the objects already decoded:
half of the list's time with the collector on. JSON documents hold no reference cycles, so
those scans find nothing: the informer pauses the collector while it lists and fills its
cache, and resumes it afterwards (reference counting still frees everything meanwhile).

The pause is process-wide: cyclic garbage made by other tasks during a list is collected
after it, not during it (a list takes seconds at most). Pauses nest and overlap across
informers: the collector resumes when the last one ends, and only if it was enabled.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic GC for the duration of the block (nesting-safe)."""
    global _depth, _was_enabled
    if _depth == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _was_enabled:
            gc.enable()
