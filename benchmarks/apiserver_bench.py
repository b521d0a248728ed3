"""Embedded API server throughput and latency, each beside a floor measured in the same run.

Usage: .venv/bin/python benchmarks/apiserver_bench.py [--scale 1.0] [--rounds 3] [--tls]
                                                       [--loop auto|uvloop|asyncio]

The server runs in a child process (``tekpy apiserver``), so it does not share the client's
event loop; the floor is a bare aiohttp server in another child process whose handler parses
the same JSON and echoes it (for lists and watches: sends the same bytes). Same client, same
transport (plain HTTP unless --tls), same machine, same run. The server and the floor run on
the same event loop (``--loop``: uvloop when installed, by default) with the same garbage
collector thresholds; the client runs on asyncio's loop. Each child reports the loop it runs
on, and the output's first line says them. Measures:
  - creates/s with 1 and 8 concurrent clients (Pods), and the serving process's CPU time per
    create with 8 clients (user + system, from /proc: steadier than rates on a shared machine),
  - updates/s with 8 clients,
  - watch fan-out: events/s delivered in aggregate to 1, 10 and 100 watchers,
  - latency of one list of 10,000 pods (median of 5),
  - memory per stored pod (in-process, tracemalloc, managedFields included) beside the
    decoded request dict alone.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import yaml

FLOOR = r'''
import asyncio, sys, orjson
from aiohttp import web
from tekpy.cli.apiserver import loop_factory, tune_gc

LIST = b""
EVENTS = b""

async def handle(request):
    global LIST, EVENTS
    if request.method == "POST" and request.path == "/setlist":  # no 1 MiB read limit
        LIST = await request.content.read(); return web.Response(text="ok")
    if request.method == "POST" and request.path == "/setevents":
        EVENTS = await request.content.read(); return web.Response(text="ok")
    if request.method == "GET" and request.query.get("watch"):
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(EVENTS)
        await resp.write_eof()
        return resp
    if request.method == "GET":
        return web.Response(body=LIST, content_type="application/json")
    body = orjson.loads(await request.read())
    return web.Response(body=orjson.dumps(body), status=201, content_type="application/json")

async def main():
    runner = web.ServerRunner(web.Server(handle, access_log=None))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    loop = asyncio.get_running_loop()
    kind = "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
    print(site._server.sockets[0].getsockname()[1], kind, flush=True)
    await asyncio.Event().wait()

tune_gc()  # as `tekpy apiserver` does, on the same loop (sys.argv[1])
with asyncio.Runner(loop_factory=loop_factory(sys.argv[1])) as runner:
    runner.run(main())
'''


#: ``--repeat-spec``: every Pod gets the same spec (only metadata differs), the case the
#: server's memo of spec validation and field sets serves; by default each spec is distinct.
REPEAT_SPEC = False


def pod(name: str) -> dict[str, Any]:
    """A Pod about the size of the ones the TaskRun reconciler creates (~1.5 kB); its spec
    names the run (as a TaskRun's Pod does in its arguments) unless ``REPEAT_SPEC``."""
    run = "t" if REPEAT_SPEC else name
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "tekton-pipelines",
                                              "tekton.dev/taskRun": name, "tekton.dev/task": "t"},
                     "annotations": {"pipeline.tekton.dev/release": "v0.1"}},
        "spec": {
            "restartPolicy": "Never", "serviceAccountName": "default",
            "containers": [{
                "name": f"step-{i}", "image": "busybox:1.36",
                "command": ["/tekton/bin/entrypoint"],
                "args": ["-wait_file", f"/tekton/run/{i - 1}/out", "-post_file",
                         f"/tekton/run/{i}/out", "-entrypoint", "sh", "--", "-c", "echo hi"],
                "volumeMounts": [{"name": "tekton-internal-tools", "mountPath": "/tekton/bin"}],
                "env": [{"name": "HOME", "value": "/tekton/home"},
                        {"name": "TASKRUN", "value": run}],
            } for i in range(2)],
            "volumes": [{"name": "tekton-internal-tools", "emptyDir": {}}],
        },
    }


class Target:
    def __init__(self, url: str, token: str, ssl_ctx: Any, loop: str = "") -> None:
        self.loop = loop  # the event loop the serving process says it runs
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.ssl = ssl_ctx


