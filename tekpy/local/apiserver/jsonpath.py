"""The JSONPath dialect of Kubernetes (``k8s.io/client-go/util/jsonpath``), for printer columns.

Supported: ``.a.b`` (names may escape dots: ``.labels.app\\.kubernetes\\.io/name``),
``['key']``/``["a","b"]``, ``[0]``/``[-1]``, slices ``[1:3]``/``[::2]``, wildcards ``.*``/``[*]``,
recursive descent ``..name``, and filters ``[?(@.type=="Ready")]`` with ``==``, ``!=``,
``<``, ``<=``, ``>``, ``>=`` or bare existence ``[?(@.x)]``. An optional ``{...}`` wrapper and
leading ``$`` are accepted. Missing keys yield no result (kube's ``AllowMissingKeys(true)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

__all__ = ["JsonPath", "JsonPathError", "find", "parse"]


class JsonPathError(ValueError):
    """A JSONPath expression that does not parse."""


@attrs.frozen
class _Field:
    names: tuple[str, ...]


@attrs.frozen
class _Wildcard:
    pass


@attrs.frozen
class _Index:
    index: int


@attrs.frozen
class _Slice:
    start: int | None
    stop: int | None
    step: int | None


@attrs.frozen
class _Recursive:
    step: Any


@attrs.frozen
class _Filter:
    left: tuple[Any, ...]
    op: str | None
    right: Any


_STOP = set(".[]()=!<> ,'\"\t")
_OPS = ("==", "!=", "<=", ">=", "<", ">")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, what: str) -> JsonPathError:
        return JsonPathError(f"{what} at position {self.pos} in {self.text!r}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def steps(self, until: str = "") -> tuple[Any, ...]:
        out: list[Any] = []
        while self.pos < len(self.text) and self.peek() not in until:
            if self.peek(2) == "..":
                self.pos += 2
                out.append(_Recursive(self.bracket() if self.peek() == "[" else self.dotted()))
            elif self.peek() == ".":
                self.pos += 1
                if self.pos >= len(self.text) or self.peek() in until:
                    break  # a lone "." means the current object
                out.append(self.bracket() if self.peek() == "[" else self.dotted())
            elif self.peek() == "[":
                out.append(self.bracket())
            elif self.peek() in " \t" and until:
                break
            else:
                raise self.error(f"unexpected {self.peek()!r}")
        return tuple(out)

    def dotted(self) -> Any:
        if self.peek() == "*":
            self.pos += 1
            return _Wildcard()
        name = self.name()
        if not name:
            raise self.error("expected a field name")
        return _Field((name,))

    def name(self) -> str:
        chars: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if ch in _STOP:
                break
            chars.append(ch)
            self.pos += 1
        return "".join(chars)

    def quoted(self) -> str:
        quote = self.peek()
        self.pos += 1
        end = self.text.find(quote, self.pos)
        if end < 0:
            raise self.error("unterminated string")
        value = self.text[self.pos : end]
        self.pos = end + 1
        return value

    def number(self) -> int | None:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        while self.peek().isdigit():
            self.pos += 1
        digits = self.text[start : self.pos]
        if digits in ("", "-"):
            self.pos = start
            return None
        return int(digits)

    def expect(self, token: str) -> None:
        self.skip_ws()
        if not self.text.startswith(token, self.pos):
            raise self.error(f"expected {token!r}")
        self.pos += len(token)

    def bracket(self) -> Any:
        self.expect("[")
        self.skip_ws()
        if self.peek() == "*":
            self.pos += 1
            self.expect("]")
            return _Wildcard()
        if self.peek(2) == "?(":
            self.pos += 2
            step = self.filter()
            self.expect(")")
            self.expect("]")
            return step
        if self.peek() in "'\"":
            names = [self.quoted()]
            self.skip_ws()
            while self.peek() == ",":
                self.pos += 1
                self.skip_ws()
                names.append(self.quoted())
                self.skip_ws()
            self.expect("]")
            return _Field(tuple(names))
        parts: list[int | None] = [self.number()]
        while self.peek() == ":":
            self.pos += 1
            parts.append(self.number())
        self.expect("]")
        if len(parts) == 1:
            if parts[0] is None:
                raise self.error("expected an index")
            return _Index(parts[0])
        if len(parts) > 3:
            raise self.error("too many ':' in slice")
        parts += [None] * (3 - len(parts))
        return _Slice(parts[0], parts[1], parts[2])

    def filter(self) -> _Filter:
        self.skip_ws()
        if self.peek() != "@":
            raise self.error("filters must start with '@'")
        self.pos += 1
        left = self.steps(until=")=!<> ")
        self.skip_ws()
        op = next((o for o in _OPS if self.text.startswith(o, self.pos)), None)
        if op is None:
            return _Filter(left, None, None)
        self.pos += len(op)
        self.skip_ws()
        return _Filter(left, op, self.literal())

    def literal(self) -> Any:
        if self.peek() in "'\"":
            return self.quoted()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ") \t":
            self.pos += 1
        word = self.text[start : self.pos]
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        try:
            return int(word)
        except ValueError:
            pass
        try:
            return float(word)
        except ValueError:
            raise self.error(f"unrecognized literal {word!r}") from None


@attrs.frozen
class JsonPath:
    """A parsed expression; :meth:`find` returns every match in document order."""

    text: str
    steps: tuple[Any, ...]

    def find(self, obj: Any) -> list[Any]:
        """All values the path selects in ``obj`` (empty when nothing matches)."""
        return list(_apply(self.steps, [obj]))

    def first(self, obj: Any, default: Any = None) -> Any:
        """The first match, or ``default``."""
        return next(iter(_apply(self.steps, [obj])), default)


def parse(expr: str) -> JsonPath:
    """Parse ``expr`` (``.a.b``, ``{.a.b}``, ``$.a``); raises :class:`JsonPathError`."""
    text = expr.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    if text and text[0] not in ".[":
        raise JsonPathError(f"unrecognized identifier {text!r}")
    parser = _Parser(text)
    steps = parser.steps()
    return JsonPath(expr, steps)


def find(obj: Any, expr: str) -> list[Any]:
    """Shorthand for ``parse(expr).find(obj)``."""
    return parse(expr).find(obj)


def _apply(steps: tuple[Any, ...], values: list[Any]) -> Iterator[Any]:
    current = values
    for step in steps:
        current = [out for value in current for out in _step(step, value)]
    return iter(current)


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    if isinstance(value, list):
        return list(value)
    return []


def _descendants(value: Any) -> Iterator[Any]:
    yield value
    for child in _children(value):
        yield from _descendants(child)


def _step(step: Any, value: Any) -> list[Any]:
    if isinstance(step, _Field):
        if isinstance(value, dict):
            return [value[n] for n in step.names if n in value]
        return []
    if isinstance(step, _Wildcard):
        return _children(value)
    if isinstance(step, _Index):
        if isinstance(value, list) and -len(value) <= step.index < len(value):
            return [value[step.index]]
        return []
    if isinstance(step, _Slice):
        if isinstance(value, list):
            if step.step == 0:
                return []
            return value[step.start : step.stop : step.step]
        return []
    if isinstance(step, _Recursive):
        return [out for node in _descendants(value) for out in _step(step.step, node)]
    if isinstance(step, _Filter):
        if not isinstance(value, list):
            return []
        return [item for item in value if _keep(step, item)]
    raise TypeError(step)


def _keep(f: _Filter, item: Any) -> bool:
    found = list(_apply(f.left, [item]))
    if f.op is None:
        return bool(found)
    return any(_compare(v, f.op, f.right) for v in found)


def _compare(left: Any, op: str, right: Any) -> bool:
    numeric = (int, float)
    both_numbers = (
        isinstance(left, numeric)
        and isinstance(right, numeric)
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    )
    if op == "==":
        return (left == right) if both_numbers or type(left) is type(right) else False
    if op == "!=":
        return not _compare(left, "==", right)
    if not (both_numbers or (isinstance(left, str) and isinstance(right, str))):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)
