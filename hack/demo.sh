#!/usr/bin/env bash
# The main job: set the machine up, build the step entrypoint if needed, and run a real
# multi-task Tekton Pipeline locally with `tekpy run` -- results passed between tasks, two
# tasks in parallel, a task skipped by `when`, a `finally` task -- with live progress and
# step logs, then the summary. No cluster, no registry: everything runs in this process,
# steps in bubblewrap sandboxes (docs/local-mode.md).
#
# Usage: hack/demo.sh [extra `tekpy run` flags, e.g. --output json]
# Exit status: that of `tekpy run` (0 when the PipelineRun succeeded).
set -euo pipefail
cd "$(dirname "$0")/.."

hack/bootstrap.sh

# (Re)build the packaged entrypoint when it is missing or older than its sources.
EP=out/entrypoint
if [ -n "${TEKPY_ENTRYPOINT_BUILD:-}" ]; then
  EP="$TEKPY_ENTRYPOINT_BUILD"
elif [ ! -x "$EP/entrypoint" ] || \
     [ -n "$(find tekpy_entrypoint hack/entrypoint hack/build-entrypoint.sh -newer "$EP/entrypoint" -print -quit)" ]; then
  echo "demo: building the step entrypoint into $EP" >&2
  hack/build-entrypoint.sh "$EP" >/dev/null
fi
export TEKPY_ENTRYPOINT_BUILD="$PWD/$EP"
case "$EP" in /*) export TEKPY_ENTRYPOINT_BUILD="$EP";; esac

echo "demo: tekpy run -f examples/local/demo-pipeline.yaml" >&2
exec .venv/bin/tekpy run -f examples/local/demo-pipeline.yaml "$@"
