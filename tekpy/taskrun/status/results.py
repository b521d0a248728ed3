"""Results from termination messages, and the checks against declared results.

A termination message is Tekton's JSON list of ``{key, value, type}`` (optionally
``tknz:``-compressed); entries are deduplicated by key (the last wins) and sorted by key.
Types: 1 task result, 3 internal (``StartedAt``, ``ExitCode``, ``Reason``), 4 step result,
5/6 artifacts. A result declared ``string`` keeps its raw text; any other is parsed as JSON
(an array or object; a value that does not parse is dropped, as Tekton drops it).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "RunResult",
    "missing_results",
    "parse_termination_message",
    "split_results",
    "validate_results",
]

TASK_RESULT = 1
INTERNAL = 3
STEP_RESULT = 4
STEP_ARTIFACTS = 5
TASK_ARTIFACTS = 6
UNKNOWN = 10
_TYPE_NAMES = {"TaskRunResult": TASK_RESULT, "InternalTektonResult": INTERNAL,
               "StepResult": STEP_RESULT, "StepArtifactsResult": STEP_ARTIFACTS,
               "TaskRunArtifactsResult": TASK_ARTIFACTS}
_COMPRESSED = "tknz:"
_MAX_INFLATED = 131072


@attrs.frozen
class RunResult:
    """One entry of a termination message."""

    key: str
    value: str
    type: int = 0


def _inflate(text: str) -> str:
    body = text[len(_COMPRESSED):].strip()
    body += "=" * (-len(body) % 4)
    out = zlib.decompressobj(-15).decompress(base64.b64decode(body), _MAX_INFLATED + 1)
    if len(out) > _MAX_INFLATED:
        raise ValueError("decompressed termination message is too large")
    return out.decode()


def parse_termination_message(msg: str) -> list[RunResult]:
    """Parse a termination message; raises ValueError when it is not Tekton's JSON."""
    if not msg:
        return []
    text = _inflate(msg) if msg.startswith(_COMPRESSED) else msg
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"parsing message json: {exc}") from None
    if not isinstance(raw, list):
        raise ValueError("parsing message json: not a list")
    by_key: dict[str, RunResult] = {}
    for e in raw:
        if not isinstance(e, dict):
            raise ValueError("parsing message json: entry is not an object")
        t = e.get("type", 0)
        rtype = _TYPE_NAMES.get(t, UNKNOWN) if isinstance(t, str) else int(t or 0)
        rr = RunResult(str(e.get("key", "")), str(e.get("value", "")), rtype)
        if rr != RunResult("", "", 0):
            by_key[rr.key] = rr
    return [by_key[k] for k in sorted(by_key)]


def _typed(name: str, value: str, declared: str | None) -> dict[str, Any] | None:
    """The typed result, or None when a value that claims to be JSON does not parse.

    Mirrors Go's ``ResultValue`` unmarshalling: ``[`` starts an array, ``{`` an object,
    anything else is a string (a JSON string literal is unquoted).
    """
    if declared == "string":
        return {"name": name, "type": "string", "value": value}
    text = value.lstrip()
    if text[:1] in ("[", "{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return None
        if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
            return {"name": name, "type": "array", "value": parsed}
        if isinstance(parsed, dict) and all(isinstance(x, str) for x in parsed.values()):
            return {"name": name, "type": "object", "value": parsed}
        return None
    if text.startswith('"'):
        try:
            unquoted = json.loads(value)
        except json.JSONDecodeError:
            unquoted = None
        if isinstance(unquoted, str):
            return {"name": name, "type": "string", "value": unquoted}
    return {"name": name, "type": "string", "value": value}


def split_results(results: Sequence[RunResult], task_types: Mapping[str, str],
                  step_types: Mapping[str, str]
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[RunResult]]:
    """Task results, step results and the entries to keep in the step's message."""
    task: list[dict[str, Any]] = []
    step: list[dict[str, Any]] = []
    kept: list[RunResult] = []
    for rr in results:
        if rr.type == TASK_RESULT:
            out = _typed(rr.key, rr.value, task_types.get(rr.key))
            if out is not None:
                task.append(out)
                kept.append(rr)
        elif rr.type == STEP_RESULT:
            out = _typed(rr.key, rr.value, step_types.get(rr.key))
            if out is not None:
                step.append(out)
                kept.append(rr)
        elif rr.type != INTERNAL:
            kept.append(rr)
    return task, step, kept


def validate_results(results: list[dict[str, Any]], declared: Sequence[Any]
                     ) -> tuple[list[dict[str, Any]], str | None]:
    """Tekton's check of produced results against declared ones.

    Returns the results without those of a mismatched type, and the failure message (for
    ``TaskRunValidationFailed``) or None. ``declared`` holds TaskResult models.
    """
    types = {d.name: d.type or "string" for d in declared}
    mismatched: dict[str, str] = {}
    kept = []
    for res in results:
        need = types.get(res["name"])
        if need is not None and need != res.get("type"):
            mismatched[res["name"]] = (
                f'task result is expected to be "{need}" type but was initialized to a '
                f'different type "{res.get("type")}"')
        else:
            kept.append(res)
    if mismatched:
        parts = sorted(f' "{k}": {m}' for k, m in mismatched.items())
        return kept, ("[User error] Provided results don't match declared results; may be "
                      "invalid JSON or missing result declaration: " + ",".join(parts))
    missing_keys: dict[str, list[str]] = {}
    produced = {res["name"]: res for res in kept}
    for d in declared:
        if d.type != "object" or not d.properties or d.name not in produced:
            continue
        value = produced[d.name].get("value") or {}
        absent = [k for k in d.properties if k not in value]
        if absent:
            missing_keys[d.name] = absent
    if missing_keys:
        body = " ".join(f"{k}:[{' '.join(v)}]" for k, v in sorted(missing_keys.items()))
        return kept, ("[User error] missing keys for these results which are required in "
                      f"TaskResult's properties map[{body}]")
    return kept, None


def missing_results(results: Sequence[Mapping[str, Any]], declared: Sequence[Any]) -> list[str]:
    """Names of declared results (without a ``value`` from a step) that were not produced."""
    produced = {res.get("name") for res in results}
    return [d.name for d in declared if d.value is None and d.name not in produced]
