"""Running the step's command: own process group, forwarded signals, timeout and cancellation.

The child runs in a process group of its own so that a signal sent to the entrypoint (the
kubelet's SIGTERM) reaches the whole step, and so that a timeout or a cancellation can kill
everything the step started (with SIGKILL, as Tekton does).

One thread does everything: it waits in ``select`` on the child's pidfd, the inotify handle
that watches the cancellation file, and the child's output pipes (when ``-stdout_path`` /
``-stderr_path`` tee them), with the deadline as timeout. Signal handlers forward signals to
the group between two ``select`` calls. No ``subprocess``/``threading``: their imports alone
would add milliseconds to every step's start.
"""

from __future__ import annotations

# The C module, not ``signal``: the latter imports ``enum`` (several ms of start-up).
import _signal as signal
import os
import select
import time

from .waiter import (
    SAFETY_RECHECK,
    WaitError,
    _Inotify,
    file_state,
    inotify_enabled,
    poll_interval,
)

EXITED = "exited"
TIMEOUT = "timeout"
CANCELLED = "cancelled"

# Signals are forwarded as Tekton's runner does, except SIGCHLD, the uncatchable ones, SIGPIPE
# (our own writes to a closed stdout raise it) and the synchronous faults, which a Python
# handler cannot return from.
_NOT_FORWARDED = {
    signal.SIGCHLD,
    signal.SIGKILL,
    signal.SIGSTOP,
    signal.SIGPIPE,
    signal.SIGSEGV,
    signal.SIGBUS,
    signal.SIGFPE,
    signal.SIGILL,
}
# Python ignores these; the child must start with the default disposition.
_RESET_IN_CHILD = (signal.SIGPIPE, signal.SIGXFSZ)
# With a pidfd the loop wakes on the child's exit; without one it polls this often.
_REAP_POLL = 0.005
# How long a step runs before the cancellation file is watched with inotify.
_NOTIFIER_DELAY = 0.05


class Outcome:
    """How the command ended: ``kind`` is EXITED, TIMEOUT or CANCELLED."""

    __slots__ = ("exit_code", "kind")

    def __init__(self, kind: str, exit_code: int) -> None:
        self.kind = kind
        # Go's ExitCode(): the exit status, or -1 when the child died of a signal.
        self.exit_code = exit_code

    def __repr__(self) -> str:
        return f"Outcome({self.kind!r}, {self.exit_code})"


class ExecError(Exception):
    """The command could not be started (not found, not executable, bad stdio paths)."""


def _open_log(path: str) -> int:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Tee:
    """Copies one output pipe of the child to our own fd and to a log file."""

    def __init__(self, own_fd: int, path: str) -> None:
        self.own_fd = own_fd
        self.log = _open_log(path)
        self.read_fd, self.write_fd = os.pipe()

    def pump(self) -> bool:
        """Copy what is available; False at end of stream."""
        chunk = os.read(self.read_fd, 65536)
        if not chunk:
            return False
        try:
            _write_all(self.own_fd, chunk)
        except OSError:
            pass  # our stdout may be gone; the log file still gets everything
        _write_all(self.log, chunk)
        return True

    def close(self) -> None:
        for fd in (self.read_fd, self.log):
            os.close(fd)


def _forwardable() -> list[int]:
    rtmin = getattr(signal, "SIGRTMIN", 65)
    return [s for s in signal.valid_signals() if s not in _NOT_FORWARDED and s < rtmin]


def _cancelled(cancel_file: str) -> bool:
    if not cancel_file:
        return False
    try:
        return file_state(cancel_file, True, False) == "ok"
    except WaitError:
        return False


