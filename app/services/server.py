"""A shared PostgreSQL server for an office with several desks (issue 11).

``init_server`` prepares an empty server database (schema by the migrations, first administrator);
``migrate_to`` copies a single-PC SQLite database onto an empty server database and proves the copy
(per-table row counts, then the audit chain recomputed on the server); ``check_server`` tells the
status bar whether the server still answers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.db import Database, create_db_engine, current_revision, head_revision, open_database
from app.models import Base
from app.services import audit
from app.services.errors import RuleViolation, ServiceError
from app.services.progress import Progress
from app.services.sqlite_search import FTS_TABLE_NAMES
from app.services.users import create_first_admin

# Rows the migrations themselves put into a new database (defaults an office may later change).
SEEDED_TABLES = frozenset({"frequency_rules"})
COPY_CHUNK = 2000


class ServerError(ServiceError):
    """The server database cannot be used as asked; the message says why and what to do."""


def describe_url(url: str) -> str:
    """The URL as shown to people: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _require_server_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ServerError(
            f"「{url}」不是数据库地址。服务器地址形如 postgresql+psycopg://用户:密码@服务器:5432/liancha"
        ) from exc
    if parsed.get_backend_name() != "postgresql":
        raise ServerError(
            f"{describe_url(url)} 不是 PostgreSQL 服务器地址。"
            "服务器地址形如 postgresql+psycopg://用户:密码@服务器:5432/liancha"
        )


def connection_problem(url: str, exc: BaseException) -> str:
    """A Chinese message for a server that could not be reached or refused the login."""
    raw = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = raw[0] if raw else type(exc).__name__
    return (
        f"无法连接数据库服务器 {describe_url(url)}：{reason}。"
        "请检查服务器电脑是否开机、网络是否连通、地址和端口、用户名和密码，以及防火墙是否放行。"
    )


def _connect(url: str) -> Engine:
    """An engine on the server, having proved that it answers (a clear message when it does not)."""
    _require_server_url(url)
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise ServerError(connection_problem(url, exc)) from exc
    return engine


def _user_tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _nonempty_tables(conn: Connection, tables: set[str]) -> dict[str, int]:
    """Tables holding rows other than those the migrations put there."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in tables and table.name not in SEEDED_TABLES:
            n = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            if n:
                counts[table.name] = n
    return counts


def _require_empty(engine: Engine, url: str) -> None:
    """Refuse a server database that holds anything but an empty LianCha schema."""
    with engine.connect() as conn:
        tables = _user_tables(conn)
        if not tables:
            return
        known = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
        strangers = sorted(tables - known)
        if strangers:
            raise ServerError(
                f"数据库 {describe_url(url)} 里已有与联查无关的表（{'、'.join(strangers[:5])}）。"
                "请为联查新建一个空数据库（CREATE DATABASE liancha）后再试。"
            )
        revision = current_revision(engine)
        if revision is not None and revision != head_revision():
            raise ServerError(
                f"数据库 {describe_url(url)} 的结构版本是 {revision}，本程序是 {head_revision()}。"
                "请先用与服务器相同版本的联查，或为联查新建一个空数据库。"
            )
        filled = _nonempty_tables(conn, tables)
        if filled:
            listing = "、".join(f"{name} {n} 行" for name, n in list(filled.items())[:5])
            raise ServerError(
                f"数据库 {describe_url(url)} 已有数据（{listing}），为免覆盖，不会写入。"
                "请为联查新建一个空数据库后再试。"
            )


@dataclass(frozen=True)
class ServerInitReport:
    url: str  # without the password
    schema_revision: str
    admin_username: str


def init_server(url: str, *, username: str, display_name: str, password: str) -> ServerInitReport:
    """Prepare an empty PostgreSQL database for LianCha: schema by the migrations, first administrator.

    Refused, changing nothing, when the database already holds data or tables of something else.
    Password rules are those of ``create_first_admin``; from then on every desk must log in.
    """
    engine = _connect(url)
    try:
        _require_empty(engine, url)
    finally:
        engine.dispose()
    db = open_database(url)
    try:
        create_first_admin(db, username=username, display_name=display_name, password=password)
        revision = current_revision(db.engine)
        assert revision is not None
    finally:
        db.dispose()
    return ServerInitReport(describe_url(url), revision, username)


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


@dataclass(frozen=True)
class MigrationReport:
    """What ``migrate_to`` copied and how the copy was proved."""

    source: str
    target: str
    tables: tuple[TableCount, ...]
    chain: audit.ChainReport
    seconds: float

    @property
    def ok(self) -> bool:
        return self.chain.ok and all(t.source == t.target for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.source for t in self.tables)


def _copy_tables() -> list[Table]:
    """Every table of the models, parents before children (foreign keys hold at every insert)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in FTS_TABLE_NAMES]


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Make the server's id sequences continue after the copied ids (else the next insert collides)."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        column = pk[0].name
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column}
        ).scalar()
        if sequence is None:
            continue
        top = conn.execute(select(func.max(pk[0]))).scalar()
        if top is None:
            conn.execute(text("SELECT setval(CAST(:seq AS regclass), 1, false)"), {"seq": sequence})
        else:
            conn.execute(text("SELECT setval(CAST(:seq AS regclass), :top)"), {"seq": sequence, "top": top})


