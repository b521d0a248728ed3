"""Compile every ``.py`` under some directories of the image root to ``__pycache__`` bytecode.

    PYTHONHASHSEED=0 python3 -s pyc.py ROOTFS IMAGE_DIR [IMAGE_DIR ...]

Run by rootfs.py with the image's own interpreter (the bytecode must be its version's) in a
clean environment. The files are *unchecked-hash* pycs (PEP 552): the image is read-only, so
the interpreter never re-validates or rewrites them, and nothing about them depends on file
times. A fixed hash seed (set-constant order) and a sorted order of compilation make them
the same on every build. Each code object's file name is its path in the image, as in a
traceback.
"""

from __future__ import annotations

import os
import py_compile
import sys


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        sys.exit("pyc.py: run with PYTHONHASHSEED=0 (set constants would change order)")
    root, dirs = sys.argv[1], sys.argv[2:]
    count = 0
    for image_dir in dirs:
        for dirpath, dirnames, filenames in os.walk(root + image_dir):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    py_compile.compile(
                        path, dfile=path[len(root):], doraise=True,
                        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                except py_compile.PyCompileError as exc:
                    # Such a module cannot be imported by this interpreter either.
                    print(f"pyc.py: skipped {path[len(root):]}: {exc.msg}", file=sys.stderr)
                    continue
                count += 1
    print(count)


if __name__ == "__main__":
    main()
