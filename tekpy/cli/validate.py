"""``tekpy validate``: parse, convert and validate Tekton documents without running them.

Every problem of every document is printed, one line each::

    pipeline.yaml: document 1 (Pipeline/build): spec.tasks[0].name: invalid value "Bad"

Exit status 0 when every document is valid, 2 otherwise (the DESIGN's "invalid input").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from tekpy.cli.tekton_flags import add_tekton_config_flags, tekton_config_maps

__all__ = ["add_parser", "run_validate", "validate_files"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``validate`` subcommand."""
    p = subparsers.add_parser(
        "validate",
        help="validate Tekton YAML files without running them",
        description="Parse, convert and validate every document; exit 0 when all are valid, "
                    "2 otherwise.",
    )
    p.add_argument("-f", "--filename", dest="files", action="append", required=True,
                   metavar="FILE", help="a YAML/JSON file ('-' for stdin); repeatable")
    add_tekton_config_flags(p)
    p.set_defaults(func=run_validate)
    return p


def validate_files(files: list[str], feature_flags: dict[str, str],
                   defaults: dict[str, str] | None = None, out: TextIO | None = None) -> int:
    """Validate the files, print problems to ``out`` (stdout); returns the number of problems."""
    from tekpy.api import Config, parse_documents, validate

    out = out if out is not None else sys.stdout
    config = Config.from_maps(defaults or {}, feature_flags)
    problems = 0
    for name in files:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror or exc}", file=out)
            problems += 1
            continue
        for doc in parse_documents(text):
            errors = doc.errors
            if not errors and doc.obj is not None:
                errors = validate(doc.obj, config, legacy=doc.version != "v1")
            label = f"{doc.kind or '?'}/{doc.name or '?'}"
            for e in errors.merged():
                for path in e.paths:
                    where = f"{path}: " if path else ""
                    print(f"{name}: document {doc.index} ({label}): {where}{e.message}", file=out)
                    if e.details:
                        print("    " + e.details.replace("\n", "\n    "), file=out)
                    problems += 1
    return problems


def run_validate(args: argparse.Namespace) -> int:
    """Entry point of ``tekpy validate``."""
    from tekpy.api import ConfigError

    try:
        defaults, flags = tekton_config_maps(args)
        problems = validate_files(args.files, flags, defaults)
    except (ValueError, ConfigError) as exc:
        print(f"tekpy validate: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"{problems} problem(s) found", file=sys.stderr)
        return 2
    return 0
