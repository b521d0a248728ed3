"""The original API (v1alpha1, v1beta1) converts into the same internal model as v1."""

from __future__ import annotations

from pathlib import Path

from tekpy.api import (
    PipelineResource,
    PipelineRun,
    Task,
    TaskRun,
    TektonCondition,
    build_graph,
    parse_documents,
    unstructure,
    validate,
)
from tekpy.api.legacy import CONVERTED_FROM
from tekpy.api.substitution import Replacements, substitute
from tekpy.api.variables import legacy_resource_variables


def _one(text: str):  # type: ignore[no-untyped-def]
    (doc,) = parse_documents(text)
    assert not doc.errors, doc.errors
    return doc.obj


def test_seed_examples_parse_validate_and_convert(seed_examples: Path) -> None:
    kinds = []
    for f in sorted(seed_examples.glob("*.yaml")):
        for doc in parse_documents(f.read_text()):
            assert not doc.errors, (f, doc.errors)
            assert not validate(doc.obj), (f, validate(doc.obj))
            kinds.append((f.name, doc.kind, type(doc.obj).__name__))
    assert ("sae-deploy.yaml", "TaskRun", "TaskRun") in kinds
    assert ("git-resource-task.yaml", "PipelineResource", "PipelineResource") in kinds


def test_seed_pipeline_dag_follows_run_after_and_from(seed_examples: Path) -> None:
    (doc,) = parse_documents((seed_examples / "pipeline-dag.yaml").read_text())
    graph = build_graph(doc.obj.spec.tasks)
    assert graph.roots() == ["lint-repo", "test-app"]
    assert graph.prev["deploy-all"] == ["build-app", "build-frontend"]
    assert graph.prev["build-frontend"] == ["test-app"]


def test_seed_taskrun_binds_a_git_resource(seed_examples: Path) -> None:
    docs = parse_documents((seed_examples / "sae-deploy.yaml").read_text())
    res, task, run = (d.obj for d in docs)
    assert isinstance(res, PipelineResource) and res.spec.param("URL").startswith("https://")
    assert isinstance(task, Task) and task.api_version == "tekton.dev/v1"
    assert task.metadata["annotations"][CONVERTED_FROM] == "tekton.dev/v1alpha1"
    assert task.spec.resources is not None
    assert [(r.name, r.type) for r in task.spec.resources.inputs] == [("source", "git")]
    assert task.spec.steps[0].security_context == {"runAsUser": 0}
    assert isinstance(run, TaskRun) and run.spec.resources is not None
    assert run.spec.resources.inputs[0].resource_ref == {"name": "spring-cloud-demo"}


V1ALPHA1_TASK = """
apiVersion: tekton.dev/v1alpha1
kind: Task
metadata: {name: build}
spec:
  inputs:
    params: [{name: flags, type: array, default: [-v]}, {name: ctx, default: .}]
    resources: [{name: src, type: git}]
  outputs:
    resources: [{name: img, type: image}]
  steps:
  - name: build
    image: kaniko
    args:
    - $(inputs.params.flags[*])
    - --context=$(inputs.resources.src.path)/$(inputs.params.ctx)
    - --destination=$(outputs.resources.img.url)
    resources: {limits: {cpu: "1"}}
"""


def test_v1alpha1_task_inputs_outputs_and_variables() -> None:
    task = _one(V1ALPHA1_TASK)
    assert not validate(task)
    spec = task.spec
    assert [p.name for p in spec.params] == ["flags", "ctx"]
    assert spec.steps[0].compute_resources == {"limits": {"cpu": "1"}}
    assert spec.steps[0].args[0] == "$(params.flags[*])"
    r = Replacements().add("params.flags", ["-v"]).add("params.ctx", "app")
    r.update(legacy_resource_variables(spec.resources, {"img": {"url": "reg/img"}}))
    out, errors = substitute(spec, r)
    assert not errors
    assert out.steps[0].args == ["-v", "--context=/workspace/src/app",
                                 "--destination=reg/img"]


def test_v1beta1_runs_map_to_v1_places() -> None:
    run = _one("""
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata: {name: pr}
spec:
  pipelineRef: {name: p, bundle: reg/bundle:1}
  serviceAccountName: builder
  timeout: 1h
  podTemplate: {nodeSelector: {a: b}}
  resources: [{name: repo, resourceRef: {name: my-repo}}]
  taskRunSpecs: [{pipelineTaskName: t, taskServiceAccountName: sa2}]
""")
    assert isinstance(run, PipelineRun)
    spec = run.spec
    assert spec.task_run_template.service_account_name == "builder"
    assert spec.task_run_template.pod_template == {"nodeSelector": {"a": "b"}}
    assert spec.timeouts is not None and spec.timeouts.pipeline == "1h"
    assert spec.task_run_specs[0].service_account_name == "sa2"
    assert spec.pipeline_ref is not None and spec.pipeline_ref.resolver == "bundles"
    assert spec.resources[0].resource_ref == {"name": "my-repo"}
    assert not validate(run)


