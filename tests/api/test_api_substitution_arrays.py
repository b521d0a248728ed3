"""Array params written as ``$(params.a)`` expand where Tekton's ``ApplyArrayReplacements``
runs (``command``, ``args``, array param values, ``when`` values and inputs), and nowhere
else."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy.api import ParamValue, TaskSpec, parse_documents, structure
from tekpy.api.substitution import Replacements, go_json, substitute
from tekpy.api.types import Param, PipelineTask, Step


def repl() -> Replacements:
    r = Replacements()
    r.add("params.s", "hello")
    r.add("params.a", ["x", "y"])
    r.add("params.empty", [])
    r.add("params.o", {"url": "u", "rev": "r"})
    r.add("tasks.t.results.list", ["r1", "r2"])
    return r


@pytest.mark.parametrize(("element", "expected"), [
    ("$(params.a)", ["x", "y"]),
    ("$(params.a[*])", ["x", "y"]),
    ("$(params['a'])", ["x", "y"]),
    ('$(params["a"])', ["x", "y"]),
    ("$(params['a'][*])", ["x", "y"]),
    ("$(params.empty)", []),
    ("$(params.empty[*])", []),
    ("$(tasks.t.results.list)", ["r1", "r2"]),
    ("$(tasks.t.results.list[*])", ["r1", "r2"]),
    ("$(params.a[1])", ["y"]),            # an index is a string, not an expansion
    ("$(params.s)", ["hello"]),           # strings replace as usual
    ("pre-$(params.s)", ["pre-hello"]),
])
def test_whole_element_array_references_expand_in_args_and_command(
        element: str, expected: list[str]) -> None:
    step = Step(name="s", image="i", command=[element], args=["a0", element, "z"])
    out, errors = substitute(step, repl())
    assert not errors
    assert out.command == expected
    assert out.args == ["a0", *expected, "z"]


@pytest.mark.parametrize("element", [
    "--flag=$(params.a)",       # not a whole element: Tekton leaves it literal
    "$(params.a) ",
    "$(params.a)$(params.a)",
])
def test_arrays_inside_longer_text_stay_literal(element: str) -> None:
    out, errors = substitute(Step(name="s", image="i", args=[element]), repl())
    assert out.args == [element]
    assert errors.flat() == [("args[0]", f'non-existent variable in "{element}"')]


def test_sidecars_and_step_template_expand_too() -> None:
    spec = structure({
        "stepTemplate": {"image": "i", "command": ["$(params.a)"]},
        "steps": [{"name": "s", "image": "i", "args": ["$(params.a)"]}],
        "sidecars": [{"name": "sc", "image": "i", "command": ["run", "$(params.a)"],
                      "args": ["$(params.empty)"]}],
    }, TaskSpec)
    out, errors = substitute(spec, repl())
    assert not errors
    assert out.step_template.command == ["x", "y"]
    assert out.steps[0].args == ["x", "y"]
    assert out.sidecars[0].command == ["run", "x", "y"]
    assert out.sidecars[0].args == []


@pytest.mark.parametrize("field", ["script", "workingDir", "image"])
def test_string_fields_never_take_an_array(field: str) -> None:
    data: dict[str, Any] = {"name": "s", "image": "i", field: "$(params.a)"}
    out, errors = substitute(structure(data, Step), repl())
    from tekpy.api import unstructure

    assert unstructure(out)[field] == "$(params.a)"
    assert len(errors) == 1


def test_env_value_is_a_string_field_not_a_param_value() -> None:
    step = Step(name="s", image="i", env=[{"name": "A", "value": "$(params.a)"},
                                          {"name": "B", "value": "$(params.a[*])"},
                                          {"name": "S", "value": "$(params.s)"}])
    out, errors = substitute(step, repl())
    assert out.env == [{"name": "A", "value": "$(params.a)"},
                       {"name": "B", "value": "$(params.a[*])"},
                       {"name": "S", "value": "hello"}]
    assert [p for p, _ in errors.flat()] == ["env[0].value", "env[1].value"]


@pytest.mark.parametrize(("value", "expected"), [
    ("$(params.a)", ParamValue.of(["x", "y"])),
    ("$(params.a[*])", ParamValue.of(["x", "y"])),
    ("$(params.o)", ParamValue.of({"url": "u", "rev": "r"})),
    ("$(params.o[*])", ParamValue.of({"url": "u", "rev": "r"})),
    ("$(tasks.t.results.list)", ParamValue.of(["r1", "r2"])),
    ("$(params.s)", ParamValue.of("hello")),
    ("$(params.o.url)", ParamValue.of("u")),
    ("$(params.a[0])", ParamValue.of("x")),
    # not Tekton's exact form (dot spelling, no spaces): ordinary text
    ("$(params['a'])", ParamValue.of("$(params['a'])")),
    (" $(params.a)", ParamValue.of(" $(params.a)")),
    (["$(params.a)", "k", "$(params.empty[*])"], ParamValue.of(["x", "y", "k"])),
    (["v-$(params.s)"], ParamValue.of(["v-hello"])),
    ({"k": "$(params.s)"}, ParamValue.of({"k": "hello"})),
])
def test_param_values_take_the_referenced_type(value: Any, expected: ParamValue) -> None:
    pt = PipelineTask(name="p", params=[Param(name="x", value=ParamValue.of(value))])
    out, _ = substitute(pt, repl(), report=())
    assert out.params[0].value == expected
    # the same rule for a ParamValue alone and for a step's params (StepAction inputs)
    alone, _ = substitute(ParamValue.of(value), repl(), report=())
    assert alone == expected
    step = Step(name="s", params=[Param(name="x", value=ParamValue.of(value))])
    out_step, _ = substitute(step, repl(), report=())
    assert out_step.params[0].value == expected


def test_matrix_params_expand() -> None:
    pt = structure({"name": "m", "matrix": {
        "params": [{"name": "p", "value": ["$(params.a)", "z"]}],
        "include": [{"name": "i", "params": [{"name": "q", "value": "$(params.a)"}]}]}},
        PipelineTask)
    out, _ = substitute(pt, repl(), report=())
    assert out.matrix.params[0].value == ParamValue.of(["x", "y", "z"])
    assert out.matrix.include[0].params[0].value == ParamValue.of(["x", "y"])


def test_when_values_expand_and_inputs_become_json() -> None:
    r = repl().add("params.html", ["<a&b>", "é"])
    pt = structure({"name": "w", "when": [
        {"input": "$(params.a)", "operator": "in", "values": ["$(params.a)", "q"]},
        {"input": "$(params.a[*])", "operator": "in", "values": ["$(params.a[*])"]},
        {"input": "$(params.html)", "operator": "notin", "values": ["$(params.s)"]},
        {"input": "in $(params.s)", "operator": "in", "values": ["$(params.empty)"]},
    ]}, PipelineTask)
    out, errors = substitute(pt, r)
    assert not errors
    w0, w1, w2, w3 = out.when
    assert (w0.input, w0.values) == ('["x","y"]', ["x", "y", "q"])
    assert (w1.input, w1.values) == ('["x","y"]', ["x", "y"])
    assert w2.input == '["\\u003ca\\u0026b\\u003e","é"]' and w2.values == ["hello"]
    assert (w3.input, w3.values) == ("in hello", [])


def test_the_5080_regression_task_run_resolves_its_array_args() -> None:
    from tekpy.api.apply import apply_task_run, task_run_replacements

    (doc,) = parse_documents("""
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  params: [{name: ARGS, type: array, default: ["--help"]}]
  steps:
  - {name: echo-cli, image: busybox, command: [echo], args: ["$(params.ARGS)"]}
""")
    spec = doc.obj.spec
    for given_args, expected in (([], ["--help"]),
                                 ([Param("ARGS", ParamValue.of(["init", "foo", "bar"]))],
                                  ["init", "foo", "bar"])):
        r = task_run_replacements(spec, params=given_args, name="tr", namespace="ns", uid="u",
                                  task_name="t")
        out, errors = apply_task_run(spec, r)
        assert not errors
        assert out.steps[0].args == expected


def test_go_json_matches_go_marshal() -> None:
    assert go_json(["a", "b"]) == '["a","b"]'
    assert go_json({"k": "<\u2028>"}) == '{"k":"\\u003c\\u2028\\u003e"}'


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
                max_size=5),
       st.sampled_from(["$(params.arr)", "$(params.arr[*])", "$(params['arr'])",
                        '$(params["arr"][*])']))
def test_every_spelling_expands_to_the_same_elements(values: list[str], spelling: str) -> None:
    r = Replacements().add("params.arr", values)
    assert r.apply_list(["head", spelling, "tail"]) == ["head", *values, "tail"]
    out, _ = substitute(Step(name="s", image="i", args=[spelling]), r)
    assert out.args == values
