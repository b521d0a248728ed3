"""Variable substitution: every spelling, array expansion, objects, and no re-expansion."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.api import ParamValue, TaskSpec, parse_documents, structure
from tekpy.api.substitution import Replacements, param_replacements, substitute
from tekpy.api.types import ParamSpec
from tekpy.api.variables import (
    matrix_length_variables,
    pipeline_run_context,
    task_path_variables,
    task_result_variables,
    task_run_context,
    task_status_variables,
    workspace_variables,
)


def repl() -> Replacements:
    r = Replacements()
    r.add("params.s", "hello")
    r.add("params.a", ["x", "y"])
    r.add("params.o", {"url": "https://x", "rev": "main"})
    return r


def test_string_param_in_every_spelling() -> None:
    r = repl()
    text = "$(params.s) $(params['s']) $(params[\"s\"]) $( params.s )"
    assert r.apply(text) == "hello hello hello hello"


def test_array_index_and_object_key() -> None:
    r = repl()
    assert r.apply("$(params.a[1])-$(params.o.url)-$(params['o'].rev)") == "y-https://x-main"


def test_array_star_expands_whole_elements_in_lists() -> None:
    r = repl()
    assert r.apply_list(["run", "$(params.a[*])", "--s=$(params.s)"]) == [
        "run", "x", "y", "--s=hello"]


def test_values_are_never_re_expanded() -> None:
    r = Replacements()
    r.add("params.p", "$(params.q)")
    r.add("params.q", "secret")
    assert r.apply("echo $(params.p)") == "echo $(params.q)"


def test_unknown_references_are_reported_but_shell_text_is_not() -> None:
    missing: list[str] = []
    out = Replacements().apply("$(params.nope) $(date) $(steps.s.results.r)", missing)
    assert out == "$(params.nope) $(date) $(steps.s.results.r)"
    assert missing == ["$(params.nope)"]


def test_param_replacements_use_defaults_and_merge_objects() -> None:
    specs = [
        ParamSpec(name="a", type="string", default=ParamValue.of("d")),
        ParamSpec(name="o", type="object", default=ParamValue.of({"k1": "1", "k2": "2"})),
        ParamSpec(name="b", type="string"),
    ]
    r = param_replacements(specs, {"o": ParamValue.of({"k2": "B"}), "b": ParamValue.of("v")})
    assert r.strings == {"params.a": "d", "params.b": "v"}
    assert r.objects == {"params.o": {"k1": "1", "k2": "B"}}


def test_substitute_a_task_spec_with_paths_for_errors() -> None:
    (doc,) = parse_documents(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n"
        "  params: [{name: flags, type: array}, {name: img}]\n"
        "  results: [{name: out}]\n"
        "  steps:\n"
        "  - name: s\n"
        "    image: $(params.img)\n"
        "    args: ['$(params.flags[*])', '$(context.taskRun.name)']\n"
        "    script: echo $(workspaces.src.path) > $(results.out.path); $(params.gone)\n"
    )
    spec = doc.obj.spec
    r = Replacements()
    r.add("params.flags", ["-a", "-b"]).add("params.img", "alpine")
    r.update(task_run_context(name="tr-1", namespace="ns", uid="u", task_name="t"))
    r.update(task_path_variables(["out"], spec.steps))
    from tekpy.api.types import WorkspaceBinding, WorkspaceDeclaration

    r.update(workspace_variables([WorkspaceDeclaration(name="src")],
                                 {"src": WorkspaceBinding(name="src", empty_dir={})}))
    out, errors = substitute(spec, r)
    assert isinstance(out, TaskSpec)
    step = out.steps[0]
    assert step.image == "alpine"
    assert step.args == ["-a", "-b", "tr-1"]
    assert step.script == "echo /workspace/src > /tekton/results/out; $(params.gone)"
    assert errors.flat() == [
        ("steps[0].script", 'non-existent variable in "echo $(workspaces.src.path) > '
                            '$(results.out.path); $(params.gone)"')]


def test_pipeline_variable_families() -> None:
    r = pipeline_run_context(name="pr", namespace="ns", uid="u", pipeline_name="p",
                             pipeline_task_retries=2)
    r.update(task_status_variables({"a": ("Succeeded", "Completed")}, "Completed"))
    r.update(task_result_variables({"a": {"r": ParamValue.of(["1", "2"]),
                                          "o": ParamValue.of({"k": "v"})}}))
    r.update(matrix_length_variables("m", 3, {"r": 3}))
    text = ("$(context.pipelineRun.name)/$(context.pipeline.name)/$(context.pipelineTask.retries)"
            " $(tasks.a.status) $(tasks.a.reason) $(tasks.status) $(tasks.a.results.r[0])"
            " $(tasks.a.results.o.k) $(tasks.m.matrix.length) $(tasks.m.matrix.r.length)")
    assert r.apply(text) == "pr/p/2 Succeeded Completed Completed 1 v 3 3"
    assert r.apply_list(["$(tasks.a.results.r[*])"]) == ["1", "2"]


def test_workspace_variables_for_unbound_optional_workspace() -> None:
    from tekpy.api.types import WorkspaceDeclaration

    r = workspace_variables([WorkspaceDeclaration(name="w", optional=True)], {})
    assert r.apply("$(workspaces.w.bound):$(workspaces.w.path):$(workspaces.w.claim)") == (
        "false::")


safe_text = st.text(st.sampled_from(list("ab $().[]*'\"params")), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), safe_text, min_size=1), safe_text)
def test_substitution_never_expands_text_that_came_from_a_value(values: dict[str, str],
                                                                template: str) -> None:
    r = Replacements()
    for k, v in values.items():
        r.add(f"params.{k}", v)
    # a reference to each param, separated by a marker that no value contains
    refs = [f"$(params.{k})" for k in values]
    out = r.apply("\x00".join(refs))
    assert out.split("\x00") == list(values.values())
    # and applying to arbitrary text: every inserted value appears verbatim
    for k, v in values.items():
        assert r.apply(f"<$(params.{k})>") == f"<{v}>"


def test_structure_after_substitution_round_trips() -> None:
    spec = structure({"steps": [{"image": "$(params.s)", "command": ["$(params.a[*])"]}]},
                     TaskSpec)
    out, errors = substitute(spec, repl())
    assert not errors
    assert out.steps[0].image == "hello" and out.steps[0].command == ["x", "y"]


def test_apply_task_run_resolves_everything_once() -> None:
    from tekpy.api.apply import apply_task_run, task_run_replacements
    from tekpy.api.types import Param, WorkspaceBinding

    (doc,) = parse_documents("""
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: build}
spec:
  params:
  - {name: flags, type: array, default: [-x]}
  - {name: who, default: world}
  - {name: repo, properties: {url: {}, rev: {}}, default: {url: u0, rev: main}}
  workspaces: [{name: src}, {name: cache, optional: true}]
  results: [{name: digest}]
  volumes: [{name: v, configMap: {name: $(params.who)-cm}}]
  steps:
  - name: build
    image: alpine
    command: [run, "$(params.flags[*])"]
    args: ["$(params.repo.url)@$(params.repo.rev)", "$(workspaces.src.path)",
           "$(context.task.retry-count)"]
    script: |
      echo $(params.who) > $(results["digest"].path)
      echo > $(step.results.out.path); test $(workspaces.cache.bound) = false
    results: [{name: out}]
  - image: alpine
    workspaces: [{name: src, mountPath: /mine}]
    script: ls $(workspaces.src.path) $(steps.step-build.exitCode.path)