def test_v1beta1_taskrun_overrides_and_inline_resources() -> None:
    run = _one("""
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: tr}
spec:
  taskRef: {name: t}
  stepOverrides: [{name: s, resources: {requests: {cpu: 1}}}]
  resources:
    inputs:
    - name: src
      resourceSpec: {type: git, params: [{name: url, value: "https://x/r.git"}]}
""")
    assert run.spec.step_specs[0].compute_resources == {"requests": {"cpu": 1}}
    assert run.spec.resources.inputs[0].resource_spec.param("url") == "https://x/r.git"
    assert not validate(run)


def test_conditions_and_undeclared_resources() -> None:
    cond = _one("""
apiVersion: tekton.dev/v1alpha1
kind: Condition
metadata: {name: file-exists}
spec:
  params: [{name: path}]
  check: {image: alpine, command: [test, -f, $(params.path)]}
""")
    assert isinstance(cond, TektonCondition)
    assert cond.spec.check.command == ["test", "-f", "$(params.path)"]
    pipe = _one("""
apiVersion: tekton.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec:
  resources: [{name: repo, type: git}]
  tasks:
  - name: a
    taskRef: {name: t}
    conditions: [{conditionRef: file-exists, params: [{name: path, value: README}]}]
    resources: {inputs: [{name: src, resource: nope}]}
""")
    assert pipe.spec.tasks[0].conditions[0].condition_ref == "file-exists"
    assert validate(pipe).flat() == [
        ("spec.resources", "invalid value: pipeline declared resources didn't match usage in "
                           "Tasks: Didn't provide required values: [nope]")]
    assert unstructure(pipe)["spec"]["tasks"][0]["conditions"][0]["conditionRef"] == (
        "file-exists")


def test_legacy_fields_are_rejected_in_v1_documents_but_resource_types_checked() -> None:
    res = _one("apiVersion: tekton.dev/v1alpha1\nkind: PipelineResource\nmetadata: {name: r}\n"
               "spec: {type: storage, params: [{name: location, value: gs://b}]}\n")
    assert validate(res).flat() == [("spec.type", "invalid value: storage")]
    (doc,) = parse_documents("apiVersion: tekton.dev/v1\nkind: PipelineResource\n"
                             "metadata: {name: r}\nspec: {type: git}\n")
    assert str(doc.errors) == (
        "unsupported apiVersion tekton.dev/v1 for PipelineResource: apiVersion")


def test_stored_objects_are_converted_by_shape() -> None:
    from tekpy.api import parse_object

    raw = {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "x"},
           "spec": {"taskRef": {"name": "t"},
                    "inputs": {"resources": [{"name": "src", "resourceRef": {"name": "r"}}]}}}
    obj, errors = parse_object(raw, detect_legacy=True)
    assert not errors and obj.spec.resources.inputs[0].name == "src"
    plain, _ = parse_object({**raw, "spec": {"taskRef": {"name": "t"}}}, detect_legacy=True)
    assert "annotations" not in plain.metadata


def test_typed_views_of_git_and_image_resources() -> None:
    from tekpy.api import GitResource, ImageResource

    git = _one("apiVersion: tekton.dev/v1alpha1\nkind: PipelineResource\nmetadata: {name: g}\n"
               "spec:\n  type: git\n  params:\n  - {name: url, value: 'https://h/r.git'}\n"
               "  - {name: Revision, value: v1}\n  - {name: depth, value: '0'}\n"
               "  - {name: sslVerify, value: 'false'}\n")
    view = GitResource.from_spec(git.spec)
    assert (view.url, view.revision, view.depth, view.ssl_verify, view.submodules) == (
        "https://h/r.git", "v1", 0, False, True)
    img = ImageResource.from_spec(_one(
        "apiVersion: tekton.dev/v1alpha1\nkind: PipelineResource\nmetadata: {name: i}\n"
        "spec: {type: image, params: [{name: url, value: reg/app}]}\n").spec)
    assert img == ImageResource(url="reg/app")


def test_from_must_name_a_task_that_outputs_the_resource() -> None:
    pipe = _one("""
apiVersion: tekton.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec:
  resources: [{name: repo, type: git}, {name: img, type: image}]
  tasks:
  - {name: build, taskRef: {name: t}, resources: {inputs: [{name: src, resource: repo}]}}
  - name: deploy
    taskRef: {name: t}
    resources: {inputs: [{name: image, resource: img, from: [build]}]}
""")
    assert validate(pipe).flat() == [
        ("spec.tasks.resources.inputs.from",
         "invalid value: the resource img from build must be an output but is an input")]


def test_taskrun_resource_bindings_follow_the_original_messages() -> None:
    run = _one("""
apiVersion: tekton.dev/v1alpha1
kind: TaskRun
metadata: {name: tr}
spec:
  taskRef: {name: t}
  inputs:
    resources:
    - {name: src, resourceRef: {name: r}, resourceSpec: {type: git}}
""")
    assert validate(run).flat() == [
        ("spec.resources.inputs.ResourceRef", "must not set the field(s)"),
        ("spec.resources.inputs.ResourceSpec", "must not set the field(s)")]
