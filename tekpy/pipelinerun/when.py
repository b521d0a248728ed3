"""``when`` expressions: whether a (substituted) PipelineTask may run.

An expression allows execution when its ``input`` is (``in``) or is not (``notin``) among
its ``values``, or, for a ``cel`` expression, when the expression (Tekton's variables
already substituted into its text) evaluates to true; a task runs only when all its
expressions allow it. A CEL expression that does not compile, fails, or is not a boolean
raises :class:`~tekpy.api.cel.CelError` (Tekton then fails the run with
``CELEvaluationFailed``).
"""

from __future__ import annotations

from collections.abc import Sequence

from tekpy.api.cel import CelError, evaluate
from tekpy.api.types import WhenExpression

__all__ = ["CelError", "allows", "allows_all"]


def allows(expr: WhenExpression) -> bool:
    """One expression's verdict; raises :class:`CelError` for a CEL expression that
    cannot be judged."""
    if expr.cel:
        return evaluate(expr.cel)
    found = expr.input in expr.values
    if expr.operator == "in":
        return found
    if expr.operator == "notin":
        return not found
    return False  # validation rejects other operators


def allows_all(exprs: Sequence[WhenExpression]) -> bool:
    """Whether every expression allows execution (true for none). Every CEL expression is
    evaluated (an error in any of them counts, as Tekton evaluates them all first)."""
    verdicts = [allows(e) for e in exprs]
    return all(verdicts)