""")
    spec = doc.obj.spec
    r = task_run_replacements(
        spec, params=[Param("who", ParamValue.of("$(params.flags)")),
                      Param("repo", ParamValue.of({"url": "u1"}))],
        name="build-run", namespace="ns", uid="1", task_name="build", retry_count=2,
        bindings=[WorkspaceBinding(name="src", empty_dir={})])
    out, errors = apply_task_run(spec, r)
    assert not errors
    s0, s1 = out.steps
    assert s0.command == ["run", "-x"]
    assert s0.args == ["u1@main", "/workspace/src", "2"]
    assert s0.script == ("echo $(params.flags) > /tekton/results/digest\n"
                         "echo > /tekton/steps/step-build/results/out; test false = false\n")
    assert s1.script == "ls /mine /tekton/steps/step-build/exitCode"
    assert out.volumes == [{"name": "v", "configMap": {"name": "$(params.flags)-cm"}}]
    assert out.params == spec.params


@pytest.mark.parametrize(("text", "expected"), [
    # Tekton keeps the v1alpha1 ``inputs.params`` spelling for TaskRuns (apply.go)
    ("$(inputs.params.a) + $(inputs.params.b)", "3 + 4"),
    ("$(inputs.params.list[1])", "y"),
    ("$(params.list[0]) $(inputs.params.list[0])", "x x"),
    # object keys have no legacy alias in Tekton: the reference stays as written
    ("$(params.obj.k)/$(inputs.params.obj.k)", "v/$(inputs.params.obj.k)"),
    ("$(outputs.params.a)", "$(outputs.params.a)"),
])
def test_task_run_params_also_answer_the_inputs_spelling(text: str, expected: str) -> None:
    from tekpy.api.apply import task_run_replacements
    from tekpy.api.types import Param

    spec = TaskSpec(params=[ParamSpec(name="a"), ParamSpec(name="b", default=ParamValue.of("4")),
                            ParamSpec(name="list", type="array"),
                            ParamSpec(name="obj", type="object")])
    r = task_run_replacements(
        spec, params=[Param("a", ParamValue.of("3")), Param("list", ParamValue.of(["x", "y"])),
                      Param("obj", ParamValue.of({"k": "v"}))],
        name="r", namespace="ns", uid="1", task_name="t")
    assert r.apply(text) == expected


def test_inputs_spelling_of_an_array_expands_whole_elements() -> None:
    from tekpy.api.apply import apply_task_run, task_run_replacements
    from tekpy.api.types import Param

    (doc,) = parse_documents("""
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  params: [{name: flags, type: array}]
  steps: [{image: alpine, command: [run, "$(inputs.params.flags[*])"]}]
