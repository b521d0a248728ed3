"""Run a real control plane by hand: ``python -m tekpy.testing.realapi``.

Starts etcd, kube-apiserver and kube-controller-manager (the binaries of hack/realapi.sh),
prints the kubeconfig path when ready, and stops everything on Ctrl-C or SIGTERM. Useful to
point kubectl or a controller at the real thing next to ``tekpy apiserver``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tekpy.testing.realapi import RealApiServer, RealApiUnavailable


async def _serve(controller_manager: bool) -> int:
    server = RealApiServer(controller_manager=controller_manager)
    try:
        await server.start()
    except RealApiUnavailable as exc:
        print(f"realapi: {exc.reason}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print(server.kubeconfig_path, flush=True)
        print(f"realapi: {server.url}, logs in {server.log_dir}", file=sys.stderr)
        await stop.wait()
    finally:
        await server.stop()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tekpy.testing.realapi",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--no-controller-manager", action="store_true",
                        help="run etcd and kube-apiserver only")
    args = parser.parse_args()
    sys.exit(asyncio.run(_serve(not args.no_controller_manager)))


if __name__ == "__main__":
    main()
