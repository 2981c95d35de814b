"""Rows as batch objects and back: the column-level codec shared by task packages and registry updates.

A row travels as a JSON object of its own columns, without the local integer keys (``id`` and the
``*_id`` foreign keys, which mean nothing in another database) and without the optimistic-concurrency
``version`` counter; the caller adds references by uid. Enums travel as their values, dates and
times as ISO text, floats as decimal text (floats are kept out of signed data, docs/sync-format.md §9).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Enum, Float, Integer, inspect

from app.models.base import UtcDateTime

# Columns that are local to one database and never travel.
# ``updated_at`` is local bookkeeping: the row changes when it is stored here.
LOCAL_COLUMNS = frozenset({"id", "version", "updated_at"})


def _travels(key: str, skip: Iterable[str]) -> bool:
    return key not in LOCAL_COLUMNS and not key.endswith("_id") and key not in set(skip)


def dump_row(obj: Any, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The travelling columns of ``obj`` as plain JSON values (see the module docstring)."""
    out: dict[str, Any] = {}
    skipped = tuple(skip)
    for column in inspect(type(obj)).columns:
        key = column.key
        if not _travels(key, skipped):
            continue
        value = getattr(obj, key)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, float):
            value = repr(value)
        out[key] = value
    return out


class RowError(ValueError):
    """A travelling value that does not fit its column (the message names the column)."""


def _decode(column: Any, value: Any) -> Any:
    if value is None:
        if not column.nullable:
            raise RowError(f"字段 {column.key} 不能为空")
        return None
    kind = column.type
    try:
        if isinstance(kind, Enum) and kind.enum_class is not None:
            return kind.enum_class(value)
        if isinstance(kind, UtcDateTime):
            parsed = datetime.fromisoformat(str(value))
            if parsed.tzinfo is None:
                raise RowError(f"字段 {column.key} 的时间缺少时区")
            return parsed
        if isinstance(kind, Date):
            return date.fromisoformat(str(value))
        if isinstance(kind, Float):
            return float(str(value))
        if isinstance(kind, Boolean):
            if not isinstance(value, bool):
                raise RowError(f"字段 {column.key} 应为是/否")
            return value
        if isinstance(kind, Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise RowError(f"字段 {column.key} 应为整数")
            return value
    except (ValueError, TypeError) as exc:
        if isinstance(exc, RowError):
            raise
        raise RowError(f"字段 {column.key} 的值「{value}」无法识别") from exc
    if not isinstance(value, str):
        raise RowError(f"字段 {column.key} 应为文本")
    length = getattr(kind, "length", None)
    if length is not None and len(value) > length:
        raise RowError(f"字段 {column.key} 超过 {length} 个字符")
    return value


def load_row(obj: Any, data: Mapping[str, Any], *, skip: Iterable[str] = ()) -> list[str]:
    """Set the travelling columns present in ``data`` on ``obj``; return the keys whose value changed.

    Raises:
        RowError: a value does not fit its column (nothing is half-applied by the caller, which
            runs inside one transaction and rolls back).
    """
    changed: list[str] = []
    skipped = tuple(skip)
    for column in inspect(type(obj)).columns:
        key = column.key
        if not _travels(key, skipped) or key not in data:
            continue
        value = _decode(column, data[key])
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed.append(key)
    return changed


def diff_row(obj: Any, data: Mapping[str, Any], *, skip: Iterable[str] = ()) -> dict[str, tuple[Any, Any]]:
    """Which travelling columns of ``obj`` differ from ``data``: ``{column: (local, incoming)}`` as JSON values."""
    local = dump_row(obj, skip=skip)
    return {k: (local[k], data[k]) for k in sorted(local) if k in data and local[k] != data[k]}
