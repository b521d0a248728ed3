"""``tekpy run``: local mode's one command (docs/local-mode.md).

:func:`run` parses and validates the files, starts an in-process cluster (embedded API
server, both Tekton controllers and a node agent) unless a kubeconfig is given, submits the
objects, follows the runs with a progress view and their step logs, and returns the exit
status of the command.
"""

from tekpy.local.run.driver import run
from tekpy.local.run.options import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, RunOptions

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "RunOptions", "run"]
