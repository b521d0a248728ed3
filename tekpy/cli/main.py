"""The ``tekpy`` command: dispatches to one module per subcommand.

Each subcommand module under ``tekpy.cli`` provides ``add_parser(subparsers)`` (registering
its parser and setting ``func``) and is imported lazily so that a subcommand's heavy
dependencies load only when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand name -> module under tekpy.cli
SUBCOMMANDS: dict[str, str] = {
    "apiserver": "tekpy.cli.apiserver",
    "validate": "tekpy.cli.validate",
    "controller": "tekpy.cli.controller",
    "kubelet": "tekpy.cli.kubelet",
    "run": "tekpy.cli.run",
    "webhook": "tekpy.cli.webhook",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tekpy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMANDS.values():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # not built yet
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
