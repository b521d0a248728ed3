"""``results-from: sidecar-logs``: the ``tekton-log-results`` sidecar that prints the results.

With this feature flag a Task's results do not travel in the steps' termination messages
(4 KiB for a whole Pod) but through the log of a sidecar: it waits until every step has
posted ``/tekton/run/<i>/out`` (or until one posted ``out.err``: a failed step ends the wait),
then prints one JSON line per result file found, as Tekton's ``sidecarlogresults`` does::

    {"name":"<result>","value":"<file content>","type":"task"}
    {"name":"<step container>.<result>","value":"...","type":"step"}

The controller reads that log through ``pods/log`` once the sidecar has exited (see
:mod:`tekpy.taskrun.status.sidecarlogs`). Tekton ships a Go binary for this; tekpy runs the
same rule as a POSIX shell program in the shell image (``busybox``: ``sed`` and ``awk``
write the JSON string escapes, Go's HTML escapes included). The steps get
``-result_from sidecar-logs`` so their entrypoint leaves results out of the message.
"""

from __future__ import annotations

from typing import Any

from tekpy.api.durations import parse_duration
from tekpy.api.types import TaskSpec
from tekpy.taskrun.names import step_container_name
from tekpy.taskrun.podbuilder import volumes as v
from tekpy.taskrun.podbuilder.errors import PodBuildError

__all__ = ["RESULTS_SIDECAR", "needs_results_sidecar", "results_sidecar"]

#: the sidecar's name (its container is ``sidecar-tekton-log-results``)
RESULTS_SIDECAR = "tekton-log-results"

# $1: poll interval in seconds; then "task:<result>" and "step:<container>/<result>" words.
# JSON escapes: backslash, quote, tab, CR, and Go's <, >, & escapes by sed; awk joins lines
# with \n. The "x" appended to the file keeps a final newline apart from "no final newline".
_PROGRAM = r"""poll=$1; shift
for d in /tekton/run/*/; do
  while [ ! -e "${d}out" ]; do
    [ -e "${d}out.err" ] && break 2
    sleep "$poll"
  done
done
emit() {
  [ -f "$3" ] || return 0
  v=$({ cat "$3"; printf x; } | sed -e 's/\\/\\\\/g; s/"/\\"/g; s/\t/\\t/g; s/\r/\\r/g' \
    -e 's/</\\u003c/g; s/>/\\u003e/g; s/&/\\u0026/g' \
    | awk '{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }')
  printf '{"name":"%s","value":"%s","type":"%s"}\n' "$1" "${v%x}" "$2"
}
for a in "$@"; do
  case $a in
    task:*) emit "${a#task:}" task "RESULTS_DIR/${a#task:}" ;;
    step:*) s=${a#step:}; emit "${s%%/*}.${s#*/}" step "STEPS_DIR/${s%%/*}/results/${s#*/}" ;;
  esac
done
""".replace("RESULTS_DIR", v.RESULTS_DIR).replace("STEPS_DIR", v.STEPS_DIR)


def needs_results_sidecar(results_from: str, spec: TaskSpec) -> bool:
    """The sidecar is added when results come from sidecar logs and the Task declares
    results (Tekton also adds it for artifacts, which tekpy does not produce this way)."""
    return results_from == "sidecar-logs" and bool(spec.results)


def _poll_seconds(interval: str) -> str:
    try:
        seconds = parse_duration(interval)
    except ValueError:
        raise PodBuildError(
            f'invalid default-sidecar-log-polling-interval "{interval}"') from None
    return f"{seconds:g}"


def results_sidecar(spec: TaskSpec, shell_image: str, polling_interval: str
                    ) -> dict[str, Any]:
    """The sidecar container (name unprefixed, mounts added by the caller) printing the
    declared task results and every step's declared step results."""
    words = [f"task:{r.name}" for r in spec.results]
    for i, step in enumerate(spec.steps):
        words += [f"step:{step_container_name(step.name, i)}/{r.name}" for r in step.results]
    return {"name": RESULTS_SIDECAR, "image": shell_image,
            "command": ["sh", "-c", _PROGRAM, RESULTS_SIDECAR, _poll_seconds(polling_interval),
                        *words]}
