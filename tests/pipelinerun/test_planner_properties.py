"""Invariants of the planner over random DAGs (hypothesis)."""

from __future__ import annotations

from math import prod

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prsim import Sim, pipelinerun, task

from tekpy.api import structure
from tekpy.api.types import Matrix
from tekpy.pipelinerun import combinations, reasons


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[list[int]], list[bool]]:
    n = draw(st.integers(1, 8))
    parents = [sorted(draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else [])
               for i in range(n)]
    outcomes = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return parents, outcomes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags(), st.randoms(use_true_random=False))
def test_every_task_runs_once_after_its_parents(dag: tuple[list[list[int]], list[bool]],
                                                rnd: object) -> None:
    parents, outcomes = dag
    tasks = [task(f"t{i}", runAfter=[f"t{p}" for p in ps]) for i, ps in enumerate(parents)]
    sim = Sim(pipelinerun({"tasks": tasks, "finally": [task("fin")]}))
    finished: set[str] = set()
    for _ in range(4 * len(tasks) + 4):
        before = set(sim.taskruns)
        p = sim.step()
        for tr in p.create:
            i = int(tr["metadata"]["name"].removeprefix("pr-t")) \
                if tr["metadata"]["name"] != "pr-fin" else -1
            if i >= 0:  # started only once all parents succeeded
                assert all(f"pr-t{q}" in finished for q in parents[i])
        # planning again without news changes nothing
        again = sim.step()
        assert again.create == [] and again.status == p.status
        assert set(sim.taskruns) >= before
        if sim.condition.get("status") in ("True", "False"):
            break
        running = sorted(n for n in sim.taskruns if n not in finished)
        assert running, "stuck: nothing running and not done"
        name = running[rnd.randrange(len(running))]  # type: ignore[attr-defined]
        idx = -1 if name == "pr-fin" else int(name.removeprefix("pr-t"))
        sim.end(name, ok=True if idx < 0 else outcomes[idx])
        finished.add(name)
    cond = sim.condition
    assert cond["status"] in ("True", "False")
    assert len(sim.created) == len(set(sim.created))
    assert "pr-fin" in sim.created  # finally always runs
    failed = any(not outcomes[int(n.removeprefix("pr-t"))] for n in sim.created if n != "pr-fin")
    assert (cond["reason"] == reasons.FAILED) is failed
    if not failed:
        assert cond["status"] == "True" and len(sim.created) == len(tasks) + 1


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.text("abc", min_size=1, max_size=2), min_size=1, max_size=3,
                         unique=True), min_size=1, max_size=3))
def test_matrix_is_the_cartesian_product(values: list[list[str]]) -> None:
    matrix = structure({"params": [{"name": f"p{i}", "value": v}
                                   for i, v in enumerate(values)]}, Matrix)
    combos = [tuple((k, c[k].string) for k in c) for c in combinations(matrix)]
    assert len(combos) == prod(len(v) for v in values) == len(set(combos))
    # the first param varies fastest
    assert [c[0][1] for c in combos[: len(values[0])]] == values[0]
