"""``tekpy run``: run the PipelineRuns and TaskRuns of YAML files to completion.

Without ``--kubeconfig`` an embedded API server, both Tekton controllers and a node agent
start in this process (local mode, docs/local-mode.md); with it, the objects are submitted
to that cluster and followed. Exit status: 0 every run succeeded, 1 a run failed or
``--timeout`` expired, 2 invalid input (nothing run), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tekpy.cli.tekton_flags import add_tekton_config_flags, tekton_config_maps

__all__ = ["add_parser", "run_command"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run", help="run Tekton PipelineRuns/TaskRuns from files to completion",
        description="Run the objects in the files to completion, streaming step logs and "
                    "progress, then print a summary.")
    p.add_argument("-f", "--filename", dest="files", action="append", required=True,
                   metavar="FILE", help="a YAML/JSON file ('-' for stdin); repeatable")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text",
                   help="text (default), or json: one JSON list of the final runs on stdout")
    p.add_argument("--timeout", default=None, metavar="DURATION",
                   help="cancel the runs and exit 1 after this long (Go duration: 90s, 5m)")
    p.add_argument("--kubeconfig", default=None, metavar="PATH",
                   help="submit to this cluster instead of starting one in-process")
    p.add_argument("-n", "--namespace", default=None, metavar="NS",
                   help="namespace of objects that name none (default: the kubeconfig's, "
                        "else 'default')")
    add_tekton_config_flags(p)
    p.add_argument("--image-map", default=None, metavar="FILE",
                   help="local mode: image to root file system mapping, as `tekpy kubelet`")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="local mode: the node agent's directory (default: a temporary one)")
    p.add_argument("--entrypoint-build", default=None, metavar="DIR",
                   help="local mode: the hack/build-entrypoint.sh output to use (default: "
                        "$TEKPY_ENTRYPOINT_BUILD, else out/entrypoint of the source tree)")
    p.add_argument("--log-level", default="warning",
                   choices=("debug", "info", "warning", "error"),
                   help="level of the in-process components' logs (stderr)")
    p.set_defaults(func=run_command)
    return p


def run_command(args: argparse.Namespace) -> int:
    """Entry point of ``tekpy run``."""
    import logging
    import time

    started = time.monotonic()

    from tekpy.api.durations import parse_duration
    from tekpy.local.run import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, RunOptions, run

    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    try:
        defaults, flags = tekton_config_maps(args)
        timeout = parse_duration(args.timeout) if args.timeout else None
        if timeout is not None and timeout <= 0:
            raise ValueError("--timeout must be positive")
        opts = RunOptions(
            files=args.files, output=args.output, timeout=timeout, kubeconfig=args.kubeconfig,
            feature_flags=flags, config_defaults=defaults,
            image_map=args.image_map, namespace=args.namespace,
            data_dir=Path(args.data_dir) if args.data_dir else None,
            entrypoint_build=Path(args.entrypoint_build) if args.entrypoint_build else None,
            started=started)
    except ValueError as exc:
        print(f"tekpy run: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        return run(opts)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # an unreachable cluster, a refused request, ...
        logging.getLogger("tekpy.cli.run").debug("tekpy run failed", exc_info=exc)
        print(f"tekpy run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
