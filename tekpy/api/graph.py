"""The dependency graph of a Pipeline's tasks (``runAfter`` and result references).

:func:`pipeline_task_deps` finds each task's dependencies as Tekton does (``runAfter``,
result references in params, matrix params, when expressions and an inline taskSpec's
steps and sidecars, plus legacy ``resources.inputs[].from``); :func:`build_graph` checks them
and raises :class:`GraphError` with Tekton's messages (a cycle names the tasks on it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs

from tekpy.api.refs import ResultRef, expressions, result_refs
from tekpy.api.types import PipelineTask, Sidecar, Step

__all__ = ["Graph", "GraphError", "build_graph", "pipeline_task_deps", "task_result_refs"]


class GraphError(ValueError):
    """The tasks do not form a DAG (duplicate, cycle, or a dependency on a missing task)."""


@attrs.define
class Graph:
    """Task names with their direct predecessors and successors."""

    prev: dict[str, list[str]] = attrs.Factory(dict)
    next: dict[str, list[str]] = attrs.Factory(dict)

    def roots(self) -> list[str]:
        """Tasks with no dependency."""
        return [n for n, p in self.prev.items() if not p]


def _container_texts(c: Step | Sidecar) -> Iterator[str]:
    yield c.name
    yield c.image
    yield c.image_pull_policy
    yield c.script
    yield c.working_dir
    yield from c.command
    yield from c.args
    for e in c.env:
        if not isinstance(e, dict):
            continue
        if isinstance(e.get("value"), str):
            yield e["value"]
        vf = e.get("valueFrom") or {}
        for ref in ("secretKeyRef", "configMapKeyRef"):
            r = vf.get(ref) if isinstance(vf, dict) else None
            if isinstance(r, dict):
                yield str(r.get("key", ""))
                yield str(r.get("name", ""))


def _param_texts(pt: PipelineTask) -> Iterator[str]:
    params = list(pt.params)
    if pt.matrix is not None:
        params += pt.matrix.all_params()
    for p in params:
        v = p.value
        if v.type == "array":
            yield from v.array
        elif v.type == "object":
            yield from v.object.values()
        else:
            yield v.string


def task_result_refs(pt: PipelineTask) -> list[ResultRef]:
    """Every task result reference a PipelineTask makes."""
    texts = list(_param_texts(pt))
    for we in pt.when:
        texts.append(we.input)
        texts.extend(we.values)
        if we.cel:
            texts.append(we.cel)
    if pt.task_spec is not None:
        containers: list[Step | Sidecar] = [*pt.task_spec.steps, *pt.task_spec.sidecars]
        for c in containers:
            texts.extend(_container_texts(c))
    exprs: list[str] = []
    for t in texts:
        exprs.extend(expressions(t))
    return result_refs(exprs)


def pipeline_task_deps(tasks: Sequence[PipelineTask]) -> dict[str, list[str]]:
    """Each task's dependencies (sorted, deduplicated), as Tekton's ``Deps()``."""
    deps: dict[str, list[str]] = {}
    for pt in tasks:
        d = {r.pipeline_task for r in task_result_refs(pt)}
        d.update(pt.run_after)
        if pt.resources is not None:
            for inp in pt.resources.inputs:
                d.update(inp.from_)
        for cond in pt.conditions:
            for inp in cond.resources:
                d.update(inp.from_)
        deps[pt.name] = sorted(d)
    return deps


def _find_cycle(deps: dict[str, list[str]]) -> str | None:
    # Kahn's algorithm: peel off tasks whose dependencies are all satisfied; what remains
    # is on (or behind) a cycle. Report the smallest remaining name in Tekton's words.
    remaining = {t: set(d) for t, d in deps.items() if d}
    children: dict[str, set[str]] = {}
    for t, d in remaining.items():
        for p in d:
            children.setdefault(p, set()).add(t)
    ready = [p for t, d in remaining.items() for p in d if not deps.get(p)]
    while ready:
        parent = ready.pop()
        for child in children.pop(parent, set()):
            if child in remaining:
                remaining[child].discard(parent)
                if not remaining[child]:
                    del remaining[child]
                    ready.append(child)
    if not remaining:
        return None
    # Tekton reports the smallest remaining task, which may merely sit behind a cycle; peel
    # such tasks off too (no remaining task depends on them) so the message names tasks on it.
    changed = True
    while changed:
        changed = False
        needed = {d for deps_ in remaining.values() for d in deps_}
        for t in [t for t in remaining if t not in needed]:
            del remaining[t]
            changed = True
    for t in remaining:
        remaining[t] &= set(remaining)
    first = min(remaining)
    names = ", ".join(f'"{d}"' for d in sorted(remaining[first]))
    return f'task "{first}" depends on {names}'


def build_graph(tasks: Sequence[PipelineTask], deps: dict[str, list[str]] | None = None
                ) -> Graph:
    """Check the dependencies and return the graph; raises :class:`GraphError`."""
    deps = pipeline_task_deps(tasks) if deps is None else deps
    g = Graph()
    for pt in tasks:
        if pt.name in g.prev:
            raise GraphError(f"task {pt.name} is already present in Graph, can't add it again: "
                             "duplicate pipeline task")
        g.prev[pt.name] = []
        g.next[pt.name] = []
    cycle = _find_cycle(deps)
    if cycle:
        raise GraphError(f"cycle detected; {cycle}")
    for name in (pt.name for pt in tasks):
        for dep in deps.get(name, []):
            if dep not in g.prev:
                raise GraphError(f"couldn't add link between {name} and {dep}: task {name} "
                                 f"depends on {dep} but {dep} wasn't present in Pipeline")
            g.prev[name].append(dep)
            g.next[dep].append(name)
    return g
