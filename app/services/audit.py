"""全程留痕: record every change, chained by SHA-256 so that an edit after the fact shows.

Each entry's hash covers the previous entry's hash and the entry's own content in a
canonical JSON form; ``verify_chain`` recomputes it and names the first broken entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import AuditEntry, Task
from app.models.base import utcnow
from app.services.locking import AUDIT_CHAIN_LOCK, serialize_writers
from app.services.progress import Progress

GENESIS_HASH = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace: the same data always gives the same text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The chain hash of one entry from its predecessor's hash and its content."""
    payload = prev_hash + "\n" + canonical_json(dict(fields))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "at": entry.at.isoformat(),
        "operator": entry.operator,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "summary": entry.summary,
        "before": entry.before_json,
        "after": entry.after_json,
        "reason": entry.reason,
    }
    # Added in schema 0004; hashed only when set, so that older entries keep their hashes.
    if entry.task_id is not None:
        fields["task_id"] = entry.task_id
    if entry.classified:
        fields["classified"] = True
    return fields


def record(
    session: Session,
    *,
    operator: str,
    action: str,
    entity: str,
    entity_id: str | int = "",
    summary: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    task_id: int | None = None,
    classified: bool | None = None,
) -> AuditEntry:
    """Append one entry to the trail inside the caller's unit of work.

    Args:
        session: the write session of the change being recorded (same transaction).
        operator: who did it.
        action: create / update / deactivate / import / draw / void …
        entity: the table name of the record.
        entity_id: the record's id.
        summary: one line for people, in Chinese.
        before: the record's fields before the change.
        after: the record's fields after the change.
        reason: why, where the rules require a reason.
        task_id: the task the change concerns; entity "tasks" implies it.
        classified: whether the entry is about classified work; None = that of ``task_id``'s task.
    """
    if task_id is None and entity == "tasks" and str(entity_id).isdigit():
        task_id = int(entity_id)
    if classified is None:
        task = session.get(Task, task_id) if task_id is not None else None
        classified = bool(task is not None and task.is_classified)
    # Appends must be serialised, or two desks read the same last hash and fork the chain.
    serialize_writers(session, AUDIT_CHAIN_LOCK)
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    entry = AuditEntry(
        at=utcnow(),
        operator=operator,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        summary=summary,
        before_json=canonical_json(before) if before is not None else None,
        after_json=canonical_json(after) if after is not None else None,
        reason=reason,
        prev_hash=last or GENESIS_HASH,
        hash="",
        task_id=task_id,
        classified=classified,
    )
    entry.hash = entry_hash(entry.prev_hash, _hashed_fields(entry))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """Result of ``verify_chain``."""

    entries: int
    ok: bool
    first_broken_id: int | None
    message: str


def verify_chain(db: Database, progress: Progress | None = None) -> ChainReport:
    """Recompute every entry's hash and link; report the first entry that does not match.

    With ``progress`` the count is reported every 1,000 entries and a cancel stops the check
    (``Interrupted``): the trail may hold millions of entries.
    """
    with db.read() as session:
        total = int(session.execute(select(func.count(AuditEntry.id))).scalar_one()) if progress else 0
        # "with": a broken link or a cancel ends the walk early, and the cursor (server-side on
        # PostgreSQL) must be closed then too, not left to the garbage collector.
        with session.execute(
            select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
        ).scalars() as rows:
            return _walk_chain(rows, total, progress)


def _walk_chain(rows: Iterable[AuditEntry], total: int, progress: Progress | None) -> ChainReport:
    prev = GENESIS_HASH
    count = 0
    for entry in rows:
        count += 1
        if progress is not None and count % 1000 == 0:
            progress.update(done=count, total=total, message=f"正在核验留痕链：{count:,} / {total:,}")
        if entry.prev_hash != prev:
            return ChainReport(
                count,
                False,
                entry.id,
                f"第 {entry.id} 条留痕记录与前一条的链接不符（前一条被改动或删除）",
            )
        if entry_hash(entry.prev_hash, _hashed_fields(entry)) != entry.hash:
            return ChainReport(count, False, entry.id, f"第 {entry.id} 条留痕记录的内容已被改动")
        prev = entry.hash
    return ChainReport(count, True, None, f"留痕链完整，共 {count} 条")


def count_entries(db: Database) -> int:
    with db.read() as session:
        return int(session.execute(select(func.count(AuditEntry.id))).scalar_one())
