"""Helpers of the ``tekpy run`` tests."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "RunTekpy", "final_reason", "lines_with", "summary_row", "write"]

ROOT = Path(__file__).resolve().parents[2]

# the ``tekpy_run`` fixture: ``tekpy_run(*args, timeout=...)`` -> the finished process
RunTekpy = Callable[..., subprocess.CompletedProcess[str]]


def write(path: Path, text: str) -> str:
    """Write ``text`` to ``path`` and return the path as a string (for ``-f``)."""
    path.write_text(text)
    return str(path)


def lines_with(text: str, prefix: str) -> list[str]:
    """The lines of ``text`` starting with ``prefix``, the prefix removed."""
    return [line[len(prefix):].strip() for line in text.splitlines() if line.startswith(prefix)]


def summary_row(stdout: str, label_re: str) -> list[str]:
    """The cells of the summary table row whose RUN matches ``label_re``."""
    after = stdout.split("Summary:", 1)[1]
    for line in after.splitlines():
        cells = line.split()
        if cells and re.fullmatch(label_re, cells[0]):
            return cells
    raise AssertionError(f"no summary row for {label_re} in:\n{stdout}")


def final_reason(obj: dict[str, Any]) -> tuple[str, str]:
    """(status, reason) of a run's Succeeded condition."""
    for c in obj["status"]["conditions"]:
        if c["type"] == "Succeeded":
            return c["status"], c["reason"]
    raise AssertionError(json.dumps(obj)[:500])
