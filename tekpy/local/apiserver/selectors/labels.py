"""Label selectors: kube's parser (``labels.Parse``), requirements and matching."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from tekpy.local.apiserver.selectors.errors import SelectorError
from tekpy.local.apiserver.validation import is_qualified_name, is_valid_label_value

__all__ = [
    "LabelSelector",
    "Requirement",
    "label_selector_from_dict",
    "label_selector_from_set",
    "parse_label_selector",
]

# Operators, spelled as kube's selection.Operator values.
IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "in", "notin", "=", "==", "!="
EXISTS, DOES_NOT_EXIST, GT, LT = "exists", "!", "gt", "lt"
_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GT, LT)
_VALID_OPERATORS = (*_BINARY_OPERATORS, EXISTS, DOES_NOT_EXIST)


def _go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: optional sign and decimal digits only."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


@attrs.frozen
class Requirement:
    """One ``key op values`` term of a label selector (``labels.Requirement``)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfies this term (absent keys satisfy ``!=``/``notin``)."""
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        if op in (GT, LT):
            if self.key not in labels or len(self.values) != 1:
                return False
            have, want = _go_int(labels[self.key]), _go_int(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GT else have < want
        return False

    def __str__(self) -> str:
        if self.operator == EXISTS:
            return self.key
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        joined = ",".join(sorted(self.values))
        if self.operator in (IN, NOT_IN):
            return f"{self.key} {self.operator} ({joined})"
        symbol = {GT: ">", LT: "<"}.get(self.operator, self.operator)
        return f"{self.key}{symbol}{joined}"


def _new_requirement(key: str, op: str, values: list[str], path: str = "") -> Requirement:
    """``labels.NewRequirement``: validates and aggregates errors as kube does."""

    def child(name: str) -> str:
        return f"{path}.{name}" if path else name

    errs: list[str] = []
    key_msgs = is_qualified_name(key)
    if key_msgs:
        errs.append(f"{child('key')}: Invalid value: {_quote(key)}: {'; '.join(key_msgs)}")
    vpath = child("values")
    if op in (IN, NOT_IN):
        if not values:
            errs.append(
                f"{vpath}: Invalid value: []: "
                "for 'in', 'notin' operators, values set can't be empty"
            )
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append(
                f"{vpath}: Invalid value: {_go_json_list(values)}: "
                "exact-match compatibility requires one single value"
            )
    elif op in (EXISTS, DOES_NOT_EXIST):
        if values:
            errs.append(
                f"{vpath}: Invalid value: {_go_json_list(values)}: "
                "values set must be empty for exists and does not exist"
            )
    elif op in (GT, LT):
        if len(values) != 1:
            errs.append(
                f"{vpath}: Invalid value: {_go_json_list(values)}: "
                "for 'Gt', 'Lt' operators, exactly one value is required"
            )
        for i, v in enumerate(values):
            if _go_int(v) is None:
                errs.append(
                    f"{vpath}[{i}]: Invalid value: {_quote(v)}: "
                    "for 'Gt', 'Lt' operators, the value must be an integer"
                )
    else:
        supported = ", ".join(_quote(o) for o in _VALID_OPERATORS)
        errs.append(
            f"{child('operator')}: Unsupported value: {_quote(op)}: supported values: {supported}"
        )
    for i, v in enumerate(values):
        msgs = is_valid_label_value(v)
        if msgs:
            errs.append(f"{vpath}[{i}][{key}]: Invalid value: {_quote(v)}: {'; '.join(msgs)}")
    if errs:
        raise SelectorError(errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]")
    return Requirement(key, op, tuple(values))


def _quote(text: str) -> str:
    # Go's %q for the plain strings selectors carry.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _go_json_list(values: list[str]) -> str:
    return "[" + ",".join(_quote(v) for v in values) + "]"


@attrs.frozen
class LabelSelector:
    """A conjunction of :class:`Requirement` s, sorted by key as kube sorts them.

    ``nothing=True`` is kube's ``labels.Nothing()`` (a nil ``metav1.LabelSelector``): it
    matches no object and is not empty.
    """

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (matches every object)."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with ``labels`` (``metadata.labels``, may be None) is selected."""
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The single value ``key`` must have (``=``, ``==`` or a one-value ``in``), if any."""
        for r in self.requirements:
            if r.key == key:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


# ---------------------------------------------------------------------------------- lexer
_EOS, _CLOSE, _COMMA, _NOT, _DEQ, _EQ, _GT, _IDENT, _IN, _LT, _NEQ, _NOTIN, _OPEN, _ERR = range(14)
_SYMBOLS = {
    ")": _CLOSE,
    ",": _COMMA,
    "!": _NOT,
    "==": _DEQ,
    "=": _EQ,
    ">": _GT,
    "in": _IN,
    "<": _LT,
    "!=": _NEQ,
    "notin": _NOTIN,
    "(": _OPEN,
}
_SPECIAL = set("=!(),><")
_WHITESPACE = set(" \t\r\n")


def _lex(text: str) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= n:
            items.append((_EOS, ""))
            return items
        if text[pos] in _SPECIAL:
            # Longest run of special characters that is still a known symbol.
            buf, last = "", None
            while pos < n and text[pos] in _SPECIAL:
                buf += text[pos]
                if buf in _SYMBOLS:
                    last = (_SYMBOLS[buf], buf)
                    pos += 1
                elif last is not None:
                    break
                else:
                    pos += 1
            items.append(last if last else (_ERR, f"error expected: keyword found '{buf}'"))
            continue
        start = pos
        while pos < n and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        items.append((_SYMBOLS.get(word, _IDENT), word))


class _Parser:
    """kube's recursive-descent label selector parser (same error texts, same quirks)."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def _peek(self, values: bool = True) -> tuple[int, str]:
        tok, lit = self.items[min(self.pos, len(self.items) - 1)]
        if values and tok in (_IN, _NOTIN):
            tok = _IDENT  # "in" and "notin" are plain identifiers in value position
        return tok, lit

    def _next(self, values: bool = True) -> tuple[int, str]:
        item = self._peek(values)
        self.pos += 1
        return item

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self._peek()
            if tok in (_IDENT, _NOT):
                try:
                    reqs.append(self._requirement())
                except SelectorError as e:
                    raise SelectorError(f"unable to parse requirement: {e.message}") from None
                tok, lit = self._next()
                if tok == _EOS:
                    return reqs
                if tok == _COMMA:
                    tok2, lit2 = self._peek()
                    if tok2 not in (_IDENT, _NOT):
                        raise SelectorError(f"found '{lit2}', expected: identifier after ','")
                    continue
                raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            if tok == _EOS:
                return reqs
            raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def _requirement(self) -> Requirement:
        operator = ""
        tok, lit = self._next()
        if tok == _NOT:
            operator = DOES_NOT_EXIST
            tok, lit = self._next()
        if tok != _IDENT:
            raise SelectorError(f"found '{lit}', expected: identifier")
        key = lit
        msgs = is_qualified_name(key)
        if msgs:
            # kube validates the key here with a nil field path, printed as "<nil>".
            raise SelectorError(f"<nil>: Invalid value: {_quote(key)}: {'; '.join(msgs)}")
        if self._peek()[0] in (_EOS, _COMMA) and operator != DOES_NOT_EXIST:
            operator = EXISTS
        if operator in (EXISTS, DOES_NOT_EXIST):
            return _new_requirement(key, operator, [])
        tok, lit = self._next(values=False)
        ops = {_IN: IN, _EQ: EQUALS, _DEQ: DOUBLE_EQUALS, _GT: GT, _LT: LT, _NOTIN: NOT_IN}
        ops[_NEQ] = NOT_EQUALS
        if tok not in ops:
            raise SelectorError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        operator = ops[tok]
        values = self._set_values() if operator in (IN, NOT_IN) else self._exact_value()
        return _new_requirement(key, operator, sorted(values))

    def _set_values(self) -> set[str]:
        tok, lit = self._next()
        if tok != _OPEN:
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self._peek()
        if tok in (_IDENT, _COMMA):
            values = self._identifier_list()
            if self._next()[0] != _CLOSE:
                raise SelectorError(f"found '{lit}', expected: ')'")
            return values
        if tok == _CLOSE:
            self._next()
            return {""}
        raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")

    def _identifier_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self._next()
            if tok == _IDENT:
                values.add(lit)
                tok2, lit2 = self._peek()
                if tok2 == _COMMA:
                    continue
                if tok2 == _CLOSE:
                    return values
                raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _COMMA:
                # Empty elements ("(,a)", "(a,,b)", "(a,)") stand for the empty value.
                if not values:
                    values.add("")
                tok2 = self._peek()[0]
                if tok2 == _CLOSE:
                    values.add("")
                    return values
                if tok2 == _COMMA:
                    self._next()
                    values.add("")
                continue
            raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        tok, _ = self._peek()
        if tok in (_EOS, _COMMA):
            return {""}
        tok, lit = self._next()
        if tok == _IDENT:
            return {lit}
        raise SelectorError(f"found '{lit}', expected: identifier")