def run(
    command: list[str],
    *,
    stdout_path: str = "",
    stderr_path: str = "",
    timeout: float = 0.0,
    cancel_file: str = "",
) -> Outcome:
    """Run ``command`` to completion and report how it ended.

    Raises ExecError when the command cannot be started. An empty command succeeds at once,
    as in Tekton.
    """
    if not command:
        return Outcome(EXITED, 0)
    if _cancelled(cancel_file):
        return Outcome(CANCELLED, -1)
    deadline = time.monotonic() + timeout if timeout > 0 else None
    state: dict[str, int] = {}
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        pid = state.get("pid")
        if pid is None:
            pending.append(signum)
            return
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            pass

    previous = {}
    for sig in _forwardable():
        try:
            previous[sig] = signal.signal(sig, forward)
        except (OSError, ValueError):
            continue
    tees: list[_Tee] = []
    try:
        try:
            actions = []
            for own_fd, path in ((1, stdout_path), (2, stderr_path)):
                if path:
                    tee = _Tee(own_fd, path)
                    tees.append(tee)
                    actions.append((os.POSIX_SPAWN_DUP2, tee.write_fd, own_fd))
            pid = os.posix_spawnp(
                command[0],
                command,
                os.environ,
                file_actions=actions,
                setpgroup=0,
                setsigdef=_RESET_IN_CHILD,
            )
        except (OSError, ValueError) as exc:
            for tee in tees:
                os.close(tee.write_fd)
                tee.close()
            raise ExecError(_exec_message(command[0], exc)) from exc
        state["pid"] = pid
        for tee in tees:
            os.close(tee.write_fd)
        for signum in pending:
            forward(signum, None)
        reason, status = _supervise(pid, tees, cancel_file, deadline)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code = os.waitstatus_to_exitcode(status)
    exit_code = code if code >= 0 else -1
    return Outcome(reason or EXITED, exit_code)


def _exec_message(name: str, exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError) and "/" not in name:
        return f'exec: "{name}": executable file not found in $PATH'
    return f"fork/exec {name}: {exc.strerror if isinstance(exc, OSError) else exc}"


def _supervise(
    pid: int, tees: list[_Tee], cancel_file: str, deadline: float | None
) -> tuple[str | None, int]:
    """Wait for the child, watching the cancel file and the deadline: (reason, status)."""
    pidfd: int | None
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    notifier: _Inotify | None = None
    # The inotify handle (and with it ctypes) is only set up for steps that are still running
    # after a moment; a short step never pays for it. Until then the file is polled.
    notifier_at = time.monotonic() + _NOTIFIER_DELAY if cancel_file and inotify_enabled() else None
    reason: str | None = None
    status: int | None = None
    open_tees = list(tees)
    recheck = min(poll_interval(), _NOTIFIER_DELAY)
    next_cancel_check = time.monotonic()
    try:
        while status is None or open_tees:
            now = time.monotonic()
            if notifier_at is not None and now >= notifier_at and status is None:
                notifier_at = None
                try:
                    notifier = _Inotify()
                    notifier.watch([cancel_file])
                    recheck = SAFETY_RECHECK
                    next_cancel_check = 0.0  # the file may have changed before the watch
                except (OSError, AttributeError):
                    notifier = None
                    recheck = poll_interval()
            if status is None and reason is None:
                if cancel_file and now >= next_cancel_check:
                    next_cancel_check = now + recheck
                    if _cancelled(cancel_file):
                        reason = CANCELLED
                if reason is None and deadline is not None and now >= deadline:
                    reason = TIMEOUT
                if reason is not None:
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            fds = [t.read_fd for t in open_tees]
            if status is None:
                if pidfd is not None:
                    fds.append(pidfd)
                if notifier is not None and reason is None:
                    fds.append(notifier.fd)
            wait = None
            if status is None:
                wait = next_cancel_check - now if cancel_file else None
                if deadline is not None and reason is None:
                    wait = deadline - now if wait is None else min(wait, deadline - now)
                if notifier_at is not None:
                    wait = notifier_at - now if wait is None else min(wait, notifier_at - now)
                if pidfd is None:
                    wait = _REAP_POLL if wait is None else min(wait, _REAP_POLL)
                wait = max(wait, 0.0) if wait is not None else None
            ready = select.select(fds, [], [], wait)[0]
            for tee in list(open_tees):
                if tee.read_fd in ready and not tee.pump():
                    open_tees.remove(tee)
            if notifier is not None and notifier.fd in ready:
                notifier.drain()
                notifier.watch([cancel_file])
                next_cancel_check = 0.0
            if status is None and (pidfd is None or pidfd in ready):
                done, st = os.waitpid(pid, 0 if pidfd is not None else os.WNOHANG)
                if done:
                    status = st
    finally:
        if pidfd is not None:
            os.close(pidfd)
        if notifier is not None:
            notifier.close()
        for tee in tees:
            tee.close()
    return reason, status
