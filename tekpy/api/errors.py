"""Tekton-style field errors (the shape of knative's ``apis.FieldError``).

Tekton's webhook collects every problem of an object into one error value whose text is one
line per distinct message: ``<message>: <path>, <path>`` (followed by a details line when
present). Paths are built from the inside out: a check reports a field relative to the value
it looked at, and each caller prefixes its own position with :meth:`ErrorList.via_field`,
:meth:`ErrorList.via_index` or :meth:`ErrorList.via_key`, so a message ends up naming e.g.
``spec.tasks[2].params[0].value``.

:class:`FieldError` is one (message, paths, details) entry; :class:`ErrorList` is the
collection the validators return (empty means valid).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

__all__ = [
    "ErrorList",
    "FieldError",
    "err_generic",
    "err_invalid_key_name",
    "err_invalid_value",
    "err_missing_field",
    "err_missing_one_of",
    "err_multiple_one_of",
    "err_disallowed_fields",
    "err_out_of_bounds",
    "go_value",
]


def _is_index(part: str) -> bool:
    return part.startswith("[") and part.endswith("]")


def _join(prefix: Sequence[str], path: str) -> str:
    """Prefix ``path`` with ``prefix`` the way knative flattens field paths.

    Dots separate parts, an empty part means "the current field" and disappears, and an
    index part (``[3]`` or ``[key]``) attaches to the part before it.
    """
    out: list[str] = []
    for chunk in (*prefix, path):
        for part in chunk.split("."):
            if part == "":
                continue
            if out and _is_index(part):
                out[-1] += part
            else:
                out.append(part)
    return ".".join(out)


@attrs.frozen
class FieldError:
    """One validation problem: a message, the field paths it concerns and optional details."""

    message: str
    paths: tuple[str, ...] = ("",)
    details: str = ""

    def __str__(self) -> str:
        text = f"{self.message}: {', '.join(self.paths)}"
        return f"{text}\n{self.details}" if self.details else text


class ErrorList:
    """An ordered collection of :class:`FieldError` with knative's path-prefixing helpers.

    ``str()`` renders like knative's ``FieldError.Error()``: errors with the same message and
    details are merged into one line whose paths are sorted, and lines are sorted by message.
    """

    __slots__ = ("_errors",)

    def __init__(self, errors: Iterable[FieldError] = ()) -> None:
        self._errors: list[FieldError] = list(errors)

    # collection protocol -------------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self._errors)

    def __len__(self) -> int:
        return len(self._errors)

    def __iter__(self) -> Iterator[FieldError]:
        return iter(self._errors)

    def __repr__(self) -> str:
        return f"ErrorList({self._errors!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErrorList) and self._errors == other._errors

    __hash__ = None  # type: ignore[assignment]

    # building ------------------------------------------------------------------------
    def add(self, error: FieldError | ErrorList | None) -> ErrorList:
        """Append one error or every error of another list (``None`` is ignored); returns self."""
        if error is None:
            return self
        if isinstance(error, FieldError):
            self._errors.append(error)
        else:
            self._errors.extend(error._errors)
        return self

    # Tekton's spelling, so ported checks read naturally.
    also = add

    def via_field(self, *prefix: str) -> ErrorList:
        """Return a new list whose paths are prefixed with ``prefix`` (dotted parts)."""
        if not self._errors:
            return self  # nothing to prefix; the hot path of every check
        return ErrorList(
            attrs.evolve(e, paths=tuple(_join(prefix, p) for p in e.paths)) for e in self._errors
        )

    def via_index(self, index: int) -> ErrorList:
        """Prefix every path with ``[index]`` (attached to the part the caller adds next)."""
        return self.via_field(f"[{index}]")

    def via_key(self, key: str) -> ErrorList:
        """Prefix every path with ``[key]``."""
        return self.via_field(f"[{key}]")

    def via_field_index(self, field: str, index: int) -> ErrorList:
        """Shorthand for ``via_index(index).via_field(field)``."""
        return self.via_index(index).via_field(field)

    def via_field_key(self, field: str, key: str) -> ErrorList:
        """Shorthand for ``via_key(key).via_field(field)``."""
        return self.via_key(key).via_field(field)

    # reading -------------------------------------------------------------------------
    def merged(self) -> list[FieldError]:
        """Errors grouped by (message, details), paths sorted and deduplicated, by message."""
        groups: dict[tuple[str, str], set[str]] = {}
        for e in self._errors:
            groups.setdefault((e.message, e.details), set()).update(e.paths)
        out = [FieldError(m, tuple(sorted(p)), d) for (m, d), p in groups.items()]
        out.sort(key=lambda e: (e.message, e.details))
        return out

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.merged())

    def flat(self) -> list[tuple[str, str]]:
        """``(path, message)`` pairs, one per path, in the order the checks found them."""
        return [(p, e.message) for e in self._errors for p in e.paths]

    def paths(self) -> list[str]:
        """Every path of every error, in order."""
        return [p for e in self._errors for p in e.paths]


def _one(message: str, *paths: str, details: str = "") -> ErrorList:
    return ErrorList([FieldError(message, tuple(paths) or ("",), details)])


def go_value(value: Any) -> str:
    """Render a value as Go's ``%v`` would for the scalars and lists Tekton prints."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = " ".join(f"{k}:{go_value(v)}" for k, v in sorted(value.items()))
        return f"map[{items}]"
    return str(value)


def err_generic(message: str, *paths: str, details: str = "") -> ErrorList:
    """An error with a free-form message."""
    return _one(message, *paths, details=details)


def err_missing_field(*paths: str) -> ErrorList:
    return _one("missing field(s)", *paths)


def err_invalid_value(value: Any, path: str, details: str = "") -> ErrorList:
    return _one(f"invalid value: {go_value(value)}", path, details=details)


def err_invalid_key_name(key: str, path: str, details: str = "") -> ErrorList:
    return _one(f'invalid key name "{key}"', path, details=details)


def err_multiple_one_of(*paths: str) -> ErrorList:
    return _one("expected exactly one, got both", *paths)


def err_missing_one_of(*paths: str) -> ErrorList:
    return _one("expected exactly one, got neither", *paths)


def err_disallowed_fields(*paths: str) -> ErrorList:
    return _one("must not set the field(s)", *paths)


def err_out_of_bounds(value: Any, lower: Any, upper: Any, path: str) -> ErrorList:
    return _one(f"expected {lower} <= {value} <= {upper}", path)
