#!/usr/bin/env bash
# The main job: set the machine up and run a real
# multi-task Tekton Pipeline locally with `tekpy run` -- results passed between tasks, two
# tasks in parallel, a task skipped by `when`, a `finally` task -- with live progress and
# step logs, then the summary. No cluster, no registry: everything runs in this process,
# steps in bubblewrap sandboxes (docs/local-mode.md). The first run builds the step
# entrypoint into out/entrypoint (tekpy run does that in a source checkout).
#
# Usage: hack/demo.sh [extra `tekpy run` flags, e.g. --output json]
# Exit status: that of `tekpy run` (0 when the PipelineRun succeeded).
set -euo pipefail
cd "$(dirname "$0")/.."

hack/bootstrap.sh

echo "demo: tekpy run -f examples/local/demo-pipeline.yaml" >&2
exec .venv/bin/tekpy run -f examples/local/demo-pipeline.yaml "$@"
