"""Opening the database: engine, SQLite settings, migrations at start-up, units of work.

SQLite is the embedded default; PostgreSQL (by URL) serves offices with several desks.
All SQLite-only SQL lives in this module (``_configure_sqlite``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import resolve_db_url, sqlite_path

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_WRITE_OPTION = "liancha_write"


class DatabaseError(Exception):
    """A database that cannot be opened; the message says what to do, in Chinese."""


class DatabaseTooNewError(DatabaseError):
    """The database was written by a newer LianCha than this one."""


def _alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook issue BEGIN itself, so writes can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and these
        # are legal records entered in the field (SYNC.md, issue 8).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock at BEGIN (IMMEDIATE): a deferred transaction that later
        # tries to write can fail with SQLITE_BUSY without waiting, losing the unit of work.
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def create_db_engine(url: str) -> Engine:
    """Create an engine with LianCha's settings for the given URL."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
        return engine
    # pre_ping: a desk's pooled connection dies when the server restarts or the network drops;
    # connect_timeout: an unreachable server is reported in seconds, not after the TCP timeout.
    connect_args: dict[str, Any] = {"connect_timeout": 10} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


@dataclass(frozen=True)
class MigrationOutcome:
    """What opening the database did to its schema."""

    from_revision: str | None
    to_revision: str
    backup_path: Path | None


class Database:
    """An open LianCha database: the engine and the way to get sessions from it."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self.last_migration: MigrationOutcome | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def file_path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return sqlite_path(self.url)

    def display_name(self) -> str:
        """The database as shown in the status bar (no password)."""
        path = self.file_path
        if path is not None:
            return str(path)
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: commits once at the end, or rolls back entirely on any exception."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE_OPTION: True})
            with Session(bind=conn, expire_on_commit=False) as session:
                session.begin()
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database, or None for an empty one."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(source: Path, dest: Path) -> Path:
    """Copy a live SQLite database consistently (online backup API, safe while others write)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source))
    try:
        out = sqlite3.connect(str(dest))
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    return dest


def _backup_before_migration(db: Database, from_revision: str) -> Path | None:
    path = db.file_path
    if path is None or not path.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.stem}.before-upgrade-{from_revision}-{stamp}{path.suffix}")
    logger.info("backing up %s to %s before migrating", path, dest)
    return backup_sqlite(path, dest)


def migrate(db: Database) -> MigrationOutcome:
    """Bring the schema to this code's head; back up first if an existing schema changes.

    A fresh database is made by the same migrations as an old one is upgraded by, so both end
    identical. A database stamped with a revision this code does not know is refused.
    """
    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    assert head is not None
    existing = current_revision(db.engine)
    if existing is not None:
        try:
            script.get_revision(existing)
        except Exception as exc:
            raise DatabaseTooNewError(
                f"数据库 {db.display_name()} 由更新版本的联查创建（结构版本 {existing}），"
                "本程序无法打开。请安装最新版本的联查后再打开，或选择其他数据库。"
            ) from exc
    if existing == head:
        return MigrationOutcome(existing, head, None)
    backup = _backup_before_migration(db, existing) if existing is not None else None
    with db.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    outcome = MigrationOutcome(existing, head, backup)
    db.last_migration = outcome
    return outcome


def open_database(url_or_path: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (creating if needed) the database and bring its schema up to date.

    Args:
        url_or_path: ``--db`` value; None means ``LIANCHA_DB`` or the default file.
        upgrade: run migrations (with a backup first). False only for read-only inspection.
    """
    url = resolve_db_url(url_or_path)
    engine = create_db_engine(url)
    db = Database(url, engine)
    if upgrade:
        try:
            migrate(db)
        except DatabaseError:
            engine.dispose()
            raise
    return db
