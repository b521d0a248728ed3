"""Workspaces an embedded ``taskSpec`` uses without its PipelineTask binding them.

Tekton propagates the PipelineRun's workspaces to a PipelineTask with an embedded
``taskSpec``: every workspace named in ``$(workspaces.<name>...)`` in its steps (``script``,
``command``, ``args``, ``workingDir``, ``env`` values, step ``params``), sidecars (``script``,
``command``, ``args``, ``workingDir``, ``env`` values) or ``stepTemplate`` (``command``,
``args``, ``workingDir``, ``env`` values) is added to the PipelineTask's workspaces under its
own name. Referenced Tasks get nothing: they must declare and be given their workspaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from tekpy.api.types import ParamValue, TaskSpec

__all__ = ["workspaces_used"]

# $(workspaces.<name>...), $(workspaces['<name>']...) or $(workspaces["<name>"]...)
_REF = re.compile(r"""\$\(\s*workspaces(?:\.([^.\[\]()\s]+)|\[(['"])([^'"]+)\2\])""")


def _env_values(env: Sequence[Any]) -> Iterator[str]:
    for e in env:
        if isinstance(e, dict) and isinstance(e.get("value"), str):
            yield e["value"]


def _param_texts(value: ParamValue) -> Iterator[str]:
    yield value.string
    yield from value.array
    yield from value.object.values()


def _texts(spec: TaskSpec) -> Iterator[str]:
    for step in spec.steps:
        yield step.script
        yield step.working_dir
        yield from step.command
        yield from step.args
        yield from _env_values(step.env)
        for p in step.params:
            yield from _param_texts(p.value)
    for sc in spec.sidecars:
        yield sc.script
        yield sc.working_dir
        yield from sc.command
        yield from sc.args
        yield from _env_values(sc.env)
    t = spec.step_template
    if t is not None:
        yield t.working_dir
        yield from t.command
        yield from t.args
        yield from _env_values(t.env)


def _names(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        if "$(" not in text:
            continue
        for m in _REF.finditer(text):
            yield m.group(1) or m.group(3)


def workspaces_used(spec: TaskSpec) -> list[str]:
    """The workspace names ``spec``'s containers reference, sorted, without duplicates."""
    return sorted(set(_names(_texts(spec))))
