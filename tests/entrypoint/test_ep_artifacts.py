"""Step artifacts: a producer step writes its provenance file, a later step's script, command,
args and environment see the JSON of the named artifact's values (real entrypoint processes)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from ep_helpers import Tekton
from hypothesis import given, settings
from hypothesis import strategies as st

from tekpy_entrypoint import stepartifacts
from tekpy_entrypoint.stepartifacts import ArtifactError

PROVENANCE: dict[str, Any] = {
    "inputs": [{"name": "source", "values": [
        {"uri": "git:https://example.com/repo?a=1&b=<2>", "digest": {"sha1": "abc"}}]}],
    "outputs": [
        {"name": "image", "buildOutput": True, "values": [
            {"uri": "pkg:oci/img", "digest": {"sha256": "d1", "md5": "m"}},
            {"uri": "", "digest": {}},
        ]},
        {"name": "empty"},
    ],
}
IMAGE_JSON = '[{"digest":{"md5":"m","sha256":"d1"},"uri":"pkg:oci/img"},{}]'
SOURCE_JSON = ('[{"digest":{"sha1":"abc"},'
               '"uri":"git:https://example.com/repo?a=1\\u0026b=\\u003c2\\u003e"}]')


def _produce(tekton: Tekton, provenance: str | None = None) -> None:
    """Step 0 (``produce``) writes its provenance file through the real entrypoint."""
    assert tekton.run(["step-init", "step-produce", "step-consume"]).returncode == 0
    path = tekton.run_dir(0) / "status" / "artifacts" / "provenance.json"
    src = tekton.root / "provenance-source.json"
    src.write_text(json.dumps(PROVENANCE) if provenance is None else provenance)
    first = tekton.run([*tekton.step_args(0), "-entrypoint", "cp", "--", str(src), str(path)])
    assert first.returncode == 0, first.stderr


def _consume(tekton: Tekton, args: list[str], env: dict[str, str] | None = None,
             **kw: Any) -> tuple[str, str]:
    """Step 1 prints its arguments and $A, NUL-separated; returns (that output, stderr)."""
    out = tekton.root / "consumed"
    proc = tekton.run(
        [*tekton.step_args(1), "-entrypoint", "sh", "--", "-c",
         f'printf "%s\\0" "$A" "$@" > {out}', "x", *args],
        env=env, **kw)
    assert proc.returncode == 0, proc.stderr
    return out.read_text(), proc.stderr


def test_command_args_and_env_see_the_values_json(tekton: Tekton) -> None:
    _produce(tekton)
    out, err = _consume(
        tekton,
        ["$(steps.produce.outputs.image)", "in=$(steps.produce.inputs.source)!",
         "$(steps.produce.outputs.image)$(steps.produce.outputs.image)"],
        env={"A": "a $(steps.produce.outputs.image)"})
    assert "Error" not in err
    assert out.split("\0")[:-1] == [
        f"a {IMAGE_JSON}", IMAGE_JSON, f"in={SOURCE_JSON}!", IMAGE_JSON * 2]


def test_a_script_file_is_substituted_into_a_new_file(tekton: Tekton, tmp_path: Path) -> None:
    _produce(tekton)
    scripts = tekton.root / "scripts"
    scripts.mkdir()
    script = scripts / "script-1-abcde"
    out = tekton.root / "consumed"
    text = f"#!/bin/sh\ncat > {out} <<'EOF'\n$(steps.produce.outputs.image)\nEOF\n"
    script.write_text(text)
    script.chmod(0o755)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    proc = tekton.run([*tekton.step_args(1), "-entrypoint", str(script), "--"],
                      env={"TMPDIR": str(tmp)})
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == IMAGE_JSON + "\n"
    assert script.read_text() == text  # the placed script is left as it was
    (copy,) = tmp.iterdir()
    assert copy.name.startswith("script-") and copy.name[7:].isdigit()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o755


def test_a_script_without_references_runs_in_place(tekton: Tekton, tmp_path: Path) -> None:
    _produce(tekton)
    scripts = tekton.root / "scripts"
    scripts.mkdir()
    script = scripts / "script-1-x"
    script.write_text(f"#!/bin/sh\necho '$(steps.produce.outputs.image.x)' > {tekton.root}/o\n")
    script.chmod(0o755)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    proc = tekton.run([*tekton.step_args(1), "-entrypoint", str(script), "--"],
                      env={"TMPDIR": str(tmp)})
    assert proc.returncode == 0, proc.stderr
    # not Tekton's pattern (two trailing names): left as written, no copy made
    assert (tekton.root / "o").read_text() == "$(steps.produce.outputs.image.x)\n"
    assert list(tmp.iterdir()) == []


def test_a_script_outside_the_scripts_dir_is_not_read(tekton: Tekton) -> None:
    _produce(tekton)
    script = tekton.root / "elsewhere.sh"
    script.write_text(f"#!/bin/sh\necho '$(steps.produce.outputs.image)' > {tekton.root}/o\n")
    script.chmod(0o755)
    proc = tekton.run([*tekton.step_args(1), "-entrypoint", str(script), "--"])
    assert proc.returncode == 0, proc.stderr
    assert (tekton.root / "o").read_text() == "$(steps.produce.outputs.image)\n"


def test_an_unknown_artifact_is_logged_and_the_command_runs_unchanged(tekton: Tekton) -> None:
    _produce(tekton)
    out, err = _consume(tekton, ["$(steps.produce.outputs.nope)", "$(steps.produce.outputs.image)"],
                        env={"A": "$(steps.produce.outputs.image)"})
    assert "Error while substituting step artifacts" in err
    assert "values for template $(steps.produce.outputs.nope) not found" in err
    # Tekton stops at the first failure: the command, then env, are left as written
    assert out.split("\0")[:-1] == ["$(steps.produce.outputs.image)",
                                    "$(steps.produce.outputs.nope)",
                                    "$(steps.produce.outputs.image)"]


def test_a_failing_env_keeps_the_substituted_command(tekton: Tekton) -> None:
    _produce(tekton)
    out, err = _consume(tekton, ["$(steps.produce.outputs.image)"],
                        env={"A": "$(steps.produce.inputs.nope)"})
    assert "values for template $(steps.produce.inputs.nope) not found" in err
    assert out.split("\0")[:-1] == ["$(steps.produce.inputs.nope)", IMAGE_JSON]


@pytest.mark.parametrize(("content", "reference", "expected"), [
    ('{"outputs":[{"name":"empty"}]}', "$(steps.produce.outputs.empty)", "null"),
    ('{"outputs":[{"name":"e","values":[]}]}', "$(steps.produce.outputs.e)", "[]"),
    ('{"Outputs":[{"NAME":"a","Values":[{"URI":"u"}]}],"x":1e999}',
     "$(steps.produce.outputs.a)", '[{"uri":"u"}]'),
    ('{"outputs":[{"name":"a","values":[null,{"digest":{"b":null,"a":"\\u2028"}}]}]}',
     "$(steps.produce.outputs.a)", '[{},{"digest":{"a":"\\u2028","b":""}}]'),
])
def test_values_are_encoded_as_go_marshals_them(
    tekton: Tekton, content: str, reference: str, expected: str
) -> None:
    _produce(tekton, content)
    out, err = _consume(tekton, [reference])
    assert "Error" not in err
    assert out.split("\0")[1] == expected


def test_a_missing_provenance_file_is_logged(tekton: Tekton) -> None:
    assert tekton.run(["step-init", "step-produce", "step-consume"]).returncode == 0
    assert tekton.run([*tekton.step_args(0), "-entrypoint", "true", "--"]).returncode == 0
    out, err = _consume(tekton, ["$(steps.produce.outputs.image)"])
    assert "Error while substituting step artifacts: open " in err
    assert "provenance.json: No such file or directory" in err
    assert out.split("\0")[1] == "$(steps.produce.outputs.image)"


def test_step_results_and_artifacts_in_one_command(tekton: Tekton) -> None:
    _produce(tekton)
    (tekton.run_dir(0) / "status" / "results" / "r").write_text("res")
    out, _ = _consume(tekton, ["$(steps.produce.results.r):$(steps.produce.outputs.image)"])
    assert out.split("\0")[1] == f"res:{IMAGE_JSON}"


# --- the decoder and encoder, in process ----------------------------------------------------

@pytest.mark.parametrize("content", [
    b"", b"[]", b'"x"', b'{"outputs": {}}', b'{"outputs": [1]}', b'{"outputs": [{"name": 1}]}',
    b'{"outputs": [{"buildOutput": "yes"}]}', b'{"outputs": [{"values": [{"uri": true}]}]}',
    b'{"outputs": [{"values": [{"digest": {"a": 1}}]}]}', b'{"outputs": NaN}', b"{} {}",
])
def test_content_go_refuses_is_an_error(content: bytes) -> None:
    with pytest.raises(ArtifactError):
        stepartifacts.decode_artifacts(content)


def test_null_and_unknown_fields_are_accepted() -> None:
    assert stepartifacts.decode_artifacts(b"null") == {"inputs": None, "outputs": None}
    got = stepartifacts.decode_artifacts(b'{"inputs": null, "other": [1, {"a": 2}]}')
    assert got == {"inputs": None, "outputs": None}


def test_invalid_utf8_becomes_one_replacement_character_per_byte() -> None:
    got = stepartifacts.decode_artifacts(
        b'{"outputs":[{"name":"a","values":[{"uri":"x\xe2\x82y"}]}]}')
    assert got["outputs"][0]["values"][0]["uri"] == "x\ufffd\ufffdy"


def test_a_reference_must_be_tektons_pattern(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="invalid artifact template"):
        stepartifacts.value_of(str(tmp_path), "$(steps.a.outputs.b.c)")


def test_the_script_dir_test_is_gos_filepath_dir() -> None:
    assert stepartifacts._go_dir("/tekton/scripts/script-0") == "/tekton/scripts"
    assert stepartifacts._go_dir("/tekton/x/../scripts/s") == "/tekton/scripts"
    assert stepartifacts._go_dir("//tekton/scripts/s") == "/tekton/scripts"
    assert stepartifacts._go_dir("script") == "."


_text = st.text(max_size=8)  # no surrogates: hypothesis draws UTF-8-encodable text
_value = st.fixed_dictionaries({}, optional={
    "uri": _text, "digest": st.dictionaries(_text, _text, max_size=3)})


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_value, max_size=4), kind=st.sampled_from(["inputs", "outputs"]))
def test_values_round_trip_as_json(tmp_path_factory: pytest.TempPathFactory,
                                   values: list[dict[str, Any]], kind: str) -> None:
    steps = tmp_path_factory.mktemp("steps")
    path = Path(stepartifacts.provenance_path(str(steps), "p"))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({kind: [{"name": "n", "values": values}]}), encoding="utf-8")
    text = stepartifacts.value_of(str(steps), f"$(steps.p.{kind}.n)")
    assert not any(c in text for c in "<>&\u2028\u2029") and "\n" not in text
    expected = [{k: v for k, v in val.items() if v} for val in values]
    assert json.loads(text) == expected
    # digest keys in Go's (sorted) order
    for item in json.loads(text, object_pairs_hook=list):
        for key, val in item:
            if key == "digest":
                assert [k for k, _ in val] == sorted(k for k, _ in val)
    os.remove(path)
