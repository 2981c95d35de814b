"""Serialising writers that must not interleave (audit chain, first account, sync and result numbering), portably.

On SQLite every unit of work already holds the database's single write lock from its first
statement (``BEGIN IMMEDIATE`` in ``app.db``), so nothing more is needed. PostgreSQL lets
writers run side by side, so a transaction-level advisory lock is taken: it is released by
the transaction's commit or rollback, never left behind.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# Arbitrary, fixed 64-bit keys; one per thing serialised.
AUDIT_CHAIN_LOCK = 0x4C43_4155_4449_5401  # "LCAUDIT"
ACCOUNTS_LOCK = 0x4C43_5553_4552_5301  # "LCUSERS"
SYNC_LOCK = 0x4C43_5359_4E43_5301  # "LCSYNC": the shared installation identity, batch numbers
# "LCSEQ…": the next number of a result stream. Desks finalising results of different inspections
# must not both read the same max(seq); one key per stream, so public entries never wait for a
# classified one. Taken after SYNC_LOCK and before AUDIT_CHAIN_LOCK wherever several are held
# (batch import: sync → seq → audit; a finalised result: seq → audit), so no two writers can wait
# for each other.
RESULT_SEQ_LOCKS = {"public": 0x4C43_5345_5150_5501, "classified": 0x4C43_5345_5143_4C01}


def serialize_writers(session: Session, key: int) -> None:
    """Wait until no other transaction holds ``key``; hold it until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