""")
    spec = doc.obj.spec
    r = task_run_replacements(spec, params=[Param("flags", ParamValue.of(["-a", "-b"]))],
                              name="r", namespace="ns", uid="1", task_name="t")
    out, errors = apply_task_run(spec, r)
    assert not errors
    assert out.steps[0].command == ["run", "-a", "-b"]


def test_pipeline_params_propagate_with_task_scope_precedence() -> None:
    from tekpy.api.apply_pipeline import apply_pipeline_spec, pipeline_run_replacements
    from tekpy.api.types import Param, WorkspaceBinding

    (doc,) = parse_documents("""
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  params: [{name: msg, default: hi}, {name: files, type: array}]
  workspaces: [{name: ws}, {name: opt, optional: true}]
  tasks:
  - name: a
    displayName: say $(params.msg) in $(context.pipelineRun.name)
    params: [{name: list, value: ["$(params.files[*])", extra]}]
    when: [{input: $(workspaces.opt.bound), operator: in, values: ["false"]}]
    taskSpec:
      steps: [{image: alpine, script: "echo $(params.msg) $(context.pipelineTask.retries)"}]
  - name: b
    params: [{name: msg, value: own}, {name: r, value: $(tasks.a.results.out)}]
    retries: 2
    taskSpec:
      params: [{name: msg}, {name: r}]
      steps: [{image: alpine, script: "echo $(params.msg) $(context.pipelineTask.retries)"}]
""")
    r = pipeline_run_replacements(
        doc.obj.spec, params=[Param("files", ParamValue.of(["f1", "f2"]))], name="pr-1",
        namespace="ns", uid="u", pipeline_name="p",
        bindings=[WorkspaceBinding(name="ws", empty_dir={})])
    spec, errors = apply_pipeline_spec(doc.obj.spec, r)
    assert not errors
    a, b = spec.tasks
    assert a.display_name == "say hi in pr-1"
    assert a.params[0].value == ParamValue.of(["f1", "f2", "extra"])
    assert a.when[0].input == "false"
    assert a.task_spec.steps[0].script == "echo hi 0"
    assert b.task_spec.steps[0].script == "echo own 2"
    assert b.params[1].value.string == "$(tasks.a.results.out)"  # resolved later


@pytest.mark.parametrize(("task_value", "script"), [
    # Tekton: the task's keys win, a key only the Pipeline's object has keeps its value
    ({"url": "xyz", "branch": "main"}, "xyz sha123 main"),
    ({"url": "xyz", "commit": "c2", "branch": "b"}, "xyz c2 b"),
    # a task value that is not an object gives no keys: the Pipeline's keys still resolve
    ("plain", "abc sha123 $(params.repo.branch)"),
])
def test_object_param_propagates_key_by_key(task_value: object, script: str) -> None:
    from tekpy.api.apply_pipeline import apply_pipeline_task
    from tekpy.api.types import Param, PipelineTask

    pt = structure({"name": "t", "params": [{"name": "repo", "value": task_value}],
                    "taskSpec": {"steps": [{"image": "i", "script":
                        "$(params.repo.url) $(params.repo.commit) $(params.repo.branch)"}]}},
                   PipelineTask)
    r = param_replacements([ParamSpec(name="repo", type="object")],
                           {"repo": ParamValue.of({"url": "abc", "commit": "sha123"})})
    assert r.objects  # the Pipeline's value is an object
    new, errors = apply_pipeline_task(pt, r)
    assert not errors
    assert new.task_spec is not None
    assert new.task_spec.steps[0].script == script
    assert [Param("repo", ParamValue.of(task_value))] == new.params


def test_whole_array_and_object_references_become_values() -> None:
    from tekpy.api.types import Param, PipelineTask

    pt = PipelineTask(name="t", params=[
        Param(name="a", value=ParamValue.of("$(params.arr[*])")),
        Param(name="o", value=ParamValue.of("$(params.obj[*])")),
        Param(name="r", value=ParamValue.of("$(tasks.x.results.list[*])")),
    ])
    r = Replacements().add("params.arr", ["1", "2"]).add("params.obj", {"k": "v"})
    r.add("tasks.x.results.list", ["a"])
    out, errors = substitute(pt, r)
    assert not errors
    assert [p.value for p in out.params] == [
        ParamValue.of(["1", "2"]), ParamValue.of({"k": "v"}), ParamValue.of(["a"])]
