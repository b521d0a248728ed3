"""Go-compatible JSON error texts (``gojson``)."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tekpy.local.apiserver.gojson import duplicate_fields, syntax_error

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=10,
)


@given(_json)
def test_valid_json_has_no_error(value: object) -> None:
    assert syntax_error(json.dumps(value).encode()) is None


@given(st.binary(max_size=12))
def test_errors_exactly_when_invalid(data: bytes) -> None:
    try:
        orjson.loads(data)
        valid = True
    except orjson.JSONDecodeError:
        valid = False
    if valid or not data.strip():
        return  # orjson and Go agree on validity for everything but these edge cases
    # Go's scanner accepts invalid UTF-8 inside strings; orjson does not
    if b'"' not in data:
        assert syntax_error(data) is not None


@pytest.mark.parametrize(("data", "message"), [
    (b"{not json", "invalid character 'n' looking for beginning of object key string"),
    (b"", "unexpected end of JSON input"),
    (b"-", "invalid character ' ' in numeric literal"),
    (b"tr", "invalid character ' ' in literal true (expecting 'u')"),
    (b"[1 2]", "invalid character '2' after array element"),
    (b'{"a" 1}', "invalid character '1' after object key"),
    (b"1 2", "invalid character '2' after top-level value"),
    (b"\x81", "invalid character '\\u0081' looking for beginning of value"),
    (b"'", "invalid character '\\'' looking for beginning of value"),
])
def test_go_messages(data: bytes, message: str) -> None:
    assert syntax_error(data) == message


def test_duplicate_fields() -> None:
    assert duplicate_fields(b'{"a":1,"b":{"x":1,"x":2},"a":2,"l":[{"y":1,"y":1}]}') == [
        "a", "b.x", "l[0].y"]
    assert duplicate_fields(b'{"a":1}') == []
