"""JSON patch (RFC 6902) as kube-apiserver applies it (evanphx/json-patch v4)."""

from __future__ import annotations

from typing import Any

import pytest
from _json_strategies import KEYS, json_objects, json_values
from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.apiserver.patch import PatchError, json_patch

DOC = {"a": {"b": [1, 2, 3], "c": "x"}, "k/e~y": 1}

# (name, ops, expected result)
APPLY_CASES: list[tuple[str, list[dict[str, Any]], Any]] = [
    ("add member", [{"op": "add", "path": "/a/d", "value": 4}], {**DOC, "a": {**DOC["a"], "d": 4}}),
    (
        "add replaces member",
        [{"op": "add", "path": "/a/c", "value": "y"}],
        {**DOC, "a": {"b": [1, 2, 3], "c": "y"}},
    ),
    (
        "insert into list",
        [{"op": "add", "path": "/a/b/1", "value": 9}],
        {**DOC, "a": {"b": [1, 9, 2, 3], "c": "x"}},
    ),
    (
        "append with dash",
        [{"op": "add", "path": "/a/b/-", "value": 9}],
        {**DOC, "a": {"b": [1, 2, 3, 9], "c": "x"}},
    ),
    (
        "append at len",
        [{"op": "add", "path": "/a/b/3", "value": 9}],
        {**DOC, "a": {"b": [1, 2, 3, 9], "c": "x"}},
    ),
    (
        "negative index",
        [{"op": "remove", "path": "/a/b/-1"}],
        {**DOC, "a": {"b": [1, 2], "c": "x"}},
    ),
    ("remove member", [{"op": "remove", "path": "/a/c"}], {**DOC, "a": {"b": [1, 2, 3]}}),
    ("escaped key", [{"op": "replace", "path": "/k~1e~0y", "value": 2}], {**DOC, "k/e~y": 2}),
    (
        "replace list item",
        [{"op": "replace", "path": "/a/b/0", "value": 0}],
        {**DOC, "a": {"b": [0, 2, 3], "c": "x"}},
    ),
    (
        "replace missing member adds (kube)",
        [{"op": "replace", "path": "/z", "value": 1}],
        {**DOC, "z": 1},
    ),
    (
        "move",
        [{"op": "move", "from": "/a/c", "path": "/c"}],
        {"a": {"b": [1, 2, 3]}, "k/e~y": 1, "c": "x"},
    ),
    (
        "move within list",
        [{"op": "move", "from": "/a/b/0", "path": "/a/b/-"}],
        {**DOC, "a": {"b": [2, 3, 1], "c": "x"}},
    ),
    ("copy", [{"op": "copy", "from": "/a/b", "path": "/b"}], {**DOC, "b": [1, 2, 3]}),
    ("test passes", [{"op": "test", "path": "/a/b", "value": [1, 2, 3]}], DOC),
    ("test null on missing passes", [{"op": "test", "path": "/zz", "value": None}], DOC),
    ("replace root", [{"op": "replace", "path": "", "value": {"n": 1}}], {"n": 1}),
    (
        "sequence",
        [{"op": "add", "path": "/n", "value": {}}, {"op": "add", "path": "/n/m", "value": 1}],
        {**DOC, "n": {"m": 1}},
    ),
]


@pytest.mark.parametrize(("name", "ops", "want"), APPLY_CASES, ids=[c[0] for c in APPLY_CASES])
def test_apply(name: str, ops: list[dict[str, Any]], want: Any) -> None:
    assert json_patch(DOC, ops) == want


ERROR_CASES: list[tuple[str, list[Any], str]] = [
    (
        "remove missing",
        [{"op": "remove", "path": "/a/zz"}],
        "error in remove for path: '/a/zz': Unable to remove nonexistent key: zz: missing value",
    ),
    (
        "add under missing parent",
        [{"op": "add", "path": "/q/r", "value": 1}],
        'add operation does not apply: doc is missing path: "/q/r": missing value',
    ),
    (
        "add bad index",
        [{"op": "add", "path": "/a/b/7", "value": 1}],
        "error in add for path: '/a/b/7': "
        "Unable to access invalid index: 7: invalid index referenced",
    ),
    (
        "add non numeric index",
        [{"op": "add", "path": "/a/b/x", "value": 1}],
        "error in add for path: '/a/b/x': value was not a proper array index: 'x': "
        'strconv.Atoi: parsing "x": invalid syntax',
    ),
    (
        "replace bad index",
        [{"op": "replace", "path": "/a/b/9", "value": 1}],
        "replace operation does not apply: doc is missing key: /a/b/9: missing value",
    ),
    (
        "test fails",
        [{"op": "test", "path": "/a/c", "value": "y"}],
        "testing value /a/c failed: test failed",
    ),
    (
        "test missing parent",
        [{"op": "test", "path": "/q/r", "value": 1}],
        "test operation does not apply: is missing path: /q/r: missing value",
    ),
    (
        "move missing",
        [{"op": "move", "from": "/a/zz", "path": "/b"}],
        "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value",
    ),
    (
        "copy missing parent",
        [{"op": "copy", "from": "/q/r", "path": "/b"}],
        "copy operation does not apply: doc is missing from path: /q/r: missing value",
    ),
    ("unknown op", [{"op": "frobnicate", "path": "/a"}], "Unexpected kind: frobnicate"),
    ("missing op", [{"path": "/a"}], "Unexpected kind: unknown"),
    (
        "descend into scalar",
        [{"op": "add", "path": "/a/c/d", "value": 1}],
        'add operation does not apply: doc is missing path: "/a/c/d": missing value',
    ),
]


