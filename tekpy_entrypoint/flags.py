"""Command-line parsing with the semantics of Go's ``flag`` package, as Tekton's entrypoint has.

Go flags accept ``-name value``, ``-name=value`` and ``--name`` spellings; boolean flags take no
separate value (``-name`` or ``-name=false``); parsing stops at the first non-flag argument or at
``--``. Tekton first splits the command line at the first ``--`` (the user command follows it),
then parses the flags before it; the positional arguments left over select a subcommand.
"""

from __future__ import annotations

import os

TEKTON_ROOT_ENV = "TEKPY_TEKTON_ROOT"


class FlagError(Exception):
    """A command line Go's flag package would reject (the process exits with status 2)."""


class HelpRequested(Exception):
    """``-h`` / ``-help`` was given (the process prints usage and exits 0)."""


def tekton_root() -> str:
    """The root of Tekton's in-Pod paths: ``/tekton`` unless ``$TEKPY_TEKTON_ROOT`` rebases it.

    The override lets a node agent without mount namespaces, and the tests, run the protocol in
    a temporary directory.
    """
    return os.environ.get(TEKTON_ROOT_ENV) or "/tekton"


# No dataclasses or re here: they cost milliseconds of start-up in every step.
class Options:
    """Parsed flags. Names follow Tekton's flags; ``tekpy`` extensions are marked."""

    entrypoint: str = ""
    wait_file: str = ""
    wait_file_content: bool = False
    post_file: str = ""
    termination_path: str = ""
    results: str = ""
    step_results: str = ""
    when_expressions: str = ""
    timeout: float = 0.0  # seconds; negative values are rejected at run time as Tekton does
    stdout_path: str = ""
    stderr_path: str = ""
    breakpoint_on_failure: bool = False
    debug_before_step: bool = False
    on_error: str = ""
    step_metadata_dir: str = ""
    result_from: str = "termination-message"
    compress_termination_message: bool = False
    enable_spire: bool = False
    spire_socket_path: str = ""
    # tekpy extensions: paths Tekton hard-codes, configurable for local mode and tests.
    results_dir: str = ""
    cancel_file: str = ""
    artifacts_dir: str = ""

    def __init__(self, command_args: list[str] | None = None) -> None:
        # Credential flags of Tekton's legacy creds-init (accepted, see docs/entrypoint.md).
        self.basic_git: list[str] = []
        self.ssh_git: list[str] = []
        self.basic_docker: list[str] = []
        self.docker_config: list[str] = []
        self.docker_cfg: list[str] = []
        self.positional: list[str] = []
        self.command_args: list[str] = command_args or []

    def fill_defaults(self) -> None:
        """Derive the default paths from :func:`tekton_root`."""
        root = tekton_root()
        self.termination_path = self.termination_path or os.path.join(root, "termination")
        self.results_dir = self.results_dir or os.path.join(root, "results")
        self.cancel_file = self.cancel_file or os.path.join(root, "downward", "cancel")
        self.artifacts_dir = self.artifacts_dir or os.path.join(root, "artifacts")


_BOOL = "bool"
_STR = "str"
_DURATION = "duration"
_LIST = "list"

_FLAGS: dict[str, str] = {
    "entrypoint": _STR,
    "wait_file": _STR,
    "wait_file_content": _BOOL,
    "post_file": _STR,
    "termination_path": _STR,
    "results": _STR,
    "step_results": _STR,
    "when_expressions": _STR,
    "timeout": _DURATION,
    "stdout_path": _STR,
    "stderr_path": _STR,
    "breakpoint_on_failure": _BOOL,
    "debug_before_step": _BOOL,
    "on_error": _STR,
    "step_metadata_dir": _STR,
    "result_from": _STR,
    "compress_termination_message": _BOOL,
    "enable_spire": _BOOL,
    "spire_socket_path": _STR,
    "basic-git": _LIST,
    "ssh-git": _LIST,
    "basic-docker": _LIST,
    "docker-config": _LIST,
    "docker-cfg": _LIST,
    "results_dir": _STR,
    "cancel_file": _STR,
    "artifacts_dir": _STR,
}

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DIGITS = "0123456789."


def parse_duration(text: str) -> float:
    """Parse a Go ``time.Duration`` string (``1h2m3.5s``, ``500ms``, ``0``) into seconds."""
    s = text
    sign = 1.0
    if s[:1] in ("+", "-"):
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise FlagError(f'time: invalid duration "{text}"')
    total = 0.0
    pos = 0
    while pos < len(s):
        start = pos
        while pos < len(s) and s[pos] in _DIGITS:
            pos += 1
        number = s[start:pos]
        unit_start = pos
        while pos < len(s) and s[pos] not in _DIGITS:
            pos += 1
        unit = s[unit_start:pos]
        if number in ("", ".") or number.count(".") > 1 or unit not in _UNITS:
            raise FlagError(f'time: invalid duration "{text}"')
        total += float(number) * _UNITS[unit]
    return sign * total


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split at the first ``--``: flags before it, the user command's arguments after it.

    As in Tekton, a ``--`` in first position is left to the flag parser (which drops it).
    """
    for i, arg in enumerate(argv):
        if arg == "--":
            if i > 0:
                return argv[:i], argv[i + 1 :]
            break
    return list(argv), []


def parse(argv: list[str]) -> Options:
    """Parse the entrypoint's command line (without the program name)."""
    flag_args, command_args = split_command(argv)
    opts = Options(command_args)
    rest = list(flag_args)
    while rest:
        s = rest[0]
        if len(s) < 2 or s[0] != "-":
            break
        minuses = 2 if s[1] == "-" else 1
        if minuses == 2 and len(s) == 2:
            rest.pop(0)
            break
        rest.pop(0)
        name = s[minuses:]
        if not name or name[0] in "-=":
            raise FlagError(f"bad flag syntax: {s}")
        value: str | None = None
        if "=" in name:
            name, value = name.split("=", 1)
        if name in ("h", "help"):
            raise HelpRequested()
        kind = _FLAGS.get(name)
        if kind is None:
            raise FlagError(f"flag provided but not defined: -{name}")
        attr = name.replace("-", "_")
        if kind == _BOOL:
            if value is None:
                setattr(opts, attr, True)
            elif value in _TRUE:
                setattr(opts, attr, True)
            elif value in _FALSE:
                setattr(opts, attr, False)
            else:
                raise FlagError(f'invalid boolean value "{value}" for -{name}')
            continue
        if value is None:
            if not rest:
                raise FlagError(f"flag needs an argument: -{name}")
            value = rest.pop(0)
        if kind == _DURATION:
            opts.timeout = parse_duration(value)
        elif kind == _LIST:
            getattr(opts, attr).append(value)
        else:
            setattr(opts, attr, value)
    opts.positional = rest
    opts.fill_defaults()
    return opts


def usage() -> str:
    """A short usage text listing the accepted flags."""
    names = " ".join(f"-{n}" for n in sorted(_FLAGS))
    return (
        "usage: entrypoint [flags] [-- command args...]\n"
        "       entrypoint init|cp|decode-script|step-init ...\n"
        f"flags: {names}\n"
    )
