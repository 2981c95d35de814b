"""Fixtures shared by unit, UI and end-to-end tests (imported by each conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import open_database
from app.services.context import ServiceContext


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database file; the data folder is redirected into the test's tmp dir."""
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "liancha.sqlite3"


@pytest.fixture
def ctx(db_path: Path) -> Iterator[ServiceContext]:
    """A service context on a freshly migrated, empty database."""
    db = open_database(str(db_path))
    try:
        yield ServiceContext(db=db, operator="测试员")
    finally:
        db.dispose()
