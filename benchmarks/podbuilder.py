"""Benchmark: building the Pod of a TaskRun whose Task has 50 steps.

Measures, on one in-memory TaskRun (scripts, params, a workspace, results, a sidecar):
``build_pod`` alone (the resolved spec as input), ``resolve_task_spec`` (variable
substitution), and both, beside ``copy.deepcopy`` of the TaskSpec dict as a baseline, with
ratios. Best of 15 interleaved rounds of 20 calls each.
Run: ``.venv/bin/python benchmarks/podbuilder.py``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from tekpy.api import Config, TaskRun, structure, unstructure, with_defaults
from tekpy.taskrun import PodBuilderConfig, build_pod, resolve_task_spec

STEPS = 50
ROUNDS = 15
CALLS = 20


def make_taskrun() -> TaskRun:
    steps: list[dict[str, Any]] = []
    for i in range(STEPS):
        step: dict[str, Any] = {
            "name": f"s{i}", "image": "mirror.gcr.io/bash",
            "env": [{"name": "N", "value": str(i)}, {"name": "G", "value": "$(params.greeting)"}],
            "workingDir": "$(workspaces.src.path)",
            "computeResources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
        }
        if i % 2:
            step["script"] = f"echo $(params.greeting) {i} > $(results.out.path)\n"
        else:
            step.update(command=["bash", "-c"], args=[f"echo {i} $(context.taskRun.name)"])
        steps.append(step)
    raw = {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
           "metadata": {"name": "bench", "namespace": "ns", "uid": "u-1",
                        "labels": {"app": "bench"}},
           "spec": {"params": [{"name": "greeting", "value": "hi"}],
                    "workspaces": [{"name": "src", "emptyDir": {}}],
                    "taskSpec": {"params": [{"name": "greeting"}],
                                 "workspaces": [{"name": "src"}],
                                 "results": [{"name": "out"}],
                                 "sidecars": [{"name": "db", "image": "redis"}],
                                 "steps": steps}}}
    return with_defaults(structure(raw, TaskRun), Config())


def best_ms(fns: list[Callable[[], object]]) -> list[float]:
    """Best time per call of each function (ms); rounds interleave the functions so that a
    burst of load on the shared machine hits all of them alike."""
    best = [float("inf")] * len(fns)
    for _ in range(ROUNDS):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(CALLS):
                fn()
            best[k] = min(best[k], (time.perf_counter() - t0) / CALLS)
    return [b * 1000 for b in best]


def main() -> None:
    tr = make_taskrun()
    spec = tr.spec.task_spec
    assert spec is not None
    cfg = PodBuilderConfig()
    resolved, errors = resolve_task_spec(tr, spec)
    assert not errors, errors
    spec_dict = unstructure(spec)
    pod = build_pod(tr, resolved, cfg).pod
    assert len(pod["spec"]["containers"]) == STEPS + 1
    cases: list[tuple[str, Callable[[], object]]] = [
        ("copy.deepcopy(TaskSpec dict) (baseline)", lambda: copy.deepcopy(spec_dict)),
        ("build_pod (resolved spec -> Pod)", lambda: build_pod(tr, resolved, cfg)),
        ("resolve_task_spec (substitution)", lambda: resolve_task_spec(tr, spec)),
        ("resolve + build", lambda: build_pod(tr, resolve_task_spec(tr, spec)[0], cfg)),
    ]
    times = best_ms([fn for _, fn in cases])
    base = times[0]
    rows = [(name, ms) for (name, _), ms in zip(cases, times)]
    print(f"{STEPS}-step Task, best of {ROUNDS} rounds x {CALLS} calls")
    for name, ms in rows:
        print(f"  {name:44s} {ms:8.2f} ms  {ms / base:6.1f}x baseline")


if __name__ == "__main__":
    main()
