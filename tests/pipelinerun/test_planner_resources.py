"""PipelineResources of the original API in a PipelineRun: the TaskRuns' bindings and the
artifact claim that hands resources passed with ``from`` from producer to consumer."""

from __future__ import annotations

from typing import Any

from prsim import CONFIG, T0, Sim

from tekpy.api import parse_object, with_defaults
from tekpy.api.types import PipelineRun
from tekpy.pipelinerun import plan
from tekpy.pipelinerun.artifacts import ArtifactStorage, artifact_claim, needs_artifacts
from tekpy.pipelinerun.taskruns import owner_reference

ANNOTATION = "tekpy.dev/artifact-pvc"


def _task(name: str, inputs: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (),
          outputs: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (),
          **kw: Any) -> dict[str, Any]:
    res: dict[str, Any] = {}
    if inputs:
        res["inputs"] = list(inputs)
    if outputs:
        res["outputs"] = list(outputs)
    return {"name": name, "taskRef": {"name": "t-" + name}, "resources": res, **kw}


def _pr(tasks: list[dict[str, Any]], name: str = "pr") -> PipelineRun:
    raw = {"apiVersion": "tekton.dev/v1beta1", "kind": "PipelineRun",
           "metadata": {"name": name, "namespace": "ns", "uid": "uid-1"},
           "spec": {
               "pipelineSpec": {"resources": [{"name": "repo", "type": "git"},
                                              {"name": "img", "type": "image"}],
                                "tasks": tasks},
               "resources": [{"name": "repo", "resourceRef": {"name": "my-repo"}},
                             {"name": "img", "resourceSpec": {
                                 "type": "image",
                                 "params": [{"name": "url", "value": "r/app"}]}}]}}
    model, errors = parse_object(raw, detect_legacy=True)
    assert not errors, errors
    assert isinstance(model, PipelineRun)
    return with_defaults(model, CONFIG)


HANDOVER = [
    _task("build", inputs=[{"name": "src", "resource": "repo"}],
          outputs=[{"name": "out", "resource": "repo"}, {"name": "image", "resource": "img"}]),
    _task("test", inputs=[{"name": "src", "resource": "repo"}]),
    _task("deploy", inputs=[{"name": "code", "resource": "repo", "from": ["build"]},
                            {"name": "image", "resource": "img", "from": ["build"]}]),
]


def _by_task(sim: Sim) -> dict[str, dict[str, Any]]:
    return {tr["metadata"]["labels"]["tekton.dev/pipelineTask"]: tr
            for tr in sim.taskruns.values()}


def test_no_from_means_no_claim_but_bindings_still_reach_the_taskrun() -> None:
    pr = _pr([_task("a", inputs=[{"name": "src", "resource": "repo"}],
                    outputs=[{"name": "image", "resource": "img"}])])
    sim = Sim(pr)
    p = sim.step()
    assert p.pvcs == []
    (tr,) = p.create
    assert ANNOTATION not in (tr["metadata"].get("annotations") or {})
    assert tr["spec"]["resources"] == {
        "inputs": [{"name": "src", "resourceRef": {"name": "my-repo"}}],
        "outputs": [{"name": "image", "resourceSpec": {
            "type": "image", "params": [{"name": "url", "value": "r/app"}]}}]}


def test_from_creates_one_owned_claim_and_wires_producer_and_consumer() -> None:
    pr = _pr(HANDOVER)
    assert pr.spec.pipeline_spec is not None and needs_artifacts(pr.spec.pipeline_spec)
    sim = Sim(pr)
    p = sim.step()
    (claim,) = p.pvcs
    assert claim["metadata"]["name"] == "pr-pvc"
    assert claim["metadata"]["ownerReferences"][0]["kind"] == "PipelineRun"
    assert claim["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": "5Gi"}}}
    runs = _by_task(sim)
    assert set(runs) == {"build", "test"}  # deploy waits for build (from is a dependency)
    build = runs["build"]
    assert build["metadata"]["annotations"][ANNOTATION] == "pr-pvc"
    assert build["spec"]["resources"]["outputs"] == [
        {"name": "out", "resourceRef": {"name": "my-repo"}, "paths": ["/pvc/build/out"]},
        {"name": "image", "resourceSpec": {"type": "image", "params": [
            {"name": "url", "value": "r/app"}]}, "paths": ["/pvc/build/image"]}]
    assert "paths" not in build["spec"]["resources"]["inputs"][0]
    # a task neither producing nor consuming through the claim does not mount it
    assert ANNOTATION not in (runs["test"]["metadata"].get("annotations") or {})
    assert "paths" not in runs["test"]["spec"]["resources"]["inputs"][0]
    assert sim.step().pvcs == []  # the claim is created once
    sim.end(build["metadata"]["name"])
    sim.end(runs["test"]["metadata"]["name"])
    p = sim.step()
    (deploy,) = p.create
    assert deploy["metadata"]["annotations"][ANNOTATION] == "pr-pvc"
    # the consumer reads under the producer's output names (``out``, not ``code``)
    assert deploy["spec"]["resources"]["inputs"] == [
        {"name": "code", "resourceRef": {"name": "my-repo"}, "paths": ["/pvc/build/out"]},
        {"name": "image", "resourceSpec": {"type": "image", "params": [
            {"name": "url", "value": "r/app"}]}, "paths": ["/pvc/build/image"]}]


def test_claim_size_and_storage_class_are_configurable() -> None:
    pr = _pr(HANDOVER)
    claim = artifact_claim(pr, owner_reference(pr), ArtifactStorage("1Gi", "fast"))
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert claim["spec"]["storageClassName"] == "fast"
    assert pr.spec.pipeline_spec is not None
    p = plan(pr, pr.spec.pipeline_spec, {}, T0, CONFIG,
             artifact_storage=ArtifactStorage("2Gi"))
    assert p.pvcs[0]["spec"]["resources"]["requests"]["storage"] == "2Gi"


def test_multiple_from_tasks_give_one_path_each_in_order() -> None:
    tasks = [_task("a", outputs=[{"name": "o", "resource": "img"}]),
             _task("b", outputs=[{"name": "p", "resource": "img"}]),
             _task("c", inputs=[{"name": "i", "resource": "img", "from": ["b", "a"]}])]
    sim = Sim(_pr(tasks))
    sim.step()
    for name in list(sim.taskruns):
        sim.end(name)
    (c,) = sim.step().create
    assert c["spec"]["resources"]["inputs"][0]["paths"] == ["/pvc/b/p", "/pvc/a/o"]
