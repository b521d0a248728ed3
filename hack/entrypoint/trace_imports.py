"""Print (as JSON) the files of every module tekpy_entrypoint loads on its code paths.

Run by bundle.py under the interpreter being packaged. Instead of following every import an
analyser can see (which drags in asyncio, ssl, decimal, ...), it exercises the entrypoint:
each subcommand, a successful, a failing, a teed, a timed-out step, and the waiters.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import ctypes  # noqa: F401  (the inotify waiter's)

from tekpy_entrypoint import __main__ as cli
from tekpy_entrypoint import termination


def _run(argv: list[str]) -> None:
    with contextlib.suppress(SystemExit):
        cli.main(argv)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TEKPY_TEKTON_ROOT"] = tmp
        script = os.path.join(tmp, "script")
        with open(script, "w") as f:
            f.write("ZWNobyBoaQo=")
        _run(["decode-script", script])
        _run(["init", script, os.path.join(tmp, "copy"), "step-a", "step-b"])
        _run(["cp", script, os.path.join(tmp, "copy2")])
        out0 = os.path.join(tmp, "run", "0", "out")
        base = ["-termination_path", os.path.join(tmp, "term"), "-results", "a,b"]
        _run([*base, "-post_file", out0, "-step_metadata_dir", tmp, "-entrypoint", "true", "--"])
        _run([*base, "-wait_file", out0, "-post_file", out0 + "x", "-entrypoint", "false", "--"])
        _run([*base, "-wait_file", out0 + "x", "-entrypoint", "true", "--"])
        _run([*base, "-stdout_path", os.path.join(tmp, "o"), "-stderr_path",
              os.path.join(tmp, "e"), "-timeout", "10ms", "-on_error", "continue",
              "-compress_termination_message", "-entrypoint", "sleep", "--", "1"])
        termination.decode(termination.compress(b"[]"))
        secret = os.path.join(tmp, "creds-secrets", "s")
        os.makedirs(secret)
        for key in ("username", "password", "ssh-privatekey"):
            with open(os.path.join(secret, key), "w") as f:
                f.write("x")
        os.environ["HOME"] = os.path.join(tmp, "home")
        os.environ["TEKTON_PLATFORM_COMMANDS"] = '{"linux/amd64":["true"],"linux/arm64":["true"]}'
        _run(["-basic-git=s=https://h/p", "-ssh-git=s=h/p", "-basic-docker=s=r",
              "-when_expressions", '[{"input":"a","operator":"in","values":["a"]}]', "--",
              "$(steps.a.results.b)"])
    files = sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)})
    print(json.dumps({"modules": {n: m.__file__ for n, m in sys.modules.items()
                                  if getattr(m, "__file__", None)}, "files": files}))


if __name__ == "__main__":
    main()
