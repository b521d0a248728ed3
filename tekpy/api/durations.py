"""Go ``time.Duration`` text: parsing (``1h30m``, ``90s``, ``-1.5h``) and Go's ``String()`` form.

Tekton timeouts are ``metav1.Duration`` values; their messages print durations the way Go does
(``1h0m0s``), so validation needs both directions.
"""

from __future__ import annotations

import re

__all__ = ["DurationError", "format_duration", "parse_duration"]

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(ValueError):
    """Raised for text that is not a Go duration."""


def parse_duration(text: str) -> float:
    """Parse Go duration text into seconds (float); ``"0"`` is zero."""
    s = text.strip()
    if not s:
        raise DurationError(f'time: invalid duration "{text}"')
    sign = 1
    if s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return 0.0
    pos = 0
    total_ns = 0.0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m:
            raise DurationError(f'time: invalid duration "{text}"')
        total_ns += float(m.group(1)) * _UNITS_NS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise DurationError(f'time: invalid duration "{text}"')
    return sign * total_ns / 1e9


def format_duration(seconds: float) -> str:
    """Format seconds like Go's ``Duration.String()`` (``1h0m0s``, ``1.5s``, ``0s``, ``500ms``)."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    neg = ns < 0
    ns = abs(ns)
    if ns < 1_000_000_000:
        # sub-second values use the largest unit that keeps an integer part
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                text = _frac(ns, size) + unit
                break
    else:
        h, rem = divmod(ns, 3_600_000_000_000)
        m, rem = divmod(rem, 60_000_000_000)
        text = _frac(rem, 1_000_000_000) + "s"
        if h or m:
            text = f"{m}m" + text
        if h:
            text = f"{h}h" + text
    return ("-" if neg else "") + text


def _frac(value: int, unit: int) -> str:
    whole, rest = divmod(value, unit)
    if not rest:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}." + f"{rest:0{digits}d}".rstrip("0")
