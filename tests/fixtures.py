"""Fixtures shared by unit, UI and end-to-end tests (imported by each conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import open_database
from app.services.context import ServiceContext
from tests import dbs


@pytest.fixture
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own data folder (keys, attachments, drafts), never the real user's."""
    folder = tmp_path / "data"
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def db_path(data_folder: Path, tmp_path: Path) -> Path:
    """A fresh SQLite database file, for tests about the file itself (backups, crashes, pragmas).

    Such tests do not apply to a PostgreSQL run and are skipped there; tests about the app's
    behaviour use ``db_url``.
    """
    if dbs.on_postgres():
        pytest.skip("SQLite 数据库文件专用的测试（本轮在 PostgreSQL 上运行）")
    return tmp_path / "liancha.sqlite3"


@pytest.fixture
def db_url(data_folder: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh database at the schema head: a SQLite file, or a PostgreSQL database (LIANCHA_TEST_DB_URL)."""
    url = dbs.fresh_url(tmp_path)
    yield url
    dbs.drop(url)


@pytest.fixture
def ctx(db_url: str) -> Iterator[ServiceContext]:
    """A service context on a freshly migrated, empty database."""
    db = open_database(db_url)
    try:
        yield ServiceContext(db=db, operator="测试员")
    finally:
        db.dispose()
