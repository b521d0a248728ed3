"""``tekpy apiserver``: run the embedded Kubernetes API server standalone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from typing import Any

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
    p.set_defaults(func=run)


async def _serve(args: argparse.Namespace, kubeconfig: str | None) -> int:
    from tekpy.local.apiserver import EmbeddedApiServer

    srv = EmbeddedApiServer(host=args.host, port=args.port, data_dir=args.data_dir,
                            tls=not args.no_tls, kubeconfig_path=kubeconfig)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await srv.start()
    print(srv.kubeconfig_path, flush=True)
    print(f"tekpy apiserver listening on {srv.url}", file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        await srv.close()
    return 0


def run(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        kubeconfig = os.path.abspath(args.kubeconfig_out) if args.kubeconfig_out else None
        return asyncio.run(_serve(args, kubeconfig))
    return 0