def parse_label_selector(text: str) -> LabelSelector:
    """Parse a ``labelSelector`` string (``labels.Parse``); "" selects everything."""
    reqs = _Parser(text).parse()
    reqs.sort(key=lambda r: r.key)
    return LabelSelector(tuple(reqs))


def label_selector_from_set(labels: Mapping[str, str] | None) -> LabelSelector:
    """``labels.SelectorFromSet``: equality on every pair (no validation); empty -> everything."""
    reqs = [Requirement(k, EQUALS, (v,)) for k, v in (labels or {}).items()]
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


_METAV1_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def label_selector_from_dict(selector: Mapping[str, Any] | None) -> LabelSelector:
    """``metav1.LabelSelectorAsSelector``: ``None`` matches nothing, ``{}`` everything.

    ``matchLabels`` become ``=`` terms, ``matchExpressions`` use the ``In``, ``NotIn``,
    ``Exists`` and ``DoesNotExist`` operators; invalid keys or values raise SelectorError.
    """
    if selector is None:
        return LabelSelector(nothing=True)
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return LabelSelector()
    reqs: list[Requirement] = []
    for key, value in match_labels.items():
        reqs.append(_new_requirement(str(key), EQUALS, [str(value)]))
    for expr in expressions:
        op_name = expr.get("operator")
        op = _METAV1_OPERATORS.get(op_name) if isinstance(op_name, str) else None
        if op is None:
            raise SelectorError(f'"{op_name}" is not a valid label selector operator')
        reqs.append(_new_requirement(str(expr.get("key", "")), op, list(expr.get("values") or [])))
    reqs.sort(key=lambda r: r.key)
    return LabelSelector(tuple(reqs))
