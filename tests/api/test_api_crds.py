"""The CRDs: checked in as generated, structural, and faithful to the examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tekpy.api.crdgen import CRDS, render_all

ROOT = Path(__file__).resolve().parents[2]
CRD_DIR = ROOT / "manifests" / "crds"


def _crds() -> dict[str, dict]:  # type: ignore[type-arg]
    return {info.kind: yaml.safe_load((CRD_DIR / f"{info.plural}.yaml").read_text())
            for info in CRDS}


def test_checked_in_crds_match_a_fresh_generation() -> None:
    for name, text in render_all().items():
        assert (CRD_DIR / name).read_text() == text, f"{name} is stale: run hack/gen-crds.py"
    proc = subprocess.run([sys.executable, str(ROOT / "hack" / "gen-crds.py"), "--check"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout


def test_crd_metadata_follows_tekton() -> None:
    crds = _crds()
    for crd in crds.values():
        spec = crd["spec"]
        assert spec["group"] == "tekton.dev"
        assert spec["names"]["categories"] == ["tekton", "tekton-pipelines"]
        assert spec["conversion"] == {"strategy": "None"}
        assert sum(v["storage"] for v in spec["versions"]) == 1
    assert crds["TaskRun"]["spec"]["names"]["shortNames"] == ["tr", "trs"]
    assert crds["PipelineRun"]["spec"]["names"]["shortNames"] == ["pr", "prs"]
    for kind in ("TaskRun", "PipelineRun"):
        for v in crds[kind]["spec"]["versions"]:
            assert v["subresources"] == {"status": {}}
            assert [c["name"] for c in v["additionalPrinterColumns"]] == [
                "Succeeded", "Reason", "StartTime", "CompletionTime"]
    served = {k: [v["name"] for v in c["spec"]["versions"]] for k, c in crds.items()}
    assert served["Task"] == ["v1", "v1beta1", "v1alpha1"]
    assert served["PipelineResource"] == ["v1alpha1"]


def test_schemas_are_structural_and_keep_every_example_field(tekton_examples: Path) -> None:
    schema_mod = pytest.importorskip("tekpy.local.apiserver.schema",
                                     reason="the embedded API server's schema checks")
    crds = _crds()
    schemas = {}
    for kind, crd in crds.items():
        for i, v in enumerate(crd["spec"]["versions"]):
            s = v["schema"]["openAPIV3Schema"]
            path = f"spec.versions[{i}].schema.openAPIV3Schema"
            assert schema_mod.check_structural(s, path) == [], (kind, v["name"])
            schemas[(kind, v["name"])] = s
    checked = 0
    for f in sorted(tekton_examples.rglob("*.yaml")):
        text = f.read_text()
        for doc in yaml.safe_load_all(text):
            if not doc or not str(doc.get("apiVersion", "")).startswith("tekton.dev/"):
                continue
            schema = schemas[(doc["kind"], doc["apiVersion"].split("/")[1])]
            assert schema_mod.prune(doc, schema) == doc, f
            assert schema_mod.validate(doc, schema) == [], f
            checked += 1
    assert checked > 200


def test_storage_schema_keeps_older_versions_fields(tekton_examples: Path) -> None:
    """kube-apiserver prunes an object written as v1beta1/v1alpha1 by the storage (v1) schema
    when it stores it (conversion None, measured on v1.34): every older example must come
    through that pruning whole, while v1 keeps its properties and types."""
    schema_mod = pytest.importorskip("tekpy.local.apiserver.schema",
                                     reason="the embedded API server's schema checks")
    crds = _crds()
    storage = {kind: next(v["schema"]["openAPIV3Schema"] for v in crd["spec"]["versions"]
                          if v["storage"]) for kind, crd in crds.items()}
    seed = ROOT.parent / "shared" / "seed-examples"
    files = [*sorted(tekton_examples.rglob("*.yaml")), *sorted(seed.glob("*.yaml"))]
    checked = 0
    for f in files:
        for doc in yaml.safe_load_all(f.read_text()):
            if not doc or doc.get("apiVersion") not in ("tekton.dev/v1beta1",
                                                        "tekton.dev/v1alpha1"):
                continue
            stored = {**doc, "apiVersion": "tekton.dev/v1"}
            assert schema_mod.prune(stored, storage[doc["kind"]]) == stored, f
            checked += 1
    assert checked >= 10
    step = storage["Task"]["properties"]["spec"]["properties"]["steps"]["items"]
    assert step["x-kubernetes-preserve-unknown-fields"] is True
    assert step["properties"]["image"] == {"type": "string"}
    assert step["properties"]["args"] == {"type": "array", "items": {"type": "string"}}
