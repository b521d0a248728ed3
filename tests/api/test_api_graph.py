"""The DAG of a Pipeline: dependencies from runAfter, results and ``from``; cycles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.api import (
    GraphError,
    Param,
    PipelineTask,
    build_graph,
    parse_documents,
    pipeline_task_deps,
)
from tekpy.api.types import ParamValue


def _tasks(edges: dict[str, list[str]]) -> list[PipelineTask]:
    return [PipelineTask(name=n, run_after=sorted(d)) for n, d in sorted(edges.items())]


def test_dependencies_come_from_run_after_results_when_and_inline_steps() -> None:
    (doc,) = parse_documents("""
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - {name: a, taskRef: {name: t}}
  - {name: b, taskRef: {name: t}, runAfter: [a]}
  - name: c
    taskRef: {name: t}
    params: [{name: x, value: $(tasks.a.results.r)}]
    when: [{input: $(tasks.b.results.s), operator: in, values: ["1"]}]
  - name: d
    taskSpec: {steps: [{image: x, script: echo $(tasks.c.results.r)}]}
""")
    deps = pipeline_task_deps(doc.obj.spec.tasks)
    assert deps == {"a": [], "b": ["a"], "c": ["a", "b"], "d": ["c"]}
    graph = build_graph(doc.obj.spec.tasks)
    assert graph.roots() == ["a"]
    assert graph.next["a"] == ["b", "c"]


def test_cycle_message_names_a_task_on_the_cycle_not_one_behind_it() -> None:
    # "a" depends on the b<->c cycle; Tekton would name "a", tekpy names "b"
    tasks = _tasks({"a": ["b"], "b": ["c"], "c": ["b"]})
    with pytest.raises(GraphError, match=r'^cycle detected; task "b" depends on "c"$'):
        build_graph(tasks)


@st.composite
def dags(draw: st.DrawFn) -> dict[str, list[str]]:
    n = draw(st.integers(2, 9))
    names = [f"t{i}" for i in range(n)]
    return {name: draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
            for i, name in enumerate(names)}


def _reaches(edges: dict[str, list[str]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        for dep in edges.get(node, []):
            if dep == goal:
                return True
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return False


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_dags_build_and_any_back_edge_is_reported_on_its_cycle(
        edges: dict[str, list[str]], data: st.DataObject) -> None:
    graph = build_graph(_tasks(edges))
    assert set(graph.prev) == set(edges)
    # add an edge from an earlier task to a later one it (transitively) precedes: a cycle
    later = data.draw(st.sampled_from(sorted(edges)[1:]))
    earlier = data.draw(st.sampled_from([t for t in edges if t < later] or ["t0"]))
    edges = {**edges, earlier: [*edges[earlier], later]}
    if not _reaches(edges, later, earlier):
        return  # no cycle was closed
    with pytest.raises(GraphError) as info:
        build_graph(_tasks(edges))
    message = str(info.value)
    assert message.startswith("cycle detected; task ")
    named = message.split('"')[1]
    deps = message.split(" depends on ")[1].replace('"', "").split(", ")
    for dep in deps:
        assert _reaches(edges, dep, named), message  # each named dep leads back: a cycle


def test_result_references_in_array_and_object_values_count() -> None:
    pt = PipelineTask(name="z", params=[
        Param(name="p", value=ParamValue.of(["$(tasks.x.results.r[*])"])),
        Param(name="o", value=ParamValue.of({"k": "$(tasks.y.results.o.k)"}))])
    assert pipeline_task_deps([pt]) == {"z": ["x", "y"]}
