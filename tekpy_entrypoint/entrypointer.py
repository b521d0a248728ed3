"""One step's life: wait for the previous step, run, record the outcome (Tekton's protocol).

Files written, exactly as Tekton's entrypoint writes them:

- ``<post_file>`` when the step succeeded (or failed with ``-on_error continue``), otherwise
  ``<post_file>.err``; the next step waits for the former and skips on the latter.
- ``<step_metadata_dir>/exitCode``: ``0``, the exit code under ``onError: continue``, or
  ``killed`` after a cancellation (Go's name of SIGKILL). Not written for a skipped, timed-out
  or failed step.
- the termination message (see :mod:`.termination`): results first, then ``StartedAt``,
  ``ExitCode`` (``onError: continue`` only) and ``Reason`` (``Skipped`` / ``TimeoutExceeded`` /
  ``Cancelled``), all of type 3 (InternalTektonResult).
"""

from __future__ import annotations

import os
import sys
import time

from . import runner, stepartifacts, stepresults, termination
from .termination import (
    INTERNAL_TEKTON_RESULT,
    STEP_ARTIFACTS_RESULT,
    STEP_RESULT,
    TASK_RUN_ARTIFACTS_RESULT,
    TASK_RUN_RESULT,
    MessageLengthError,
    RunResult,
)
from .waiter import SkipError, WaitError, wait_file

CONTINUE_ON_ERROR = "continue"
FAIL_ON_ERROR = "stopAndFail"
REASON_SKIPPED = "Skipped"
REASON_CANCELLED = "Cancelled"
REASON_TIMEOUT = "TimeoutExceeded"
RESULT_FROM_TERMINATION_MESSAGE = "termination-message"
# Tekton exits with the number of SIGKILL after a cancellation, "just like kill -9".
CANCELLED_EXIT_STATUS = 9


def log(message: str) -> None:
    """Log to stderr in the format of Go's standard logger."""
    stamp = time.strftime("%Y/%m/%d %H:%M:%S")
    sys.stderr.write(f"{stamp} {message}\n")
    sys.stderr.flush()


def now_stamp(when: float | None = None) -> str:
    """The time as Tekton formats StartedAt: RFC 3339 with milliseconds, ``Z`` for UTC."""
    when = time.time() if when is None else when
    local = time.localtime(when)
    millis = int(when * 1000) % 1000
    offset = local.tm_gmtoff or 0
    if offset == 0:
        zone = "Z"
    else:
        sign = "+" if offset > 0 else "-"
        zone = f"{sign}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + f".{millis:03d}{zone}"


def write_post(path: str, content: str = "") -> None:
    """Create (or truncate) ``path`` with ``content``, creating its directory."""
    if not path:
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(content)


