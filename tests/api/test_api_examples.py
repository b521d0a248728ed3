"""Acceptance: Tekton's own v1 examples parse and validate as Tekton's webhook would."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_test_support import ALPHA_FLAGS, GATED

from tekpy.api import Config, parse_documents, validate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _config(gate: str) -> Config:
    flags = {"enable-api-fields": gate}
    if gate == "alpha":
        flags.update(ALPHA_FLAGS)
    return Config.from_maps(feature_flags=flags)


def _errors(path: Path, gate: str) -> list[str]:
    out = []
    for doc in parse_documents(path.read_text()):
        if doc.errors:
            out.append(f"doc {doc.index}: {doc.errors}")
        elif doc.obj is not None:
            errs = validate(doc.obj, _config(gate))
            if errs:
                out.append(f"doc {doc.index} {doc.kind}: {errs}")
    return out


def _gate_of(rel: str) -> str:
    return "alpha" if "/alpha/" in rel else "beta" if "/beta/" in rel else "stable"


def test_every_example_is_valid_at_its_folders_gate(tekton_examples: Path) -> None:
    files = sorted(tekton_examples.rglob("*.yaml"))
    assert len(files) == 131
    failures = {}
    for f in files:
        rel = str(f.relative_to(tekton_examples))
        errs = _errors(f, _gate_of("/" + rel))
        if errs:
            failures[rel] = errs
    assert failures == {}


def test_gated_examples_are_rejected_below_their_gate_naming_it(tekton_examples: Path) -> None:
    rejected = {}
    for f in sorted(tekton_examples.rglob("*.yaml")):
        rel = str(f.relative_to(tekton_examples))
        gate = _gate_of("/" + rel)
        below = {"alpha": ["stable", "beta"], "beta": ["stable"], "stable": []}[gate]
        for g in below:
            errs = _errors(f, g)
            if errs:
                rejected.setdefault(rel, errs)
    assert set(rejected) == set(GATED)
    for rel, errs in rejected.items():
        text = "\n".join(errs)
        assert GATED[rel] in text, (rel, text)
