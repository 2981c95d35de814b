"""`liancha server init` and `liancha migrate-to`: preparing a server and moving a single-PC database onto it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from app.cli import main
from app.db import open_database
from app.models import AuditEntry, Department, Draw, Target, User
from app.services import audit
from app.services.context import ServiceContext
from app.services.draws import draw_task_targets
from app.services.errors import RuleViolation
from app.services.server import ServerError, check_server, describe_url, init_server, migrate_to
from app.services.targets import TargetData, create_target
from app.services.tasks import create_task
from app.services.users import authenticate
from tests import dbs
from tests.factories import build_mini_county, joint_task_data
from tests.unit.results.helpers import SEED

UNREACHABLE = "postgresql+psycopg://liancha:secret@127.0.0.1:9/liancha"
PASSWORD = "Qingshan-2026-server"


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    """An empty PostgreSQL database: no tables at all."""
    url = dbs.empty_url(tmp_path)
    yield url
    dbs.drop(url)


@pytest.fixture
def single_pc(data_folder: Path, tmp_path: Path) -> Iterator[ServiceContext]:
    """A single-PC SQLite database with a county, a task and its draw (whatever the run's database)."""
    db = open_database(str(tmp_path / "single-pc.sqlite3"))
    ctx = ServiceContext(db=db, operator="办公室")
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    draw_task_targets(ctx, task, seed=SEED)
    yield ctx
    db.dispose()


def test_wrong_or_unreachable_server_is_explained() -> None:
    with pytest.raises(ServerError, match="不是 PostgreSQL 服务器地址"):
        init_server("sqlite:///x.sqlite3", username="admin", display_name="王主任", password=PASSWORD)
    with pytest.raises(ServerError, match="不是数据库地址"):
        init_server("192.168.1.10", username="admin", display_name="王主任", password=PASSWORD)
    with pytest.raises(
        ServerError, match=r"无法连接数据库服务器 postgresql\+psycopg://liancha:\*\*\*@127\.0\.0\.1:9"
    ):
        init_server(UNREACHABLE, username="admin", display_name="王主任", password=PASSWORD)
    assert describe_url(UNREACHABLE) == "postgresql+psycopg://liancha:***@127.0.0.1:9/liancha"


@pytest.mark.postgres_only
def test_init_makes_schema_and_first_admin_then_refuses_a_second_time(server_url: str) -> None:
    report = init_server(server_url, username="admin", display_name="王主任", password=PASSWORD)
    assert report.admin_username == "admin" and "***" in report.url
    db = open_database(server_url)
    try:
        assert authenticate(db, "admin", PASSWORD).actor.username == "admin"
        with db.read() as session:
            assert session.execute(select(func.count()).select_from(User)).scalar() == 1
        assert check_server(db.engine).reachable
    finally:
        db.dispose()
    with pytest.raises(ServerError, match="已有数据"):
        init_server(server_url, username="other", display_name="别人", password=PASSWORD)


@pytest.mark.postgres_only
def test_init_refuses_a_database_of_something_else(server_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE payroll (id integer)"))
    engine.dispose()
    with pytest.raises(ServerError, match="与联查无关的表（payroll）"):
        init_server(server_url, username="admin", display_name="王主任", password=PASSWORD)
    engine = create_engine(server_url)
    try:
        assert inspect(engine).get_table_names() == ["payroll"]  # nothing was added
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_weak_password_changes_nothing(server_url: str) -> None:
    from app.services.errors import ValidationError

    with pytest.raises(ValidationError):
        init_server(server_url, username="admin", display_name="王主任", password="123")
    # The schema may now exist, but no account: init may simply be run again with a good password.
    init_server(server_url, username="admin", display_name="王主任", password=PASSWORD)


@pytest.mark.postgres_only
def test_migrate_to_copies_everything_and_the_server_goes_on(
    single_pc: ServiceContext, server_url: str
) -> None:
    report = migrate_to(single_pc.db, server_url, operator="办公室")
    assert report.ok, report
    counts = {t.table: t for t in report.tables}
    assert counts["targets"].source == counts["targets"].target > 0
    assert counts["draws"].target == 1 and counts["inspections"].target > 0
    assert report.chain.ok and report.chain.entries == counts["audit_entries"].source
    server = ServiceContext(db=open_database(server_url), operator="办公室")
    try:
        with server.read() as session:
            draw = session.execute(select(Draw)).scalar_one()
            assert draw.record_sha256  # the draw record came along unchanged
            last = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
            assert last.entity == "database" and "迁移到服务器" in last.summary
        # New rows get fresh ids after the copied ones (the sequences were moved on).
        new_target = create_target(server, TargetData(name="迁移后新增的商户"))
        with server.read() as session:
            assert new_target > max(
                session.execute(select(Target.id).where(Target.id != new_target)).scalars()
            )
            assert (
                session.execute(select(func.count(Department.id))).scalar_one()
                == counts["departments"].source
            )
        assert audit.verify_chain(server.db).ok
    finally:
        server.db.dispose()
    # A second move onto the same (now filled) server database is refused and changes nothing.
    with pytest.raises(ServerError, match="已有数据"):
        migrate_to(single_pc.db, server_url, operator="办公室")


@pytest.mark.postgres_only
def test_migrate_to_refuses_a_server_source(ctx: ServiceContext, server_url: str) -> None:
    with pytest.raises(RuleViolation, match="pg_dump"):
        migrate_to(ctx.db, server_url, operator="办公室")


@pytest.mark.postgres_only
def test_cli_server_init_and_migrate_to(
    single_pc: ServiceContext,
    server_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = str(single_pc.db.file_path)
    single_pc.db.dispose()
    assert main(["--db", source, "migrate-to", server_url]) == 0
    out = capsys.readouterr().out
    assert "迁移完成，核对无误" in out and "留痕链完整" in out and "← 不一致" not in out
    assert main(["--db", server_url, "audit", "verify"]) == 0
    second = dbs.empty_url(tmp_path, "second")
    try:
        monkeypatch.delenv("LIANCHA_NEW_PASSWORD", raising=False)
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        assert main(["server", "init", second, "--username", "admin", "--name", "王主任"]) == 2
        assert "LIANCHA_NEW_PASSWORD" in capsys.readouterr().err
        monkeypatch.setenv("LIANCHA_NEW_PASSWORD", PASSWORD)
        assert main(["server", "init", second, "--username", "admin", "--name", "王主任"]) == 0
        assert "已创建管理员「admin」" in capsys.readouterr().out
        assert main(["server", "init", second, "--username", "admin", "--name", "王主任"]) == 2
        assert "已有数据" in capsys.readouterr().err
    finally:
        dbs.drop(second)


def test_cli_names_unreachable_server(
    capsys: pytest.CaptureFixture[str], data_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANCHA_NEW_PASSWORD", PASSWORD)
    assert main(["server", "init", UNREACHABLE, "--username", "admin", "--name", "王主任"]) == 2
    err = capsys.readouterr().err
    assert "无法连接数据库服务器" in err and "secret" not in err


def test_any_command_on_an_unreachable_server_says_so(
    capsys: pytest.CaptureFixture[str], data_folder: Path
) -> None:
    assert main(["--db", UNREACHABLE, "info"]) == 2
    err = capsys.readouterr().err
    assert "无法连接数据库服务器 postgresql+psycopg://liancha:***@127.0.0.1:9/liancha" in err
    assert "Connection refused" in err and "防火墙" in err and "secret" not in err


@pytest.mark.postgres_only
def test_a_server_database_is_backed_up_as_one_moment_and_restores_on_one_pc(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    from app.models import Inspection
    from app.services.backup import BackupNotSupported, create_backup, restore_backup, restore_open_database
    from app.services.backup import verify_backup as check_file

    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    draw_task_targets(ctx, task, seed=SEED)
    out = tmp_path / "server.zip"
    info = create_backup(ctx, out)
    manifest = check_file(out)
    assert manifest["source"] == ctx.db.display_name() and "liancha:liancha@" not in manifest["source"]
    assert info.audit_entries == audit.count_entries(ctx.db)  # the backup holds the entry saying it was made
    restored_file = tmp_path / "restored.sqlite3"
    restore_backup(out, database=restored_file, operator="管理员")
    single_pc = open_database(str(restored_file))
    try:
        with ctx.read() as server, single_pc.read() as pc:
            for model in (Target, Department, Draw, Inspection):
                n = server.execute(select(func.count()).select_from(model)).scalar()
                assert pc.execute(select(func.count()).select_from(model)).scalar() == n, model
        report = audit.verify_chain(single_pc)
        assert report.ok and report.entries == info.audit_entries + 1  # plus the restore itself
    finally:
        single_pc.dispose()
    with pytest.raises(BackupNotSupported, match="migrate-to"):
        restore_open_database(ctx, out)
