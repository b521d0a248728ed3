"""``script`` steps and sidecars: the ``place-scripts`` init container.

Each script is written base64-encoded into ``/tekton/scripts/<name>`` by a shell heredoc
(base64 keeps the Kubelet from expanding ``$(VAR)`` in container args and never contains the
``_EOF_`` delimiter) and decoded in place by the entrypoint's ``decode-script`` subcommand. A
script without a shebang gets ``#!/bin/sh`` and ``set -e`` prepended. The container then runs
the script file as its command.

Tekton adds a random 5-character suffix to each script file name; tekpy derives the suffix
from a hash of the TaskRun's UID and the script's position, so a rebuilt Pod is identical.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from tekpy.taskrun.names import fnv32a
from tekpy.taskrun.podbuilder import volumes as v

__all__ = ["DEFAULT_PREAMBLE", "place_scripts"]

DEFAULT_PREAMBLE = "#!/bin/sh\nset -e\n"
_HEREDOC = "_EOF_"
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def _suffix(seed: str) -> str:
    h = fnv32a(seed)
    out = []
    for _ in range(5):
        h, r = divmod(h, len(_ALPHABET))
        out.append(_ALPHABET[r])
    return "".join(out)


def script_text(script: str) -> str:
    """The file content: the script, with the default preamble when it has no shebang."""
    if script.strip().startswith("#!"):
        return script
    return DEFAULT_PREAMBLE + script


def _place(script: str, path: str) -> str:
    encoded = base64.b64encode(script_text(script).encode()).decode()
    return (
        f'scriptfile="{path}"\n'
        "touch ${scriptfile} && chmod +x ${scriptfile}\n"
        f"cat > ${{scriptfile}} << '{_HEREDOC}'\n"
        f"{encoded}\n"
        f"{_HEREDOC}\n"
        f'{v.ENTRYPOINT_BIN} decode-script "${{scriptfile}}"\n'
    )


def place_scripts(shell_image: str, seed: str, steps: Iterable[dict[str, Any]],
                  sidecars: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """Rewrite containers that have a ``script`` (in place) and return the init container.

    ``steps`` and ``sidecars`` are container dicts still carrying a ``script`` key, which is
    removed. Returns ``None`` when no container has a script.
    """
    body: list[str] = []
    for prefix, containers in (("script", steps), ("sidecar-script", sidecars)):
        for i, c in enumerate(containers):
            script = c.pop("script", "")
            if not script:
                continue
            name = f"{prefix}-{i}"
            path = f"{v.SCRIPTS_DIR}/{name}-{_suffix(f'{seed}/{name}')}"
            body.append(_place(script, path))
            # a stepTemplate may have set args; Tekton keeps them and replaces the command
            c["command"] = [path]
            c.setdefault("volumeMounts", []).append(v.scripts_mount(True))
    if not body:
        return None
    return {
        "name": "place-scripts",
        "image": shell_image,
        "command": ["sh"],
        "args": ["-c", "".join(body)],
        "volumeMounts": [v.scripts_mount(False), v.bin_mount(False)],
    }
