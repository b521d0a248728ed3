"""Embedded API server vs kube-apiserver, same client, same machine, same run.

Usage: .venv/bin/python benchmarks/apiserver_compare.py [--scale 1.0] [--only embedded|realapi]

Each server runs in its own process (the embedded one in a child Python process, so it does
not share the client's event loop), and one plain aiohttp client measures:
  - creates, 1 at a time and 8 concurrent (ConfigMaps, ops/s and median latency),
  - a list of 2,000 ConfigMaps (one request, and pages of 500),
  - a watch fan-out: 10 watchers, then creates; time until every watcher saw every event.
kube-apiserver needs the binaries of hack/realapi.sh; without them its column says why.
Rounds alternate between the servers (so both see the same load from whatever else runs on
the machine) and each figure is the median of the rounds. Counts are bounded: the default
run (3 rounds) takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from tekpy.testing.realapi import RealApiServer, RealApiUnavailable, ensure_binaries

_EMBEDDED_CHILD = """
import asyncio, json, sys
from tekpy.local.apiserver import EmbeddedApiServer

async def main():
    srv = EmbeddedApiServer(host="127.0.0.1", port=0, data_dir=None, tls=True)
    await srv.start()
    print(json.dumps({"url": srv.url, "token": srv.token, "ca_file": srv.ca_file}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF
    await srv.stop()

asyncio.run(main())
"""


@dataclass
class Handle:
    url: str
    token: str
    ca_file: str


class Client:
    def __init__(self, h: Handle) -> None:
        self.url = h.url
        ctx = ssl.create_default_context(cafile=h.ca_file)
        self.headers = {"Authorization": f"Bearer {h.token}", "Content-Type": "application/json"}
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ctx, limit=64),
            timeout=aiohttp.ClientTimeout(total=120),
        )

    async def call(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        data = None if body is None else json.dumps(body)
        async with self.session.request(
            method, self.url + path, data=data, headers=self.headers, params=params or None
        ) as r:
            payload = await r.read()
            if r.status >= 300:
                raise RuntimeError(f"{method} {path}: {r.status} {payload[:200]!r}")
            return json.loads(payload)


def cm(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"key": "value" * 8}}


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    t0 = time.perf_counter()
    await fn()
    return time.perf_counter() - t0


async def bench_creates(c: Client, ns: str, count: int, concurrency: int) -> dict[str, float]:
    names = iter(range(count))
    latencies: list[float] = []

    async def worker(tag: int) -> None:
        for i in names:
            t0 = time.perf_counter()
            await c.call("POST", f"/api/v1/namespaces/{ns}/configmaps", cm(f"c{tag}-{i}"))
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(t) for t in range(concurrency)))
    wall = time.perf_counter() - t0
    return {"ops_s": count / wall, "p50_ms": statistics.median(latencies) * 1000}


async def bench_list(c: Client, ns: str, total: int) -> dict[str, float]:
    # Fill the namespace with 8 concurrent creates (not measured).
    names = iter(range(total))

    async def filler() -> None:
        for i in names:
            await c.call("POST", f"/api/v1/namespaces/{ns}/configmaps", cm(f"l{i}"))

    await asyncio.gather(*(filler() for _ in range(8)))
    path = f"/api/v1/namespaces/{ns}/configmaps"
    whole = []
    for _ in range(3):
        whole.append(await timed(lambda: c.call("GET", path)))

    async def paged() -> None:
        token = ""
        while True:
            params = {"limit": "500", **({"continue": token} if token else {})}
            page = await c.call("GET", path, **params)
            token = page["metadata"].get("continue", "")
            if not token:
                return

    pages = [await timed(paged) for _ in range(3)]
    return {"list_ms": min(whole) * 1000, "paged_ms": min(pages) * 1000}


async def bench_fanout(c: Client, ns: str, watchers: int, events: int) -> dict[str, float]:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    rv = (await c.call("GET", path, limit="1"))["metadata"]["resourceVersion"]
    ready = asyncio.Event()
    opened = 0

    async def watch() -> float:
        nonlocal opened
        params = {"watch": "1", "resourceVersion": rv}
        async with c.session.get(c.url + path, params=params, headers=c.headers,
                                 timeout=aiohttp.ClientTimeout(total=120)) as resp:
            opened += 1
            if opened == watchers:
                ready.set()
            seen = 0
            while seen < events:
                line = await resp.content.readline()
                if not line:
                    raise RuntimeError("watch ended early")
                seen += 1
            return time.perf_counter()

    tasks = [asyncio.create_task(watch()) for _ in range(watchers)]
    await asyncio.wait_for(ready.wait(), 30)
    t0 = time.perf_counter()
    for i in range(events):
        await c.call("POST", path, cm(f"w{i}"))
    writes = time.perf_counter() - t0
    ends = await asyncio.wait_for(asyncio.gather(*tasks), 120)
    wall = max(ends) - t0
    return {"delivered_s": watchers * events / wall, "writes_s": events / writes,
            # Watchers may hold every event before the last write's response arrives.
            "drain_ms": max(0.0, max(ends) - t0 - writes) * 1000}


async def run_suite(h: Handle, scale: float, tag: str) -> dict[str, float]:
    """One round of every measurement, in fresh namespaces named after ``tag``."""
    c = Client(h)
    out: dict[str, float] = {}
    ns = {name: f"{tag}-{name}" for name in ("c1", "c8", "list", "fan")}
    try:
        for name in ns.values():
            await c.call("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
        r1 = await bench_creates(c, ns["c1"], int(200 * scale), 1)
        r8 = await bench_creates(c, ns["c8"], int(400 * scale), 8)
        out.update({"create c=1 ops/s": r1["ops_s"], "create c=1 p50 ms": r1["p50_ms"],
                    "create c=8 ops/s": r8["ops_s"], "create c=8 p50 ms": r8["p50_ms"]})
        rl = await bench_list(c, ns["list"], 2000)
        out.update({"list 2000 (1 request) ms": rl["list_ms"],
                    "list 2000 (pages of 500) ms": rl["paged_ms"]})
        rf = await bench_fanout(c, ns["fan"], 10, int(200 * scale))
        out.update({"watch fan-out 10x: events/s delivered": rf["delivered_s"],
                    "watch fan-out: writes/s meanwhile": rf["writes_s"],
                    "watch fan-out: drain after last write ms": rf["drain_ms"]})
    finally:
        await c.session.close()
    return out


@asynccontextmanager
async def embedded() -> AsyncIterator[Handle | str]:
    """The embedded server in a child process (so it does not share the client's loop)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _EMBEDDED_CHILD,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        yield Handle(**json.loads(line)) if line else "embedded server did not start"
    finally:
        proc.stdin.close()  # the child stops its server at EOF
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@asynccontextmanager
async def realapi() -> AsyncIterator[Handle | str]:
    """kube-apiserver + etcd (no controller manager: nothing here needs it)."""
    try:
        srv = RealApiServer(ensure_binaries(), controller_manager=False)
    except RealApiUnavailable as exc:
        yield exc.reason
        return
    async with srv:
        yield Handle(srv.url, srv.token, srv.ca_file)


async def measure(scale: float, rounds: int, only: str | None) -> dict[str, Any]:
    """Rounds alternate between the servers so that both see the same machine load; each
    metric is the median of the rounds."""
    servers = {"embedded": embedded, "kube-apiserver": realapi}
    if only:
        servers = {k: v for k, v in servers.items() if k.startswith(only[:4])}
    async with AsyncExitStack() as stack:
        handles = {name: await stack.enter_async_context(fn()) for name, fn in servers.items()}
        runs: dict[str, list[dict[str, float]]] = {n: [] for n in handles}
        for i in range(rounds):
            for name, h in handles.items():
                if isinstance(h, Handle):
                    runs[name].append(await run_suite(h, scale, f"bench-{i}"))
    results: dict[str, Any] = {}
    for name, h in handles.items():
        if isinstance(h, str):
            results[name] = h
        else:
            results[name] = {m: statistics.median(r[m] for r in runs[name]) for m in runs[name][0]}
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies create/watch counts")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per server (median)")
    ap.add_argument("--only", choices=["embedded", "realapi"])
    args = ap.parse_args()
    results = asyncio.run(measure(args.scale, args.rounds, args.only))
    print(f"{os.cpu_count()} cores; scale {args.scale}; median of {args.rounds} rounds")
    cols = list(results)
    metrics: list[str] = []
    for res in results.values():
        if isinstance(res, dict):
            metrics += [m for m in res if m not in metrics]
    print(f"| {'metric':<42} | " + " | ".join(f"{c:>15}" for c in cols) + " | ratio |")
    print(f"|{'-' * 44}|" + "|".join("-" * 17 for _ in cols) + "|-------|")
    for m in metrics:
        vals = [r.get(m) if isinstance(r, dict) else None for r in results.values()]
        cells = " | ".join(f"{v:>15.1f}" if v is not None else f"{'-':>15}" for v in vals)
        ratio = f"{vals[0] / vals[1]:.2f}" if len(vals) == 2 and vals[0] and vals[1] else "-"
        print(f"| {m:<42} | {cells} | {ratio:>5} |")
    for name, res in results.items():
        if isinstance(res, str):
            print(f"{name}: not measured: {res}")


if __name__ == "__main__":
    main()
