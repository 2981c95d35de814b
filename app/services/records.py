"""Helpers shared by the registry services: snapshots for the audit trail, tags, version checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.models import Tag
from app.models.enums import TagScope
from app.services.errors import ConflictError, NotFoundError

_SKIP = {"created_at", "updated_at"}


def snapshot(obj: Any) -> dict[str, Any]:
    """The row's column values, for the before/after of an audit entry."""
    mapper = inspect(type(obj))
    return {col.key: getattr(obj, col.key) for col in mapper.column_attrs if col.key not in _SKIP}


def require(session: Session, model: type[Any], record_id: int, what: str) -> Any:
    """Load a record or raise ``NotFoundError`` saying which one is missing."""
    obj = session.get(model, record_id)
    if obj is None:
        raise NotFoundError(f"{what}（编号 {record_id}）不存在，可能已被他人删除。请刷新列表后重试。")
    return obj


def check_version(obj: Any, expected_version: int | None, what: str) -> None:
    """Refuse to overwrite a record someone else changed since the caller read it."""
    if expected_version is not None and obj.version != expected_version:
        raise ConflictError(
            f"{what}已被其他人修改（您读取的是第 {expected_version} 版，现在是第 {obj.version} 版）。"
            "请关闭对话框、刷新后重新编辑，以免覆盖他人的修改。"
        )


def resolve_tags(session: Session, scope: TagScope, pairs: Iterable[tuple[str, str]]) -> list[Tag]:
    """Find or create the tags ``(kind, name)`` of a scope, in the given order, without duplicates."""
    wanted: list[tuple[str, str]] = []
    for kind, name in pairs:
        key = (kind.strip(), name.strip())
        if key[1] and key not in wanted:
            wanted.append(key)
    if not wanted:
        return []
    existing = {
        (t.kind, t.name): t
        for t in session.execute(select(Tag).where(Tag.scope == scope, Tag.name.in_([n for _, n in wanted])))
        .scalars()
        .all()
    }
    result: list[Tag] = []
    for kind, name in wanted:
        tag = existing.get((kind, name))
        if tag is None:
            tag = Tag(scope=scope, kind=kind, name=name)
            session.add(tag)
            existing[(kind, name)] = tag
        result.append(tag)
    return result


def tag_text(tags: Iterable[Tag]) -> str:
    """Tags as shown in a table cell."""
    return "，".join(t.name for t in tags)