def migrate_to(
    source: Database,
    url: str,
    *,
    operator: str,
    progress: Progress | None = None,
) -> MigrationReport:
    """Copy the whole ``source`` database onto the empty PostgreSQL database at ``url``.

    The server's schema is made by the migrations; all rows are then copied in one transaction
    (a failure leaves the server's tables empty, the source is only read). The copy is proved by
    comparing every table's row count and recomputing the audit chain on the server; only then
    is the move itself recorded in the server's trail.

    Args:
        source: the open single-PC database (already at this program's schema).
        url: the server database, ``postgresql+psycopg://user:password@host:port/name``.
        operator: who moves the data (recorded in the trail).
        progress: reports rows copied; a cancel stops before anything is committed.
    """
    started = time.monotonic()
    if not source.is_sqlite:
        raise RuleViolation(
            "迁移的来源应是本机 SQLite 数据库文件；服务器之间迁移请使用 pg_dump / pg_restore。"
        )
    if current_revision(source.engine) != head_revision():
        raise RuleViolation("来源数据库的结构版本与本程序不同：请先用本程序打开它一次（自动升级）后再迁移。")
    engine = _connect(url)
    try:
        _require_empty(engine, url)
    finally:
        engine.dispose()
    target = open_database(url)
    try:
        tables = _copy_tables()
        with source.engine.connect() as src:
            totals = {t.name: _count(src, t) for t in tables}
            grand_total = sum(totals.values())
            done = 0
            with target.engine.begin() as dst:
                # Rows the migrations seeded are replaced by the source's own (the office may have changed them).
                for table in reversed(tables):
                    dst.execute(table.delete())
                for table in tables:
                    done = _copy_table(src, dst, table, done=done, total=grand_total, progress=progress)
                _reset_sequences(dst, tables)
        with target.engine.connect() as dst:
            counts = tuple(TableCount(t.name, totals[t.name], _count(dst, t)) for t in tables)
        chain = audit.verify_chain(target)
        report = MigrationReport(
            source=source.display_name(),
            target=describe_url(url),
            tables=counts,
            chain=chain,
            seconds=time.monotonic() - started,
        )
        if report.ok:
            with target.write() as session:
                audit.record(
                    session,
                    operator=operator,
                    action="import",
                    entity="database",
                    summary=f"从本机数据库 {source.display_name()} 迁移到服务器（{report.rows} 行，留痕链完整）",
                    after={"source": source.display_name(), "rows": report.rows, "tables": len(counts)},
                )
        return report
    finally:
        target.dispose()


def _copy_table(
    src: Connection,
    dst: Connection,
    table: Table,
    *,
    done: int,
    total: int,
    progress: Progress | None,
) -> int:
    # Ordered by primary key: rows pointing at earlier rows of the same table (a draw replacing
    # a voided one) then always find their parent already copied.
    order = list(table.primary_key.columns)
    result = src.execution_options(yield_per=COPY_CHUNK).execute(select(table).order_by(*order))
    with result:
        for chunk in result.partitions():
            rows: list[dict[str, Any]] = [dict(row._mapping) for row in chunk]
            dst.execute(table.insert(), rows)
            done += len(rows)
            if progress is not None:
                progress.update(
                    done=done, total=total, message=f"正在复制 {table.name}：共 {done:,} / {total:,} 行"
                )
    return done


@dataclass(frozen=True)
class ServerStatus:
    reachable: bool
    message: str  # for the status bar, in Chinese


def check_server(engine: Engine) -> ServerStatus:
    """Whether the server answers a trivial query now (the status bar asks every few seconds)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        return ServerStatus(False, f"无法连接服务器：{reason[0] if reason else type(exc).__name__}")
    return ServerStatus(True, "服务器连接正常")


def export_snapshot(source: Database, dest: Path) -> Path:
    """Copy a server database, as of one moment, into a new SQLite file ``dest`` (for backups).

    One REPEATABLE READ, read-only transaction reads every table, so desks working meanwhile
    never give a copy with half of a unit of work. The file is made by the migrations first, so
    it is exactly what a single-PC database of this version is: it can be verified, restored on
    one PC, and moved back onto a server with ``migrate_to``.
    """
    if dest.exists():
        raise FileExistsError(dest)
    target = open_database(str(dest))
    try:
        tables = _copy_tables()
        with (
            source.engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as src,
            target.engine.begin() as dst,
        ):
            for table in reversed(tables):
                dst.execute(table.delete())  # the migrations' seeded rows: the server's own replace them
            for table in tables:
                _copy_table(src, dst, table, done=0, total=0, progress=None)
    finally:
        target.dispose()
    return dest
