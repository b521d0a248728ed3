"""Hypothesis strategies for JSON documents shared by the patch and schema tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

KEYS = st.sampled_from(["a", "b", "c", "d", "x/y", "t~n"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(["", "s", "t"]),
)
NON_NULL_SCALARS = st.one_of(st.booleans(), st.integers(-5, 5), st.sampled_from(["", "s"]))


def json_values(scalars: st.SearchStrategy[Any] = SCALARS) -> st.SearchStrategy[Any]:
    """Any JSON value built from ``scalars``, small and shallow."""
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)
        ),
        max_leaves=8,
    )


def json_objects(scalars: st.SearchStrategy[Any] = SCALARS) -> st.SearchStrategy[Any]:
    """A JSON object whose members are any JSON value built from ``scalars``."""
    return st.dictionaries(KEYS, json_values(scalars), max_size=4)


def without_null_members(value: Any) -> Any:
    """``value`` with every null object member removed (lists may keep nulls)."""
    if isinstance(value, dict):
        return {k: without_null_members(v) for k, v in value.items() if v is not None}
    return value
