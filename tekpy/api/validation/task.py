"""Validation of a TaskSpec: steps, sidecars, params, results, workspaces, variables."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence

from tekpy.api.config import ALPHA, BETA
from tekpy.api.errors import (
    ErrorList,
    FieldError,
    err_generic,
    err_invalid_key_name,
    err_invalid_value,
    err_missing_field,
    err_multiple_one_of,
)
from tekpy.api.merge import merge_step_template
from tekpy.api.refs import (
    check_entire_prohibited,
    check_isolated,
    check_no_prohibited,
    check_no_unknown,
)
from tekpy.api.types import (
    OBJECT,
    ParamSpec,
    PropertySpec,
    Ref,
    Sidecar,
    Step,
    StepResult,
    TaskResult,
    TaskSpec,
)
from tekpy.api.validation._ctx import Ctx, is_dns1123_label
from tekpy.api.validation.params import (
    check_object_properties,
    check_param_enums,
    check_param_name_format,
    check_param_spec_duplicates,
    check_param_types,
    split_by_type,
)
from tekpy.api.validation.refs import check_ref

__all__ = [
    "check_declared_param_usage",
    "check_workspace_vars",
    "step_strings",
    "validate_task_spec",
]

RESULT_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_RESULT_NAME_DETAILS = (
    "Name must consist of alphanumeric characters, '-', '_', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my-name',  or 'my_name', regex used for "
    "validation is '^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$')"
)
_STEP_NAME_DETAILS = (
    "Task step name must be a valid DNS Label, For more info refer to "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names"
)
_STEP_RESULT_USE = re.compile(r"\$\(steps\..*?\.results\..*?\)")
# Tekton's artifact references (internal/artifactref): exactly one trailing artifact name
# (no dot in it), and any run of non-dots as the step or task name
_STEP_ARTIFACT_USE = re.compile(r"\$\(steps\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)")
_TASK_ARTIFACT_USE = re.compile(r"\$\(tasks\.[^.]+\.(?:inputs|outputs)\.[^.)]+\)")
_STEP_ARTIFACT_PATH = "$(step.artifacts.path)"
_TASK_ARTIFACT_PATH = "$(artifacts.path)"
_STEP_ARTIFACT_MISUSE = (
    "stepArtifact substitutions are only allowed in env, command, args and script. "
    "Found usage in")
RESERVED_SIDECAR = "tekton-log-results"


def step_strings(step: Step, *, full: bool = True) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of the step fields that may hold variables (Tekton's list)."""
    yield "name", step.name
    yield "image", step.image
    yield "workingDir", step.working_dir
    yield "script", step.script
    for i, c in enumerate(step.command):
        yield f"command[{i}]", c
    for i, a in enumerate(step.args):
        yield f"args[{i}]", a
    for e in step.env:
        if isinstance(e, dict) and isinstance(e.get("value"), str):
            yield f"env[{e.get('name', '')}]", e["value"]
    for i, v in enumerate(step.volume_mounts):
        if isinstance(v, dict):
            for key, label in (("name", "name"), ("mountPath", "MountPath"),
                               ("subPath", "SubPath")):
                if isinstance(v.get(key), str):
                    yield f"volumeMount[{i}].{label if full else key}", v[key]
    if full:
        yield "onError", step.on_error


def _check_steps_vars(steps: Sequence[Step], prefix: str, known: set[str]) -> ErrorList:
    errs = ErrorList()
    for idx, step in enumerate(steps):
        for path, text in step_strings(step):
            if "$(" in text:
                errs.add(check_no_unknown(text, prefix, known).via_field(path)
                         .via_field_index("steps", idx))
    return errs


def check_declared_param_usage(steps: Sequence[Step], params: Sequence[ParamSpec]) -> ErrorList:
    """Steps reference only declared params, object keys that exist, and objects by key."""
    errs = ErrorList()
    names = {p.name for p in params}
    errs.add(_check_steps_vars(steps, "params", names))
    _, _, objects = split_by_type(params)
    for o in objects:
        keys = set((o.properties or {}).keys())
        errs.add(_check_steps_vars(steps, r"params\." + re.escape(o.name), keys))
    object_names = {o.name for o in objects}
    for idx, step in enumerate(steps):
        for path, text in step_strings(step, full=False):
            if "$(" not in text:
                continue
            errs.add(check_entire_prohibited(text, "params", object_names).via_field(path)
                     .via_field_index("steps", idx))
    errs.add(check_object_properties(params))
    return errs


