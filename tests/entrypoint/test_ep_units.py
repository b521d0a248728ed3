"""Pure parts of the entrypoint: Go flag parsing, durations, the termination message, waiters."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tekpy_entrypoint import flags, termination, waiter
from tekpy_entrypoint.termination import RunResult


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("1s", 1.0),
        ("500ms", 0.5),
        ("1h2m3.5s", 3723.5),
        ("1.5h", 5400.0),
        ("10us", 1e-5),
        ("-2m", -120.0),
        ("3ns", 3e-9),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert flags.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1", "s", "1x", "1.2.3s", "--1s", "."])
def test_bad_go_durations(text: str) -> None:
    with pytest.raises(flags.FlagError):
        flags.parse_duration(text)


@given(st.lists(st.tuples(st.integers(0, 999), st.sampled_from(["h", "m", "s", "ms"])), min_size=1))
def test_duration_sums_its_parts(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{n}{unit}" for n, unit in parts)
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    assert flags.parse_duration(text) == pytest.approx(sum(n * scale[u] for n, u in parts))


def test_go_flag_spellings() -> None:
    opts = flags.parse(
        [
            "--wait_file=/a,/b", "-post_file", "/p", "-wait_file_content",
            "-breakpoint_on_failure=false", "-timeout", "1m", "-basic-git", "x=y",
            "init", "s", "d", "--", "echo", "-post_file", "--",
        ]
    )
    assert opts.wait_file == "/a,/b" and opts.post_file == "/p"
    assert opts.wait_file_content and not opts.breakpoint_on_failure
    assert opts.timeout == 60.0 and opts.basic_git == ["x=y"]
    assert opts.positional == ["init", "s", "d"]
    assert opts.command_args == ["echo", "-post_file", "--"]


def test_a_leading_double_dash_is_the_flag_parsers() -> None:
    opts = flags.parse(["--", "echo", "hi"])
    assert opts.command_args == [] and opts.positional == ["echo", "hi"]


def test_flag_errors() -> None:
    with pytest.raises(flags.FlagError, match="not defined"):
        flags.parse(["-nope"])
    with pytest.raises(flags.FlagError, match="needs an argument"):
        flags.parse(["-post_file"])
    with pytest.raises(flags.FlagError, match="invalid boolean"):
        flags.parse(["-wait_file_content=maybe"])


def test_defaults_follow_the_tekton_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(flags.TEKTON_ROOT_ENV, raising=False)
    opts = flags.parse([])
    assert opts.termination_path == "/tekton/termination"
    assert opts.cancel_file == "/tekton/downward/cancel"
    assert opts.results_dir == "/tekton/results"
    monkeypatch.setenv(flags.TEKTON_ROOT_ENV, "/x")
    assert flags.parse([]).termination_path == "/x/termination"


entries = st.lists(
    st.builds(
        RunResult,
        key=st.text(max_size=20),
        value=st.text(max_size=60),
        type=st.sampled_from([0, 1, 3, 4, 5, 6]),
    ),
    max_size=5,
)


@given(entries)
def test_encoding_matches_json_and_round_trips(results: list[RunResult]) -> None:
    encoded = termination.encode(results)
    assert termination.decode(encoded) == results
    assert termination.decode(termination.compress(encoded)) == results
    plain = json.loads(encoded)
    assert [e["key"] for e in plain] == [r.key for r in results]
    assert not any(c in encoded for c in b"<>&")


def test_go_encoding_of_special_characters() -> None:
    encoded = termination.encode([RunResult("k", 'a<b>&"\\\n\t\x01\u2028', 1)])
    assert encoded == (
        b'[{"key":"k","value":"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\u0001\\u2028","type":1}]'
    )


def test_type_names_are_understood() -> None:
    decoded = termination.decode(b'[{"key":"a","value":"1","type":"TaskRunResult"},'
                                 b'{"key":"b","value":"2","type":"Whatever"}]')
    assert [r.type for r in decoded] == [1, 10]


def test_write_appends_and_enforces_the_limit(tmp_path: Path) -> None:
    path = str(tmp_path / "termination")
    termination.write_message(path, [RunResult("a", "1", 1)])
    termination.write_message(path, [RunResult("StartedAt", "t", 3)])
    assert [r.key for r in termination.decode(Path(path).read_bytes())] == ["a", "StartedAt"]
    with pytest.raises(termination.MessageLengthError):
        termination.write_message(path, [RunResult("big", "x" * 4096, 1)])
    assert len(termination.decode(Path(path).read_bytes())) == 2  # left untouched


def test_compression_fits_more(tmp_path: Path) -> None:
    path = str(tmp_path / "termination")
    termination.write_message(path, [RunResult("big", "x" * 6000, 1)], compressed=True)
    raw = Path(path).read_bytes()
    assert raw.startswith(b"tknz:") and len(raw) <= 4096
    assert termination.decode(raw)[0].value == "x" * 6000


def test_wait_until_stops_on_the_stop_fd(tmp_path: Path) -> None:
    r, w = os.pipe()
    threading.Timer(0.05, lambda: os.write(w, b"x")).start()
    assert waiter.wait_file(str(tmp_path / "never"), stop_fd=r) is False
    os.close(r)
    os.close(w)


def test_wait_until_honours_the_deadline(tmp_path: Path) -> None:
    start = time.monotonic()
    assert waiter.wait_file(str(tmp_path / "never"), deadline=start + 0.05) is False
    assert time.monotonic() - start < 5


def test_err_file_means_skip_unless_breakpoint(tmp_path: Path) -> None:
    (tmp_path / "out.err").write_text("")
    with pytest.raises(waiter.SkipError):
        waiter.wait_file(str(tmp_path / "out"))
    assert waiter.wait_file(str(tmp_path / "out"), breakpoint_on_failure=True) is True
