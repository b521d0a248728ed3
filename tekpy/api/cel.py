"""CEL for ``when`` expressions (``when: [{cel: ...}]``), on the ``cel-python`` engine.

Tekton compiles each expression in an empty CEL environment (no variables declared:
Tekton's own ``$(...)`` references are substituted into the text first, so they must sit
inside quotes), once at validation and again, after substitution, before each reconcile
uses it. Compiling means parsing *and* type-checking: ``params.foo == 'x'`` is an
undeclared reference, ``1 + 'a' == 2`` has no matching overload.

``cel-python`` parses but does not type-check, and an expression with no variables has a
single value, so :func:`compile_error` evaluates it after parsing and reports the two
kinds of failure a checker would (an undeclared name, no overload for the operand types)
as compile errors; a failure only evaluation can meet (division by zero, a bad regular
expression) is not one, as in Tekton, and is reported by :func:`evaluate`. An operand
that short-circuiting never evaluates is not checked (``true || 1 + 'a' == 2`` compiles
here; Tekton's checker rejects it).

Messages follow cel-go's (``ERROR: <input>:LINE:COL: ...`` and the source line with a
caret); the syntax errors name the offending token rather than ANTLR's expected set.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["CelError", "compile_error", "evaluate"]


class CelError(Exception):
    """An expression that does not compile or evaluate (the message is cel-go's shape)."""


@functools.cache
def _env() -> Any:
    import celpy  # imported on first use: most runs have no CEL expression

    return celpy.Environment()


_OPERATORS = {
    "addition_add": "_+_", "addition_sub": "_-_", "multiplication_mul": "_*_",
    "multiplication_div": "_/_", "multiplication_mod": "_%_", "relation_eq": "_==_",
    "relation_ne": "_!=_", "relation_lt": "_<_", "relation_le": "_<=_", "relation_gt": "_>_",
    "relation_ge": "_>=_", "relation_in": "@in", "unary_neg": "-_", "unary_not": "!_",
}
_TYPES = {
    "IntType": "int", "UintType": "uint", "DoubleType": "double", "StringType": "string",
    "BoolType": "bool", "BytesType": "bytes", "ListType": "list(dyn)",
    "MapType": "map(dyn, dyn)", "NullType": "null_type",
    "TimestampType": "google.protobuf.Timestamp", "DurationType": "google.protobuf.Duration",
    "TypeType": "type",
}
_UNDECLARED = re.compile(r"undeclared reference to '([^']*)'")
_OVERLOAD = re.compile(r"found no matching overload for Token\('RULE', '(\w+)'\) applied to "
                       r"'\((.*?)\)'")


def _located(text: str, line: int, column: int, message: str) -> str:
    """cel-go's rendering: position, message, the source line and a caret under it."""
    lines = text.split("\n")
    src = lines[line - 1] if 0 < line <= len(lines) else text
    return f"ERROR: <input>:{line}:{column}: {message}\n | {src}\n | {'.' * (column - 1)}^"


def _syntax_error(text: str, exc: Exception) -> str:
    cause = exc.__context__
    token = getattr(cause, "token", None)
    char = getattr(cause, "char", None)
    if token is not None:
        shown = "<EOF>" if getattr(token, "type", "") == "$END" else str(token)
        what = f"mismatched input '{shown}'"
    elif char is not None:
        what = f"token recognition error at: '{char}'"
    else:
        what = "invalid input"
    line = getattr(exc, "line", None) or 1
    column = getattr(exc, "column", None) or 1
    return _located(text, line, column, f"Syntax error: {what}")


def _column_of(text: str, name: str) -> int:
    m = re.search(rf"(?<![\w.]){re.escape(name)}\b", text)
    return m.start() + 1 if m else 1


def _checker_error(text: str, message: str) -> str | None:
    """The compile error an evaluation failure stands for, None for a run-time one."""
    m = _UNDECLARED.search(message)
    if m:
        name = m.group(1)
        return _located(text, 1, _column_of(text, name),
                        f"undeclared reference to '{name}' (in container '')")
    m = _OVERLOAD.search(message)
    if m:
        op = _OPERATORS.get(m.group(1), m.group(1))
        types = [_TYPES.get(t, t) for t in re.findall(r"celtypes\.(\w+)'", m.group(2))]
        return f"ERROR: <input>:1:1: found no matching overload for '{op}' applied to " \
               f"'({', '.join(types)})'"
    return None


def _run(text: str) -> tuple[Any, str | None]:
    """(value, compile error): the value is a CEL value or a ``CELEvalError``."""
    from celpy.celparser import CELParseError

    env = _env()
    try:
        ast = env.compile(text)
    except CELParseError as exc:
        return None, _syntax_error(text, exc)
    try:
        value = env.program(ast).evaluate({})
    except Exception as exc:  # celpy raises its CELEvalError for a failure at the top
        value = exc
    if _is_error(value):
        return value, _checker_error(text, _error_message(value))
    return value, None


def _is_error(value: Any) -> bool:
    from celpy.evaluation import CELEvalError

    return isinstance(value, CELEvalError | Exception)


def _error_message(err: Any) -> str:
    args = getattr(err, "args", ())
    return str(args[0]) if args else str(err)


def compile_error(text: str) -> str | None:
    """Why ``text`` does not compile in an empty CEL environment (None when it does)."""
    return _run(text)[1]


def evaluate(text: str) -> bool:
    """The boolean value of ``text``; raises :class:`CelError` when it does not compile,
    fails to evaluate, or is not a boolean (Tekton's message)."""
    value, problem = _run(text)
    if problem is not None:
        raise CelError(problem)
    if _is_error(value):
        raise CelError(_error_message(value))
    from celpy.celtypes import BoolType

    if not isinstance(value, BoolType):
        raise CelError(f"The CEL expression {text} is not evaluated to a boolean")
    return bool(value)
