"""When expressions: ``input``/``operator``/``values``, or ``cel`` behind its feature flag."""

from __future__ import annotations

from collections.abc import Sequence

from tekpy.api.cel import compile_error
from tekpy.api.errors import ErrorList, err_generic, err_invalid_value, err_missing_field
from tekpy.api.types import WhenExpression
from tekpy.api.validation._ctx import Ctx

__all__ = ["check_when", "check_when_list"]

OPERATORS = ("in", "notin")


def check_when(we: WhenExpression, ctx: Ctx) -> ErrorList:
    """One expression, paths relative to it."""
    if we.cel:
        if not ctx.flag("enable-cel-in-whenexpression"):
            return err_generic(
                "feature flag enable-cel-in-whenexpression should be set to true to use CEL: "
                f"{we.cel} in WhenExpression", "")
        if we.input or we.operator or we.values:
            return err_generic(
                "cel and input+operator+values cannot be set in one WhenExpression: "
                f"&{{{we.input} {we.operator} [{' '.join(we.values)}] {we.cel}}}", "")
        problem = compile_error(we.cel)
        if problem is not None:
            # Tekton passes the expression and the error as the *paths* of a message
            # with literal verbs (``ErrGeneric("...%s...%s", cel, err)``): kept as is
            return err_generic("invalid cel expression: %s with err: %s", we.cel, problem)
        return ErrorList()
    if not (we.input or we.operator or we.values):
        return err_missing_field("")
    if we.operator not in OPERATORS:
        return err_invalid_value(
            f'operator "{we.operator}" is not recognized. valid operators: {",".join(OPERATORS)}',
            "")
    if not we.values:
        return err_invalid_value("expecting non-empty values field", "")
    return ErrorList()


def check_when_list(whens: Sequence[WhenExpression], ctx: Ctx) -> ErrorList:
    """Every expression of a ``when`` list, paths ``when[i]``."""
    errs = ErrorList()
    for i, we in enumerate(whens):
        errs.add(check_when(we, ctx).via_index(i))
    return errs.via_field("when")
