"""``tekpy webhook``: serve the validating admission webhook for Tekton objects (HTTPS).

Prints ``tekpy webhook listening on https://HOST:PORT`` to stdout once it serves; SIGTERM or
SIGINT stops it. See docs/webhook.md for deploying it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ssl
import sys
from typing import Any

from tekpy.cli.serving import serve_until_stopped
from tekpy.cli.tekton_flags import add_tekton_config_flags, tekton_config_maps

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``webhook`` subcommand."""
    p = subparsers.add_parser(
        "webhook", help="serve the validating admission webhook for Tekton objects",
        description="Serves POST /validate (admission.k8s.io/v1 AdmissionReviews of tekton.dev "
                    "objects) and GET /healthz over HTTPS.")
    p.add_argument("--cert", required=True, metavar="FILE",
                   help="serving certificate (PEM, with any intermediates)")
    p.add_argument("--key", required=True, metavar="FILE", help="its private key (PEM)")
    p.add_argument("--port", type=int, default=8443, help="port (default 8443; 0 picks one)")
    p.add_argument("--bind-address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 in a Pod)")
    add_tekton_config_flags(p)
    p.set_defaults(func=run)
    return p


async def _serve(args: argparse.Namespace, config: Any) -> int:
    from tekpy.webhook import WebhookServer

    srv = WebhookServer(args.cert, args.key, config, host=args.bind_address, port=args.port)
    return await serve_until_stopped(
        srv, lambda: print(f"tekpy webhook listening on {srv.url}", flush=True))


def run(args: argparse.Namespace) -> int:
    """Entry point of ``tekpy webhook``."""
    from tekpy.api import Config, ConfigError

    try:
        defaults, flags = tekton_config_maps(args)
        config = Config.from_maps(defaults, flags)
    except (ValueError, ConfigError) as exc:
        print(f"tekpy webhook: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        try:
            return asyncio.run(_serve(args, config))
        except (OSError, ssl.SSLError) as exc:  # unreadable cert/key, port in use
            print(f"tekpy webhook: {exc}", file=sys.stderr)
            return 1
    return 0
