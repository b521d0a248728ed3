"""End to end: a resource passed with ``from`` reaches the consumer through the artifact
claim. ``tekpy run`` as a process (embedded API server, both controllers, the real node
agent running the steps in bubblewrap sandboxes) on an original-API pipeline whose git
resource is a local repository: the producer clones it and writes a file into the resource
directory; the consumer, which never clones, must see both."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PIPELINE = """
apiVersion: tekton.dev/v1alpha1
kind: PipelineResource
metadata:
  name: src
spec:
  type: git
  params:
  - name: url
    value: file://{repo}
---
apiVersion: tekton.dev/v1alpha1
kind: Task
metadata:
  name: produce
spec:
  inputs:
    resources:
    - name: workspace
      type: git
  outputs:
    resources:
    - name: workspace
      type: git
  steps:
  - name: write
    image: busybox
    script: |
      #!/bin/sh
      echo "producer sees $(cat /workspace/workspace/a.txt)"
      echo built-by-producer > /workspace/workspace/built.txt
---
apiVersion: tekton.dev/v1alpha1
kind: Task
metadata:
  name: consume
spec:
  inputs:
    resources:
    - name: code
      type: git
      targetPath: mine
  steps:
  - name: read
    image: busybox
    script: |
      #!/bin/sh
      echo "consumer sees $(cat /workspace/mine/a.txt) and $(cat /workspace/mine/built.txt)"
---
apiVersion: tekton.dev/v1alpha1
kind: Pipeline
metadata:
  name: handover
spec:
  resources:
  - name: repo
    type: git
  tasks:
  - name: build
    taskRef:
      name: produce
    resources:
      inputs:
      - name: workspace
        resource: repo
      outputs:
      - name: workspace
        resource: repo
  - name: use
    taskRef:
      name: consume
    resources:
      inputs:
      - name: code
        resource: repo
        from: [build]
---
apiVersion: tekton.dev/v1alpha1
kind: PipelineRun
metadata:
  name: handover-run
spec:
  pipelineRef:
    name: handover
  resources:
  - name: repo
    resourceRef:
      name: src
"""


@pytest.fixture
def repo() -> Iterator[Path]:
    # not under /tmp: the sandbox gives each step a private /tmp, while the rest of the
    # host root (where the git image maps to) is visible read-only
    d = Path(tempfile.mkdtemp(prefix="tekpy-handover-", dir="/var/tmp"))
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(d)}
    try:
        (d / "a.txt").write_text("from-git\n")
        for args in (["init", "-q", "-b", "main"], ["add", "a.txt"], ["commit", "-qm", "one"]):
            subprocess.run(["git", *args], cwd=d, env=env, check=True, capture_output=True,
                           timeout=30)
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_consumer_gets_the_producers_resource_through_the_claim(
        entrypoint_build: Path, repo: Path, tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(PIPELINE.format(repo=repo))
    env = {**os.environ, "TEKPY_ENTRYPOINT_BUILD": str(entrypoint_build)}
    env.pop("KUBECONFIG", None)
    res = subprocess.run([sys.executable, "-m", "tekpy", "run", "-f", str(f),
                          "--timeout", "150s"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=200)
    out = res.stdout
    assert res.returncode == 0, out + res.stderr
    assert "[handover-run-build/write] producer sees from-git" in out
    assert "[handover-run-build/upload-workspace] Copied /workspace/workspace to " \
           "/pvc/build/workspace" in out
    assert "[handover-run-use/artifact-copy-from-code] Copied /pvc/build/workspace to " \
           "/workspace/mine" in out
    # the file the producer wrote proves a hand-over, not a fresh clone
    assert "[handover-run-use/read] consumer sees from-git and built-by-producer" in out
    assert "[handover-run-use/git-source" not in out