def check_workspace_vars(spec: TaskSpec, propagated: set[str] | frozenset[str] = frozenset()
                         ) -> ErrorList:
    """``$(workspaces.<w>...)`` in steps names a declared (or propagated) workspace.

    tekpy's addition to Tekton's rules: Tekton leaves an unknown one unexpanded at run time.
    Workspaces of the enclosing run or Pipeline are propagated to inline specs.
    """
    return _check_steps_vars(spec.steps, "workspaces",
                             {w.name for w in spec.workspaces} | set(propagated))


def check_array_usage(steps: Sequence[Step], arrays: set[str]) -> ErrorList:
    """Array params are used whole only as an isolated ``command``/``args`` item (Tekton's
    ``validateArrayUsage``; paths ``steps[i].<field>``)."""
    errs = ErrorList()
    for idx, step in enumerate(steps):
        for path, text in step_strings(step, full=False):
            if "$(" not in text:
                continue
            if path.startswith(("command[", "args[")):
                e = check_isolated(text, "params", arrays)
            else:
                e = check_no_prohibited(text, "params", arrays)
            errs.add(e.via_field(path).via_field_index("steps", idx))
    return errs


def validate_task_spec(spec: TaskSpec, ctx: Ctx) -> ErrorList:
    """Tekton's TaskSpec checks, paths relative to the spec."""
    errs = ErrorList()
    if not spec.steps:
        errs.add(err_missing_field("steps"))
    errs.add(_check_volumes(spec.volumes).via_field("volumes"))
    errs.add(_check_declared_workspaces(spec).via_field("workspaces"))
    errs.add(_check_workspace_usages(spec, ctx))
    merged = merge_step_template(spec.step_template, spec.steps)
    errs.add(_check_steps(merged, ctx).via_field("steps"))
    for sc in spec.sidecars:
        errs.add(_check_sidecar(sc).via_field("sidecars"))
    errs.add(check_param_types(spec.params).via_field("params"))
    errs.add(check_param_spec_duplicates(spec.params))
    errs.add(check_param_enums(spec.params, ctx).via_field("params"))
    errs.add(check_param_name_format(spec.params))
    _, arrays, _ = split_by_type(spec.params)
    errs.add(check_array_usage(spec.steps, arrays))
    errs.add(_check_steps_vars(spec.steps, r"context\.taskRun", {"name", "namespace", "uid"}))
    errs.add(_check_steps_vars(spec.steps, r"context\.task", {"name", "retry-count"}))
    results = {r.name for r in spec.results}
    for idx, step in enumerate(spec.steps):
        errs.add(check_no_unknown(step.script, "results", results).via_field("script")
                 .via_field_index("steps", idx))
    seen_results: set[str] = set()
    for idx, r in enumerate(spec.results):
        errs.add(_check_task_result(r).via_index(idx).via_field("results"))
        if r.name in seen_results:
            # tekpy's addition: Tekton accepts duplicates and keeps the last value written
            errs.add(err_multiple_one_of("name").via_index(idx).via_field("results"))
        seen_results.add(r.name)
    if ctx.legacy is False and spec.resources is not None:
        errs.add(err_generic("must not set the field(s)", "resources"))
    return errs


def _check_volumes(volumes: Sequence[object]) -> ErrorList:
    errs = ErrorList()
    seen: set[str] = set()
    for idx, v in enumerate(volumes):
        name = str(v.get("name", "")) if isinstance(v, dict) else ""
        if name in seen:
            errs.add(err_generic(f'multiple volumes with same name "{name}"', "name")
                     .via_index(idx))
        seen.add(name)
    return errs


def _check_declared_workspaces(spec: TaskSpec) -> ErrorList:
    errs = ErrorList()
    mount_paths: set[str] = set()
    mounts = [vm for s in spec.steps for vm in s.volume_mounts]
    if spec.step_template is not None:
        mounts += spec.step_template.volume_mounts
    for vm in mounts:
        if isinstance(vm, dict):
            mount_paths.add(posixpath.normpath(str(vm.get("mountPath", "")) or "."))
    names: set[str] = set()
    for idx, w in enumerate(spec.workspaces):
        if w.name in names:
            errs.add(err_generic(f'workspace name "{w.name}" must be unique', "name")
                     .via_index(idx))
        names.add(w.name)
        mp = posixpath.normpath(w.get_mount_path())
        if mp in mount_paths:
            errs.add(err_generic(f'workspace mount path "{mp}" must be unique', "mountpath")
                     .via_index(idx))
        mount_paths.add(mp)
    return errs


