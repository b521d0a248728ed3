"""JSON merge patch follows RFC 7386."""

from __future__ import annotations

from typing import Any

import pytest
from _json_strategies import json_objects, json_values, without_null_members
from hypothesis import given

from tekpy.local.apiserver.patch import create_merge_patch, merge_patch

# The examples of RFC 7386 appendix A: (target, patch, result).
RFC_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "want"), RFC_EXAMPLES, ids=[str(i) for i in range(15)])
def test_rfc7386_examples(target: Any, patch: Any, want: Any) -> None:
    assert merge_patch(target, patch) == want


def test_inputs_are_not_modified_or_aliased() -> None:
    target = {"a": {"b": [1]}, "c": 1}
    patch = {"a": {"d": {"e": 1}}, "c": None}
    out = merge_patch(target, patch)
    assert target == {"a": {"b": [1]}, "c": 1}
    assert patch == {"a": {"d": {"e": 1}}, "c": None}
    out["a"]["b"].append(2)
    out["a"]["d"]["e"] = 2
    assert target["a"]["b"] == [1] and patch["a"]["d"]["e"] == 1


@given(json_objects(), json_values())
def test_property_diff_then_apply_gives_the_target(a: Any, b: Any) -> None:
    b = without_null_members(b)
    assert merge_patch(a, create_merge_patch(a, b)) == b


@given(json_objects(), json_values())
def test_property_idempotent(target: Any, patch: Any) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once


@given(json_objects(), json_objects())
def test_property_null_removes_and_other_members_win(target: Any, patch: Any) -> None:
    out = merge_patch(target, patch)
    for key, value in patch.items():
        if value is None:
            assert key not in out
        elif not isinstance(value, dict):
            assert out[key] == value
    for key in target:
        if key not in patch:
            assert out[key] == target[key]


@given(json_objects(), json_objects())
def test_property_result_of_object_patch_has_no_null_from_patch(target: Any, patch: Any) -> None:
    out = merge_patch(target, patch)

    def check(result: Any, p: Any) -> None:
        for key, value in p.items():
            if isinstance(value, dict):
                assert isinstance(result[key], dict)
                check(result[key], value)

    check(out, patch)
