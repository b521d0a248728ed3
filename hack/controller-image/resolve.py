"""Print the runtime distributions of tekpy, as JSON, from an environment's installed metadata.

Run it with the project venv's interpreter (it reads that environment's ``*.dist-info``)::

    .venv/bin/python -I hack/controller-image/resolve.py PYPROJECT TARGET_PYTHON_VERSION

Starts from ``[project.dependencies]`` of PYPROJECT and follows every distribution's
``Requires-Dist`` whose environment marker holds for the image's interpreter (full version
TARGET_PYTHON_VERSION, Linux, CPython), with the extras each requirement asks for. Output:
``{"site": DIR, "dists": [{"name", "version", "files": [paths relative to DIR]}]}``, files
from each distribution's RECORD, sorted, only those inside DIR.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import sys
import tomllib

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip vendors it; a venv has pip
    from pip._vendor.packaging.markers import default_environment  # type: ignore[no-redef,assignment,unused-ignore]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef,assignment,unused-ignore]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef,assignment,unused-ignore]


def resolve(roots: list[str], full_version: str) -> list[md.Distribution]:
    env = {k: str(v) for k, v in default_environment().items()}
    env.update(python_full_version=full_version,
               python_version=".".join(full_version.split(".")[:2]),
               implementation_version=full_version)
    found: dict[str, md.Distribution] = {}
    # (requirement, extra of the requiring distribution under which it was asked for)
    todo: list[tuple[str, str]] = [(r, "") for r in roots]
    while todo:
        text, extra = todo.pop()
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({**env, "extra": extra}):
            continue
        key = canonicalize_name(req.name)
        extras = sorted(req.extras)
        if key in found and not extras:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            sys.exit(f"resolve: {req.name} (needed: {text}) is not installed in {sys.prefix}")
        if not req.specifier.contains(dist.version, prereleases=True):
            sys.exit(f"resolve: installed {req.name} {dist.version} does not satisfy {text}")
        if key not in found:
            found[key] = dist
            todo.extend((r, "") for r in dist.requires or [])
        for x in extras:  # an extra's requirements carry the marker `extra == "x"`
            todo.extend((r, x) for r in dist.requires or [] if "extra" in r)
    return [found[k] for k in sorted(found)]


def main() -> None:
    pyproject, full_version = sys.argv[1], sys.argv[2]
    with open(pyproject, "rb") as f:
        roots = tomllib.load(f)["project"]["dependencies"]
    out = []
    site = ""
    for dist in resolve(roots, full_version):
        if dist.files is None:
            sys.exit(f"resolve: {dist.metadata['Name']} has no RECORD; reinstall it with pip")
        here = os.path.realpath(str(dist.locate_file("")))
        site = site or here
        if here != site:
            sys.exit(f"resolve: {dist.metadata['Name']} lives in {here}, not {site}")
        files = sorted({os.path.normpath(str(f)) for f in dist.files
                        if not str(f).startswith("..") and "__pycache__" not in f.parts})
        out.append({"name": dist.metadata["Name"], "version": dist.version, "files": files})
    json.dump({"site": site, "dists": out}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