def _check_workspace_usages(spec: TaskSpec, ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    names = {w.name for w in spec.workspaces}
    usages = [("steps", [s.workspaces for s in spec.steps], "step workspaces"),
              ("sidecars", [s.workspaces for s in spec.sidecars], "sidecar workspaces")]
    for field, per_container, feature in usages:
        for idx, workspaces in enumerate(per_container):
            if workspaces:
                errs.add(ctx.gate(feature, BETA).via_index(idx).via_field(field))
            for widx, w in enumerate(workspaces):
                if w.name not in names:
                    errs.add(err_generic(f'undefined workspace "{w.name}"', "name")
                             .via_index(widx).via_field("workspaces").via_index(idx)
                             .via_field(field))
    return errs


def _check_steps(steps: Sequence[Step], ctx: Ctx) -> ErrorList:
    errs = ErrorList()
    names: set[str] = set()
    for idx, s in enumerate(steps):
        if s.name:
            if s.name in names:
                errs.add(err_multiple_one_of("name").via_index(idx))
            names.add(s.name)
        errs.add(check_step(s, ctx).via_index(idx))
        if s.results:
            known = {r.name for r in s.results}
            errs.add(check_no_unknown(s.script, r"step\.results", known).via_field("script")
                     .via_index(idx))
            for ridx, r in enumerate(s.results):
                errs.add(_check_step_result(r).via_index(ridx).via_field("results")
                         .via_index(idx))
        if s.when:
            from tekpy.api.validation.when import check_when_list

            errs.add(check_when_list(s.when, ctx).via_index(idx))
    return errs


def _artifact_texts(s: Step) -> list[str]:
    texts = [s.script, *s.command, *s.args]
    texts += [e["value"] for e in s.env if isinstance(e, dict) and isinstance(e.get("value"), str)]
    return [t for t in texts if t]


def _step_artifact_used(text: str) -> bool:
    return _STEP_ARTIFACT_PATH in text or _STEP_ARTIFACT_USE.search(text) is not None


def _artifact_used(text: str) -> bool:
    return _step_artifact_used(text) or _TASK_ARTIFACT_PATH in text or (
        _TASK_ARTIFACT_USE.search(text) is not None)


def _step_artifact_fields(s: Step) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of the fields where Tekton refuses step artifact references.

    Paths are Tekton's: relative to the step, without list indexes.
    """
    yield "name", s.name
    yield "image", s.image
    yield "imagePullPolicy", s.image_pull_policy
    yield "workingDir", s.working_dir
    for e in s.env_from:
        if not isinstance(e, dict):
            continue
        yield "envFrom.prefix", _text(e.get("prefix"))
        for key, path in (("configMapRef", "envFrom.configMapRef"),
                          ("secretRef", "envFrom.secretRef")):
            ref = e.get(key)
            if isinstance(ref, dict):
                yield path, _text(ref.get("name"))
    for v in s.volume_mounts:
        if isinstance(v, dict):
            for key in ("name", "mountPath", "subPath"):
                yield f"volumeMounts.{key}", _text(v.get(key))
    for v in s.volume_devices:
        if isinstance(v, dict):
            for key in ("name", "devicePath"):
                yield f"volumeDevices.{key}", _text(v.get(key))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def check_step(s: Step, ctx: Ctx) -> ErrorList:
    """One (merged) step, paths relative to the step."""
    if not ctx.flag("enable-artifacts") and any(_artifact_used(t) for t in _artifact_texts(s)):
        return err_generic(
            "feature flag enable-artifacts should be set to true to use artifacts feature.", "")
    errs = ErrorList()
    if s.ref is not None:
        errs.add(check_ref(s.ref.name, s.ref.resolver, s.ref.params, ctx))
        for cond, msg, path in (
            (s.image, "image cannot be used with Ref", "image"),
            (s.command, "command cannot be used with Ref", "command"),
            (s.args, "args cannot be used with Ref", "args"),
            (s.script, "script cannot be used with Ref", "script"),
            (s.working_dir, "working dir cannot be used with Ref", "workingDir"),
            (s.env, "env cannot be used with Ref", "env"),
            (s.volume_mounts, "volumeMounts cannot be used with Ref", "volumeMounts"),
            (s.results, "results cannot be used with Ref", "results"),
        ):
            if cond:
                errs.add(err_generic(msg, path))
    else:
        if s.params:
            errs.add(err_generic("params cannot be used without Ref", "params"))
        if not s.image:
            errs.add(err_missing_field("Image"))
        if s.script and s.command:
            errs.add(err_generic("script cannot be used with command", "script"))
    if s.name and not is_dns1123_label(s.name):
        errs.add(err_generic(f'invalid value "{s.name}"', "name", details=_STEP_NAME_DETAILS))
    if s.timeout is not None:
        from tekpy.api.durations import DurationError, parse_duration

        try:
            if parse_duration(s.timeout) < 0:
                return err_invalid_value(s.timeout, "negative timeout")
        except DurationError as exc:
            errs.add(err_invalid_value(str(exc), "timeout"))
    for j, vm in enumerate(s.volume_mounts):
        if not isinstance(vm, dict):
            continue
        clean = posixpath.normpath(str(vm.get("mountPath", "")) or ".")
        name = str(vm.get("name", ""))
        if clean.startswith("/tekton/") and not clean.startswith("/tekton/home"):
            errs.add(err_generic(
                f'volumeMount cannot be mounted under /tekton/ (volumeMount "{name}" mounted at '
                f'"{vm.get("mountPath", "")}")', "mountPath").via_field_index("volumeMounts", j))
        if name.startswith("tekton-internal-"):
            errs.add(err_generic(
                f'volumeMount name "{name}" cannot start with "tekton-internal-"', "name"
            ).via_field_index("volumeMounts", j))
    if s.on_error and not s.on_error.startswith("$(params.") and s.on_error not in (
        "continue", "stopAndFail"
    ):
        errs.add(err_generic(f'invalid value: "{s.on_error}"', "onError",
                             details='Task step onError must be either "continue" or '
                                     '"stopAndFail"'))
    if s.script.strip().startswith("#!win"):
        errs.add(ctx.gate("windows script support", ALPHA).via_field("script"))
    if s.stdout_config is not None:
        errs.add(ctx.gate("step stdout stream support", ALPHA).via_field("stdoutconfig"))
    if s.stderr_config is not None:
        errs.add(ctx.gate("step stderr stream support", ALPHA).via_field("stderrconfig"))
    for path, text in (("name", s.name), ("image", s.image), ("script", s.script),
                       ("imagePullPolicy", s.image_pull_policy), ("workingDir", s.working_dir)):
        if _STEP_RESULT_USE.search(text):
            errs.add(err_generic("stepResult substitutions are only allowed in env, command and "
                                 "args. Found usage in", path))
    # the entrypoint replaces step artifacts only in the script, command, args and env
    for path, text in _step_artifact_fields(s):
        if text and _step_artifact_used(text):
            errs.add(err_generic(_STEP_ARTIFACT_MISUSE, path))
    return errs


def _check_sidecar(sc: Sidecar) -> ErrorList:
    errs = ErrorList()
    if sc.name == RESERVED_SIDECAR:
        errs.add(err_generic(f"Invalid: cannot use reserved sidecar name {sc.name} ", "name"))
    if not sc.image:
        errs.add(err_missing_field("image"))
    if sc.script and sc.command:
        errs.add(err_generic("script cannot be used with command", "script"))
    return errs


def _check_result_common(name: str, type_: str, props: dict[str, PropertySpec] | None,
                         object_msg: str) -> ErrorList:
    if not RESULT_NAME.match(name):
        return err_invalid_key_name(name, "name", _RESULT_NAME_DETAILS)
    if type_ == OBJECT:
        if props is None:
            return err_missing_field(f"{name}.properties")
        bad = sorted(k for k, v in props.items() if v.type != "string")
        if bad:
            return ErrorList([FieldError(object_msg % f"[{' '.join(bad)}]",
                                         (f"{name}.properties",))])
    return ErrorList()


def _check_task_result(r: TaskResult) -> ErrorList:
    errs = _check_result_common(
        r.name, r.type, r.properties,
        "The value type specified for these keys %s is invalid, the type must be string")
    if errs:
        return errs
    if r.type not in ("object", "array", "", "string"):
        return err_invalid_value(r.type, "type", "type must be string")
    if r.value is not None:
        if r.value.type != "string":
            return err_generic(f'Invalid Type. Wanted string but got: "{r.value.type}"',
                               f"{r.name}.type")
        m = re.search(r"\$\(steps\.(.*?)\.results\.(.*?)\)", r.value.string)
        if r.value.string and m is None:
            return err_generic(
                "Could not extract step name and result name. Expected value to look like "
                f'$(steps.<stepName>.results.<resultName>) but got "{r.value.string}"',
                f"{r.name}.value")
    return errs


def _check_step_result(r: StepResult) -> ErrorList:
    errs = _check_result_common(
        r.name, r.type, r.properties,
        "the value type specified for these keys %s is invalid, the type must be string")
    if errs:
        return errs
    if r.type not in ("object", "array", "", "string"):
        return err_invalid_value(r.type, "type", f"invalid type {r.type}")
    return errs


def check_step_ref(ref: Ref, ctx: Ctx) -> ErrorList:
    """A step's StepAction reference."""
    return check_ref(ref.name, ref.resolver, ref.params, ctx)
