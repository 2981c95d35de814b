"""Online upload attempts (docs/sync-online.md): one row per try, so the GUI and CLI can show what happened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class SyncUploadAttempt(Base):
    """One attempt to upload a batch or fetch its receipt.

    ``outcome``: ``sent`` (the endpoint accepted the whole file), ``duplicate`` (it already had it),
    ``partial`` (connection lost; ``offset`` bytes are on the server), ``failed`` (could not reach it
    or it answered an error), ``rejected`` (it refused the batch, reason in ``error``), ``receipt``
    (a receipt was fetched and applied), ``no-receipt`` (none yet).
    """

    __tablename__ = "sync_upload_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_uid: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(20))  # upload | receipt
    endpoint: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(20))
    offset: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
