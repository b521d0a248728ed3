"""Benchmark: planning a PipelineRun of a 100-task Pipeline.

Three moments of one run, each planned by :func:`tekpy.pipelinerun.plan` from scratch (as a
reconcile does): the first plan (roots start), the middle (half the tasks done, with results
passed on) and the last plan before finally (all DAG tasks done). The tasks form 10 layers
of 10; each task takes a result of a task in the layer above and runs after it. Baseline
in the same run: ``copy.deepcopy`` of the PipelineRun's JSON and the child TaskRun dicts
the planner is given (what a reconcile that merely copied its inputs would cost). Best of
7 rounds of 10 calls.
Run: ``.venv/bin/python benchmarks/pipelinerun_plan.py``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tekpy.api import Config, parse_object, with_defaults
from tekpy.api.types import PipelineRun
from tekpy.pipelinerun import plan

LAYERS, WIDTH = 10, 10
ROUNDS, CALLS = 7, 10
NOW = datetime(2026, 1, 1, tzinfo=UTC)
CONFIG = Config()


def make_raw() -> dict[str, Any]:
    tasks = []
    for layer in range(LAYERS):
        for i in range(WIDTH):
            t: dict[str, Any] = {
                "name": f"t{layer}-{i}", "taskRef": {"name": "echo"},
                "params": [{"name": "who", "value": "$(params.who)"}]}
            if layer:
                t["params"].append({"name": "in",
                                    "value": f"$(tasks.t{layer - 1}-{i}.results.out)"})
            tasks.append(t)
    raw = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
           "metadata": {"name": "bench", "namespace": "ns", "uid": "u"},
           "spec": {"params": [{"name": "who", "value": "world"}],
                    "pipelineSpec": {"params": [{"name": "who"}], "tasks": tasks,
                                     "finally": [{"name": "fin", "taskRef": {"name": "echo"}}]}}}
    return raw


def make_run() -> PipelineRun:
    pr, errors = parse_object(make_raw())
    assert not errors
    return with_defaults(pr, CONFIG)


def children(pr: PipelineRun, layers: int) -> dict[str, dict[str, Any]]:
    out = {}
    for layer in range(layers):
        for i in range(WIDTH):
            name = f"bench-t{layer}-{i}"
            out[name] = {"metadata": {"name": name, "labels": {
                "tekton.dev/pipelineRun": "bench", "tekton.dev/pipelineTask": f"t{layer}-{i}"}},
                "spec": {}, "status": {"conditions": [{"type": "Succeeded", "status": "True"}],
                                       "results": [{"name": "out", "value": f"v{layer}{i}"}]}}
    return out


def best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for _ in range(CALLS):
            fn()
        times.append((time.perf_counter() - t0) / CALLS)
    return min(times)


def main() -> None:
    pr = make_run()
    spec = pr.spec.pipeline_spec
    assert spec is not None
    print(f"planning a {LAYERS * WIDTH}-task Pipeline (best of {ROUNDS}x{CALLS})")
    for label, layers in (("first plan", 0), ("middle (50 done)", LAYERS // 2),
                          ("all DAG tasks done", LAYERS)):
        kids = children(pr, layers)
        p = plan(pr, spec, kids, NOW, CONFIG)
        expected = 1 if layers == LAYERS else WIDTH
        assert len(p.create) == expected, (label, len(p.create))
        t_plan = best(lambda k=kids: plan(pr, spec, k, NOW, CONFIG))  # type: ignore[misc]
        inputs = (make_raw(), kids)
        t_base = best(lambda i=inputs: copy.deepcopy(i))  # type: ignore[misc]
        print(f"  {label:20s} plan {t_plan * 1e3:7.2f} ms   baseline deepcopy(inputs) "
              f"{t_base * 1e3:6.2f} ms   ratio {t_plan / max(t_base, 1e-9):6.1f}x")


if __name__ == "__main__":
    main()
