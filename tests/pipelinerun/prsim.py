"""A pure simulation of one PipelineRun: the planner's plans applied to an in-memory set of
TaskRuns, the test deciding how each TaskRun ends. No server, no clock."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from tekpy.api import Config, parse_object, structure, with_defaults
from tekpy.api.types import PipelineRun, PipelineRunStatus, PipelineSpec
from tekpy.pipelinerun import Plan, plan

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
CONFIG = Config.for_gate("beta")


def pipelinerun(pipeline_spec: dict[str, Any], name: str = "pr", **spec: Any) -> PipelineRun:
    raw = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
           "metadata": {"name": name, "namespace": "ns", "uid": "uid-1",
                        "labels": {"team": "a"}},
           "spec": {"pipelineSpec": pipeline_spec, **spec}}
    model, errors = parse_object(raw)
    assert not errors, errors
    assert isinstance(model, PipelineRun)
    return with_defaults(model, CONFIG)


def task(name: str, **kw: Any) -> dict[str, Any]:
    """A PipelineTask with an embedded one-step spec (results declared by ``results``)."""
    results = kw.pop("results", [])
    return {"name": name, "taskSpec": {
        "results": [{"name": r} for r in results],
        "steps": [{"name": "s", "image": "busybox", "script": "true"}]}, **kw}


class Sim:
    """Plans, applies the plan, and lets the test finish TaskRuns."""

    def __init__(self, pr: PipelineRun, now: datetime = T0) -> None:
        self.pr = pr
        spec = pr.spec.pipeline_spec
        assert spec is not None
        self.spec: PipelineSpec = spec
        self.taskruns: dict[str, dict[str, Any]] = {}
        self.now = now
        self.last: Plan | None = None
        self.created: list[str] = []

    def step(self, advance: float = 0.0) -> Plan:
        self.now += timedelta(seconds=advance)
        p = plan(self.pr, self.spec, copy.deepcopy(self.taskruns), self.now, CONFIG,
                 pipeline_name="pl")
        for tr in p.create:
            name = tr["metadata"]["name"]
            assert name not in self.taskruns, f"duplicate create of {name}"
            self.taskruns[name] = copy.deepcopy(tr)
            self.created.append(name)
        for patch in p.patches:
            self.taskruns[patch.name]["spec"].update(patch.body["spec"])
        self.pr.status = structure(p.status, PipelineRunStatus)
        self.last = p
        return p

    def set_spec_status(self, value: str) -> None:
        self.pr.spec.status = value

    def end(self, name: str, ok: bool = True, results: dict[str, Any] | None = None,
            reason: str | None = None) -> None:
        """The TaskRun ``name`` finishes (with results)."""
        tr = self.taskruns[name]
        cond = {"type": "Succeeded", "status": "True" if ok else "False",
                "reason": reason or ("Succeeded" if ok else "Failed")}
        tr["status"] = {"conditions": [cond],
                        "results": [{"name": k, "type": "array" if isinstance(v, list) else
                                     "object" if isinstance(v, dict) else "string", "value": v}
                                    for k, v in (results or {}).items()]}

    def cancelled(self, name: str) -> None:
        """A TaskRun the plan cancelled reports it."""
        self.end(name, ok=False, reason="TaskRunCancelled")

    @property
    def condition(self) -> dict[str, Any]:
        for c in (self.last.status if self.last else {}).get("conditions") or []:
            if c["type"] == "Succeeded":
                return dict(c)
        return {}

    @property
    def skipped(self) -> dict[str, str]:
        assert self.last is not None
        return {s["name"]: s["reason"] for s in self.last.status.get("skippedTasks") or []}