def resolve_loop(choice: str) -> str:
    """``auto``: uvloop when installed (as ``tekpy apiserver`` picks), else asyncio."""
    if choice != "auto":
        return choice
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def start_server(
    tls: bool, tmp: str, loop: str
) -> tuple[asyncio.subprocess.Process, Target]:
    kc = os.path.join(tmp, "kubeconfig")
    args = [sys.executable, "-m", "tekpy", "apiserver", "--port", "0", "--kubeconfig-out", kc,
            "--event-loop", loop]
    if not tls:
        args.append("--no-tls")
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    await proc.stdout.readline()
    # "tekpy apiserver listening on URL (<loop> event loop)", after any warnings
    actual = "?"
    while said := (await asyncio.wait_for(proc.stderr.readline(), 30)).decode():
        if "listening on" in said:
            actual = said.rsplit("(", 1)[-1].split(" ")[0] if "event loop" in said else "?"
            break
    _background.add(asyncio.ensure_future(_drain(proc.stderr)))
    cfg = yaml.safe_load(await asyncio.to_thread(Path(kc).read_text))
    server = cfg["clusters"][0]["cluster"]["server"]
    ssl_ctx: Any = False
    if tls:
        import base64
        import ssl
        ca = base64.b64decode(cfg["clusters"][0]["cluster"]["certificate-authority-data"])
        ssl_ctx = ssl.create_default_context(cadata=ca.decode())
    return proc, Target(server, cfg["users"][0]["user"]["token"], ssl_ctx, actual)


_background: set[asyncio.Future[None]] = set()


async def start_floor(loop: str) -> tuple[asyncio.subprocess.Process, Target]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", FLOOR, loop,
                                                stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    port, actual = (await proc.stdout.readline()).decode().split()
    return proc, Target(f"http://127.0.0.1:{port}", "floor", False, actual)


