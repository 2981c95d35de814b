"""Inspection results: frozen, hash-identified versions; drafts; review; follow-up; attachments.

A result is never edited in place. Each finalized version is frozen, identified by a UUID and
the SHA-256 of its canonical JSON, names its predecessor, and takes the next sequence number of
its stream (public / classified) in the same transaction (SYNC.md: the outbox).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, UidMixin, UtcDateTime, VersionedMixin
from app.models.enums import FollowUpKind, FollowUpState, ResultVersionKind, SyncState
from app.models.registry import enum_column


class ResultDraft(Base):
    """The autosaved, unfinished entry of one inspection (saved field by field; survives a power cut)."""

    __tablename__ = "result_drafts"

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    )
    payload_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(50))


class ResultVersion(UidMixin, Base):
    """One finalized, frozen version of an inspection's result."""

    __tablename__ = "result_versions"
    __table_args__ = (
        UniqueConstraint("origin", "stream", "seq", name="uq_result_versions_origin_stream_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    record_uid: Mapped[str] = mapped_column(String(36), index=True)  # the inspection's uid: never changes
    prev_uid: Mapped[str | None] = mapped_column(String(36), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per inspection
    kind: Mapped[ResultVersionKind] = mapped_column(enum_column(ResultVersionKind))
    payload_json: Mapped[str] = mapped_column(Text)  # canonical JSON
    sha256: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")  # required for corrections
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(50))
    origin: Mapped[str] = mapped_column(String(36))  # installation id that made this version
    stream: Mapped[str] = mapped_column(String(20))  # public | classified
    seq: Mapped[int] = mapped_column(Integer)  # gap-free per (origin, stream)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    withheld: Mapped[bool] = mapped_column(Boolean, default=False)  # 依法不予公开
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # approved for publication
    sync_state: Mapped[SyncState] = mapped_column(enum_column(SyncState), default=SyncState.PENDING)
    sync_batch_uid: Mapped[str | None] = mapped_column(String(36))
    sync_message: Mapped[str] = mapped_column(Text, default="")


class ReviewEvent(Base):
    """A step of review and publication: submit, leader approval, return, publication approval, correction."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(60))
    to_state: Mapped[str] = mapped_column(String(60))  # e.g. published:pending_review
    comment: Mapped[str] = mapped_column(Text, default="")
    version_uid: Mapped[str | None] = mapped_column(String(36))  # the result version the step acted on


class FollowUp(UidMixin, TimestampMixin, VersionedMixin, Base):
    """后续处置: rectification order, referral, copy to a department, transfer to judicial organs — tracked to closure."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    kind: Mapped[FollowUpKind] = mapped_column(enum_column(FollowUpKind))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # competent department
    description: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date)  # 整改期限
    recheck_on: Mapped[date | None] = mapped_column(Date)  # 复查日期
    state: Mapped[FollowUpState] = mapped_column(enum_column(FollowUpState), default=FollowUpState.OPEN)
    created_by: Mapped[str] = mapped_column(String(50))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str] = mapped_column(String(50), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"version_id_col": VersionedMixin.version}  # noqa: RUF012


class RiskProposal(Base):
    """A proposed change of a target's risk class from its results; a person confirms or rejects it."""

    __tablename__ = "risk_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    from_class: Mapped[str] = mapped_column(String(1))
    to_class: Mapped[str] = mapped_column(String(1))
    reason: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    proposed_by: Mapped[str] = mapped_column(String(50))
    decision: Mapped[str] = mapped_column(String(20), default="pending")  # pending / confirmed / rejected
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str] = mapped_column(String(50), default="")


class JointPunishment(Base):
    """联合惩戒 list entry: a target with serious findings; removal is recorded, never deleted."""

    __tablename__ = "joint_punishments"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    reason: Mapped[str] = mapped_column(Text)
    added_on: Mapped[date] = mapped_column(Date)
    added_by: Mapped[str] = mapped_column(String(50))
    removed_on: Mapped[date | None] = mapped_column(Date)
    removed_by: Mapped[str] = mapped_column(String(50), default="")
    removal_reason: Mapped[str] = mapped_column(Text, default="")


class Attachment(Base):
    """A file stored once in the data folder under its SHA-256 (photos, scanned signed forms, documents)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    original_name: Mapped[str] = mapped_column(String(300))
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)  # classified tasks: encrypted at rest
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InspectionAttachment(Base):
    """An attachment on an inspection's record."""

    __tablename__ = "inspection_attachments"
    __table_args__ = (
        UniqueConstraint("inspection_id", "attachment_id", name="uq_inspection_attachments_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(50))

    attachment: Mapped[Attachment] = relationship(lazy="joined")
