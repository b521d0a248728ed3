"""CEL ``when`` expressions: compiling (Tekton's empty environment), evaluating, and the
validation errors Tekton gives for them."""

from __future__ import annotations

import pytest

from tekpy.api import Config, parse_documents, validate
from tekpy.api.cel import CelError, compile_error, evaluate

CEL_ON = {"enable-api-fields": "alpha", "enable-cel-in-whenexpression": "true"}


@pytest.mark.parametrize(("expr", "error"), [
    ("'README.md' == 'README.md'", None),
    ("'$(params.path)' != 'README.md'", None),  # Tekton's variables inside quotes
    ("'a' in ['a', 'b'] && size('abc') > 2", None),
    ("['x', 'y'].exists(v, v == 'y')", None),  # a macro's variable is declared by it
    ("'abc'.startsWith('a') || 'abc'.matches('^z')", None),
    ("1 / 0 == 1", None),  # fails only when evaluated: it compiles, as in Tekton
    ("'a' ==", "Syntax error: mismatched input '<EOF>'"),
    ("$(params.foo) == 'foo'", "Syntax error: token recognition error at: '$'"),
    ("params.foo == 'foo'", "ERROR: <input>:1:1: undeclared reference to 'params' (in "
                            "container '')"),
    ("'a' == x", "ERROR: <input>:1:8: undeclared reference to 'x' (in container '')"),
    ("1 + 'a' == 2", "found no matching overload for '_+_' applied to '(int, string)'"),
    ("'5' > 3", "found no matching overload for '_>_' applied to '(string, int)'"),
])
def test_compile_error(expr: str, error: str | None) -> None:
    got = compile_error(expr)
    if error is None:
        assert got is None
    else:
        assert got is not None and error in got
        assert got.startswith("ERROR: <input>:1:")


@pytest.mark.parametrize(("expr", "value"), [
    ("'yes' == 'yes'", True),
    ("'yes'=='missing'", False),
    ("'Completed' in ['Succeeded', 'Completed']", True),
    ("!('a' == 'a')", False),
    ("2 >= 1 && 'x' != 'y'", True),
])
def test_evaluate(expr: str, value: bool) -> None:
    assert evaluate(expr) is value


@pytest.mark.parametrize(("expr", "message"), [
    ("'a'", "The CEL expression 'a' is not evaluated to a boolean"),
    ("1 + 2", "The CEL expression 1 + 2 is not evaluated to a boolean"),
    ("1 / 0 == 1", "divide by zero"),
    ("'a' ==", "Syntax error"),
    ("x == 'a'", "undeclared reference to 'x'"),
])
def test_evaluate_errors(expr: str, message: str) -> None:
    with pytest.raises(CelError) as info:
        evaluate(expr)
    assert message in str(info.value)


def _pipeline(when: str) -> str:
    return ("apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n"
            "  tasks:\n  - {name: a, taskSpec: {steps: [{image: busybox}]}}\n"
            f"  - {{name: b, taskSpec: {{steps: [{{image: busybox}}]}}, when: {when}}}\n")


def _errors(doc: str, flags: dict[str, str]) -> list[tuple[str, str]]:
    (parsed,) = parse_documents(doc)
    assert not parsed.errors
    return validate(parsed.obj, Config.from_maps({}, flags)).flat()


def test_valid_cel_passes_validation() -> None:
    when = """[{cel: "'$(tasks.a.status)' == 'Succeeded'"}, {cel: "'x' in ['x']"}]"""
    assert _errors(_pipeline(when), CEL_ON) == []


def test_cel_that_does_not_compile_is_invalid() -> None:
    # Tekton's ErrGeneric("invalid cel expression: %s with err: %s", cel, err): the
    # expression and cel-go's error are the *paths*, each under the field path
    got = _errors(_pipeline("""[{input: x, operator: in, values: [x]}, {cel: "'a' == y"}]"""),
                  CEL_ON)
    assert [m for _, m in got] == ["invalid cel expression: %s with err: %s"] * 2
    assert got[0][0] == "spec.tasks[1].when[1].'a' == y"
    # knative joins path parts with dots and drops empty ones: the caret line's dots go
    assert got[1][0] == ("spec.tasks[1].when[1].ERROR: <input>:1:8: undeclared reference to "
                         "'y' (in container '')\n | 'a' == y\n | .^")


@pytest.mark.parametrize(("flags", "when", "expected"), [
    ({"enable-api-fields": "alpha"}, """[{cel: "'a' == 'a'"}]""",
     [("spec.tasks[1].when[0]", "feature flag enable-cel-in-whenexpression should be set to "
                                "true to use CEL: 'a' == 'a' in WhenExpression")]),
    (CEL_ON, """[{cel: "'a' == 'a'", input: a, operator: in, values: [a]}]""",
     [("spec.tasks[1].when[0]", "cel and input+operator+values cannot be set in one "
                                "WhenExpression: &{a in [a] 'a' == 'a'}")]),
])
def test_cel_gate_and_mixing(flags: dict[str, str], when: str,
                             expected: list[tuple[str, str]]) -> None:
    assert _errors(_pipeline(when), flags) == expected
