"""``when`` expressions: whether a (substituted) PipelineTask may run.

An expression allows execution when its ``input`` is (``in``) or is not (``notin``) among
its ``values``; a task runs only when all its expressions allow it. A ``cel`` expression
cannot be evaluated (tekpy has no CEL engine): it is treated as not allowing execution.
"""

from __future__ import annotations

from collections.abc import Sequence

from tekpy.api.types import WhenExpression

__all__ = ["allows", "allows_all"]


def allows(expr: WhenExpression) -> bool:
    """One expression's verdict."""
    if expr.cel:
        return False
    found = expr.input in expr.values
    if expr.operator == "in":
        return found
    if expr.operator == "notin":
        return not found
    return False  # validation rejects other operators


def allows_all(exprs: Sequence[WhenExpression]) -> bool:
    """Whether every expression allows execution (true for none)."""
    return all(allows(e) for e in exprs)
