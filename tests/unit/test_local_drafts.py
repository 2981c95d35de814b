"""Drafts kept on this PC while the database is out of reach: per database, atomic, forgiving."""

from __future__ import annotations

from pathlib import Path

from app.services.context import ServiceContext
from app.services.local_drafts import (
    DRAFTS_FOLDER,
    discard_local_draft,
    keep_local_draft,
    local_draft,
    local_draft_ids,
)


def test_keep_read_discard(ctx: ServiceContext, data_folder: Path) -> None:
    assert local_draft(ctx.db, 7) is None and local_draft_ids(ctx.db) == []
    path = keep_local_draft(ctx.db, 7, {"problems": "现场发现的问题", "methods": ["1"]})
    assert path.is_relative_to(data_folder / DRAFTS_FOLDER)
    assert not list(path.parent.glob("*.partial"))
    kept = local_draft(ctx.db, 7)
    assert kept is not None and kept.payload == {"problems": "现场发现的问题", "methods": ["1"]}
    keep_local_draft(ctx.db, 7, {"problems": "改过"})
    kept = local_draft(ctx.db, 7)
    assert kept is not None and kept.payload == {"problems": "改过"}
    assert local_draft_ids(ctx.db) == [7]
    discard_local_draft(ctx.db, 7)
    discard_local_draft(ctx.db, 7)  # twice is fine
    assert local_draft(ctx.db, 7) is None


def test_drafts_of_another_database_are_not_seen(ctx: ServiceContext, tmp_path: Path) -> None:
    from app.db import open_database

    keep_local_draft(ctx.db, 3, {"problems": "本库"})
    other = open_database(str(tmp_path / "other.sqlite3"))
    try:
        assert local_draft(other, 3) is None and local_draft_ids(other) == []
    finally:
        other.dispose()


def test_a_damaged_file_counts_as_no_draft(ctx: ServiceContext) -> None:
    path = keep_local_draft(ctx.db, 4, {"problems": "x"})
    path.write_text("{not json", encoding="utf-8")
    assert local_draft(ctx.db, 4) is None
    path.write_text('{"payload": [1, 2], "saved_at": "2026-12-05T08:00:00+00:00"}', encoding="utf-8")
    assert local_draft(ctx.db, 4) is None
