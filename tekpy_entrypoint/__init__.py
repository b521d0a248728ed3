"""tekpy's step entrypoint: orders a Pod's steps through files, as Tekton's entrypoint does.

This package uses only the Python standard library because it runs inside arbitrary step
images (packaged by ``hack/build-entrypoint.sh`` into one self-contained executable).

Public names:

- :data:`VERSION`, :data:`DEFAULT_IMAGE` (the controller's ``--entrypoint-image`` default) and
  :data:`IMAGE_BINARY_PATH` (where the executable sits inside that image).
- :func:`tekpy_entrypoint.__main__.main` - the command line (``tekpy-entrypoint``).
"""

from __future__ import annotations

VERSION = "0.1.0"

#: Default image reference of the entrypoint image (built by hack/build-entrypoint.sh).
DEFAULT_IMAGE = f"tekpy/entrypoint:v{VERSION}"

#: Path of the executable inside the image, the same path Tekton's ko-built image uses.
IMAGE_BINARY_PATH = "/ko-app/entrypoint"

#: Where the `prepare` init container places the executable for the steps.
BIN_PATH = "/tekton/bin/entrypoint"

__all__ = ["BIN_PATH", "DEFAULT_IMAGE", "IMAGE_BINARY_PATH", "VERSION"]
