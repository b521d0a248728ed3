"""``$(...)`` variable substitution, done once.

A :class:`Replacements` maps variable keys (``params.x``, ``context.taskRun.name``,
``tasks.t.results.r``, ...) to strings, arrays and objects. :meth:`Replacements.apply`
scans a string once, left to right, and replaces each ``$(key)`` it knows; the text it
inserts is never scanned again, so a value that itself contains ``$(...)`` stays literal
(Tekton's single-pass replacer has the same property). Keys are matched in every spelling
Tekton accepts: ``$(params.x)``, ``$(params['x'])``, ``$(params["x"])``, with ``[i]``
indexing into arrays and ``.key`` into objects.

Arrays follow Tekton's ``ApplyArrayReplacements``: in ``command`` and ``args`` lists, in
array values of params and in ``when`` values, an element that is exactly ``$(params.a)`` or
``$(params.a[*])`` (any spelling, any array variable) expands into the array's elements; a
string param value that is exactly such a reference (Tekton's exact form, dot spelling)
becomes the array or object itself; a ``when`` input that is exactly an array reference
becomes the array's JSON text.

Step results and step artifacts (``$(steps.<s>.results.<r>)``,
``$(steps.<s>.inputs.<a>)``, ``$(steps.<s>.outputs.<a>)``) are left in place for the
entrypoint to resolve at run time.

References under a prefix the caller owns that no replacement matches are recorded in the
``missing`` list of :meth:`Replacements.apply`; :func:`substitute` turns them into
``non-existent variable`` errors with the field path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from tekpy.api.converter import structure, unstructure
from tekpy.api.errors import ErrorList, err_generic
from tekpy.api.types import ARRAY, OBJECT, ParamSpec, ParamValue

__all__ = [
    "ARTIFACTS_FLAG_MESSAGE",
    "LIST_FIELDS",
    "OWN_PREFIXES",
    "Replacements",
    "add_legacy_param_aliases",
    "go_json",
    "is_runtime_reference",
    "is_step_artifact_reference",
    "param_replacements",
    "substitute",
]

T = TypeVar("T")

# ``$(`` + anything without parentheses + ``)``: the token a replacement may match
_TOKEN = re.compile(r"\$\(([^()]*)\)")
_BRACKET = re.compile(r"""^([A-Za-z][\w.]*?)\[(['"])(.+?)\2\](.*)$""")
_INDEX = re.compile(r"^(.*)\[(\d+)\]$")
# Tekton's exact-reference form (resultref.go): a param value that is one whole reference
_EXACT = re.compile(r"^\$\([_a-zA-Z0-9.-]+(\.[_a-zA-Z0-9.-]+)*(\[([0-9]+|\*)\])?\)$")
# Tekton's step artifact reference (internal/artifactref), on the text inside ``$(...)``
_STEP_ARTIFACT = re.compile(r"^steps\.[^.]+\.(?:inputs|outputs)\.[^.)]+$")
# where a string is a param value (a PipelineTask's, matrix's or step's params)
_PARAM_VALUE_PATH = re.compile(r"(?:^|\.)params\[\d+\]\.value$")
_WHEN_INPUT_PATH = re.compile(r"(?:^|\.)when\[\d+\]\.input$")

ARTIFACTS_FLAG_MESSAGE = (
    "feature flag enable-artifacts should be set to true to use artifacts feature.")

# JSON keys whose list values get whole-element array expansion (Tekton: command, args,
# array param values, when values)
LIST_FIELDS = frozenset({"command", "args", "values", "value"})
# prefixes whose unmatched references are errors (others may be shell text)
OWN_PREFIXES = ("params", "context", "workspaces", "results", "steps", "step", "tasks",
                "inputs", "outputs", "resources")


def is_step_artifact_reference(key: str) -> bool:
    """``steps.<s>.inputs.<a>`` / ``steps.<s>.outputs.<a>`` (the text inside ``$(...)``)."""
    return _STEP_ARTIFACT.match(key.strip()) is not None


def is_runtime_reference(key: str) -> bool:
    """References the entrypoint resolves at run time: step results consumed by later steps
    and step artifacts (Tekton's entrypoint reads both from ``/tekton/steps/<step>``)."""
    key = key.strip()
    if key.startswith("steps.") and ".results." in key and not key.endswith(".path"):
        return True
    return is_step_artifact_reference(key)


def _not_artifact_runtime(key: str) -> bool:
    # with enable-artifacts off, artifact references are not left for the entrypoint
    return is_runtime_reference(key) and not is_step_artifact_reference(key)


def go_json(value: Any) -> str:
    """``value`` as Go's ``json.Marshal`` writes it: compact, UTF-8, HTML characters escaped
    (map keys sorted is the caller's job for dicts built from Go maps)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _normalize(key: str) -> str:
    """``params['x'].k`` -> ``params.x.k`` (any prefix: ``results["r"].path``)."""
    m = _BRACKET.match(key)
    if m:
        return f"{m.group(1)}.{m.group(3)}{m.group(4)}"
    return key


@attrs.define
class Replacements:
    """Known variable values; apply them with :meth:`apply`, :meth:`apply_list`,
    :meth:`apply_json`."""

    strings: dict[str, str] = attrs.Factory(dict)
    arrays: dict[str, list[str]] = attrs.Factory(dict)
    objects: dict[str, dict[str, str]] = attrs.Factory(dict)

    # building ---------------------------------------------------------------------------
    def add(self, key: str, value: str | Sequence[str] | Mapping[str, str] | ParamValue
            ) -> Replacements:
        """Add one variable (a string, an array or an object); returns self."""
        if isinstance(value, ParamValue):
            return self.add(key, value.to_json())
        if isinstance(value, str):
            self.strings[key] = value
        elif isinstance(value, Mapping):
            self.objects[key] = {str(k): str(v) for k, v in value.items()}
        else:
            self.arrays[key] = [str(v) for v in value]
        return self

    def update(self, other: Replacements) -> Replacements:
        """Add every variable of ``other`` (its values win); returns self."""
        self.strings.update(other.strings)
        self.arrays.update(other.arrays)
        self.objects.update(other.objects)
        return self

    # looking up -------------------------------------------------------------------------
    def lookup(self, key: str) -> str | None:
        """The string a ``$(key)`` reference becomes, or ``None`` when unknown."""
        key = _normalize(key.strip())
        if key in self.strings:
            return self.strings[key]
        m = _INDEX.match(key)
        if m and m.group(1) in self.arrays:
            arr = self.arrays[m.group(1)]
            i = int(m.group(2))
            return arr[i] if i < len(arr) else None
        base, _, prop = key.rpartition(".")
        if base in self.objects and prop in self.objects[base]:
            return self.objects[base][prop]
        return None

    def _whole_key(self, text: str) -> str | None:
        """The variable ``text`` names when it is exactly ``$(key)`` or ``$(key[*])``."""
        if not (text.startswith("$(") and text.endswith(")")):
            return None
        return _normalize(text[2:-1].strip()).removesuffix("[*]")

    def whole_value(self, text: str) -> list[str] | dict[str, str] | None:
        """What a param value that is exactly ``$(name)`` or ``$(name[*])`` becomes when
        ``name`` is an array or an object: the whole value (Tekton corrects the param's type
        this way, and passes arrays and objects between tasks with it). Only Tekton's exact
        form counts (dot spelling, no spaces); anything else is ordinary text."""
        if not _EXACT.match(text):
            return None
        base = text[2:-1].removesuffix("[*]")
        if base in self.arrays:
            return list(self.arrays[base])
        if base in self.objects:
            return dict(self.objects[base])
        return None

    def array_for(self, element: str) -> list[str] | None:
        """The elements a list element expands to when it is exactly ``$(name)`` or
        ``$(name[*])`` for an array ``name`` (Tekton's ``ApplyArrayReplacements``, used for
        ``command``, ``args``, array param values and ``when`` values)."""
        base = self._whole_key(element)
        if base is None:
            return None
        if base in self.arrays:
            return list(self.arrays[base])
        if base in self.objects and element.rstrip(")").rstrip().endswith("[*]"):
            # a whole object expands to its values (tekpy's; Tekton's webhook rejects it)
            return list(self.objects[base].values())
        return None

    def array_json(self, text: str) -> str | None:
        """A ``when`` input that is exactly an array reference: the array as JSON text,
        as Tekton's ``WhenExpression`` substitution writes it."""
        base = self._whole_key(text)
        if base is None or base not in self.arrays:
            return None
        return go_json(self.arrays[base])

    # applying ---------------------------------------------------------------------------
    def apply(self, text: str, missing: list[str] | None = None,
              prefixes: tuple[str, ...] = OWN_PREFIXES,
              runtime: Callable[[str], bool] = is_runtime_reference) -> str:
        """Replace every known ``$(...)`` in one pass; unknown references under ``prefixes``
        go to ``missing``, except those ``runtime`` says are resolved at run time."""
        if "$(" not in text:
            return text

        def repl(m: re.Match[str]) -> str:
            value = self.lookup(m.group(1))
            if value is not None:
                return value
            key = m.group(1).strip()
            if missing is not None and prefixes and key.startswith(prefixes) \
                    and not runtime(key):
                missing.append(m.group(0))
            return m.group(0)

        return _TOKEN.sub(repl, text)

    def apply_list(self, items: Iterable[str], missing: list[str] | None = None,
                   prefixes: tuple[str, ...] = OWN_PREFIXES,
                   runtime: Callable[[str], bool] = is_runtime_reference) -> list[str]:
        """Apply to a list, expanding whole-element array references in place."""
        out: list[str] = []
        for item in items:
            expanded = self.array_for(item)
            if expanded is not None:
                out.extend(expanded)
            else:
                out.append(self.apply(item, missing, prefixes, runtime))
        return out

    def apply_json(self, value: Any, missing: list[str] | None = None, key: str = "") -> Any:
        """Apply to every string of a JSON value; lists under :data:`LIST_FIELDS` keys
        expand array references. Dict keys are left alone."""
        if isinstance(value, str):
            return self.apply(value, missing)
        if isinstance(value, list):
            if key in LIST_FIELDS and all(isinstance(v, str) for v in value):
                return self.apply_list(value, missing)
            return [self.apply_json(v, missing) for v in value]
        if isinstance(value, dict):
            return {k: self.apply_json(v, missing, k) for k, v in value.items()}
        return value


def param_replacements(specs: Sequence[ParamSpec], given: Mapping[str, ParamValue],
                       prefix: str = "params") -> Replacements:
    """Replacements for params: the given values over the declared defaults.

    Object params merge the given keys over the default's keys, as Tekton does.
    """
    r = Replacements()
    for spec in specs:
        value = given.get(spec.name, spec.default)
        if value is None:
            continue
        declared_type = spec.type or ("object" if spec.properties is not None else "")
        if declared_type == OBJECT and spec.default is not None and spec.name in given:
            merged = dict(spec.default.object)
            merged.update(given[spec.name].object)
            value = ParamValue(OBJECT, object=merged)
        r.add(f"{prefix}.{spec.name}", value)
    declared = {s.name for s in specs}
    for name, value in given.items():
        if name not in declared:
            # propagated params (Tekton passes undeclared run params down to inline specs)
            r.add(f"{prefix}.{name}", value)
    return r


def add_legacy_param_aliases(r: Replacements) -> Replacements:
    """Let a TaskRun's params also answer ``$(inputs.params.<name>)`` (``[i]``/``[*]`` too).

    Tekton keeps the original API's ``inputs.params`` spelling among its TaskRun param
    patterns whatever the Task's API version; the individual keys of object params get no
    such alias there, so none here. Returns ``r``.
    """
    for key, value in list(r.strings.items()):
        if key.startswith("params."):
            r.strings[f"inputs.{key}"] = value
    for key, arr in list(r.arrays.items()):
        if key.startswith("params."):
            r.arrays[f"inputs.{key}"] = list(arr)
    return r


def substitute(obj: T, replacements: Replacements, *, skip: Iterable[str] = (),
               report: tuple[str, ...] = OWN_PREFIXES,
               artifacts: bool = True) -> tuple[T, ErrorList]:
    """A copy of a model object with every string substituted once.

    Returns the new object and errors for references under ``report`` prefixes (default
    :data:`OWN_PREFIXES`; ``()`` reports nothing) that no replacement matched
    (``non-existent variable in "<text>"`` at the field's path). ``skip`` names top-level
    JSON fields left untouched (e.g. ``name``).

    Step results and, with ``artifacts`` (the ``enable-artifacts`` flag), step artifacts
    are run-time references: left in place, never errors. With ``artifacts=False`` a step
    artifact reference is reported with Tekton's message for the disabled flag.
    """
    data = unstructure(obj)
    errors = ErrorList()
    skipped = set(skip)
    runtime = is_runtime_reference if artifacts else _not_artifact_runtime

    def report_missing(text: str, missing: Sequence[str], path: str) -> None:
        keys = [m[2:-1] for m in missing if m in text]
        if any(is_step_artifact_reference(k) for k in keys):
            errors.add(err_generic(ARTIFACTS_FLAG_MESSAGE, path))
        if any(not is_step_artifact_reference(k) for k in keys):
            errors.add(err_generic(f'non-existent variable in "{text}"', path))

    def walk(value: Any, path: str, key: str) -> Any:
        if isinstance(value, str):
            if (key == "value" and _PARAM_VALUE_PATH.search(path)) or \
                    (not path and isinstance(obj, ParamValue)):
                # a string param value naming a whole array/object takes its type
                whole = replacements.whole_value(value)
                if whole is not None:
                    return whole
            if key == "input" and _WHEN_INPUT_PATH.search(path):
                as_json = replacements.array_json(value)
                if as_json is not None:
                    return as_json
            missing: list[str] = []
            out = replacements.apply(value, missing, report, runtime)
            if missing:
                report_missing(value, missing, path)
            return out
        if isinstance(value, list):
            expands = key in LIST_FIELDS or (not path and isinstance(obj, ParamValue))
            if expands and all(isinstance(v, str) for v in value):
                missing_l: list[str] = []
                out_l = replacements.apply_list(value, missing_l, report, runtime)
                for i, v in enumerate(value):
                    report_missing(v, missing_l, f"{path}[{i}]")
                return out_l
            return [walk(v, f"{path}[{i}]", "") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: (v if (not path and k in skipped) else
                        walk(v, f"{path}.{k}" if path else k, k))
                    for k, v in value.items()}
        return value

    new = walk(data, "", "")
    if isinstance(obj, ParamValue):
        return ParamValue.of(new), errors  # type: ignore[return-value]
    return structure(new, type(obj)), errors


def array_or_string(value: ParamValue) -> str | list[str] | dict[str, str]:
    """The JSON form of a param value (for callers building replacement maps)."""
    if value.type == ARRAY:
        return list(value.array)
    if value.type == OBJECT:
        return dict(value.object)
    return value.string
