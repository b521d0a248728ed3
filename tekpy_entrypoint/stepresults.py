"""Run-time substitution of ``$(steps.<step>.results.<name>)`` in the command and environment.

A step can use the results of an earlier step of the same Pod; they are only known once that
step ran, so the entrypoint substitutes them just before starting the command, reading
``/tekton/steps/step-<step>/results/<name>`` (the link ``step-init`` made). Forms, as Tekton:

- ``$(steps.s.results.r)`` - a string result (or the raw text of the file);
- ``$(steps.s.results.r[1])`` - one element of an array result;
- ``$(steps.s.results.r[*])`` - a whole array, only as an entire command argument, which it
  expands into several arguments;
- ``$(steps.s.results.r.key)`` - one key of an object result.
"""

from __future__ import annotations

import os

_MARKER = "$(steps."


class SubstitutionError(Exception):
    """A reference could not be resolved."""


def _load(steps_dir: str, step: str, name: str) -> tuple[str, str | list[str] | dict[str, str]]:
    """(type, value) of a step result, decoded as Tekton's ParamValue does."""
    import json

    path = os.path.join(steps_dir, f"step-{step}", "results", name)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise SubstitutionError(f"cannot read step result {path}: {exc.strerror}") from exc
    text = raw.decode("utf-8", "replace")
    if raw[:1] in (b"[", b"{"):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "array", value
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return "object", value
    try:
        decoded = json.loads(text)
        if isinstance(decoded, str):
            return "string", decoded
    except ValueError:
        pass
    return "string", text


def _resolve(steps_dir: str, reference: str) -> str | list[str]:
    """The replacement of one ``$(steps....)`` reference: a string, or a list for ``[*]``."""
    import re

    parts = reference[2:-1].split(".")
    if len(parts) < 4 or parts[0] != "steps" or parts[2] != "results" or len(parts) > 5:
        raise SubstitutionError(f"invalid step result reference {reference}")
    step = parts[1]
    if len(parts) == 5:
        _, value = _load(steps_dir, step, parts[3])
        return value.get(parts[4], "") if isinstance(value, dict) else ""
    index = re.search(r"\[([0-9])*\*?\]", parts[3])
    name = re.sub(r"\[([0-9])*\*?\]", "", parts[3])
    _, value = _load(steps_dir, step, name)
    if index is None:
        return value if isinstance(value, str) else ""
    inner = index.group(0)[1:-1]
    items = value if isinstance(value, list) else []
    if inner == "*":
        return list(items)
    try:
        return items[int(inner)]
    except (ValueError, IndexError) as exc:
        raise SubstitutionError(f"index out of range in {reference}") from exc


def _references(text: str) -> list[str]:
    import re

    return re.findall(r"\$\(steps\..*?\.results\..*?\)", text)


def substitute(command: list[str], steps_dir: str) -> list[str]:
    """Substitute step results in ``os.environ`` (in place) and return the new command.

    Raises SubstitutionError; as in Tekton, the caller logs it and runs the command as it was.
    """
    if not any(_MARKER in v for v in os.environ.values()) and not any(
        _MARKER in c for c in command
    ):
        return command
    for key, value in list(os.environ.items()):
        for ref in _references(value) if _MARKER in value else []:
            replacement = _resolve(steps_dir, ref)
            value = value.replace(ref, replacement if isinstance(replacement, str) else "")
        os.environ[key] = value
    out: list[str] = []
    for arg in command:
        pieces = [arg]
        for ref in _references(arg) if _MARKER in arg else []:
            replacement = _resolve(steps_dir, ref)
            if isinstance(replacement, list):
                if arg != ref:
                    raise SubstitutionError(
                        'value must be in "$(steps.<step-name>.results.<result-name>[*])" '
                        "format, when using array results"
                    )
                pieces = replacement
            else:
                pieces[0] = pieces[0].replace(ref, replacement)
        out.extend(pieces)
    return out
