"""Sync state (SYNC.md): this installation's keys, trusted keys, batches, stream marks, held items, conflicts.

The private keys live in the database (``sync_identity``), not in a loose file: a backup then
carries them with the sequence numbers they signed, and a restored backup is detected by the
receipts (acknowledging more than was produced) and re-enrols. The database file itself sits in
the data folder, which is created with owner-only permissions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class SyncIdentity(Base):
    """This installation's enrolment: its signing/encryption keys (one current row)."""

    __tablename__ = "sync_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[str] = mapped_column(String(36))
    keys_json: Mapped[str] = mapped_column(Text)  # InstallationKeys.to_json(): private
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The highest seq this installation ever assigned per stream when it was enrolled; a restored
    # backup re-enrols and never reuses numbers.
    note: Mapped[str] = mapped_column(Text, default="")


class SyncTrustedKey(Base):
    """A key card confirmed by a person (fingerprint read back over a second channel)."""

    __tablename__ = "sync_trusted_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    key_json: Mapped[str] = mapped_column(Text)  # TrustedKey.to_dict() canonical JSON
    name: Mapped[str] = mapped_column(String(200))
    installation_id: Mapped[str] = mapped_column(String(36))
    office: Mapped[str] = mapped_column(String(200))
    trusted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    trusted_by: Mapped[str] = mapped_column(String(50))


class SyncBatch(Base):
    """A batch file made here (direction ``out``) or received (direction ``in``)."""

    __tablename__ = "sync_batches"
    __table_args__ = (UniqueConstraint("direction", "batch_uid", name="uq_sync_batches_direction_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_uid: Mapped[str] = mapped_column(String(36), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    kind: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(36))  # origin installation id
    origin_office: Mapped[str] = mapped_column(String(200), default="")
    batch_seq: Mapped[int] = mapped_column(Integer)
    previous_batch_uid: Mapped[str | None] = mapped_column(String(36))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    stream: Mapped[str | None] = mapped_column(String(20))
    seq_first: Mapped[int | None] = mapped_column(Integer)
    seq_last: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(20))  # written | acknowledged | imported
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    imported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    receipt_bytes: Mapped[str | None] = mapped_column(Text)  # for ``in``: receipt.json, replayed identically
    log_json: Mapped[str] = mapped_column(Text, default="")  # the import log


class SyncStreamMark(Base):
    """Per (origin, stream): what arrived here contiguously, and what the other side acknowledged."""

    __tablename__ = "sync_stream_marks"
    __table_args__ = (UniqueConstraint("origin", "stream", name="uq_sync_stream_marks_origin_stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(36))
    stream: Mapped[str] = mapped_column(String(20))
    received_through: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_through: Mapped[int] = mapped_column(Integer, default=0)  # only moves forward


class SyncHeldItem(Base):
    """A received version whose predecessor has not arrived yet; applied when it does."""

    __tablename__ = "sync_held_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_uid: Mapped[str] = mapped_column(String(36), unique=True)
    prev_uid: Mapped[str | None] = mapped_column(String(36), index=True)
    origin: Mapped[str] = mapped_column(String(36))
    stream: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)
    item_json: Mapped[str] = mapped_column(Text)
    batch_uid: Mapped[str] = mapped_column(String(36))
    held_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SyncConflict(Base):
    """Kept for a person: two versions on one predecessor (``fork``) or one id with other bytes (``tampering``)."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # fork | tampering | registry
    record_uid: Mapped[str] = mapped_column(String(36), default="")
    version_uid: Mapped[str] = mapped_column(String(36), default="")
    other_uid: Mapped[str] = mapped_column(String(36), default="")
    batch_uid: Mapped[str] = mapped_column(String(36), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncRegistryBase(Base):
    """What a registry row looked like when it was last taken from a registry update (per origin).

    A local row whose current content no longer hashes to this was edited here since: a later
    update that changes it too is a conflict for a person, never a silent overwrite.
    """

    __tablename__ = "sync_registry_base"
    __table_args__ = (
        UniqueConstraint("origin", "kind", "uid", name="uq_sync_registry_base_origin_kind_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))  # targets | inspectors | items
    uid: Mapped[str] = mapped_column(String(36))
    sha256: Mapped[str] = mapped_column(String(64))
