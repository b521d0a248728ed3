"""Resource quantities (``100m``, ``1Gi``) as kube-apiserver parses and writes them back.

kube stores a quantity as a number and prints it in a canonical form when it encodes an
object: ``0.5`` comes back as ``500m``, ``2000`` as ``2k``, ``1.5Gi`` as ``1536Mi``. Its
defaulting of container resources also rounds values up to millis. ``canonical`` reproduces
both; a string that is not a quantity is returned unchanged (validation reports it).
"""

from __future__ import annotations

import re
from decimal import ROUND_UP, Decimal, localcontext
from functools import lru_cache

__all__ = ["canonical", "parse"]

_QUANTITY = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*(?:[+-]?\d+)?)")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_BINARY_SUFFIX = {0: "", **{v: k for k, v in _BINARY.items()}}
_EXPONENT = re.compile(r"[eE]([+-]?\d+)")
_MAX = Decimal(2**63 - 1)


def parse(text: str) -> tuple[Decimal, str, bool] | None:
    """The value of a quantity, its format (``BinarySI``, ``DecimalSI`` or
    ``DecimalExponent``) and whether kube keeps the text as written (it does when the text
    is already in a canonical shape), or None when ``text`` is not a quantity."""
    m = _QUANTITY.fullmatch(text)
    if m is None or text in ("", "+", "-"):
        return None
    sign, num, denom, suffix = m.group(1), m.group(2).lstrip("0") or "0", m.group(3) or "", \
        m.group(4)
    if suffix in _BINARY:
        fmt, exponent = "BinarySI", _BINARY[suffix]
    elif suffix in _DECIMAL:
        fmt, exponent = "DecimalSI", _DECIMAL[suffix]
    elif (e := _EXPONENT.fullmatch(suffix)) is not None:
        fmt, exponent = "DecimalExponent", int(e.group(1))
    else:
        return None
    digits = Decimal(f"{sign}{num}.{denom or '0'}")
    value = digits * 2**exponent if fmt == "BinarySI" else digits.scaleb(exponent)
    shifted = num + denom
    if fmt == "BinarySI" and value > _MAX:
        return _MAX, fmt, False  # kube caps binary quantities at the largest int64
    if fmt == "BinarySI":
        kept = not denom and 15 - len(num) - exponent * 3 // 10 - 1 >= 0 and int(num) & 7 != 0
    else:
        scale = exponent - len(denom)
        kept = (18 - len(shifted) >= 0 and scale >= -9 and scale % 3 == 0
                and not shifted.endswith("000") and shifted[0] != "0")
    return value, fmt, kept


def _decimal(value: Decimal, fmt: str) -> str:
    """Mantissa and a power-of-ten suffix whose exponent is a multiple of three."""
    sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    mantissa = int("".join(map(str, digits)))
    shift = exponent % 3  # lower the exponent to a multiple of 3 (Python's % is >= 0)
    mantissa, exponent = mantissa * 10**shift, exponent - shift
    if fmt == "DecimalSI" and exponent in _DECIMAL_SUFFIX:
        suffix = _DECIMAL_SUFFIX[exponent]
    else:
        suffix = f"e{exponent}" if exponent else ""
    return f"{'-' if sign else ''}{mantissa}{suffix}"


def _format(value: Decimal, fmt: str) -> str:
    if value == 0:
        return "0"
    if fmt == "BinarySI":
        if -1024 < value < 1024 or value != value.to_integral_value():
            return _decimal(value, "DecimalSI")
        number, power = int(value), 0
        while power < 60 and number % 1024 == 0:
            number //= 1024
            power += 10
        return f"{number}{_BINARY_SUFFIX[power]}"
    return _decimal(value, fmt)


@lru_cache(maxsize=1024)
def canonical(text: str, round_to_milli: bool = False) -> str:
    """``text`` as kube writes the quantity back (rounded up to millis with
    ``round_to_milli``, as kube's defaulting of resource lists does)."""
    if text == "0":
        return text
    with localcontext() as ctx:
        ctx.prec = 80
        parsed = parse(text)
        if parsed is None:
            return text
        value, fmt, kept = parsed
        nanos = value.quantize(_NANO, rounding=ROUND_UP)
        if kept and nanos == value and not (round_to_milli and value != _milli(value)):
            return text
        value = _milli(nanos) if round_to_milli else nanos
        return _format(value, fmt)


_NANO, _MILLI = Decimal("1e-9"), Decimal("0.001")


def _milli(value: Decimal) -> Decimal:
    return value.quantize(_MILLI, rounding=ROUND_UP)
