"""Which database the tests run on, and fresh or copied databases of it.

By default every test gets its own SQLite file. With ``LIANCHA_TEST_DB_URL`` set to a PostgreSQL
URL (``bash scripts/postgres.sh`` prints one) every test instead gets its own PostgreSQL database,
cloned from a template that the Alembic migrations built once per test session. Cloning
(``CREATE DATABASE … TEMPLATE``) takes a few milliseconds; migrating from scratch takes a second.
The role in the URL needs CREATEDB.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.db import backup_sqlite, head_revision, open_database

TEST_DB_ENV_VAR = "LIANCHA_TEST_DB_URL"
_PREFIX = f"lct_{os.getpid()}_"
_counter = itertools.count(1)
_lock = threading.Lock()
_admin: Engine | None = None
_template: str | None = None
_created: list[str] = []


def server_url() -> str | None:
    """The PostgreSQL server the tests use, or None for SQLite files."""
    url = os.environ.get(TEST_DB_ENV_VAR, "").strip()
    return url or None


def on_postgres() -> bool:
    return server_url() is not None


def _admin_engine() -> Engine:
    global _admin
    if _admin is None:
        url = server_url()
        assert url is not None
        # CREATE/DROP DATABASE cannot run inside a transaction.
        _admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
    return _admin


def _url_of(name: str) -> str:
    url = server_url()
    assert url is not None
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _database_name(url: str) -> str:
    name = make_url(url).database
    assert name
    return name


def _create(template: str | None) -> str:
    with _lock:
        name = f"{_PREFIX}{next(_counter)}"
        _created.append(name)
    clause = f' TEMPLATE "{template}"' if template else ""
    with _admin_engine().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    return _url_of(name)


def _migrated_template() -> str:
    """A database the migrations brought to head, made once per session; its clones start at head."""
    global _template
    if _template is None:
        url = _create(None)
        open_database(url).dispose()
        _template = _database_name(url)
    return _template


def fresh_url(folder: Path, name: str = "liancha") -> str:
    """The URL of a new, empty database at the current schema head.

    SQLite: a file in ``folder`` that ``open_database`` will create and migrate.
    PostgreSQL: a clone of the session's migrated template.
    """
    if not on_postgres():
        return "sqlite:///" + str((folder / f"{name}.sqlite3").resolve())
    assert head_revision()
    return _create(_migrated_template())


def empty_url(folder: Path, name: str = "empty") -> str:
    """A database with no tables at all (for ``server init`` / ``migrate-to`` style tests)."""
    if not on_postgres():
        return "sqlite:///" + str((folder / f"{name}.sqlite3").resolve())
    return _create(None)


def copy_url(source: str, folder: Path, name: str = "copy") -> str:
    """A new database holding a copy of ``source`` (which must have no open connections on PostgreSQL)."""
    if not on_postgres():
        src = source.removeprefix("sqlite:///")
        dest = folder / f"{name}.sqlite3"
        backup_sqlite(Path(src), dest)
        return "sqlite:///" + str(dest.resolve())
    return _create(_database_name(source))


def drop(url: str) -> None:
    """Drop a PostgreSQL test database (no-op for SQLite files: tmp_path goes away by itself)."""
    if not on_postgres() or not url.startswith("postgresql"):
        return
    name = _database_name(url)
    for attempt in range(5):
        try:
            with _admin_engine().connect() as conn:
                # FORCE: a test that failed may have left a connection open.
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            break
        except (OperationalError, ProgrammingError):
            # A server process (autovacuum) may be in it for a moment; drop_all retries at the end.
            if attempt == 4:
                return
            time.sleep(0.2)
    with _lock:
        if name in _created:
            _created.remove(name)


def drop_all() -> None:
    """Drop every database this test process made (end of session)."""
    global _admin, _template
    if _admin is None:
        return
    for name in list(_created):
        drop(_url_of(name))
    _template = None
    _admin.dispose()
    _admin = None


def table_rows(url: str, tables: tuple[str, ...] | list[str]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the named tables (ordered by their first column), read from any database URL."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables
            }
    finally:
        engine.dispose()


def file_of(url: str) -> Path:
    """The SQLite file of a URL (for tests about the file itself, which are SQLite-only)."""
    path = url.removeprefix("sqlite:///")
    assert path != url, f"not a SQLite file URL: {url}"
    return Path(path)
