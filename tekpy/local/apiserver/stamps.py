"""Identity and time stamps the server gives objects (uids, RFC 3339 timestamps)."""

from __future__ import annotations

import datetime
import os
import time

__all__ = ["new_uid", "now_rfc3339"]

_last_stamp: tuple[int, str] = (0, "")


def now_rfc3339(offset: float = 0.0) -> str:
    """Now (plus ``offset`` seconds) as kube's RFC 3339 second-precision timestamp."""
    global _last_stamp
    second = int(time.time() + offset)
    if _last_stamp[0] != second:  # formatting is costly; most writes share the second
        stamp = datetime.datetime.fromtimestamp(second, datetime.UTC)
        _last_stamp = (second, stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return _last_stamp[1]


def new_uid() -> str:
    """A random (version 4) UUID string, without uuid.UUID's slow constructor."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
