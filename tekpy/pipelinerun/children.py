"""Reading children (raw TaskRuns and child PipelineRuns): their condition and what it
means for the parent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tekpy.api.types import ParamValue
from tekpy.pipelinerun import reasons

__all__ = [
    "condition", "is_cancelled", "is_cancelled_for_timeout", "is_done", "is_failed",
    "is_pipelinerun", "is_succeeded", "run_results",
]

PIPELINE_TASK_LABEL = "tekton.dev/pipelineTask"


def is_pipelinerun(run: dict[str, Any]) -> bool:
    """A child PipelineRun (pipelines in pipelines) rather than a TaskRun."""
    return run.get("kind") == "PipelineRun"


def condition(tr: dict[str, Any]) -> dict[str, Any]:
    """The TaskRun's ``Succeeded`` condition (empty when it has none yet)."""
    for c in (tr.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Succeeded":
            return dict(c)
    return {}


def is_done(tr: dict[str, Any]) -> bool:
    """Finished one way or another (True or False)."""
    return condition(tr).get("status") in ("True", "False")


def is_succeeded(tr: dict[str, Any]) -> bool:
    return condition(tr).get("status") == "True"


def is_failed(tr: dict[str, Any]) -> bool:
    return condition(tr).get("status") == "False"


def is_cancelled_for_timeout(tr: dict[str, Any]) -> bool:
    """Cancelled by the PipelineRun because a timeout passed (Tekton counts it as failed)."""
    if is_pipelinerun(tr):
        return False
    spec = tr.get("spec") or {}
    return spec.get("statusMessage") == reasons.TIMED_OUT_BY_PIPELINE_MSG


def is_cancelled(tr: dict[str, Any]) -> bool:
    """Finished because it was cancelled (not for a timeout)."""
    if is_pipelinerun(tr):
        return is_failed(tr) and condition(tr).get("reason") == reasons.CANCELLED
    return is_failed(tr) and condition(tr).get("reason") == reasons.TASKRUN_CANCELLED and \
        not is_cancelled_for_timeout(tr)


def run_results(runs: Sequence[dict[str, Any]], matrixed: bool) -> dict[str, ParamValue]:
    """The results of a task's TaskRuns; a matrixed task's string results become arrays
    (one element per TaskRun that produced it, in TaskRun order), as Tekton aggregates."""
    if not matrixed:
        out: dict[str, ParamValue] = {}
        for tr in runs:
            for r in (tr.get("status") or {}).get("results") or []:
                out[str(r.get("name"))] = ParamValue.of(r.get("value"))
        return out
    arrays: dict[str, list[str]] = {}
    for tr in runs:
        for r in (tr.get("status") or {}).get("results") or []:
            v = ParamValue.of(r.get("value"))
            if v.type == "string":
                arrays.setdefault(str(r.get("name")), []).append(v.string)
    return {k: ParamValue.of(v) for k, v in arrays.items()}
