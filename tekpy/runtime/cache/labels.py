"""Label selectors for listers: parse Kubernetes' selector syntax and match label maps.

Supports ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a,b)``, ``k`` and ``!k``,
comma-separated (all must hold), and a mapping (equality on every pair).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["LabelSelectorError", "parse_label_selector"]

Matcher = Callable[[Mapping[str, str]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


class LabelSelectorError(ValueError):
    """A label selector string that does not parse."""


def _split_terms(selector: str) -> list[str]:
    # Commas inside "in (a,b)" do not separate terms.
    terms: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    terms.append("".join(cur))
    return [t for t in terms if t.strip()]


def _term(term: str) -> Matcher:
    m = _EQ_RE.match(term)
    if m:
        key, op, value = m.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    m = _SET_RE.match(term)
    if not m:
        raise LabelSelectorError(f"cannot parse label selector term {term!r}")
    neg, key, op, values_s = m.groups()
    if op:
        if neg:
            raise LabelSelectorError(f"cannot parse label selector term {term!r}")
        values = frozenset(v.strip() for v in values_s.split(",") if v.strip())
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if neg:
        return lambda labels: key not in labels
    return lambda labels: key in labels


def parse_label_selector(selector: str | Mapping[str, str] | None) -> Matcher:
    """A predicate over a label map; ``None``/``""``/``{}`` match everything."""
    if not selector:
        return lambda labels: True
    if not isinstance(selector, str):
        pairs = dict(selector)
        return lambda labels: all(labels.get(k) == v for k, v in pairs.items())
    matchers = [_term(t) for t in _split_terms(selector)]
    return lambda labels: all(m(labels) for m in matchers)
