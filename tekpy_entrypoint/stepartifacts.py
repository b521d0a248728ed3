"""Run-time substitution of ``$(steps.<step>.inputs|outputs.<name>)`` (step artifacts).

A step declares artifacts by writing ``<its step_metadata_dir>/artifacts/provenance.json``
(``{"inputs": [...], "outputs": [...]}``, each ``{"name", "values": [{"uri", "digest"}],
"buildOutput"}``). A later step of the same Pod refers to one artifact's values; just before
its command starts, the entrypoint replaces each reference with the JSON of those values
(encoded as Go's ``json.Marshal`` writes them), read through the ``step-init`` link
``/tekton/steps/step-<step>/artifacts/provenance.json``. As in Tekton:

- the reference pattern is ``\\$\\(steps\\.([^.]+)\\.(?:inputs|outputs)\\.([^.)]+)\\)``;
- a command that is one file of the scripts directory (a ``script`` step) has the file's
  content substituted; when it changes, the result goes to a new ``$TMPDIR/script-<n>``
  (mode 0755) that becomes the command; otherwise every command/args element is substituted;
- then every environment variable is;
- the first failure (unreadable or malformed file, no artifact of that name) stops the
  substitution: the caller logs it and runs the command as it stands (the command is left
  unchanged when it was the command that failed; environment variables already substituted
  stay so).
"""

from __future__ import annotations

import os

# typing and collections.abc cost milliseconds of start-up in every step: annotations only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    _Decoder = Callable[[Any, Any], Any]

_MARKER = "$(steps."
PATTERN = r"\$\(steps\.([^.]+)\.(inputs|outputs)\.([^.)]+)\)"


class ArtifactError(Exception):
    """A step artifact reference could not be resolved."""


# --- decoding provenance.json as Go's json.Unmarshal into v1.Artifacts ----------------------
#
# Each decoder takes the JSON value and the current Go value (for duplicate keys, which Go
# decodes into the existing value) and returns the new one; a type Go refuses raises.


class _Number:
    """A JSON number, kept unparsed: no field of v1.Artifacts accepts one."""


def _type_error(value: Any, what: str) -> ArtifactError:
    kinds = {str: "string", bool: "bool", list: "array", _Number: "number"}
    kind = "object" if isinstance(value, _Pairs) else kinds.get(type(value), "value")
    return ArtifactError(f"json: cannot unmarshal {kind} into Go value of type {what}")


class _Pairs(list[tuple[str, object]]):
    """A JSON object as its (key, value) pairs, in order, duplicates kept (Go sees them all)."""


def _go_text(text: str) -> str:
    # Go decodes each invalid UTF-8 byte and each unpaired surrogate escape as U+FFFD; the
    # file is read with surrogateescape and json turns "\udXXX" escapes into surrogates too.
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def _string(value: Any, current: Any) -> Any:
    if value is None:  # Go ignores null for a string
        return current
    if not isinstance(value, str):
        raise _type_error(value, "string")
    return _go_text(value)


def _bool(value: Any, current: Any) -> Any:
    if value is None:
        return current
    if not isinstance(value, bool):
        raise _type_error(value, "bool")
    return value


def _string_map(value: Any, current: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, _Pairs):
        raise _type_error(value, "map[v1.Algorithm]string")
    out = dict(current) if current is not None else {}  # Go fills an existing map
    for key, item in value:
        out[_go_text(key)] = _string(item, "")
    return out


def _struct(fields: dict[str, _Decoder], name: str) -> _Decoder:
    folded = {k.casefold(): k for k in fields}

    def decode(value: Any, current: Any) -> Any:
        if value is None:
            return current
        if not isinstance(value, _Pairs):
            raise _type_error(value, name)
        out = dict(current) if current is not None else dict.fromkeys(fields)
        for key, item in value:
            # an exact field name, else a case-insensitive one; other keys are ignored
            field = key if key in fields else folded.get(key.casefold())
            if field is not None:
                out[field] = fields[field](item, out[field])
        return out

    return decode


