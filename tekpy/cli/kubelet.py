"""``tekpy kubelet``: run the local node agent against any Kubernetes API server.

Exit status: 0 after SIGTERM/SIGINT, 1 when the agent fails (bubblewrap unusable, API server
unreachable), 2 for invalid flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run_kubelet"]

log = logging.getLogger("tekpy.cli.kubelet")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``kubelet`` subcommand."""
    p = subparsers.add_parser(
        "kubelet", help="run the local node agent (Pods as bubblewrap sandboxes)",
        description="Run Pods bound to this node as sandboxed processes (docs/kubelet.md).")
    p.add_argument("--kubeconfig", default=None, metavar="PATH",
                   help="kubeconfig file (default: $KUBECONFIG, else in-cluster config)")
    p.add_argument("--node-name", default=None, metavar="NAME",
                   help="name of the Node to register (default: the host name)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="volumes, logs and image roots (default: a temporary directory)")
    p.add_argument("--image-map", default=None, metavar="FILE",
                   help="YAML/JSON mapping of image references to root file systems")
    p.add_argument("--bind-unscheduled", action=argparse.BooleanOptionalAction, default=True,
                   help="bind Pods without a node to this one (default: on)")
    p.add_argument("--allow-host-path", action="store_true",
                   help="allow hostPath volumes (refused by default)")
    p.add_argument("--port", type=int, default=0,
                   help="port of the kubelet endpoint on 127.0.0.1 (default: any free port)")
    p.add_argument("--node-label", dest="node_labels", action="append", default=[],
                   metavar="KEY=VALUE", help="extra label of the Node; repeatable")
    p.add_argument("--log-level", default="info",
                   choices=("debug", "info", "warning", "error"))
    p.set_defaults(func=run_kubelet)
    return p


def run_kubelet(args: argparse.Namespace) -> int:
    """Entry point of ``tekpy kubelet``."""
    logging.basicConfig(level=getattr(logging, args.log_level.upper()),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from tekpy.local.kubelet import (
        AgentConfig,
        EntrypointBuildError,
        ensure_entrypoint_build,
        load_image_map,
    )

    try:
        labels = {}
        for item in args.node_labels:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ValueError(f"--node-label {item!r} is not KEY=VALUE")
            labels[key] = value
        config = AgentConfig(
            data_dir=Path(args.data_dir) if args.data_dir else None,
            image_map=load_image_map(args.image_map),
            bind_unscheduled=args.bind_unscheduled, allow_host_path=args.allow_host_path,
            port=args.port, node_labels=labels)
        if args.node_name:
            config.node_name = args.node_name
    except (OSError, ValueError) as exc:
        print(f"tekpy kubelet: {exc}", file=sys.stderr)
        return 2
    try:
        config.entrypoint_build = ensure_entrypoint_build(
            config.entrypoint_build,
            say=lambda text: print(f"tekpy kubelet: {text}", file=sys.stderr, flush=True))
    except EntrypointBuildError as exc:
        print(f"tekpy kubelet: {exc}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(_serve(args.kubeconfig, config))
    except KeyboardInterrupt:
        return 0


async def _serve(kubeconfig: str | None, config: Any) -> int:
    from tekpy.local.kubelet import BwrapUnavailable, NodeAgent
    from tekpy.runtime.client import Client

    client = await (Client.from_kubeconfig(kubeconfig) if kubeconfig
                    else Client.from_environment())
    agent = NodeAgent(client, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        try:
            await agent.start()
        except BwrapUnavailable as exc:
            print(f"tekpy kubelet: {exc}", file=sys.stderr)
            return 1
        print(f"node {agent.node_name} ready; kubelet endpoint "
              f"https://127.0.0.1:{agent.log_server.port}", flush=True)
        await stop.wait()
        return 0
    except Exception as exc:
        log.error("node agent failed: %s", exc)
        return 1
    finally:
        with contextlib.suppress(Exception):
            await agent.stop()
        await client.close()
