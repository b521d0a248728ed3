"""A conformance sample: Tekton's own examples (listed in the shared test data's
``offline.txt``, steps only in busybox/bash/ubuntu/alpine images, which the node agent maps
to its busybox root or the host root) run with ``tekpy run``,
each expected to end with ``Succeeded`` = ``True`` as in Tekton's CI. The full sweep of
every offline example is in docs/local-mode.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_support import RunTekpy

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXAMPLES = SHARED / "tekton-examples"

SAMPLE = [
    "v1/pipelineruns/4808-regression.yaml",
    "v1/pipelineruns/6139-regression.yaml",
    "v1/pipelineruns/beta/isolated-workspaces.yaml",
    "v1/pipelineruns/beta/pipelinerun-with-matrix-and-results.yaml",
    "v1/pipelineruns/mapping-workspaces.yaml",
    "v1/pipelineruns/pipeline-object-results.yaml",
    "v1/pipelineruns/pipelinerun-results.yaml",
    "v1/pipelineruns/pipelinerun-task-execution-status.yaml",
    # steps without a command in Docker Hub's bash image (its ENTRYPOINT rule)
    "v1/pipelineruns/beta/propagated-pipeline-object-param.yaml",
    "v1/pipelineruns/stepaction-params.yaml",
    "v1/taskruns/array-default.yaml",
    "v1/taskruns/beta/param_array_indexing.yaml",
    # results over the termination message's 4 KiB: Tekton's beta CI runs it with this flag
    "v1/taskruns/beta/large-task-result.yaml",
    # alpha: CEL `when` expressions, pipelines in pipelines (child PipelineRuns, 2 levels)
    "v1/pipelineruns/alpha/pipelinerun-with-cel-when-expressions.yaml",
    "v1/pipelineruns/alpha/pipelines-in-pipelines.yaml",
    "v1/pipelineruns/alpha/pipelines-in-pipelines-ref.yaml",
    "v1/pipelineruns/alpha/pipelines-in-pipelines-ref-complex.yaml",
]

ALPHA = ["--enable-api-fields", "alpha"]

# feature flags an example needs, as Tekton's CI sets them
FLAGS = {
    "v1/taskruns/beta/large-task-result.yaml": ["--feature-flag", "results-from=sidecar-logs"],
    "v1/pipelineruns/alpha/pipelinerun-with-cel-when-expressions.yaml":
        [*ALPHA, "--feature-flag", "enable-cel-in-whenexpression=true"],
    "v1/pipelineruns/alpha/pipelines-in-pipelines.yaml": ALPHA,
    "v1/pipelineruns/alpha/pipelines-in-pipelines-ref.yaml": ALPHA,
    "v1/pipelineruns/alpha/pipelines-in-pipelines-ref-complex.yaml": ALPHA,
}


@pytest.mark.parametrize("example", SAMPLE)
def test_a_tekton_example_succeeds(example: str, tekpy_run: RunTekpy) -> None:
    if not (EXAMPLES / "offline.txt").is_file():
        pytest.skip(f"the shared Tekton examples are not at {EXAMPLES}")
    assert example in (EXAMPLES / "offline.txt").read_text().split()
    res = tekpy_run("-f", str(EXAMPLES / example), "--timeout", "120s", "--output", "json",
                    *FLAGS.get(example, []))
    assert res.returncode == 0, res.stderr[-3000:]
    runs = json.loads(res.stdout)
    assert runs
    for run in runs:
        cond = next(c for c in run["status"]["conditions"] if c["type"] == "Succeeded")
        assert cond["status"] == "True", cond
