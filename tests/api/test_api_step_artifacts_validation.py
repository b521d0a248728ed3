"""Step artifact references in a Task: where Tekton accepts them, where it refuses them (with
its message and field paths), and its exact reference pattern (one trailing name)."""

from __future__ import annotations

import pytest

from tekpy.api import Config, parse_documents, validate

MISUSE = ("stepArtifact substitutions are only allowed in env, command, args and script. "
          "Found usage in")
FLAG_OFF = "feature flag enable-artifacts should be set to true to use artifacts feature."
ON = {"enable-artifacts": "true"}
OFF: dict[str, str] = {}
REF = "$(steps.p.outputs.img)"


def task(step: str, extra: str = "") -> str:
    """A Task whose second step is ``{image: x, <step>}`` after a producing step ``p``."""
    return ("apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n" + extra
            + f"  steps:\n  - {{name: p, image: x, script: 'true'}}\n  - {{{step}}}\n")


def s1(field: str) -> str:
    return f"spec.steps[1].{field}"


CASES: list[tuple[str, str, dict[str, str], set[tuple[str, str]]]] = [
    # --- accepted where the entrypoint replaces them --------------------------------------
    ("in-command-args-env-script", task(
        f"image: x, command: [sh, '{REF}'], args: ['a-$(steps.p.inputs.src)'], "
        f"env: [{{name: A, value: 'v {REF}'}}]"), ON, set()),
    ("in-script", task(f"image: x, script: 'echo {REF}'"), ON, set()),
    ("step-artifacts-path-in-script", task("image: x, script: 'cat $(step.artifacts.path)'"),
     ON, set()),
    # --- refused elsewhere, with Tekton's paths (no list indexes) ---------------------------
    ("in-image", task(f"image: 'img{REF}'"), ON, {(s1("image"), MISUSE)}),
    ("in-working-dir", task(f"image: x, workingDir: '/w/{REF}'"), ON,
     {(s1("workingDir"), MISUSE)}),
    ("inputs-in-working-dir", task("image: x, workingDir: '$(steps.p.inputs.src)'"), ON,
     {(s1("workingDir"), MISUSE)}),
    ("step-artifacts-path-in-working-dir",
     task("image: x, workingDir: '$(step.artifacts.path)'"), ON, {(s1("workingDir"), MISUSE)}),
    ("in-image-pull-policy", task(f"image: x, imagePullPolicy: '{REF}'"), ON,
     {(s1("imagePullPolicy"), MISUSE)}),
    ("in-name", task(f"name: '{REF}', image: x"), ON,
     {(s1("name"), MISUSE), (s1("name"), f'invalid value "{REF}"')}),
    ("in-env-from", task(
        f"image: x, envFrom: [{{prefix: '{REF}', configMapRef: {{name: '{REF}'}}}}, "
        f"{{secretRef: {{name: '{REF}'}}}}]"), ON,
     {(s1("envFrom.prefix"), MISUSE), (s1("envFrom.configMapRef"), MISUSE),
      (s1("envFrom.secretRef"), MISUSE)}),
    ("in-volume-mounts", task(
        f"image: x, volumeMounts: [{{name: '{REF}', mountPath: '/m/{REF}', subPath: '{REF}'}}]"),
     ON, {(s1("volumeMounts.name"), MISUSE), (s1("volumeMounts.mountPath"), MISUSE),
          (s1("volumeMounts.subPath"), MISUSE)}),
    ("in-volume-devices", task(
        f"image: x, volumeDevices: [{{name: '{REF}', devicePath: '/d/{REF}'}}]"), ON,
     {(s1("volumeDevices.name"), MISUSE), (s1("volumeDevices.devicePath"), MISUSE)}),
    ("in-step-template-reaches-every-step", task(
        "image: x", extra=f"  stepTemplate: {{workingDir: '{REF}'}}\n"), ON,
     {("spec.steps[0].workingDir", MISUSE), (s1("workingDir"), MISUSE)}),
    ("several-fields-at-once", task(f"image: 'i{REF}', workingDir: '{REF}'"), ON,
     {(s1("image"), MISUSE), (s1("workingDir"), MISUSE)}),
    # --- Tekton's pattern: a step name without dots, exactly one artifact name --------------
    ("two-trailing-names-is-no-reference", task(
        "image: x, workingDir: '$(steps.p.outputs.img.extra)'"), ON, set()),
    ("no-trailing-name-is-no-reference", task("image: x, workingDir: '$(steps.p.outputs)'"),
     ON, set()),
    ("other-category-is-no-reference", task("image: x, workingDir: '$(steps.p.artifacts.a)'"),
     ON, set()),
    ("task-artifacts-are-not-step-artifacts", task(
        "image: x, workingDir: '$(tasks.t.outputs.img)'"), ON, set()),
    ("any-non-dot-step-name", task("image: x, workingDir: '$(steps.p)q.outputs.img)'"), ON,
     {(s1("workingDir"), MISUSE)}),
    # --- with the flag off only the flag error is reported (Tekton returns early) ------------
    ("flag-off-in-command", task(f"image: x, command: ['{REF}']"), OFF,
     {("spec.steps[1]", FLAG_OFF)}),
    ("flag-off-misuse-not-reported", task(f"image: x, workingDir: '{REF}', args: ['{REF}']"),
     OFF, {("spec.steps[1]", FLAG_OFF)}),
    ("flag-off-misuse-alone", task(f"image: x, workingDir: '{REF}'"), OFF,
     {(s1("workingDir"), MISUSE)}),
    ("flag-off-task-artifact", task("image: x, script: 'echo $(tasks.t.inputs.src)'"), OFF,
     {("spec.steps[1]", FLAG_OFF)}),
    ("flag-off-artifacts-path", task("image: x, script: 'cat $(artifacts.path)'"), OFF,
     {("spec.steps[1]", FLAG_OFF)}),
    ("flag-off-two-trailing-names-is-no-reference", task(
        "image: x, script: 'echo $(steps.p.outputs.a.b)'"), OFF, set()),
]


@pytest.mark.parametrize(("doc", "flags", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_step_artifact_references(doc: str, flags: dict[str, str],
                                  expected: set[tuple[str, str]]) -> None:
    (parsed,) = parse_documents(doc)
    assert not parsed.errors
    errors = validate(parsed.obj, Config.from_maps({}, flags))
    assert set(errors.flat()) == expected


def test_case_ids_are_unique() -> None:
    assert len({c[0] for c in CASES}) == len(CASES)
