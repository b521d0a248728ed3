"""Finding ``$(...)`` references in strings, with Tekton's matching rules.

Two scanners exist in Tekton and both are reproduced:

- prefix scanning (:func:`extract_variables`): the references under one prefix such as
  ``params`` or ``context.taskRun``, in dot form ``$(params.x)``, bracket forms
  ``$(params['x'])``/``$(params["x"])``, with ``[i]``/``[*]`` suffixes;
- expression scanning (:func:`expressions`): every ``$(a.b.c[i])`` expression, used for
  result references (``tasks.t.results.r``) and pipeline-level checks.

The ``check_*`` functions return Tekton's messages with an empty path, for callers to
prefix.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable

import attrs

from tekpy.api.errors import ErrorList, err_generic

__all__ = [
    "ResultRef",
    "check_entire_prohibited",
    "check_isolated",
    "check_no_prohibited",
    "check_no_unknown",
    "expressions",
    "extract_variables",
    "looks_like_result_ref",
    "parse_result_ref",
    "result_refs",
    "trim_array_index",
]

_ARRAY_INDEXING = re.compile(r"\[([0-9])*\*?\]")
_EXPRESSION = re.compile(r"\$\([_a-zA-Z0-9.-]+(\.[_a-zA-Z0-9.-]+)*(\[([0-9]+|\*)\])?\)")
_VALUE = r".*?(\[\*\])?"


@functools.lru_cache(maxsize=128)
def _prefix_regex(prefix: str, name: str = _VALUE) -> re.Pattern[str]:
    # ``prefix`` is a regex fragment (``context\.taskRun``), as in Tekton.
    return re.compile(
        rf"(\$(\({prefix}(\.(?P<var1>{name})|\[\"(?P<var2>{name})\"\]|\['(?P<var3>{name})'\])\)))"
    )


def extract_variables(value: str, prefix: str) -> tuple[list[str], bool, str]:
    """The names referenced under ``prefix``: ``(names, present, error_message)``.

    A dot reference keeps only its first component (``$(params.obj.key)`` names ``obj``);
    more than two components is an error, as in Tekton.
    """
    if "$(" not in value:
        return [], False, ""
    matches = list(_prefix_regex(prefix).finditer(value))
    if not matches:
        return [], False, ""
    names: list[str] = []
    for m in matches:
        v1 = m.group("var1")
        if v1:
            if "." in v1:
                if len(v1.split(".")) > 2:
                    return names, True, (
                        f'Invalid referencing of parameters in "{value}"! Only two '
                        f'dot-separated components after the prefix "{prefix}" are allowed.'
                    )
                names.append(v1.split(".", 1)[0])
                continue
            names.append(v1)
        else:
            names.append(m.group("var2") or m.group("var3") or "")
    return names, True, ""


def _entire_variables(value: str, prefix: str) -> list[str]:
    if "$(" not in value:
        return []
    return [
        m.group("var1") or m.group("var2") or m.group("var3") or ""
        for m in _prefix_regex(prefix).finditer(value)
    ]


def trim_array_index(name: str) -> str:
    """Drop ``[3]``/``[*]`` suffixes."""
    return _ARRAY_INDEXING.sub("", name)


def check_no_unknown(value: str, prefix: str, known: Collection[str]) -> ErrorList:
    """Every reference under ``prefix`` names one of ``known``."""
    names, present, problem = extract_variables(value, prefix)
    if not present:
        return ErrorList()
    if problem:
        return err_generic(problem, "")
    for n in names:
        if trim_array_index(n) not in known:
            return err_generic(f'non-existent variable in "{value}"', "")
    return ErrorList()


def check_no_prohibited(value: str, prefix: str, prohibited: Collection[str]) -> ErrorList:
    """No reference under ``prefix`` names one of ``prohibited`` (e.g. array params)."""
    names, present, problem = extract_variables(value, prefix)
    if not present:
        return ErrorList()
    if problem:
        return err_generic(problem, "")
    for n in names:
        if n.removesuffix("[*]") in prohibited:
            return err_generic(f'variable type invalid in "{value}"', "")
    return ErrorList()


def check_entire_prohibited(value: str, prefix: str, prohibited: Collection[str]) -> ErrorList:
    """No whole-value reference (no key or index) to one of ``prohibited`` (object params)."""
    for n in _entire_variables(value, prefix):
        if n.removesuffix("[*]") in prohibited:
            return err_generic(f'variable type invalid in "{value}"', "")
    return ErrorList()


def check_isolated(value: str, prefix: str, names_: Collection[str]) -> ErrorList:
    """A reference to one of ``names_`` (array params) must be the whole string."""
    names, present, problem = extract_variables(value, prefix)
    if not present:
        return ErrorList()
    if problem:
        return err_generic(problem, "")
    first = _prefix_regex(prefix).search(value)
    for n in names:
        if n.removesuffix("[*]") in names_ and first and len(first.group(0)) != len(value):
            return err_generic(f'variable is not properly isolated in "{value}"', "")
    return ErrorList()


def is_whole_array_or_object_ref(value: str, prefix: str) -> bool:
    """Whether ``value`` is exactly one ``$(prefix.name[*])`` reference."""
    pattern = _prefix_regex(prefix, r"[_a-zA-Z0-9.-]+\[\*\]")
    return re.fullmatch(pattern, value) is not None


def expressions(value: str) -> list[str]:
    """Every ``$(...)`` expression in ``value``, without ``$(`` and ``)``."""
    if "$(" not in value:
        return []
    return [m.group(0)[2:-1] for m in _EXPRESSION.finditer(value)]


def expressions_in(values: Iterable[str]) -> list[str]:
    """:func:`expressions` of several strings."""
    out: list[str] = []
    for v in values:
        out.extend(expressions(v))
    return out


def looks_like_result_ref(expression: str) -> bool:
    """``tasks.<t>.results.<r>...`` or ``finally.<t>.results.<r>...``."""
    parts = expression.split(".")
    return len(parts) >= 4 and parts[0] in ("tasks", "finally") and parts[2] == "results"


@attrs.frozen
class ResultRef:
    """A parsed task result reference."""

    pipeline_task: str
    result: str
    index: int | None = None
    star: bool = False
    property: str = ""


def parse_result_ref(expression: str) -> ResultRef | None:
    """Parse ``tasks.t.results.r``, ``...r[1]``, ``...r[*]`` or ``...r.key``; else ``None``."""
    if not looks_like_result_ref(expression):
        return None
    parts = expression.split(".")
    if len(parts) == 4:
        m = _ARRAY_INDEXING.search(parts[3])
        name = _ARRAY_INDEXING.sub("", parts[3])
        if m:
            idx = m.group(0)[1:-1]
            if idx == "*":
                return ResultRef(parts[1], name, star=True)
            return ResultRef(parts[1], name, index=int(idx) if idx else 0)
        return ResultRef(parts[1], name)
    if len(parts) == 5:
        return ResultRef(parts[1], parts[3], property=parts[4])
    return None


def result_refs(exprs: Iterable[str]) -> list[ResultRef]:
    """The result references among ``exprs``."""
    out = []
    for e in exprs:
        r = parse_result_ref(e)
        if r is not None:
            out.append(r)
    return out
