"""Strict readers for the fields of the format's JSON documents (manifest, contents, receipt).

Each takes the raw value and a path for the message (``"contents.files[2].size"``)
and returns the typed value or raises :class:`Invalid`. The messages name fields,
never values, because the documents may be decrypted classified data.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from app.io.batch.keys import is_fingerprint, parse_time

_E = TypeVar("_E", bound=StrEnum)
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
MAX_INT = 2**63 - 1  # what a gateway's database can hold in a signed 64-bit column
MAX_NAME_LENGTH = 100
# Lowercase ASCII words joined by - or _, then one to three .extensions. Nothing
# else: no folders, no dots alone, no drive letters, no backslashes, no case games
# (two names differing only in case would collide on Windows).
_MEMBER_NAME_RE = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*(?:\.[a-z0-9]+){1,3}")


def is_valid_member_name(name: str) -> bool:
    """True if ``name`` may be a zip member of a batch (see the pattern above)."""
    return len(name) <= MAX_NAME_LENGTH and _MEMBER_NAME_RE.fullmatch(name) is not None


class Invalid(Exception):
    """A schema violation; the caller turns it into BatchRejected with its reason."""


def obj(value: object, where: str, keys: frozenset[str]) -> dict[str, Any]:
    """An object with exactly ``keys``."""
    if not isinstance(value, dict):
        raise Invalid(f"{where} is not an object")
    missing = keys - value.keys()
    extra = value.keys() - keys
    if missing:
        raise Invalid(f"{where} lacks {sorted(missing)}")
    if extra:
        raise Invalid(f"{where} has unknown fields {sorted(extra)}")
    return value


def integer(value: object, where: str, *, minimum: int = 0) -> int:
    """An integer (not a boolean) from ``minimum`` to 2**63-1."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(f"{where} is not an integer")
    if not minimum <= value <= MAX_INT:
        raise Invalid(f"{where} is out of range")
    return value


def optional_integer(value: object, where: str, *, minimum: int = 0) -> int | None:
    """``None`` or :func:`integer`."""
    return None if value is None else integer(value, where, minimum=minimum)


def boolean(value: object, where: str) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise Invalid(f"{where} is not a boolean")
    return value


def label(value: object, where: str, *, max_length: int = 200) -> str:
    """A short human or code string: no control characters, no edge spaces."""
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise Invalid(f"{where} is not a string of 1-{max_length} characters")
    if value != value.strip() or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise Invalid(f"{where} has control characters or edge spaces")
    return value


def uuid_text(value: object, where: str) -> uuid.UUID:
    """A UUID written in lowercase hyphenated form (one id, one spelling)."""
    if not isinstance(value, str):
        raise Invalid(f"{where} is not a string")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise Invalid(f"{where} is not a UUID") from None
    if str(parsed) != value:
        raise Invalid(f"{where} is not a UUID in lowercase hyphenated form")
    return parsed


def optional_uuid_text(value: object, where: str) -> uuid.UUID | None:
    """``None`` or :func:`uuid_text`."""
    return None if value is None else uuid_text(value, where)


def hex64(value: object, where: str) -> str:
    """A SHA-256 in lowercase hex."""
    if not isinstance(value, str) or _HEX64_RE.fullmatch(value) is None:
        raise Invalid(f"{where} is not 64 lowercase hex digits")
    return value


def fingerprint(value: object, where: str) -> str:
    """A key fingerprint in its stored form."""
    if not isinstance(value, str) or not is_fingerprint(value):
        raise Invalid(f"{where} is not a key fingerprint")
    return value


def member_name(value: object, where: str) -> str:
    """A valid member name."""
    if not isinstance(value, str) or not is_valid_member_name(value):
        raise Invalid(f"{where} is not a valid member name")
    return value


def utc_time(value: object, where: str) -> datetime:
    """A time written ``YYYY-MM-DDTHH:MM:SSZ``."""
    try:
        return parse_time(value)
    except ValueError:
        raise Invalid(f"{where} is not a UTC time YYYY-MM-DDTHH:MM:SSZ") from None


def choice(cls: type[_E], value: object, where: str) -> _E:
    """One of the values of a string enum."""
    if not isinstance(value, str):
        raise Invalid(f"{where} is not a string")
    try:
        return cls(value)
    except ValueError:
        raise Invalid(f"{where} has an unknown value") from None


def array(value: object, where: str, *, max_length: int) -> list[Any]:
    """A list of at most ``max_length`` elements."""
    if not isinstance(value, list):
        raise Invalid(f"{where} is not a list")
    if len(value) > max_length:
        raise Invalid(f"{where} is too long")
    return value
