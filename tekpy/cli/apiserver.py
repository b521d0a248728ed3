"""``tekpy apiserver``: run the embedded Kubernetes API server standalone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
from collections.abc import Callable
from typing import Any

from tekpy.cli.serving import serve_until_stopped

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "apiserver", help="run the embedded Kubernetes API server",
        description="Runs the embedded API server and writes a kubeconfig (token auth, mode "
                    "0600) that kubectl can use; prints the kubeconfig path when ready.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=6443, help="port (0 picks a free one)")
    p.add_argument("--data-dir", default=None,
                   help="keep state in SQLite here (survives restarts and kill -9)")
    p.add_argument("--kubeconfig-out", default=None,
                   help="where to write the kubeconfig (default: <data-dir or temp>/kubeconfig)")
    p.add_argument("--no-tls", action="store_true", help="serve plain HTTP (tests only)")
    p.add_argument("--event-loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                   help="event loop: uvloop when installed (auto), or the standard one")
    p.set_defaults(func=run)


def loop_factory(choice: str = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop to serve with: uvloop's (faster sockets and scheduling) if installed.

    None means asyncio's default loop. ``choice="uvloop"`` fails when it is not installed.
    """
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise
        return None
    return uvloop.new_event_loop


def tune_gc() -> None:
    """Run full (oldest-generation) collections ten times less often than by default.

    Nearly all of a serving process's long-lived objects are stored API objects: decoded
    JSON, which holds no reference cycles. Each full collection walks all of them and finds
    nothing, and with the default threshold one runs every few thousand writes (a fifth of
    the server's CPU time under a stream of creates). Young collections are unchanged, so
    short-lived cyclic garbage is still found as soon as before; older cyclic garbage waits
    longer. Process-wide, hence only in this command, which owns its process.
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


async def _serve(args: argparse.Namespace, kubeconfig: str | None) -> int:
    from tekpy.local.apiserver import EmbeddedApiServer

    srv = EmbeddedApiServer(host=args.host, port=args.port, data_dir=args.data_dir,
                            tls=not args.no_tls, kubeconfig_path=kubeconfig)
    loop = asyncio.get_running_loop()
    kind = "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"

    def ready() -> None:
        print(srv.kubeconfig_path, flush=True)
        print(f"tekpy apiserver listening on {srv.url} ({kind} event loop)", file=sys.stderr,
              flush=True)
    return await serve_until_stopped(srv, ready)


def run(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        kubeconfig = os.path.abspath(args.kubeconfig_out) if args.kubeconfig_out else None
        try:
            factory = loop_factory(getattr(args, "event_loop", "auto"))
        except ImportError:
            print("tekpy apiserver: --event-loop uvloop needs uvloop installed", file=sys.stderr)
            return 2
        tune_gc()
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(_serve(args, kubeconfig))
    return 0
