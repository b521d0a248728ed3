#!/usr/bin/env python3
"""Write manifests/crds/*.yaml from tekpy.api's model (``--check``: fail if they differ)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tekpy.api.crdgen import render_all  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="only compare with the checked-in files")
    parser.add_argument("--out", type=Path, default=ROOT / "manifests" / "crds")
    args = parser.parse_args()
    stale = []
    for name, text in render_all().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if stale:
        print("CRDs differ from a fresh generation (run hack/gen-crds.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
