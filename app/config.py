"""Where LianCha keeps its data and which database it opens."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "LianCha"
DB_ENV_VAR = "LIANCHA_DB"
DATA_DIR_ENV_VAR = "LIANCHA_DATA_DIR"
DEFAULT_DB_FILENAME = "liancha.sqlite3"


def data_dir() -> Path:
    """Return the user's data folder (created if missing).

    ``LIANCHA_DATA_DIR`` overrides it, which tests and portable installs use.
    """
    override = os.environ.get(DATA_DIR_ENV_VAR)
    path = Path(override) if override else Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def resolve_db_url(value: str | None = None) -> str:
    """Turn ``--db`` (a path or a SQLAlchemy URL), ``LIANCHA_DB`` or the default into a URL."""
    raw = value or os.environ.get(DB_ENV_VAR) or str(data_dir() / DEFAULT_DB_FILENAME)
    if "://" in raw:
        return raw
    return "sqlite:///" + str(Path(raw).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite URL, or None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)
