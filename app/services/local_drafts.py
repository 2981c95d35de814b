"""Result drafts kept on this PC while the database cannot take them (a server out of reach).

The entry form autosaves its draft into the database. When that fails because the database
itself is unavailable (the office server is off, the network dropped), the draft is written to
the data folder instead, one JSON file per inspection, under a folder named after the database
(so that drafts never cross from one database to another). The next time the record is opened,
the local draft wins over the older one in the database and is saved there; a successful save
or submission removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.config import data_dir
from app.db import Database

DRAFTS_FOLDER = "local-drafts"


def _folder(db: Database) -> Path:
    # The displayed name has no password; the hash keeps odd characters of URLs out of file names.
    key = hashlib.sha256(db.display_name().encode("utf-8")).hexdigest()[:16]
    return data_dir() / DRAFTS_FOLDER / key


def _path(db: Database, inspection_id: int) -> Path:
    return _folder(db) / f"{int(inspection_id)}.json"


@dataclass(frozen=True)
class LocalDraft:
    inspection_id: int
    saved_at: datetime
    payload: dict[str, Any]


def keep_local_draft(db: Database, inspection_id: int, payload: dict[str, Any]) -> Path:
    """Write the draft to this PC (atomically: a crash leaves the previous copy or none)."""
    path = _path(db, inspection_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "database": db.display_name(),
        "inspection_id": int(inspection_id),
        "saved_at": datetime.now(UTC).isoformat(),
        "payload": payload,
    }
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as fh:
        json.dump(record, fh, ensure_ascii=False, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(path)
    return path


def local_draft(db: Database, inspection_id: int) -> LocalDraft | None:
    """The draft kept on this PC for the inspection, or None (an unreadable file counts as none)."""
    path = _path(db, inspection_id)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        payload = record["payload"]
        saved_at = datetime.fromisoformat(record["saved_at"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    return LocalDraft(int(inspection_id), saved_at, payload)


def discard_local_draft(db: Database, inspection_id: int) -> None:
    """Forget the local copy once the database holds the draft (or the submitted result)."""
    _path(db, inspection_id).unlink(missing_ok=True)


def local_draft_ids(db: Database) -> list[int]:
    """Inspections with a draft waiting on this PC, for telling the user."""
    folder = _folder(db)
    if not folder.is_dir():
        return []
    return sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit())
