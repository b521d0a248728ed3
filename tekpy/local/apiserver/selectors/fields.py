"""Field selectors: kube's ``fields.ParseSelector``, the selectable fields per kind, matching."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import attrs

from tekpy.local.apiserver.selectors.errors import SelectorError

__all__ = [
    "BUILTIN_GROUPS",
    "FieldSelector",
    "FieldTerm",
    "field_value",
    "object_fields",
    "parse_field_selector",
    "supported_fields",
]


@attrs.frozen
class FieldTerm:
    """``field=value`` (``negated=False``) or ``field!=value``."""

    field: str
    value: str
    negated: bool = False

    def matches(self, fields: Mapping[str, str]) -> bool:
        # A missing field reads as "" (kube's Fields.Get), so "x=" matches objects without x.
        have = fields.get(self.field, "")
        return (have != self.value) if self.negated else (have == self.value)


@attrs.frozen
class FieldSelector:
    """A conjunction of :class:`FieldTerm` s; match it against :func:`object_fields`."""

    terms: tuple[FieldTerm, ...] = ()

    @property
    def empty(self) -> bool:
        """True when there is no term (matches everything)."""
        return not self.terms

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether a flat ``{"metadata.name": ..., ...}`` mapping satisfies every term."""
        return all(t.matches(fields) for t in self.terms)

    def matches_object(self, group: str, kind: str, obj: Mapping[str, Any]) -> bool:
        """Whether object ``obj`` of ``kind`` is selected (reads only the fields used)."""
        for t in self.terms:
            have = field_value(group, kind, obj, t.field)
            if (have == t.value) == t.negated:
                return False
        return True

    def requires_exact_match(self, field: str) -> str | None:
        """The value ``field`` must equal, e.g. for ``fieldSelector=metadata.name=x`` watches."""
        for t in self.terms:
            if t.field == field and not t.negated:
                return t.value
        return None

    def __str__(self) -> str:
        return ",".join(
            f"{t.field}{'!=' if t.negated else '='}{_escape_field_value(t.value)}"
            for t in self.terms
        )


def _escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _split_terms(text: str) -> list[str]:
    terms, start, in_slash = [], 0, False
    for i, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape(value: str) -> str:
    out: list[str] = []
    in_slash = False
    for ch in value:
        if in_slash:
            if ch not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            # Go prints the rune with %v, i.e. as its code point.
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(
    text: str, supported: Collection[str] | None = None, *, builtin: bool = False
) -> FieldSelector:
    """Parse a ``fieldSelector`` (``fields.ParseSelector``), then check the fields.

    ``supported`` lists the field labels the resource can filter on (see
    :func:`supported_fields`); an unknown one raises ``field label not supported: <f>``
    (for a ``builtin`` kind with no fields of its own, kube's default conversion's text).
    ``None`` skips that check.
    """
    terms: list[FieldTerm] = []
    for part in sorted(_split_terms(text)) if text else []:
        if not part:
            continue
        for i in range(len(part)):
            op = next((o for o in ("!=", "==", "=") if part.startswith(o, i)), None)
            if op is not None:
                lhs, rhs = part[:i], part[i + len(op) :]
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        terms.append(FieldTerm(lhs, _unescape(rhs), negated=op == "!="))
    if supported is not None:
        for t in terms:
            if t.field in supported:
                continue
            if builtin and set(supported) == set(_DEFAULT_FIELDS):
                # built-in kinds without their own field conversion use kube's default one
                raise SelectorError(
                    f'"{t.field}" is not a known field selector: only "metadata.name", '
                    '"metadata.namespace"')
            raise SelectorError(f"field label not supported: {t.field}")
    return FieldSelector(tuple(terms))


_DEFAULT_FIELDS = ("metadata.name", "metadata.namespace")
_KIND_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    ),
    ("", "Event"): (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    ("", "Secret"): ("type",),
    ("", "Namespace"): ("status.phase",),
    ("", "Node"): ("spec.unschedulable",),
    ("", "ReplicationController"): ("status.replicas",),
}


# API groups of the built-in kinds we serve (custom resources cannot use them)
BUILTIN_GROUPS = frozenset((
    "", "events.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io",
    "authorization.k8s.io", "rbac.authorization.k8s.io",
))


def supported_fields(group: str, kind: str) -> frozenset[str]:
    """Field labels kube-apiserver accepts in field selectors for ``kind`` (CRs: name/ns)."""
    return frozenset(_DEFAULT_FIELDS + _KIND_FIELDS.get((group, kind), ()))


def _dig(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _as_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_value(group: str, kind: str, obj: Mapping[str, Any], field: str) -> str:
    """The value of one selectable ``field`` of ``obj`` as kube's ``GetAttrs`` renders it."""
    if field == "metadata.name" or field == "metadata.namespace":
        meta = obj.get("metadata")
        return _as_field(meta.get(field[9:]) if isinstance(meta, dict) else None)
    if (group, kind) == ("", "Pod"):
        if field == "status.podIPs":
            # podIPs matches on the primary IP only, as kube's ToSelectableFields does.
            ips = _dig(obj, "status.podIPs") or []
            return _as_field(ips[0].get("ip") if ips and isinstance(ips[0], dict) else None)
        if field == "spec.hostNetwork":
            return _as_field(bool(_dig(obj, "spec.hostNetwork")))
    elif (group, kind) == ("", "Event") and field == "source":
        return _as_field(_dig(obj, "source.component"))
    elif (group, kind) == ("", "Node") and field == "spec.unschedulable":
        return _as_field(bool(_dig(obj, "spec.unschedulable")))
    return _as_field(_dig(obj, field))


def object_fields(group: str, kind: str, obj: Mapping[str, Any]) -> dict[str, str]:
    """The flat field set kube matches field selectors against (its ``GetAttrs``)."""
    return {f: field_value(group, kind, obj, f) for f in supported_fields(group, kind)}