def process_cpu(pid: int) -> float | None:
    """Seconds of CPU (user + system) a child process has used, where /proc tells it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Sums a child's CPU time over the runs it serves (each run ends before the next)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seconds = 0.0
        self.ops = 0

    async def run(self, ops: int, coro: Awaitable[float]) -> float:
        start = process_cpu(self.pid)
        result = await coro
        end = process_cpu(self.pid)
        if start is not None and end is not None:
            self.seconds += end - start
            self.ops += ops
        return result

    def per_op_us(self) -> float:
        return self.seconds / self.ops * 1e6 if self.ops else 0.0


def session(t: Target, limit: int = 0) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=t.ssl, limit=limit))


async def rate(n: int, clients: int, op: Callable[[int], Awaitable[None]]) -> float:
    """Operations per second of ``n`` ops spread over ``clients`` concurrent loops."""
    counter = iter(range(n))

    async def loop() -> None:
        for i in counter:
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    return n / (time.perf_counter() - start)


async def bench_creates(t: Target, n: int, clients: int, prefix: str) -> float:
    path = t.url + "/api/v1/namespaces/default/pods"
    bodies = [orjson.dumps(pod(f"{prefix}-{i}")) for i in range(n)]
    async with session(t, clients) as s:
        async def op(i: int) -> None:
            async with s.post(path, data=bodies[i], headers=t.headers) as r:
                await r.read()
                assert r.status == 201, r.status
        return await rate(n, clients, op)


async def bench_updates(t: Target, n: int, clients: int, prefix: str, floor: bool) -> float:
    path = t.url + "/api/v1/namespaces/default/pods"
    async with session(t, clients) as s:
        current: dict[int, dict[str, Any]] = {}
        for i in range(clients):
            obj = pod(f"{prefix}-{i}")
            async with s.post(path, data=orjson.dumps(obj), headers=t.headers) as r:
                current[i] = await r.json()

        async def op(i: int) -> None:
            k = i % clients
            obj = current[k]
            obj["metadata"].setdefault("labels", {})["n"] = str(i)
            url = path if floor else f"{path}/{prefix}-{k}"
            async with s.request("POST" if floor else "PUT", url, data=orjson.dumps(obj),
                                 headers=t.headers) as r:
                current[k] = await r.json()
                assert r.status in (200, 201), current[k]

        # each client updates its own object, so there are no conflicts
        counter = iter(range(n))

        async def loop(k: int) -> None:
            for i in counter:
                await op(k + clients * (i // clients))

        start = time.perf_counter()
        await asyncio.gather(*(loop(k) for k in range(clients)))
        return n / (time.perf_counter() - start)


async def bench_watch(t: Target, watchers: int, events: int, prefix: str, floor: bool) -> float:
    """Aggregate events/s delivered live to ``watchers`` watchers.

    The events are produced at server speed by one deletecollection of ``events``
    ConfigMaps (created beforehand, untimed) in a namespace of their own; the floor streams
    the same number of pre-encoded lines to each watcher.
    """
    ns = f"{prefix}-ns"
    path = t.url + f"/api/v1/namespaces/{ns}/configmaps"
    async with session(t) as s:
        if floor:
            line = b'{"type":"DELETED","object":' + orjson.dumps(
                {"metadata": {"name": "x" * 10, "resourceVersion": "1"}, "data": {"k": "v"}}
            ) + b"}\n"
            async with s.post(t.url + "/setevents", data=line * events) as r:
                await r.read()
            rv = "0"
        else:
            async with s.post(t.url + "/api/v1/namespaces", headers=t.headers,
                              data=orjson.dumps({"metadata": {"name": ns}})) as r:
                assert r.status == 201
            bodies = [orjson.dumps({"metadata": {"name": f"e{i}"}, "data": {"k": "v"}})
                      for i in range(events)]

            async def create(i: int) -> None:
                async with s.post(path, data=bodies[i], headers=t.headers) as r:
                    await r.read()
            await rate(events, 8, create)
            async with s.get(path + "?limit=1", headers=t.headers) as r:
                rv = (await r.json())["metadata"]["resourceVersion"]
        resps = [await s.get(f"{path}?watch=true&resourceVersion={rv}", headers=t.headers)
                 for _ in range(watchers)]

        async def consume(resp: aiohttp.ClientResponse) -> None:
            seen = 0
            while seen < events:
                chunk = await resp.content.readline()
                if not chunk:
                    break
                seen += 1
            assert seen == events

        start = time.perf_counter()
        tasks = [asyncio.create_task(consume(r)) for r in resps]
        if not floor:
            async with s.delete(path, headers=t.headers) as r:
                await r.read()
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        elapsed = time.perf_counter() - start
        for r in resps:
            r.close()
        return watchers * events / elapsed


async def bench_list(t: Target, floor_body: bytes | None) -> tuple[float, int]:
    """Median latency (ms) of listing every Pod, and how many there were."""
    path = t.url + "/api/v1/namespaces/default/pods"
    async with session(t) as s:
        if floor_body is not None:
            async with s.post(t.url + "/setlist", data=floor_body) as r:
                await r.read()
        times = []
        body = b""
        for _ in range(5):
            start = time.perf_counter()
            async with s.get(path, headers=t.headers) as r:
                body = await r.read()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000, len(orjson.loads(body)["items"])


async def list_body(t: Target) -> bytes:
    async with session(t) as s, s.get(t.url + "/api/v1/namespaces/default/pods",
                                      headers=t.headers) as r:
        return await r.read()


def memory_per_object(n: int) -> tuple[float, float]:
    """Bytes per pod stored in the server's Store (dict + encoding, with the managedFields
    entry a client's create records) vs the decoded request dict alone."""
    from tekpy.local.apiserver.registry import Registry
    from tekpy.local.apiserver.semantics import Api
    from tekpy.local.apiserver.store import Store

    store = Store(history_size=0)
    api = Api(store, Registry())
    api.bootstrap()
    info = api.registry.get("", "v1", "pods")
    assert info is not None
    raws = [orjson.dumps(pod(f"m-{i}")) for i in range(n)]
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for raw in raws:
        api.create(info, "default", orjson.loads(raw), manager="benchmark")
    stored = tracemalloc.get_traced_memory()[0] - base
    store.data.clear()
    store.by_uid.clear()
    base = tracemalloc.get_traced_memory()[0]
    plain = [orjson.loads(raw) for raw in raws]
    decoded = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del plain
    return stored / n, decoded / n


async def watch_round(t: Target, watchers: int, events: int, floor: bool, k: int) -> float:
    return await bench_watch(t, watchers, events, f"w{watchers}-{k}", floor)


async def best(
    rounds: int, ours: Callable[[int], Awaitable[float]], floor: Callable[[int], Awaitable[float]]
) -> tuple[float, float]:
    """Best of ``rounds`` interleaved runs of each (the machine is shared and noisy)."""
    a, b = 0.0, 0.0
    for k in range(rounds):
        a = max(a, await ours(k))
        b = max(b, await floor(k))
    return a, b


