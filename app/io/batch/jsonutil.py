"""Canonical JSON for signing and hashing, and a strict parser for what comes in.

Canonical form: UTF-8, object keys sorted, no insignificant whitespace, no
``NaN``/``Infinity``, non-ASCII characters written as themselves (not ``\\uXXXX``).
It is exactly ``json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)`` encoded as UTF-8. For the values this format
uses (strings, integers, booleans, null, arrays, objects with ASCII keys) it
coincides with RFC 8785 (JCS); floats are best avoided in signed data (write
decimals as strings) because languages print them differently.

The strict parser refuses what ``json`` normally tolerates and what lets two
readers see two different documents: duplicate object keys, ``NaN``, a BOM,
invalid UTF-8.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


class StrictJsonError(ValueError):
    """The bytes are not strict JSON (or not strict JSON Lines)."""


def canonical_json(value: Any) -> bytes:
    """Encode a JSON value in the canonical form used for signatures and hashes.

    Args:
        value: Plain JSON data (dict, list, str, int, bool, None; floats discouraged).

    Returns:
        The canonical UTF-8 bytes.

    Raises:
        ValueError: The value holds NaN/Infinity or a lone surrogate.
        TypeError: The value holds something JSON cannot represent.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise StrictJsonError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise StrictJsonError(f"{name} is not allowed")


def strict_loads(data: bytes) -> Any:
    """Parse one JSON document strictly.

    Args:
        data: UTF-8 bytes.

    Returns:
        The parsed value.

    Raises:
        StrictJsonError: Invalid UTF-8 or JSON, duplicate keys, NaN/Infinity, or a
            nesting too deep to parse.
    """
    try:
        text = data.decode("utf-8")
        return json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_no_constants)
    except StrictJsonError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise StrictJsonError(f"{type(exc).__name__}: {exc}") from None


def encode_jsonl(items: Sequence[Mapping[str, Any]]) -> bytes:
    """Encode items as JSON Lines: one canonical JSON object per line, each ending in LF.

    Args:
        items: The objects, in order.

    Returns:
        The member bytes (empty for no items).

    Raises:
        TypeError: An item is not a mapping or holds a non-JSON value.
        ValueError: An item holds NaN/Infinity or a lone surrogate.
    """
    parts: list[bytes] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise TypeError(f"item {index} is a {type(item).__name__}, not a mapping")
        parts.append(canonical_json(dict(item)))
        parts.append(b"\n")
    return b"".join(parts)


def parse_jsonl(data: bytes, *, max_items: int, max_line_bytes: int) -> list[dict[str, Any]]:
    """Parse JSON Lines strictly: every line one JSON object, LF-terminated, none empty.

    Args:
        data: The member bytes.
        max_items: Refuse more lines than this (checked before parsing any).
        max_line_bytes: Refuse any line longer than this.

    Returns:
        The objects, in file order.

    Raises:
        StrictJsonError: With the 1-based line number in the message.
    """
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise StrictJsonError("the last line does not end with LF")
    count = data.count(b"\n")
    if count > max_items:
        raise StrictJsonError(f"{count} lines, more than the limit of {max_items}")
    items: list[dict[str, Any]] = []
    start = 0
    for number in range(1, count + 1):
        end = data.index(b"\n", start)
        line = data[start:end]
        start = end + 1
        if not line.strip():
            raise StrictJsonError(f"line {number} is empty")
        if len(line) > max_line_bytes:
            raise StrictJsonError(f"line {number} is longer than {max_line_bytes} bytes")
        try:
            value = strict_loads(line)
        except StrictJsonError as exc:
            raise StrictJsonError(f"line {number}: {exc}") from None
        if not isinstance(value, dict):
            raise StrictJsonError(f"line {number} is not a JSON object")
        items.append(value)
    return items
