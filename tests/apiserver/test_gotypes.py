"""Go decoder type errors of built-in kinds: the fast check agrees with the error walk."""

from __future__ import annotations

from typing import Any

from _json_strategies import json_values
from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.apiserver import gotypes

META_KEYS = st.sampled_from(["name", "labels", "annotations", "finalizers", "generation",
                             "ownerReferences", "uid", "bogus"])
TOP_KEYS = st.sampled_from(["data", "binaryData", "immutable", "stringData", "type", "kind"])


@given(st.sampled_from(["/configmaps", "/secrets", "/pods"]),
       st.dictionaries(META_KEYS, json_values(), max_size=4),
       st.dictionaries(TOP_KEYS, json_values(), max_size=3))
def test_fast_check_agrees_with_the_error_walk(
    key: str, meta: dict[str, Any], top: dict[str, Any]
) -> None:
    obj = {"metadata": meta, **top}
    message = gotypes.type_error(key, obj)
    walked: str | None = None
    try:
        gotypes._check(obj, gotypes._KINDS[key], "", [])
    except gotypes._Found as found:
        walked = found.message
    assert message == walked
    if message is not None:
        assert message.startswith("json: cannot unmarshal ")


def test_messages_name_the_innermost_struct_and_the_full_path() -> None:
    owner = {"metadata": {"ownerReferences": [{"name": "o", "controller": "yes"}]}}
    assert gotypes.type_error("/configmaps", owner) == (
        "json: cannot unmarshal string into Go struct field "
        "OwnerReference.metadata.ownerReferences.controller of type bool")
    assert gotypes.type_error("/secrets", {"data": {"k": 1}}) == (
        "json: cannot unmarshal number into Go struct field Secret.data of type []uint8")
    assert gotypes.type_error("/configmaps", {"metadata": "x"}) == (
        "json: cannot unmarshal string into Go struct field ConfigMap.metadata of type "
        "v1.ObjectMeta")
    assert gotypes.type_error("/widgets", {"metadata": "x"}) is None  # unknown kinds pass
