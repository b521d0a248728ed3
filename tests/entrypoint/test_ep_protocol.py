"""The step protocol with real entrypoint processes: order, cascade, results, limits."""

from __future__ import annotations

import re

import pytest
from ep_helpers import Tekton, is_waiting_on_inotify, wait_for

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")


def test_three_steps_started_together_run_in_order(tekton: Tekton) -> None:
    log = tekton.root / "log"
    procs = []
    # Started in reverse order, all at once: only the wait files can order them.
    for i in reversed(range(4)):
        # The first step lingers so that a step that does not wait would overtake it.
        script = f"sleep 0.2; echo {i} >> {log}" if i == 0 else f"echo {i} >> {log}"
        procs.append(tekton.start([*tekton.step_args(i), "-entrypoint", "sh", "--", "-c", script]))
    for p in procs:
        assert p.wait(timeout=30) == 0, p.stderr.read() if p.stderr else ""
    assert log.read_text().split() == ["0", "1", "2", "3"]
    for i in range(4):
        assert (tekton.run_dir(i) / "out").exists()
        assert (tekton.run_dir(i) / "status" / "exitCode").read_text() == "0"
        internal = tekton.internal(i)
        assert STAMP.match(str(internal["StartedAt"]))
        assert "Reason" not in internal


def test_failure_cascades_as_skips(tekton: Tekton) -> None:
    ran = [tekton.root / "ran-1", tekton.root / "ran-2"]
    procs = [
        tekton.start([*tekton.step_args(0), "-entrypoint", "sh", "--", "-c", "exit 3"]),
        tekton.start([*tekton.step_args(1), "-entrypoint", "touch", "--", str(ran[0])]),
        tekton.start([*tekton.step_args(2), "-entrypoint", "touch", "--", str(ran[1])]),
    ]
    codes = [p.wait(timeout=30) for p in procs]
    assert codes == [3, 1, 1]  # the failing step's own code; skipped steps exit 1
    for i in range(3):
        assert (tekton.run_dir(i) / "out.err").exists()
        assert not (tekton.run_dir(i) / "out").exists()
        assert not (tekton.run_dir(i) / "status" / "exitCode").exists()
    assert "Reason" not in tekton.internal(0)
    assert tekton.internal(1)["Reason"] == "Skipped"
    assert tekton.internal(2)["Reason"] == "Skipped"
    assert "Skipping step because a previous step failed" in (procs[1].stderr.read() or "")  # type: ignore[union-attr]
    assert not ran[0].exists() and not ran[1].exists()


def test_on_error_continue_records_the_code_and_lets_the_next_step_run(tekton: Tekton) -> None:
    first = tekton.run(
        [*tekton.step_args(0), "-on_error", "continue", "-entrypoint", "sh", "--", "-c", "exit 5"]
    )
    assert first.returncode == 0
    assert (tekton.run_dir(0) / "out").exists()
    assert (tekton.run_dir(0) / "status" / "exitCode").read_text() == "5"
    assert tekton.internal(0)["ExitCode"] == "5"
    second = tekton.run([*tekton.step_args(1), "-entrypoint", "true", "--"])
    assert second.returncode == 0 and (tekton.run_dir(1) / "out").exists()


def test_stop_and_fail_is_the_default_behaviour(tekton: Tekton) -> None:
    args = ["-on_error", "stopAndFail", "-entrypoint", "sh", "--", "-c", "exit 4"]
    res = tekton.run([*tekton.step_args(0), *args])
    assert res.returncode == 4
    assert (tekton.run_dir(0) / "out.err").exists()


