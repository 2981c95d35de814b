"""This installation's permanent identity (SYNC.md "Identity"): the origin stamped on every result version."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.services.locking import SYNC_LOCK, serialize_writers
from app.services.settings import get_setting, set_setting

INSTALLATION_ID_KEY = "installation.id"


def installation_id(session: Session) -> str:
    """Return this installation's id, creating it (a UUID4 in settings) on first use.

    Call it inside the write transaction that needs it: on SQLite that transaction holds the write
    lock, so two desks can never create two ids. A restored or reinstalled database keeps the id it
    was backed up with; SYNC.md has it re-enrol, which is the sync module's business, not this one.
    """
    value = get_setting(session, INSTALLATION_ID_KEY)
    if isinstance(value, str) and value:
        return value
    # On a server two desks may both find no id (each finalising its first result): the second
    # waits here for the first to commit, then reads the id the first made instead of making another.
    serialize_writers(session, SYNC_LOCK)
    value = get_setting(session, INSTALLATION_ID_KEY)
    if isinstance(value, str) and value:
        return value
    new_id = str(uuid.uuid4())
    set_setting(session, INSTALLATION_ID_KEY, new_id)
    session.flush()
    return new_id