def _slice(element: _Decoder, name: str) -> _Decoder:
    def decode(value: Any, current: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or isinstance(value, _Pairs):
            raise _type_error(value, name)
        old = current or []
        return [element(item, old[i] if i < len(old) else None) for i, item in enumerate(value)]

    return decode


_VALUE = _struct({"digest": _string_map, "uri": _string}, "v1.ArtifactValue")
_ARTIFACT = _struct({"name": _string, "values": _slice(_VALUE, "[]v1.ArtifactValue"),
                     "buildOutput": _bool}, "v1.Artifact")
_ARTIFACTS = _struct({"inputs": _slice(_ARTIFACT, "[]v1.Artifact"),
                      "outputs": _slice(_ARTIFACT, "[]v1.Artifact")}, "v1.Artifacts")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def decode_artifacts(raw: bytes) -> dict[str, Any]:
    """The ``inputs`` / ``outputs`` of a provenance file (``None`` for an absent list)."""
    import json

    text = raw.decode("utf-8", "surrogateescape")
    try:
        data = json.loads(text, object_pairs_hook=_Pairs, parse_int=lambda _: _Number(),
                          parse_float=lambda _: _Number(), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ArtifactError(f"invalid JSON: {exc}") from exc
    out = _ARTIFACTS(data, None)
    return out if out is not None else {"inputs": None, "outputs": None}


# --- encoding the values as Go's json.Marshal ------------------------------------------------


def encode_values(values: list[dict[str, Any] | None] | None) -> str:
    """``[]v1.ArtifactValue`` as Go marshals it: ``digest`` (keys sorted) then ``uri``, each
    omitted when empty; ``null`` for a nil list; HTML characters and U+2028/9 escaped."""
    import json

    if values is None:
        return "null"
    items = []
    for v in values:
        item: dict[str, Any] = {}
        digest = (v or {}).get("digest")
        if digest:
            item["digest"] = dict(sorted(digest.items()))
        uri = (v or {}).get("uri")
        if uri:
            item["uri"] = uri
        items.append(item)
    text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


# --- references -----------------------------------------------------------------------------


def provenance_path(steps_dir: str, step: str) -> str:
    """Where step ``step``'s artifacts are read (the ``step-init`` link of its status dir)."""
    return os.path.join(steps_dir, f"step-{step}", "artifacts", "provenance.json")


def value_of(steps_dir: str, reference: str) -> str:
    """The replacement of one whole reference: the JSON of the named artifact's values."""
    import re

    m = re.fullmatch(PATTERN, reference)
    if m is None:
        raise ArtifactError(f"invalid artifact template {reference}")
    step, kind, name = m.groups()
    path = provenance_path(steps_dir, step)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise ArtifactError(f"open {path}: {exc.strerror}") from exc
    artifacts = decode_artifacts(raw)
    for artifact in artifacts[kind] or []:
        if (artifact or {}).get("name") == name:
            return encode_values(artifact["values"])
    raise ArtifactError(f"values for template {reference} not found")


def replace(text: str, steps_dir: str) -> str:
    """``text`` with every reference replaced (Tekton's order: each match in turn, replacing
    all of its occurrences in the text built so far)."""
    if _MARKER not in text:
        return text
    import re

    out = text
    for m in re.finditer(PATTERN, text):
        out = out.replace(m.group(0), value_of(steps_dir, m.group(0)))
    return out


def _go_dir(path: str) -> str:
    """Go's ``filepath.Dir``: the directory part, cleaned (``.`` when there is none)."""
    d = os.path.normpath(os.path.dirname(path) or ".")
    return "/" + d.lstrip("/") if d.startswith("//") else d


def _write_temp_script(content: str) -> str:
    """A new ``$TMPDIR/script-<random>`` (Go's ``os.CreateTemp("", "script-*")``), mode 0755."""
    directory = os.environ.get("TMPDIR") or "/tmp"
    data = content.encode("utf-8", "surrogateescape")
    for _ in range(10000):
        path = os.path.join(directory, f"script-{int.from_bytes(os.urandom(4), 'little')}")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        try:
            os.chmod(path, 0o755)  # explicit, as Go does: the umask does not apply
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return path
    raise ArtifactError(f"pattern script-*: cannot create a file in {directory}")


def substitute_command(command: list[str], steps_dir: str, scripts_dir: str) -> list[str]:
    """The command with step artifacts replaced (a script file is rewritten to a copy)."""
    if len(command) == 1 and _go_dir(command[0]) == os.path.normpath(scripts_dir):
        try:
            with open(command[0], "rb") as f:
                content = f.read().decode("utf-8", "surrogateescape")
        except OSError as exc:
            raise ArtifactError(f"open {command[0]}: {exc.strerror}") from exc
        replaced = replace(content, steps_dir)
        if replaced == content:
            return command
        try:
            return [_write_temp_script(replaced)]
        except OSError as exc:
            raise ArtifactError(f"writing the substituted script: {exc}") from exc
    return [replace(arg, steps_dir) for arg in command]


def substitute_env(steps_dir: str) -> None:
    """Replace step artifacts in ``os.environ``, in place, variable by variable."""
    for key, value in list(os.environ.items()):
        if _MARKER in value:
            os.environ[key] = replace(value, steps_dir)
