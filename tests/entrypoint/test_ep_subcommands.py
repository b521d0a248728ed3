"""init / cp / decode-script / step-init, run as real processes."""

from __future__ import annotations

import base64
import os
import stat

from ep_helpers import Tekton


def test_init_copies_and_creates_step_links(tekton: Tekton) -> None:
    src = tekton.root / "src-binary"
    src.write_bytes(b"\x7fELF-not-really")
    dst = tekton.root / "bin" / "entrypoint"
    dst.parent.mkdir()
    res = tekton.run(["init", str(src), str(dst), "step-build", "step-unnamed-1"])
    assert res.returncode == 0, res.stderr
    assert "Entrypoint initialization" in res.stderr
    assert dst.read_bytes() == src.read_bytes()
    assert stat.S_IMODE(dst.stat().st_mode) == 0o311
    steps = tekton.root / "steps"
    for name, i in (("step-build", 0), ("step-unnamed-1", 1)):
        target = str(tekton.root / "run" / str(i) / "status")
        assert os.readlink(steps / name) == target
        assert os.readlink(steps / str(i)) == target
    # A restarted init container finds everything in place and still succeeds.
    assert tekton.run(["init", str(src), str(dst), "step-build"]).returncode == 0


def test_step_links_resolve_to_the_status_written_by_the_step(tekton: Tekton) -> None:
    assert tekton.run(["step-init", "step-a"]).returncode == 0
    res = tekton.run([*tekton.step_args(0), "-entrypoint", "true", "--"])
    assert res.returncode == 0
    assert (tekton.root / "steps" / "step-a" / "exitCode").read_text() == "0"
    assert (tekton.root / "steps" / "0" / "exitCode").read_text() == "0"


def test_cp(tekton: Tekton) -> None:
    src = tekton.root / "a"
    src.write_text("payload")
    res = tekton.run(["cp", str(src), str(tekton.root / "b")])
    assert res.returncode == 0
    assert (tekton.root / "b").read_text() == "payload"


def test_cp_of_a_missing_file_fails(tekton: Tekton) -> None:
    res = tekton.run(["cp", str(tekton.root / "missing"), str(tekton.root / "b")])
    assert res.returncode == 1
    assert "cp error:" in res.stderr


def test_decode_script_in_place_keeps_the_mode(tekton: Tekton) -> None:
    script = tekton.root / "scripts" / "script-0-abcde"
    script.parent.mkdir()
    text = "#!/bin/sh\nset -e\necho 'héllo'\n"
    script.write_bytes(base64.b64encode(text.encode()))
    script.chmod(0o755)
    res = tekton.run(["decode-script", str(script)])
    assert res.returncode == 0, res.stderr
    assert script.read_text() == text
    assert stat.S_IMODE(script.stat().st_mode) == 0o755


def test_decode_script_rejects_bad_base64(tekton: Tekton) -> None:
    script = tekton.root / "bad"
    script.write_text("not base64 at all!")
    res = tekton.run(["decode-script", str(script)])
    assert res.returncode == 1
    assert "decode-script error:" in res.stderr


def test_arguments_that_match_no_subcommand_run_as_a_step(tekton: Tekton) -> None:
    # "cp" with one argument is not the cp subcommand (Tekton requires exactly two).
    res = tekton.run(["-post_file", str(tekton.run_dir(0) / "out"), "cp", "x"])
    assert res.returncode == 0
    assert (tekton.run_dir(0) / "out").exists()