def test_results_go_to_the_termination_message_with_their_types(tekton: Tekton) -> None:
    script = (
        f"printf 'v<1>&' > {tekton.root}/results/first;"
        f" printf '[\"a\",\"b\"]' > {tekton.root}/results/second;"
        f" printf step > {tekton.run_dir(0)}/status/results/mine"
    )
    res = tekton.run(
        [
            *tekton.step_args(0, results="first,second,missing"),
            "-step_results", "mine",
            "-entrypoint", "sh", "--", "-c", script,
        ]
    )
    assert res.returncode == 0, res.stderr
    raw = (tekton.root / "termination-0").read_text()
    assert "\\u003c" in raw and "\\u0026" in raw  # Go's encoding/json escapes HTML characters
    message = tekton.message(0)
    assert [(e["key"], e["value"], e["type"]) for e in message[:3]] == [
        ("first", "v<1>&", 1),
        ("second", '["a","b"]', 1),
        ("mine", "step", 4),
    ]
    assert [e["key"] for e in message[3:]] == ["StartedAt"]


def test_a_message_over_4096_bytes_fails_the_step(tekton: Tekton) -> None:
    script = f"head -c 5000 /dev/zero | tr '\\0' x > {tekton.root}/results/big"
    res = tekton.run(
        [*tekton.step_args(0, results="big"), "-entrypoint", "sh", "--", "-c", script]
    )
    assert res.returncode == 1
    assert "Termination message is above max allowed size 4096" in res.stderr
    message = tekton.message(0)
    assert [e["key"] for e in message] == ["StartedAt"]
    # As in Tekton, the post file was written before the results were read.
    assert (tekton.run_dir(0) / "out").exists()


def test_a_message_just_under_the_limit_is_kept(tekton: Tekton) -> None:
    # [{"key":"r","value":"...","type":1},{"key":"StartedAt","value":"<24 chars>","type":3}]
    overhead = len('[{"key":"r","value":"","type":1},{"key":"StartedAt","value":"","type":3}]')
    size = 4096 - overhead - len("2026-01-01T00:00:00.000Z")
    script = f"head -c {size} /dev/zero | tr '\\0' x > {tekton.root}/results/r"
    res = tekton.run([*tekton.step_args(0, results="r"), "-entrypoint", "sh", "--", "-c", script])
    assert res.returncode == 0, res.stderr
    assert len((tekton.root / "termination-0").read_bytes()) == 4096


def test_wait_file_content_waits_for_content(tekton: Tekton) -> None:
    ready = tekton.root / "downward" / "ready"
    ready.write_text("")
    marker = tekton.root / "started"
    proc = tekton.start(
        [
            "-wait_file", str(ready), "-wait_file_content",
            *tekton.step_args(0, wait=False),
            "-entrypoint", "touch", "--", str(marker),
        ]
    )
    wait_for(lambda: is_waiting_on_inotify(proc.pid), what="the waiter to block")
    assert not marker.exists() and proc.poll() is None
    ready.write_text("READY")
    assert proc.wait(timeout=30) == 0
    assert marker.exists()


def test_waits_for_a_file_whose_directory_does_not_exist_yet(tekton: Tekton) -> None:
    proc = tekton.start([*tekton.step_args(1), "-entrypoint", "true", "--"])
    wait_for(lambda: is_waiting_on_inotify(proc.pid), what="the waiter to block")
    tekton.run_dir(0).mkdir(parents=True)
    (tekton.run_dir(0) / "out").write_text("")
    assert proc.wait(timeout=30) == 0


def test_polling_waiter_orders_steps(tekton: Tekton) -> None:
    env = {"TEKPY_ENTRYPOINT_WAITER": "poll", "TEKPY_ENTRYPOINT_POLL_INTERVAL": "10ms"}
    log = tekton.root / "log"
    procs = [
        tekton.start(
            [*tekton.step_args(i), "-entrypoint", "sh", "--", "-c", f"echo {i} >> {log}"], env=env
        )
        for i in (2, 1, 0)
    ]
    assert [p.wait(timeout=30) for p in procs] == [0, 0, 0]
    assert log.read_text().split() == ["0", "1", "2"]


def test_stdout_and_stderr_are_copied_to_files(tekton: Tekton) -> None:
    out_path = tekton.root / "logs" / "out"
    err_path = tekton.root / "logs" / "err"
    res = tekton.run(
        [
            *tekton.step_args(0),
            "-stdout_path", str(out_path), "-stderr_path", str(err_path),
            "-entrypoint", "sh", "--", "-c", "echo to-out; echo to-err >&2",
        ]
    )
    assert res.returncode == 0
    assert out_path.read_text() == "to-out\n" and err_path.read_text() == "to-err\n"
    assert "to-out" in res.stdout and "to-err" in res.stderr


