"""Workspace propagation: a PipelineTask with an embedded ``taskSpec`` gets the PipelineRun's
workspaces its containers use; a referenced Task gets only what it lists."""

from __future__ import annotations

from typing import Any

import pytest
from prsim import Sim, pipelinerun

from tekpy.api import structure
from tekpy.api.types import TaskSpec
from tekpy.pipelinerun.propagation import workspaces_used


@pytest.mark.parametrize(("spec", "expected"), [
    ({"steps": [{"image": "i", "script": "cat $(workspaces.a.path)/f"}]}, ["a"]),
    ({"steps": [{"image": "i", "command": ["ls"],
                 "args": ["$(workspaces['b'].path)", "$(workspaces.a.bound)"]}]}, ["a", "b"]),
    ({"steps": [{"image": "i", "workingDir": "$(workspaces.w.path)",
                 "env": [{"name": "E", "value": "$(workspaces.e.path)"}]}]}, ["e", "w"]),
    ({"sidecars": [{"image": "i", "script": "ls $(workspaces.sc.path)"}],
      "stepTemplate": {"env": [{"name": "T", "value": "$(workspaces.tmpl.path)"}]},
      "steps": [{"image": "i", "script": "true"}]}, ["sc", "tmpl"]),
    # shell text and other variables are not workspace references
    ({"steps": [{"image": "i", "script": "echo $(params.workspaces) ${workspaces} $(ls)"}]}, []),
    # volumes and results are not places Tekton looks at
    ({"steps": [{"image": "i", "script": "true"}],
      "volumes": [{"name": "v", "configMap": {"name": "$(workspaces.vol.claim)"}}]}, []),
])
def test_workspaces_used(spec: dict[str, Any], expected: list[str]) -> None:
    assert workspaces_used(structure(spec, TaskSpec)) == expected


def test_embedded_task_gets_the_runs_workspaces_it_uses() -> None:
    spec = {"workspaces": [{"name": "shared"}, {"name": "other"}],
            "tasks": [
                {"name": "embedded", "taskSpec": {"steps": [
                    {"image": "busybox", "script": "ls $(workspaces.shared.path)"}]}},
                {"name": "listed", "workspaces": [{"name": "mine", "workspace": "shared"}],
                 "taskSpec": {"workspaces": [{"name": "mine"}], "steps": [
                     {"image": "busybox", "script": "ls $(workspaces.mine.path)"}]}},
                {"name": "referenced", "taskRef": {"name": "t"}}]}
    pr = pipelinerun(spec, workspaces=[
        {"name": "shared", "persistentVolumeClaim": {"claimName": "c"}, "subPath": "s"},
        {"name": "other", "emptyDir": {}}])
    embedded, listed, referenced = Sim(pr).step().create
    assert embedded["spec"]["workspaces"] == [
        {"name": "shared", "persistentVolumeClaim": {"claimName": "c"}, "subPath": "s"}]
    assert listed["spec"]["workspaces"] == [
        {"name": "mine", "persistentVolumeClaim": {"claimName": "c"}, "subPath": "s"}]
    assert "workspaces" not in referenced["spec"]