class Entrypointer:
    """The parameters of one step, as the flags give them (see :func:`.__main__.main`)."""

    def __init__(
        self,
        command: list[str],
        *,
        wait_files: list[str] | None = None,
        wait_file_content: bool = False,
        post_file: str = "",
        termination_path: str = "",
        results: list[str] | None = None,
        step_results: list[str] | None = None,
        timeout: float = 0.0,
        on_error: str = "",
        step_metadata_dir: str = "",
        stdout_path: str = "",
        stderr_path: str = "",
        breakpoint_on_failure: bool = False,
        debug_before_step: bool = False,
        when_expressions: str = "",
        results_dir: str = "/tekton/results",
        cancel_file: str = "/tekton/downward/cancel",
        artifacts_dir: str = "/tekton/artifacts",
        steps_dir: str = "/tekton/steps",
        scripts_dir: str = "/tekton/scripts",
        result_from: str = RESULT_FROM_TERMINATION_MESSAGE,
        compress: bool = False,
    ) -> None:
        self.command = command
        self.wait_files = wait_files or []
        self.wait_file_content = wait_file_content
        self.post_file = post_file
        self.termination_path = termination_path
        self.results = results or []
        self.step_results = step_results or []
        self.timeout = timeout
        self.on_error = on_error
        self.step_metadata_dir = step_metadata_dir
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.breakpoint_on_failure = breakpoint_on_failure
        self.debug_before_step = debug_before_step
        self.when_expressions = when_expressions
        self.results_dir = results_dir
        self.cancel_file = cancel_file
        self.artifacts_dir = artifacts_dir
        self.steps_dir = steps_dir
        self.scripts_dir = scripts_dir
        self.result_from = result_from
        self.compress = compress

    def _internal(self, key: str, value: str) -> RunResult:
        return RunResult(key, value, INTERNAL_TEKTON_RESULT)

    def post(self, failed: bool) -> None:
        """Write the post file, or ``<post_file>.err`` when the step failed."""
        if self.post_file:
            write_post(self.post_file + (".err" if failed else ""))

    def exit_code_file(self, content: str) -> None:
        if self.step_metadata_dir:
            write_post(os.path.join(self.step_metadata_dir, "exitCode"), content)

    def _write_message(self, entries: list[RunResult]) -> None:
        if self.termination_path:
            termination.write_message(self.termination_path, entries, compressed=self.compress)

    def go(self) -> int:
        """Run the step and return the process exit status Tekton's entrypoint would use."""
        output: list[RunResult] = []
        status = 1
        try:
            status = self._go(output)
        finally:
            try:
                self._write_message(output)
            except (OSError, MessageLengthError) as exc:
                log(f"Error while writing message: {exc}")
                status = 1
        return status

    def _go(self, output: list[RunResult]) -> int:
        if self.step_metadata_dir:
            os.makedirs(os.path.join(self.step_metadata_dir, "results"), exist_ok=True)
            os.makedirs(os.path.join(self.step_metadata_dir, "artifacts"), exist_ok=True)
        for path in self.wait_files:
            try:
                wait_file(
                    path,
                    expect_content=self.wait_file_content,
                    breakpoint_on_failure=self.breakpoint_on_failure,
                )
            except (SkipError, WaitError) as exc:
                # Write our own .err so that the steps after us skip too (the cascade).
                if not self.breakpoint_on_failure:
                    self.post(failed=True)
                output.append(self._internal("StartedAt", now_stamp()))
                if isinstance(exc, SkipError):
                    output.append(self._internal("Reason", REASON_SKIPPED))
                    log("Skipping step because a previous step failed")
                else:
                    log(str(exc))
                return 1

        error: str | None = None
        if self.debug_before_step and not self._wait_before_step():
            error = "before step breakpoint error file, user decided to skip the current step"
        output.append(self._internal("StartedAt", now_stamp()))
        if error is None and self.timeout < 0:
            error = "negative timeout specified"
        outcome: runner.Outcome | None = None
        if error is None:
            try:
                self.command = stepresults.substitute(self.command, self.steps_dir)
            except stepresults.SubstitutionError as exc:
                log(f"Error while substituting step results: {exc}")
            self._substitute_artifacts()
            allowed = self._when_allows()
            if isinstance(allowed, str):
                error = allowed
            elif not allowed:
                log("Step was skipped due to when expressions were evaluated to false.")
                output.append(self._internal("Reason", REASON_SKIPPED))
                self.post(failed=False)
                self.exit_code_file("0")
                return 0
        if error is None:
            try:
                outcome = runner.run(
                    self.command,
                    stdout_path=self.stdout_path,
                    stderr_path=self.stderr_path,
                    timeout=self.timeout,
                    cancel_file=self.cancel_file,
                )
            except runner.ExecError as exc:
                error = str(exc)
        status = self._record(outcome, error, output)
        try:
            self._read_results()
        except MessageLengthError as exc:
            log(str(exc))
            return 1
        if self.result_from == RESULT_FROM_TERMINATION_MESSAGE:
            output.extend(self._artifacts())
        if status == "breakpoint":
            return self._breakpoint_exit()
        return int(status)

    def _record(
        self, outcome: runner.Outcome | None, error: str | None, output: list[RunResult]
    ) -> int | str:
        """Write post/exitCode files for the outcome; return the exit status (or "breakpoint")."""
        if outcome is not None and outcome.kind == runner.CANCELLED:
            log("Step was cancelled")
            output.append(self._internal("Reason", REASON_CANCELLED))
            self.post(failed=True)
            self.exit_code_file("killed")
            return CANCELLED_EXIT_STATUS
        if outcome is not None and outcome.kind == runner.TIMEOUT:
            self.post(failed=True)
            output.append(self._internal("Reason", REASON_TIMEOUT))
            log("context deadline exceeded")
            return 1
        failed = error is not None or (outcome is not None and outcome.exit_code != 0)
        if failed and self.breakpoint_on_failure:
            log("Skipping writing to PostFile")
            return "breakpoint"
        if outcome is not None and outcome.exit_code != 0 and self.on_error == CONTINUE_ON_ERROR:
            code = str(outcome.exit_code)
            output.append(self._internal("ExitCode", code))
            self.post(failed=False)
            self.exit_code_file(code)
            return 0
        if not failed:
            self.post(failed=False)
            self.exit_code_file("0")
            return 0
        self.post(failed=True)
        if outcome is not None:
            log(f"Error executing command (ExitError): exit status {outcome.exit_code}")
            # Go's os.Exit(-1) for a child killed by a signal leaves status 255.
            return outcome.exit_code & 0xFF
        log(f"Error executing command: {error}")
        return 1

    def _read_results(self) -> None:
        """Put the task and step results into the termination message (raises when too long)."""
        for names, directory, rtype in (
            (self.results, self.results_dir, TASK_RUN_RESULT),
            (
                self.step_results,
                os.path.join(self.step_metadata_dir, "results"),
                STEP_RESULT,
            ),
        ):
            if not names or not names[0]:
                continue
            found: list[RunResult] = []
            for name in names:
                if not name:
                    continue
                try:
                    with open(os.path.join(directory, name), "rb") as f:
                        value = f.read().decode("utf-8", "replace")
                except FileNotFoundError:
                    continue
                found.append(RunResult(name, value, rtype))
            if found and self.result_from == RESULT_FROM_TERMINATION_MESSAGE:
                self._write_message(found)

    def _artifacts(self) -> list[RunResult]:
        out = []
        for path, rtype in (
            (os.path.join(self.step_metadata_dir, "artifacts", "provenance.json"),
             STEP_ARTIFACTS_RESULT),
            (os.path.join(self.artifacts_dir, "provenance.json"), TASK_RUN_ARTIFACTS_RESULT),
        ):
            try:
                with open(path, "rb") as f:
                    out.append(RunResult(path, f.read().decode("utf-8", "replace"), rtype))
            except (FileNotFoundError, NotADirectoryError):
                continue
        return out

    def _substitute_artifacts(self) -> None:
        """Replace step artifact references (script file or command, then env), as Tekton."""
        try:
            self.command = stepartifacts.substitute_command(
                self.command, self.steps_dir, self.scripts_dir)
            stepartifacts.substitute_env(self.steps_dir)
        except stepartifacts.ArtifactError as exc:
            log(f"Error while substituting step artifacts: {exc}")

    def _when_allows(self) -> bool | str:
        """Evaluate step ``when`` expressions (input/operator/values); a string is an error."""
        if not self.when_expressions:
            return True
        import json

        try:
            exprs = json.loads(self.when_expressions)
        except ValueError as exc:
            return f"invalid when expressions: {exc}"
        for expr in exprs or []:
            if expr.get("cel"):
                return "CEL when expressions are not supported by tekpy's entrypoint"
            found = expr.get("input", "") in (expr.get("values") or [])
            operator = expr.get("operator", "")
            if (operator == "in" and not found) or (operator == "notin" and found):
                return False
        return True

    def _wait_before_step(self) -> bool:
        log("debug before step breakpoint has taken effect, waiting for user's decision")
        try:
            wait_file(self.post_file + ".beforestepexit")
        except (SkipError, WaitError):
            self.post(failed=True)
            return False
        return True

    def _breakpoint_exit(self) -> int:
        """Wait for ``<post_file>.breakpointexit`` and exit with the code it holds (0 if none)."""
        log("debug onFailure breakpoint has taken effect, waiting for user's decision")
        path = self.post_file + ".breakpointexit"
        try:
            wait_file(path)
            with open(path) as f:
                return int(f.read().strip()) & 0xFF
        except (OSError, ValueError, SkipError, WaitError) as exc:
            log(f"error occurred while reading breakpoint exit code : {exc}")
            return 0
