"""The packaged executable's unpacked runtime (see docs/entrypoint.md, "Packaging").

``hack/build-entrypoint.sh`` builds one file: a small static launcher followed by an archive of
a Python runtime (interpreter, its shared libraries and loader, a zip of the standard library
and this package). On its first start the launcher unpacks the archive into
``<its directory>/.tekpy-<build id>/`` and from then on executes the unpacked interpreter
directly. ``init`` / ``cp`` place that directory next to the copy they make, so that the steps,
which mount ``/tekton/bin`` read-only, start without unpacking anything.
"""

from __future__ import annotations

import os
import sys

MARKER = "tekpy-runtime"

#: Path of the launcher that started this process (set by the packaged boot code).
launcher: str | None = None


def runtime_dir() -> str | None:
    """The unpacked runtime this process runs from, or None when not packaged."""
    if os.path.exists(os.path.join(sys.prefix, MARKER)):
        return sys.prefix
    return None


def install_beside(src: str, dst: str) -> bool:
    """Copy the runtime next to ``dst`` when ``src`` is the running launcher; True if placed."""
    runtime = runtime_dir()
    if runtime is None or launcher is None:
        return False
    try:
        if not os.path.samefile(src, launcher):
            return False
    except OSError:
        return False
    target = os.path.join(os.path.dirname(os.path.abspath(dst)), os.path.basename(runtime))
    if os.path.exists(os.path.join(target, MARKER)):
        return True
    import shutil

    tmp = f"{target}.tmp{os.getpid()}"
    # Copy under a temporary name and rename, so a concurrent reader never sees half a tree.
    shutil.copytree(runtime, tmp, symlinks=True)
    try:
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.path.exists(os.path.join(target, MARKER)):
            raise
    return True