def row(name: str, ours: float, floor: float, unit: str, higher_is_better: bool = True) -> str:
    ratio = ours / floor if floor else 0.0
    tag = "of floor" if higher_is_better else "x floor"
    return f"| {name} | {ours:,.0f} {unit} | {floor:,.0f} {unit} | {ratio:.2f} {tag} |"


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--tls", action="store_true", help="serve TLS (the floor stays plain)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds per throughput figure; the best one is kept")
    ap.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                    help="event loop of the server and of the floor (auto: uvloop if "
                         "installed); the client always runs asyncio's")
    ap.add_argument("--repeat-spec", action="store_true",
                    help="give every Pod the same spec (default: each spec is distinct)")
    args = ap.parse_args()
    global REPEAT_SPEC
    REPEAT_SPEC = args.repeat_spec
    loop = resolve_loop(args.loop)
    n = max(100, int(3000 * args.scale))
    with tempfile.TemporaryDirectory() as tmp:
        sproc, srv = await start_server(args.tls, tmp, loop)
        fproc, flo = await start_floor(loop)
        try:
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            specs = "one spec for all Pods" if REPEAT_SPEC else "a distinct spec per Pod"
            out = [f"event loops: server {srv.loop}, floor {flo.loop}, client asyncio; "
                   f"{specs}; load average at start {load}", "",
                   "| measure | embedded server | floor (bare aiohttp echo) | ratio |",
                   "|---|---|---|---|"]
            r = args.rounds
            c1, f1 = await best(r, lambda k: bench_creates(srv, n // 3, 1, f"c1-{k}"),
                                lambda k: bench_creates(flo, n // 3, 1, f"c1-{k}"))
            out.append(row("creates/s, 1 client", c1, f1, "/s"))
            ours_cpu, floor_cpu = CpuMeter(sproc.pid), CpuMeter(fproc.pid)
            c8, f8 = await best(
                r, lambda k: ours_cpu.run(n, bench_creates(srv, n, 8, f"c8-{k}")),
                lambda k: floor_cpu.run(n, bench_creates(flo, n, 8, f"c8-{k}")))
            out.append(row("creates/s, 8 clients", c8, f8, "/s"))
            if ours_cpu.ops and floor_cpu.ops:
                out.append(row("server CPU per create, 8 clients (all rounds)",
                               ours_cpu.per_op_us(), floor_cpu.per_op_us(), "µs",
                               higher_is_better=False))
            u8, fu8 = await best(r, lambda k: bench_updates(srv, n, 8, f"u8-{k}", False),
                                 lambda k: bench_updates(flo, n, 8, f"u8-{k}", True))
            out.append(row("updates/s, 8 clients", u8, fu8, "/s"))
            events = max(100, int(2000 * args.scale))
            for w in (1, 10, 100):
                ev = max(50, events // max(1, w // 10))  # bounded total work per run
                ours, floor = await best(r, functools.partial(watch_round, srv, w, ev, False),
                                         functools.partial(watch_round, flo, w, ev, True))
                out.append(row(f"watch events/s delivered, {w} watchers ({ev} events)",
                               ours, floor, "ev/s"))
            # top up to 10,000 pods, then list them
            have = r * (n // 3 + n + 8)
            target = int(10_000 * max(args.scale, 1.0)) if args.scale >= 1 else \
                max(1000, int(10_000 * args.scale))
            if target > have:
                await bench_creates(srv, target - have, 8, "fill")
            ms, count = await bench_list(srv, None)
            body = await list_body(srv)
            fms, _ = await bench_list(flo, body)
            out.append(f"| list of {count:,} pods ({len(body) / 1e6:.1f} MB), median of 5 | "
                       f"{ms:.0f} ms | {fms:.0f} ms | {ms / fms:.2f} x floor |")
            per, plain = memory_per_object(min(target, 10_000))
            out.append(f"| memory per stored pod | {per:,.0f} B | {plain:,.0f} B (dict alone) | "
                       f"{per / plain:.2f} x floor |")
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            out.append(f"\nload average at end {load}")
            print("\n".join(out))
        finally:
            for p in (sproc, fproc):
                p.terminate()
                await p.wait()


if __name__ == "__main__":
    asyncio.run(main())
