"""全程留痕: the audit trail, one row per change, chained by hash so edits after the fact show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class AuditEntry(Base):
    """Who did what, when, to which record, with before/after and the reason where one is required."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity", "entity_id"),
        # One successor per entry: two desks appending at once cannot fork the chain (issue 8).
        Index("uq_audit_entries_prev_hash", "prev_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    operator: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))  # create / update / deactivate / import / draw / void …
    entity: Mapped[str] = mapped_column(String(50))  # table name
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The task an entry concerns (for the task filter) and whether it is classified work: such
    # entries are shown only to users cleared for classified tasks (issue 8).
    task_id: Mapped[int | None] = mapped_column(Integer, index=True)
    classified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