def test_unknown_command_fails_the_step(tekton: Tekton) -> None:
    res = tekton.run([*tekton.step_args(0), "-entrypoint", "no-such-command-xyz", "--"])
    assert res.returncode == 1
    assert "executable file not found" in res.stderr
    assert (tekton.run_dir(0) / "out.err").exists()


def test_platform_commands_pick_the_command(tekton: Tekton) -> None:
    marker = tekton.root / "m"
    env = {"TEKTON_PLATFORM_COMMANDS": '{"linux/amd64":["touch"],"linux/arm64":["touch"]}'}
    res = tekton.run([*tekton.step_args(0), "--", str(marker)], env=env)
    assert res.returncode == 0, res.stderr
    assert marker.exists()


def test_when_expressions_false_skip_the_step(tekton: Tekton) -> None:
    when = '[{"input":"a","operator":"in","values":["b"]}]'
    res = tekton.run(
        [*tekton.step_args(0), "-when_expressions", when, "-entrypoint", "false", "--"]
    )
    assert res.returncode == 0
    assert tekton.internal(0)["Reason"] == "Skipped"
    assert (tekton.run_dir(0) / "out").exists()
    assert (tekton.run_dir(0) / "status" / "exitCode").read_text() == "0"


@pytest.mark.parametrize(
    ("args", "code"),
    [(["-no_such_flag"], 2), (["-timeout", "abc"], 2), (["-h"], 0)],
)
def test_bad_flags_exit_like_go(tekton: Tekton, args: list[str], code: int) -> None:
    assert tekton.run(args).returncode == code


def test_negative_timeout_fails(tekton: Tekton) -> None:
    res = tekton.run([*tekton.step_args(0), "-timeout", "-1s", "-entrypoint", "true", "--"])
    assert res.returncode == 1
    assert "negative timeout specified" in res.stderr
    assert (tekton.run_dir(0) / "out.err").exists()


def test_breakpoint_on_failure_waits_for_the_debugger(tekton: Tekton) -> None:
    post = tekton.run_dir(0) / "out"
    proc = tekton.start(
        [*tekton.step_args(0), "-breakpoint_on_failure", "-entrypoint", "sh", "--", "-c", "exit 2"]
    )
    wait_for(lambda: is_waiting_on_inotify(proc.pid), what="the breakpoint wait")
    assert proc.poll() is None
    (tekton.run_dir(0) / "out.breakpointexit").write_text("6\n")
    assert proc.wait(timeout=30) == 6
    assert not post.exists() and not (tekton.run_dir(0) / "out.err").exists()


def test_step_results_are_substituted_at_run_time(tekton: Tekton) -> None:
    assert tekton.run(["step-init", "step-make", "step-use"]).returncode == 0
    results = tekton.run_dir(0) / "status" / "results"
    script = (
        f"printf hello > {results}/greeting; printf '[\"a\",\"b c\"]' > {results}/list;"
        f" printf '{{\"k\":\"v\"}}' > {results}/obj"
    )
    first = tekton.run(
        [*tekton.step_args(0), "-step_results", "greeting,list,obj",
         "-entrypoint", "sh", "--", "-c", script]
    )
    assert first.returncode == 0, first.stderr
    out = tekton.root / "out"
    second = tekton.run(
        [
            *tekton.step_args(1), "-entrypoint", "sh", "--", "-c",
            f'printf "%s|" "$GREETING" "$@" > {out}', "x",
            "$(steps.make.results.list[*])", "$(steps.make.results.list[1])",
            "$(steps.make.results.obj.k)",
        ],
        env={"GREETING": "say $(steps.make.results.greeting)!"},
    )
    assert second.returncode == 0, second.stderr
    assert out.read_text() == "say hello!|a|b c|b c|v|"
