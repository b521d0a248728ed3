"""Benchmark: structuring a Task with 200 steps into the typed model.

Prints the median time of ``structure`` (dict -> attrs objects), ``unstructure`` and
``validate`` of one document, beside the time to decode the same document with orjson and
with PyYAML (C loader when available), and the ratios. Run:
``.venv/bin/python benchmarks/api_structure.py``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
import yaml

from tekpy.api import Config, Task, structure, unstructure, validate

STEPS = 200


def make_task() -> dict[str, Any]:
    steps = [
        {
            "name": f"step-{i}",
            "image": "mirror.gcr.io/bash",
            "command": ["bash", "-c"],
            "args": [f"echo $(params.greeting) {i}"],
            "env": [{"name": "N", "value": str(i)}, {"name": "P", "value": "$(params.greeting)"}],
            "workingDir": "/workspace/src",
            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
            "computeResources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
        }
        for i in range(STEPS)
    ]
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "Task",
        "metadata": {"name": "many-steps", "labels": {"app": "bench"}},
        "spec": {
            "params": [{"name": "greeting", "type": "string", "default": "hello"}],
            "workspaces": [{"name": "src"}],
            "results": [{"name": "out"}],
            "volumes": [{"name": "cache", "emptyDir": {}}],
            "steps": steps,
        },
    }


def median_ms(fn: Callable[[], object], repeat: int = 30) -> float:
    fn()  # warm up (hook generation, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    doc = make_task()
    as_json = orjson.dumps(doc)
    as_yaml = yaml.safe_dump(doc)
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    task = structure(doc, Task)
    cfg = Config()
    figures = {
        "orjson.loads": median_ms(lambda: orjson.loads(as_json)),
        "yaml.load": median_ms(lambda: yaml.load(as_yaml, Loader=loader), repeat=10),
        "structure": median_ms(lambda: structure(doc, Task)),
        "unstructure": median_ms(lambda: unstructure(task)),
        "validate": median_ms(lambda: validate(task, cfg), repeat=10),
    }
    print(f"Task with {STEPS} steps ({len(as_json)} bytes of JSON), median of runs:")
    for name, ms in figures.items():
        print(f"  {name:12s} {ms:8.3f} ms")
    print(f"  structure / orjson.loads = {figures['structure'] / figures['orjson.loads']:.1f}x")
    print(f"  structure / yaml.load    = {figures['structure'] / figures['yaml.load']:.2f}x")


if __name__ == "__main__":
    main()
