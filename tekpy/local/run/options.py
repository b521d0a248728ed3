"""The settings of one ``tekpy run`` and its exit statuses."""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "RunOptions"]

EXIT_OK = 0
EXIT_FAILED = 1  # a run failed, or --timeout expired
EXIT_INVALID = 2  # invalid input: nothing was run
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


@attrs.define
class RunOptions:
    """What ``tekpy run`` was asked to do (the command line, typed).

    ``feature_flags``/``config_defaults`` are Tekton's ConfigMap keys; ``timeout`` is in
    seconds (None: wait for ever). Without ``kubeconfig`` an in-process cluster is started,
    with ``data_dir`` (default: a temporary directory) for the node agent's files.
    """

    files: list[str]
    output: str = "text"
    timeout: float | None = None
    kubeconfig: str | None = None
    feature_flags: dict[str, str] = attrs.field(factory=dict)
    config_defaults: dict[str, str] = attrs.field(factory=dict)
    image_map: str | None = None
    data_dir: Path | None = None
    entrypoint_build: Path | None = None
    namespace: str | None = None
    # time.monotonic() when the command started (progress times count from it)
    started: float | None = None
    # how long cancelled runs get to stop before the summary is printed anyway
    cancel_grace: float = 15.0
    # how long log streams get to drain once every run is done
    log_drain: float = 3.0
