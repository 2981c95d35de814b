"""Canonical JSON and the strict parsers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.io.batch.jsonutil import StrictJsonError, canonical_json, encode_jsonl, parse_jsonl, strict_loads

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
items_strategy = st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=5), max_size=8)


def test_canonical_form_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": ["结果", None, True]}) == '{"a":["结果",null,true],"b":1}'.encode()


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":2}',
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b"\xef\xbb\xbf{}",
        b'{"a":"\xff"}',
        b"[" * 100_000 + b"]" * 100_000,
        b"",
        b"{",
    ],
)
def test_strict_loads_refuses(data: bytes) -> None:
    with pytest.raises(StrictJsonError):
        strict_loads(data)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"a":1}', "LF"),
        (b'{"a":1}\n\n', "empty"),
        (b"[1]\n", "object"),
        (b'{"a":1}\n{"a":\n', "line 2"),
        (b'{"a":1,"a":1}\n', "duplicate"),
    ],
)
def test_parse_jsonl_refuses(data: bytes, why: str) -> None:
    with pytest.raises(StrictJsonError, match=why):
        parse_jsonl(data, max_items=10, max_line_bytes=100)


def test_parse_jsonl_limits() -> None:
    with pytest.raises(StrictJsonError, match="limit"):
        parse_jsonl(b"{}\n" * 11, max_items=10, max_line_bytes=100)
    with pytest.raises(StrictJsonError, match="longer"):
        parse_jsonl(b'{"a":"' + b"x" * 200 + b'"}\n', max_items=10, max_line_bytes=100)


@settings(max_examples=25, deadline=None)
@given(items_strategy)
def test_jsonl_round_trip(items: list[dict[str, Any]]) -> None:
    data = encode_jsonl(items)
    assert parse_jsonl(data, max_items=100, max_line_bytes=1 << 20) == items
    assert data.count(b"\n") == len(items)


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_canonical_is_stable(value: Any) -> None:
    encoded = canonical_json(value)
    assert canonical_json(strict_loads(encoded)) == encoded
