"""A small label-selector matcher for predicates (tekpy.runtime does not import the server).

Accepts Kubernetes' two spellings: the ``metav1.LabelSelector`` dict (``matchLabels`` and
``matchExpressions`` with ``In``/``NotIn``/``Exists``/``DoesNotExist``) and the string syntax
(``a=b,c!=d,e in (x,y),f notin (z),g,!h``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["LabelSelector", "parse_selector"]

_SET_RE = re.compile(r"^\s*(!?)\s*([^\s!=,()]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([^\s!=,()]+)\s*(==|=|!=)\s*([^\s!=,()]*)\s*$")


@dataclass(frozen=True)
class _Requirement:
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        if op == "In":
            return self.key in labels and labels[self.key] in self.values
        return self.key not in labels or labels[self.key] not in self.values  # NotIn


@dataclass(frozen=True)
class LabelSelector:
    """All requirements must hold; the empty selector matches everything."""

    requirements: tuple[_Requirement, ...]

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """True when ``labels`` satisfy every requirement."""
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)


def _split_terms(text: str) -> list[str]:
    # Commas inside "in (a,b)" do not separate terms.
    terms: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    terms.append("".join(current))
    return [t for t in terms if t.strip()]


def _parse_string(text: str) -> list[_Requirement]:
    reqs = []
    for term in _split_terms(text):
        eq = _EQ_RE.match(term)
        if eq:
            op = "NotIn" if eq.group(2) == "!=" else "In"
            reqs.append(_Requirement(eq.group(1), op, frozenset([eq.group(3)])))
            continue
        m = _SET_RE.match(term)
        if not m or (m.group(1) and m.group(3)):
            raise ValueError(f"invalid label selector term {term.strip()!r}")
        if m.group(3):
            values = frozenset(v.strip() for v in m.group(4).split(",") if v.strip())
            op = "In" if m.group(3) == "in" else "NotIn"
            reqs.append(_Requirement(m.group(2), op, values))
        else:
            reqs.append(_Requirement(m.group(2), "DoesNotExist" if m.group(1) else "Exists",
                                     frozenset()))
    return reqs


def _parse_dict(selector: Mapping[str, object]) -> list[_Requirement]:
    reqs = []
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise ValueError("matchLabels must be a mapping")
    for key, value in match_labels.items():
        reqs.append(_Requirement(str(key), "In", frozenset([str(value)])))
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise ValueError("matchExpressions must be a list")
    for expr in expressions:
        key = expr.get("key")
        op = expr.get("operator")
        values = expr.get("values") or []
        if not key or op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ValueError(f"invalid label selector requirement {expr!r}")
        if op in ("In", "NotIn") and not values:
            raise ValueError(f"operator {op} needs values in {expr!r}")
        if op in ("Exists", "DoesNotExist") and values:
            raise ValueError(f"operator {op} takes no values in {expr!r}")
        reqs.append(_Requirement(key, op, frozenset(str(v) for v in values)))
    return reqs


def parse_selector(selector: str | Mapping[str, object] | None) -> LabelSelector:
    """Parse a selector string or ``LabelSelector`` dict; raises ``ValueError`` if invalid."""
    if selector is None:
        return LabelSelector(())
    if isinstance(selector, str):
        return LabelSelector(tuple(_parse_string(selector)))
    return LabelSelector(tuple(_parse_dict(selector)))
