"""Results read from the ``tekton-log-results`` sidecar's log (``results-from: sidecar-logs``).

Each log line is one JSON object ``{"name", "value", "type"}`` (see
:mod:`tekpy.taskrun.podbuilder.resultsidecar`). As Tekton's controller does, a line longer
than the ``max-result-size`` feature flag (bytes) is an error that fails the TaskRun with
``TaskRunResultLargerThanAllowedLimit``; an unparsable line or an unknown type is an error
that leaves the results unread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tekpy.taskrun.status.pod_state import is_complete
from tekpy.taskrun.status.results import (
    STEP_ARTIFACTS,
    STEP_RESULT,
    TASK_ARTIFACTS,
    TASK_RESULT,
    RunResult,
)

__all__ = [
    "RESULTS_CONTAINER",
    "ResultTooLarge",
    "parse_sidecar_log",
    "results_log_ready",
    "step_results_of",
    "task_results_of",
]

#: the container whose log holds the results
RESULTS_CONTAINER = "sidecar-tekton-log-results"

_TYPES = {"task": TASK_RESULT, "step": STEP_RESULT, "stepArtifact": STEP_ARTIFACTS,
          "taskArtifact": TASK_ARTIFACTS}


class ResultTooLarge(ValueError):
    """A result line is longer than ``max-result-size``."""


def parse_sidecar_log(log: bytes, max_size: int) -> list[RunResult]:
    """The results of the sidecar's log; raises :class:`ResultTooLarge` or ValueError."""
    out: list[RunResult] = []
    for line in log.split(b"\n"):
        if not line:
            continue
        if len(line) > max_size:
            raise ResultTooLarge(f"{len(line)} bytes results size exceeds configured limit "
                                 f"of {max_size} bytes")
        try:
            # strict=False: control characters the shell program left unescaped still parse
            raw = json.loads(line.decode(errors="replace"), strict=False)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid result: {exc}") from None
        if not isinstance(raw, dict):
            raise ValueError("invalid result: not an object")
        name = str(raw.get("name", ""))
        kind = raw.get("type")
        if kind not in _TYPES:
            raise ValueError(f"invalid sidecar result type {kind}. Must be task or step or "
                             "stepArtifact")
        out.append(RunResult(name, str(raw.get("value", "")), _TYPES[kind]))
    return out


def results_log_ready(pod: dict[str, Any]) -> bool:
    """The Pod has the results sidecar and its log is complete: the steps and the sidecar
    have terminated (a Pending Pod has no log yet)."""
    names = {c.get("name") for c in (pod.get("spec") or {}).get("containers") or []}
    return RESULTS_CONTAINER in names and \
        (pod.get("status") or {}).get("phase") != "Pending" and \
        is_complete(pod, (RESULTS_CONTAINER,))


def task_results_of(results: Sequence[RunResult]) -> list[RunResult]:
    """The task results among ``results``."""
    return [r for r in results if r.type == TASK_RESULT]


def step_results_of(results: Sequence[RunResult], container: str) -> list[RunResult]:
    """The step results of one step container (``<container>.<result>`` names), renamed
    to the result's own name."""
    prefix = container + "."
    return [RunResult(r.key[len(prefix):], r.value, r.type) for r in results
            if r.type == STEP_RESULT and r.key.startswith(prefix)]
