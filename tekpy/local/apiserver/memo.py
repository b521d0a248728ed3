"""Results of pure functions of JSON values, remembered by the value's encoding.

A controller creates many objects whose bodies repeat: the Pods of one Task have the same
spec, only their metadata differs. Validating such a spec, or finding the fields its writer
owns, gives the same answer each time, and its key (one ``orjson.dumps``, a scan and a
hash: about a microsecond and a half for a Pod's spec) is several times cheaper than those
walks. Two JSON values with the same encoding are equal with the same key order and the
same types (``1`` and ``1.0`` and ``true`` encode differently), so a function that only
reads its argument gives the same result for both: a memo keyed by the encoding is never
stale. (Decoding a remembered result instead of computing it is not cheaper: defaulting a
Pod's spec costs about what decoding the defaulted spec does.)
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

import orjson

__all__ = ["Key", "Memo"]

T = TypeVar("T")
Key = tuple[Hashable, bytes]


class Memo(Generic[T]):
    """A bounded map from encoded values to results (cleared when full).

    Values encoding to more than ``max_key`` bytes are not remembered: the memory a key
    holds stays small, and large values are rare enough not to repeat. A key costs an
    encoding and a miss a copy of it, for nothing when values do not repeat (Pods whose
    specs carry their run's parameters): after ``_GIVE_UP`` misses in a row the memo keys
    only one value in ``_PROBE`` (the others are computed, as without a memo) until a hit.
    ``nulls=False`` is for values that cannot hold a float (field sets), which need no
    scan for the ``null`` a NaN encodes as."""

    __slots__ = ("_entries", "_misses", "_skip", "max_entries", "max_key", "nulls")

    def __init__(self, max_entries: int = 1024, max_key: int = 16384, *,
                 nulls: bool = True) -> None:
        self._entries: dict[Key, T] = {}
        self.max_entries = max_entries
        self.max_key = max_key
        self.nulls = nulls
        self._misses = 0  # in a row
        self._skip = 0  # values left unkeyed before the next probe

    def key(self, value: Any, tag: Hashable = None) -> Key | None:
        """The key of ``value`` (and ``tag``: what else the result depends on, e.g. a type),
        or None when it is not to be remembered (too large, not encodable as JSON, or the
        memo is missing every time)."""
        if self._skip:
            self._skip -= 1
            return None
        try:
            raw = orjson.dumps(value)
        except TypeError:
            return None
        if len(raw) > self.max_key or (self.nulls and b"null" in raw):
            # NaN and infinities (from YAML) encode as null too: values with a null (or the
            # word in a string: one scan) are not remembered, so equal keys mean equal values
            return None
        return (tag, raw)

    def get(self, key: Key | None) -> T | None:
        if key is None:
            return None
        hit = self._entries.get(key)
        if hit is None:
            self._misses += 1
            if self._misses >= _GIVE_UP:
                self._skip = _PROBE - 1
                self._misses = _GIVE_UP - 1  # one more miss after the pause: pause again
        else:
            self._misses = 0
        return hit

    def clear(self) -> None:
        """Forget every result, and key every value again."""
        self._entries.clear()
        self._misses = self._skip = 0

    def put(self, key: Key | None, result: T) -> None:
        if key is None:
            return
        entries = self._entries
        if len(entries) >= self.max_entries:
            entries.clear()
        tag, raw = key
        # orjson's bytes keep its output buffer's capacity: keep a copy of exact size
        entries[(tag, bytes(memoryview(raw)))] = result


_GIVE_UP = 8
_PROBE = 64
