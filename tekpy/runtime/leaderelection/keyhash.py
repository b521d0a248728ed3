"""Which bucket a key belongs to: Knative's consistent choice (``knative.dev/pkg/hash``).

For a key ``k`` (``namespace/name``) and bucket names ``b1..bn``, every bucket gets a slot
``FNV-1a-64(b + k) mod 2048`` on a ring of 2048 slots, the key gets the start slot
``FNV-1a-64(k + "start-angle-salt") mod 2048``, and the key's bucket is the one on the
first slot at or after the start, wrapping around. Each key thus has its own ring, so the
choice is a rendezvous-style hash: identical in every process (no per-process seed), and
adding a bucket moves only keys that go to the new bucket.

Two buckets landing on the same slot for one key (probability about ``n^2 / 4096``) is
resolved as Knative does - the later bucket is re-hashed with the hex digest appended until
its slot is free - visiting buckets in sorted name order (Knative visits them in its set's
order). The mapping equals Knative's for the same bucket names and key (checked against the
vectors of Knative's own tests).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["KeyHasher", "fnv1a64", "namespaced_key"]

_OFFSET = 0xCBF29CE484222325
_PRIME = 0x100000001B3
_MASK = 0xFFFFFFFFFFFFFFFF
_UNIVERSE = 1 << 11
_START_SALT = b"start-angle-salt"


def fnv1a64(data: bytes, state: int = _OFFSET) -> int:
    """FNV-1a, 64 bit, of ``data``; ``state`` continues a hash of a prefix."""
    h = state
    for byte in data:
        h = ((h ^ byte) * _PRIME) & _MASK
    return h


def namespaced_key(key: object) -> str:
    """``namespace/name`` as Knative's ``types.NamespacedName.String()`` spells it.

    Takes a Request-like object (``namespace`` and ``name``) or a cache key string;
    a cluster-scoped object's key is ``/name`` (an empty namespace, then the separator).
    """
    namespace = getattr(key, "namespace", None)
    name = getattr(key, "name", None)
    if isinstance(namespace, str) and isinstance(name, str):
        return f"{namespace}/{name}"
    text = str(key)
    return text if "/" in text else f"/{text}"


class KeyHasher:
    """Chooses the bucket of a key among ``names`` (see the module docstring)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(sorted(set(names)))
        if not self.names:
            raise ValueError("at least one bucket name is needed")
        # FNV is streaming: hash each bucket name once, continue with the key per lookup.
        self._prefix = [(n, n.encode(), fnv1a64(n.encode())) for n in self.names]

    def bucket_of(self, key: str) -> str:
        """The bucket of ``key`` (already in ``namespace/name`` form)."""
        if len(self.names) == 1:
            return self.names[0]
        k = key.encode()
        start = fnv1a64(_START_SALT, fnv1a64(k)) % _UNIVERSE
        slots: dict[int, str] = {}
        for name, raw, state in self._prefix:
            h = fnv1a64(k, state)
            slot = h % _UNIVERSE
            if slot in slots:
                buf = raw + k
                while slot in slots:
                    buf += format(h, "x").encode()
                    h = fnv1a64(buf)
                    slot = h % _UNIVERSE
            slots[slot] = name
        at_or_after = [s for s in slots if s >= start]
        return slots[min(at_or_after) if at_or_after else min(slots)]
