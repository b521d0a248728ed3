"""Where the embedded API server's CPU goes in a Pod create, in-process, per stage.

Usage: .venv/bin/python benchmarks/apiserver_create_path.py [--n 4000] [--rounds 5] [--distinct]
                                                               [--profile]

Runs what a Pod POST runs after reading the body (the Pod of ``apiserver_bench.py``, ~1 kB):
decoding, kube's decoder checks (``decoding.object_error``), then ``Api.create`` (defaults,
validation, managedFields, storing and encoding). Each stage is timed by wrapping its
function; the figures are µs per create, the best of ``--rounds`` runs (the garbage collector
off during a run). The in-run baseline is ``orjson.loads`` + ``orjson.dumps`` of the same
bytes: the least any server does with the body. Stages nest as indented. The Pods share
their spec, as the Pods of one Task do (the server remembers what it found of a spec it has
seen); ``--distinct`` gives each Pod its own spec (an argument naming the Pod), the case
where nothing is remembered.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apiserver_bench import pod

from tekpy.local.apiserver import builtin, decoding, managedfields, semantics
from tekpy.local.apiserver.registry import Registry
from tekpy.local.apiserver.store import Store

# (label, owner, attribute, depth): each is wrapped with a timer
STAGES: list[tuple[str, Any, str, int]] = [
    ("decoder checks (object_error)", decoding, "object_error", 0),
    ("Api.create", semantics.Api, "create", 0),
    ("defaults (prepare_create)", semantics, "prepare_create", 1),
    ("Pod defaulting (default_pod)", builtin, "default_pod", 2),
    ("validation (_validate)", semantics.Api, "_validate", 1),
    ("Pod validation (pod_errors)", semantics, "pod_errors", 2),
    ("metadata validation", semantics.pure, "validate_metadata", 2),
    ("unknown fields", semantics, "unknown_fields", 2),
    ("managedFields (record_create)", managedfields, "record_create", 1),
    ("store + encode (Store.put)", Store, "put", 1),
    ("after write (watch, hooks)", semantics.Api, "_after_write", 1),
]


def _pod(name: str, distinct: bool) -> dict[str, Any]:
    out = pod(name)
    if distinct:
        out["spec"]["containers"][0]["args"].append(name)
    return out


def _timed(fn: Callable[..., Any], acc: list[float]) -> Callable[..., Any]:
    clock = time.perf_counter

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[0] += clock() - t
    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--distinct", action="store_true", help="a different spec per Pod")
    ap.add_argument("--profile", action="store_true", help="cProfile one more run")
    args = ap.parse_args()
    accs = [[0.0] for _ in STAGES]
    for (_, owner, attr, _), acc in zip(STAGES, accs, strict=True):
        setattr(owner, attr, _timed(getattr(owner, attr), acc))
    object_error = decoding.object_error
    n = args.n
    best: list[float] = [float("inf")] * len(STAGES)
    best_total = best_floor = float("inf")
    size = 0
    for r in range(args.rounds + (1 if args.profile else 0)):
        store = Store(history_size=0)
        api = semantics.Api(store, Registry())
        api.bootstrap()
        info = api.registry.get("", "v1", "pods")
        assert info is not None
        raws = [orjson.dumps(_pod(f"p-{r}-{i}", args.distinct)) for i in range(n)]
        size = len(raws[0])
        for acc in accs:
            acc[0] = 0.0
        gc.collect()
        gc.disable()

        def run(raws: list[bytes] = raws, api: semantics.Api = api, info: Any = info) -> None:
            for raw in raws:
                value = orjson.loads(raw)
                refused = object_error(info, api.registry, value, raw)
                assert refused is None, refused
                api.warnings = []
                api.create(info, "default", value, field_validation="Warn",
                           manager="Python")

        if r == args.rounds:
            prof = cProfile.Profile()
            prof.runcall(run)
            gc.enable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)
            break
        t = time.perf_counter()
        run()
        total = time.perf_counter() - t
        t = time.perf_counter()
        for raw in raws:
            orjson.dumps(orjson.loads(raw))
        floor = time.perf_counter() - t
        gc.enable()
        best_total = min(best_total, total / n * 1e6)
        best_floor = min(best_floor, floor / n * 1e6)
        for i, acc in enumerate(accs):
            best[i] = min(best[i], acc[0] / n * 1e6)
    specs = "a distinct spec each" if args.distinct else "one spec"
    print(f"Pod create in-process, {size} B body, {specs}, best of {args.rounds} x {n} "
          "(µs per create; timers add ~0.2 µs per stage):")
    print(f"  {'whole (loads + checks + create)':<44} {best_total:7.1f}")
    for (label, _, _, depth), us in zip(STAGES, best, strict=True):
        print(f"  {'  ' * depth + label:<44} {us:7.1f}")
    print(f"  {'baseline: orjson loads + dumps':<44} {best_floor:7.1f}")
    print(f"  ratio whole / baseline: {best_total / best_floor:.1f}x")


if __name__ == "__main__":
    main()
