"""CEL ``when`` expressions in the planner: evaluated after substitution (params, results,
task statuses), Tekton's skip reason, and ``CELEvaluationFailed`` for an expression that
cannot be judged."""

from __future__ import annotations

from typing import Any

import pytest
from prsim import Sim, pipelinerun, task

from tekpy.pipelinerun import reasons


def _cel(*exprs: str) -> list[dict[str, str]]:
    return [{"cel": e} for e in exprs]


def _spec() -> dict[str, Any]:
    return {"params": [{"name": "path", "default": "README.md"}],
            "tasks": [
                task("check", results=["exists"], when=_cel("'$(params.path)' == 'README.md'")),
                task("echo", when=_cel("'$(tasks.check.results.exists)' == 'yes'")),
                task("skip-result", when=_cel("'$(tasks.check.results.exists)'=='missing'")),
                task("skip-param", when=_cel("'$(params.path)'!='README.md'")),
                task("after-skip", runAfter=["skip-param"]),
            ],
            "finally": [
                task("fin-run", when=_cel("'$(tasks.echo.status)'=='Succeeded'",
                                          "'$(tasks.status)'=='Completed'")),
                task("fin-skip", when=_cel("'$(tasks.status)'=='Failure'")),
            ]}


def test_cel_guards_tasks_with_params_results_and_statuses() -> None:
    sim = Sim(pipelinerun(_spec()))
    p = sim.step()
    assert sorted(tr["metadata"]["name"] for tr in p.create) == ["pr-after-skip", "pr-check"]
    # a when-skipped task does not skip its dependants (the guard is scoped to the task)
    assert sim.skipped == {"skip-param": reasons.SKIP_WHEN}
    skipped = p.status["skippedTasks"][0]
    assert skipped["whenExpressions"] == [{"cel": "'README.md'!='README.md'"}]
    sim.end("pr-check", results={"exists": "yes"})
    sim.end("pr-after-skip")
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-echo"]
    assert sim.skipped["skip-result"] == reasons.SKIP_WHEN
    ref = next(r for r in p.status["childReferences"] if r["name"] == "pr-echo")
    assert ref["whenExpressions"] == [{"cel": "'yes' == 'yes'"}]
    sim.end("pr-echo")
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-fin-run"]
    assert sim.skipped["fin-skip"] == reasons.SKIP_WHEN
    ref = next(r for r in p.status["childReferences"] if r["name"] == "pr-fin-run")
    assert ref["whenExpressions"] == _cel("'Succeeded'=='Succeeded'", "'Completed'=='Completed'")
    sim.end("pr-fin-run")
    sim.step()
    assert sim.condition["reason"] == reasons.COMPLETED
    assert sim.condition["message"] == "Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 3"


@pytest.mark.parametrize(("name", "params", "when", "error"), [
    ("not a boolean", [], "'$(params.p)'",
     "The CEL expression 'x' is not evaluated to a boolean"),
    ("a value that breaks the syntax", [{"name": "p", "value": "it's"}],
     "'$(params.p)' == 'a'", "Syntax error"),
    ("an evaluation failure", [], "size('$(params.p)') / 0 == 1", "divide by zero"),
])
def test_cel_that_cannot_be_judged_fails_the_run(name: str, params: list[dict[str, str]],
                                                 when: str, error: str) -> None:
    # judged for every task on every reconcile, even one whose parents are still running
    spec = {"params": [{"name": "p", "default": "x"}],
            "tasks": [task("a"), task("b", runAfter=["a"], when=_cel(when))]}
    sim = Sim(pipelinerun(spec, params=params))
    p = sim.step()
    assert p.create == [], name
    assert sim.condition["status"] == "False"
    assert sim.condition["reason"] == reasons.CEL_EVALUATION_FAILED == "CELEvaluationFailed"
    assert sim.condition["message"].startswith("Error evaluating CEL pr: [User error] ")
    assert error in sim.condition["message"]
    assert "completionTime" in p.status


def test_cel_type_error_fails_the_run_before_the_result() -> None:
    spec = {"tasks": [task("a", results=["n"]),
                      task("b", when=_cel("'$(tasks.a.results.n)' > 1"))]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    # before the result: the text stays quoted (a string > int has no overload either)
    assert sim.condition["reason"] == reasons.CEL_EVALUATION_FAILED
    assert "found no matching overload for '_>_' applied to '(string, int)'" in \
        sim.condition["message"]


def test_finally_cel_sees_failed_status() -> None:
    spec = {"tasks": [task("a")],
            "finally": [task("on-fail", when=_cel("'$(tasks.a.status)' == 'Failed'")),
                        task("on-ok", when=_cel("'$(tasks.status)' == 'Succeeded'"))]}
    sim = Sim(pipelinerun(spec))
    sim.step()
    sim.end("pr-a", ok=False)
    p = sim.step()
    assert [tr["metadata"]["name"] for tr in p.create] == ["pr-on-fail"]
    assert sim.skipped == {"on-ok": reasons.SKIP_WHEN}