@pytest.mark.parametrize(("name", "ops", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_are_422_with_library_message(name: str, ops: list[Any], message: str) -> None:
    with pytest.raises(PatchError) as exc:
        json_patch(DOC, ops)
    assert exc.value.message == message
    assert exc.value.code == 422
    status = exc.value.status()
    assert status["reason"] == "Invalid" and status["code"] == 422
    assert status["message"] == "the server rejected our request due to an error in our request"


def test_failed_patch_leaves_target_untouched() -> None:
    doc = {"a": [1]}
    with pytest.raises(PatchError):
        json_patch(
            doc,
            [{"op": "add", "path": "/a/-", "value": 2}, {"op": "test", "path": "/a/0", "value": 5}],
        )
    assert doc == {"a": [1]}


def test_malformed_patch_is_bad_request() -> None:
    with pytest.raises(PatchError) as exc:
        json_patch({}, {"op": "add"})
    assert exc.value.code == 400
    assert (
        exc.value.message == "error decoding patch: json: cannot unmarshal object into Go value "
        "of type []handlers.jsonPatchOp"
    )
    with pytest.raises(PatchError) as exc:
        json_patch({}, [{"op": "test", "path": "", "value": {}}] * 10001)
    assert exc.value.code == 413
    assert exc.value.message == "The allowed maximum operations in a JSON patch is 10000, got 10001"


def _pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


@given(json_objects(), KEYS | st.just("fresh"), json_values())
def test_property_add_then_remove_restores(doc: dict[str, Any], key: str, value: Any) -> None:
    doc.pop(key, None)
    added = json_patch(doc, [{"op": "add", "path": _pointer(key), "value": value}])
    assert added[key] == value
    assert json_patch(added, [{"op": "remove", "path": _pointer(key)}]) == doc
    json_patch(added, [{"op": "test", "path": _pointer(key), "value": value}])


@given(json_objects().filter(bool), st.data())
def test_property_move_there_and_back(doc: dict[str, Any], data: st.DataObject) -> None:
    src = data.draw(st.sampled_from(sorted(doc)))
    dst = data.draw(KEYS.filter(lambda k: k not in doc) | st.just("fresh"))
    moved = json_patch(doc, [{"op": "move", "from": _pointer(src), "path": _pointer(dst)}])
    assert moved[dst] == doc[src] and src not in moved
    assert json_patch(moved, [{"op": "move", "from": _pointer(dst), "path": _pointer(src)}]) == doc


@given(st.lists(st.integers(), max_size=5), st.integers(-7, 7), st.integers())
def test_property_list_insert_matches_python(items: list[int], index: int, value: int) -> None:
    doc = {"l": items}
    op = {"op": "add", "path": f"/l/{index}", "value": value}
    if -(len(items) + 1) <= index <= len(items):
        want = list(items)
        want.insert(index if index >= 0 else index + len(items) + 1, value)
        assert json_patch(doc, [op]) == {"l": want}
    else:
        with pytest.raises(PatchError, match="invalid index referenced"):
            json_patch(doc, [op])


@given(json_objects().filter(bool), st.data())
def test_property_copy_then_test_equal(doc: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(doc)))
    out = json_patch(
        doc,
        [
            {"op": "copy", "from": _pointer(key), "path": "/copy"},
            {"op": "test", "path": "/copy", "value": doc[key]},
        ],
    )
    assert out["copy"] == doc[key]
    if isinstance(out["copy"], list):
        out["copy"].append("extra")  # the copy must not alias its source
        assert out[key] == doc[key]
