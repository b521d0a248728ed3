"""The text Go gives for JSON values and syntax errors, for kube-compatible messages.

kube-apiserver decodes bodies, patches and continue tokens with Go's JSON decoder, and
clients see its error text (``invalid character 'n' looking for beginning of object key
string``). Python's decoders word their errors differently, so when a body fails to decode
this module scans it again the way Go's scanner does and names the first offending byte.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["duplicate_fields", "go_value", "syntax_error"]

_SPACE = b" \t\r\n"
_DIGITS = b"0123456789"
_ESCAPES = b'bfnrt\\/"'
_HEX = b"0123456789abcdefABCDEF"
_NAMED = {0x07: "\\a", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t",
          0x0B: "\\v", 0x5C: "\\\\"}


def _quote(c: int) -> str:
    """A byte as Go's ``quoteChar`` prints it (``strconv.Quote`` of the rune, in ')."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    if c in _NAMED:
        return f"'{_NAMED[c]}'"
    if c < 0x20 or c == 0x7F:
        return f"'\\x{c:02x}'"
    if 0x80 <= c <= 0xA0 or c == 0xAD:  # not printable as Go's strconv.IsPrint sees it
        return f"'\\u{c:04x}'"
    return f"'{chr(c)}'"


class _Error(Exception):
    pass


def _bad(c: int, context: str) -> _Error:
    return _Error(f"invalid character {_quote(c)} {context}")


class _Scanner:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.i = 0

    def peek(self) -> int | None:
        return self.data[self.i] if self.i < len(self.data) else None

    def next(self, eof_as_space: bool = False) -> int:
        c = self.peek()
        if c is None:
            # Go's scanner feeds one space at the end of input: inside a number, literal or
            # escape that space is the offending character
            if eof_as_space and self.i == len(self.data):
                self.i += 1
                return 0x20
            raise _Error("unexpected end of JSON input")
        self.i += 1
        return c

    def skip_space(self) -> None:
        while self.i < len(self.data) and self.data[self.i] in _SPACE:
            self.i += 1

    def value(self) -> None:
        self.skip_space()
        c = self.next()
        if c == 0x7B:  # {
            self.obj()
        elif c == 0x5B:  # [
            self.arr()
        elif c == 0x22:
            self.string()
        elif c == 0x2D or c in _DIGITS:
            self.number(c)
        elif c in b"tfn":
            word = {0x74: b"true", 0x66: b"false", 0x6E: b"null"}[c]
            for want in word[1:]:
                got = self.next(True)
                if got != want:
                    raise _bad(got, f"in literal {word.decode()} (expecting {_quote(want)})")
        else:
            raise _bad(c, "looking for beginning of value")

    def obj(self) -> None:
        self.skip_space()
        if self.peek() == 0x7D:
            self.i += 1
            return
        while True:
            self.skip_space()
            c = self.next()
            if c != 0x22:
                raise _bad(c, "looking for beginning of object key string")
            self.string()
            self.skip_space()
            c = self.next()
            if c != 0x3A:
                raise _bad(c, "after object key")
            self.value()
            self.skip_space()
            c = self.next()
            if c == 0x7D:
                return
            if c != 0x2C:
                raise _bad(c, "after object key:value pair")

    def arr(self) -> None:
        self.skip_space()
        if self.peek() == 0x5D:
            self.i += 1
            return
        while True:
            self.value()
            self.skip_space()
            c = self.next()
            if c == 0x5D:
                return
            if c != 0x2C:
                raise _bad(c, "after array element")

    def string(self) -> None:
        while True:
            c = self.next()
            if c == 0x22:
                return
            if c == 0x5C:
                e = self.next(True)
                if e == 0x75:  # \uXXXX
                    for _ in range(4):
                        h = self.next(True)
                        if h not in _HEX:
                            raise _bad(h, "in \\u hexadecimal character escape")
                elif e not in _ESCAPES:
                    raise _bad(e, "in string escape code")
            elif c < 0x20:
                raise _bad(c, "in string literal")

    def number(self, first: int) -> None:
        c = first
        if c == 0x2D:
            c = self.next(True)
            if c not in _DIGITS:
                raise _bad(c, "in numeric literal")
        if c != 0x30:
            while self.peek() is not None and self.peek() in _DIGITS:  # type: ignore[operator]
                self.i += 1
        if self.peek() == 0x2E:
            self.i += 1
            c = self.next(True)
            if c not in _DIGITS:
                raise _bad(c, "after decimal point in numeric literal")
            while self.peek() is not None and self.peek() in _DIGITS:  # type: ignore[operator]
                self.i += 1
        if self.peek() in (0x65, 0x45):
            self.i += 1
            c = self.next(True)
            if c in (0x2B, 0x2D):
                c = self.next(True)
            if c not in _DIGITS:
                raise _bad(c, "in exponent of numeric literal")
            while self.peek() is not None and self.peek() in _DIGITS:  # type: ignore[operator]
                self.i += 1


def syntax_error(data: bytes) -> str | None:
    """Go's error text for ``data`` if it is not valid JSON, else ``None``."""
    s = _Scanner(data)
    try:
        s.value()
        s.skip_space()
        c = s.peek()
        if c is not None:
            raise _bad(c, "after top-level value")
    except _Error as exc:
        return str(exc)
    return None


def duplicate_fields(data: bytes) -> list[str]:
    """Dotted paths of keys that appear twice in one JSON object of ``data``.

    kube's strict decoder reports them (``duplicate field "data"``); Python's decoders keep
    the last value silently. Slower than ``orjson``: only used when a request asks for
    strict or warning field validation.
    """
    dups: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        seen: list[str] = []
        for k, v in items:
            if k in d and k not in seen:
                seen.append(k)
            d[k] = v
        if seen:
            dups[id(d)] = seen  # the dict lives in the result, so its id stays unique
        return d

    try:
        doc = json.loads(data, object_pairs_hook=pairs)
    except ValueError:
        return []
    if not dups:
        return []
    out: list[str] = []

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            out.extend(prefix + k for k in dups.get(id(value), ()))
            for k, v in value.items():
                walk(v, f"{prefix}{k}.")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{prefix[:-1]}[{i}].")

    walk(doc, "")
    return out


def go_value(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value (maps print sorted, as ``fmt`` does), as kube's
    error messages quote patches and objects."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
