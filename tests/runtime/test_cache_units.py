"""Pure parts of the cache: backoff schedule, label selectors, transform."""

from __future__ import annotations

import pytest

from tekpy.runtime.cache import Backoff, LabelSelectorError, drop_managed_fields
from tekpy.runtime.cache import parse_label_selector as sel
from tekpy.runtime.clock import FakeClock


def test_backoff_doubles_to_the_cap_with_jitter_bounds() -> None:
    clock = FakeClock()
    lo = Backoff(clock=clock, rand=lambda: 0.0)
    assert [lo.next() for _ in range(8)] == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]
    hi = Backoff(clock=clock, rand=lambda: 0.999999)
    first = hi.next()
    assert 1.59 < first < 1.6  # jitter 1.0: [d, 2d)
    for _ in range(10):
        d = hi.next()
    assert 59.9 < d < 60.0


def test_backoff_resets_after_two_healthy_minutes() -> None:
    clock = FakeClock()
    b = Backoff(clock=clock, rand=lambda: 0.0)
    for _ in range(4):
        b.next()
    clock.step(119)
    assert b.next() == 12.8  # not yet healthy long enough
    clock.step(121)
    assert b.next() == 0.8


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", {}, True),
        ("a=b", {"a": "b"}, True),
        ("a==b", {"a": "c"}, False),
        ("a!=b", {}, True),
        ("a!=b", {"a": "b"}, False),
        ("a in (x, y)", {"a": "y"}, True),
        ("a in (x,y)", {}, False),
        ("a notin (x,y)", {}, True),
        ("a notin (x,y)", {"a": "x"}, False),
        ("a", {"a": ""}, True),
        ("!a", {"a": ""}, False),
        (
            "app.kubernetes.io/name=web,tier in (fe),!legacy",
            {"app.kubernetes.io/name": "web", "tier": "fe"},
            True,
        ),
        (
            "app.kubernetes.io/name=web,tier in (fe),!legacy",
            {"app.kubernetes.io/name": "web", "tier": "fe", "legacy": "1"},
            False,
        ),
    ],
)
def test_label_selector(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert sel(selector)(labels) is expected


def test_label_selector_errors_and_mappings() -> None:
    with pytest.raises(LabelSelectorError):
        sel("a in x")
    with pytest.raises(LabelSelectorError):
        sel("!a in (x)")
    assert sel({"a": "1"})({"a": "1", "b": "2"}) and not sel({"a": "1"})({})
    assert sel(None)({"anything": "x"})


def test_drop_managed_fields() -> None:
    o = {"metadata": {"name": "a", "managedFields": [{"manager": "x"}]}, "spec": {}}
    assert drop_managed_fields(o) is o and o == {"metadata": {"name": "a"}, "spec": {}}
    assert drop_managed_fields({"kind": "X"}) == {"kind": "X"}
