"""Subcommands run by the Pod's init containers: ``init``, ``cp``, ``decode-script``, ``step-init``.

``init <src> <dst> <step names...>`` copies the executable and creates the ``/tekton/steps``
links in one init container (Tekton's ``prepare``); ``decode-script <file>`` turns a script that
the ``place-scripts`` init container wrote base64-encoded back into its text, in place.
"""

from __future__ import annotations

import os

from . import bundle
from .flags import tekton_root

INIT = "init"
CP = "cp"
DECODE_SCRIPT = "decode-script"
STEP_INIT = "step-init"

# Owner may write and execute, everybody may execute: Tekton's permissions for the copy.
DST_PERMISSIONS = 0o311


class SubcommandError(Exception):
    """A subcommand matched but failed; the process exits 1."""

    def __init__(self, subcommand: str, message: str) -> None:
        super().__init__(f"{subcommand} error: {message}")


def cp(src: str, dst: str) -> None:
    """Copy ``src`` to ``dst`` (created with mode 0311, not truncated, as Tekton's cp does).

    When ``src`` is this packaged executable, its unpacked runtime is placed next to ``dst``
    as well, so that the copy starts without unpacking anything (see :mod:`.bundle`).
    """
    import shutil

    fd = os.open(dst, os.O_WRONLY | os.O_CREAT, DST_PERMISSIONS)
    with open(src, "rb") as s, os.fdopen(fd, "wb") as d:
        shutil.copyfileobj(s, d, 1 << 20)
    bundle.install_beside(src, dst)


def step_init(steps: list[str]) -> None:
    """Create ``<root>/steps/<name>`` and ``<root>/steps/<index>`` links to run/<i>/status."""
    root = tekton_root()
    step_dir = os.path.join(root, "steps")
    os.makedirs(step_dir, exist_ok=True)
    for i, name in enumerate(steps):
        target = os.path.join(root, "run", str(i), "status")
        for link in (os.path.join(step_dir, name), os.path.join(step_dir, str(i))):
            try:
                os.symlink(target, link)
            except FileExistsError:
                pass  # a restarted init container finds the links already there


def decode_script(path: str) -> None:
    """Replace the base64 content of ``path`` with the decoded bytes, keeping its mode."""
    import base64
    import binascii

    try:
        with open(path, "rb") as f:
            encoded = f.read()
        mode = os.stat(path).st_mode & 0o777
    except OSError as exc:
        raise ValueError(f'error reading from script file "{path}": {exc.strerror}') from exc
    try:
        decoded = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f'error decoding script file "{path}": {exc}') from exc
    with open(path, "wb") as f:
        f.write(decoded)
    os.chmod(path, mode)


def process(args: list[str]) -> str | None:
    """Run the subcommand ``args`` names; return its success message, or None if none matched.

    Raises SubcommandError when the subcommand fails. Argument counts that do not match a
    subcommand fall through to running a step, as in Tekton.
    """
    if not args:
        return None
    name = args[0]
    try:
        if name == INIT and len(args) >= 3:
            cp(args[1], args[2])
            step_init(args[3:])
            return "Entrypoint initialization"
        if name == CP and len(args) == 3:
            cp(args[1], args[2])
            return f"Copied {args[1]} to {args[2]}"
        if name == DECODE_SCRIPT and len(args) == 2:
            decode_script(args[1])
            return f"Decoded script {args[1]}"
        if name == STEP_INIT:
            step_init(args[1:])
            return "Setup /step directories"
    except (OSError, ValueError) as exc:
        raise SubcommandError(name, str(exc)) from exc
    return None
