"""The audit trail: tampering is caught (service and CLI), browsing and export, one chain under concurrency."""

from __future__ import annotations

import argparse
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select, text

from app.cli import audit as audit_cli
from app.cli.common import CliError
from app.models import AuditEntry, Target
from app.services import audit
from app.services.audit_trail import AuditFilter, count_audit, export_audit_xlsx, search_audit
from app.services.context import ServiceContext
from app.services.locking import AUDIT_CHAIN_LOCK, serialize_writers
from app.services.targets import TargetData, create_target, set_target_active


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liancha")
    parser.add_argument("--db", default=None)
    parser.add_argument("--operator", default=None)
    parser.add_argument("--user", default=None)
    audit_cli.register(parser.add_subparsers(dest="command"))
    return parser


def _cli(*argv: str) -> int:
    args = _parser().parse_args(list(argv))
    try:
        return int(args.func(args))
    except CliError as exc:
        return exc.exit_code


def _fill(ctx: ServiceContext, n: int = 5) -> list[int]:
    return [create_target(ctx, TargetData(name=f"商户{i}")) for i in range(n)]


def _sql(ctx: ServiceContext, statement: str) -> None:
    """Tamper with the table behind the app's back (as someone with a database tool could)."""
    with ctx.db.engine.begin() as conn:
        conn.execute(text(statement))


def test_verify_catches_an_edited_row(
    ctx: ServiceContext, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(ctx)
    assert audit.verify_chain(ctx.db).ok
    assert _cli("audit", "verify", "--db", db_url) == 0
    assert "留痕链完整，共 5 条" in capsys.readouterr().out
    _sql(ctx, "UPDATE audit_entries SET summary = '新增检查对象「别的」' WHERE id = 3")
    report = audit.verify_chain(ctx.db)
    assert not report.ok and report.first_broken_id == 3 and "内容已被改动" in report.message
    assert _cli("audit", "verify", "--db", db_url) == 1
    assert "第一条问题记录编号 3" in capsys.readouterr().out


def test_verify_catches_a_deleted_row(
    ctx: ServiceContext, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(ctx)
    _sql(ctx, "DELETE FROM audit_entries WHERE id = 2")
    report = audit.verify_chain(ctx.db)
    assert not report.ok and report.first_broken_id == 3 and "链接不符" in report.message
    assert _cli("audit", "verify", "--db", db_url) == 1
    assert "编号 3" in capsys.readouterr().out


def test_verify_catches_a_rehashed_row(ctx: ServiceContext) -> None:
    """Recomputing an edited row's own hash breaks the next row's link instead."""
    _fill(ctx)
    with ctx.read() as session:
        entry = session.get(AuditEntry, 2)
        assert entry is not None
        entry.summary = "伪造"
        forged = audit.entry_hash(entry.prev_hash, audit._hashed_fields(entry))
    _sql(ctx, f"UPDATE audit_entries SET summary = '伪造', hash = '{forged}' WHERE id = 2")
    report = audit.verify_chain(ctx.db)
    assert not report.ok and report.first_broken_id == 3


def test_verify_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    assert _cli("audit", "verify", "--db", str(bad)) == 2


def test_hash_of_entries_without_new_fields_is_unchanged(ctx: ServiceContext) -> None:
    """Entries made before schema 0004 (no task, not classified) keep their hashes."""
    _fill(ctx, 1)
    with ctx.read() as session:
        entry = session.execute(select(AuditEntry)).scalar_one()
        fields = audit._hashed_fields(entry)
    assert set(fields) == {
        "at",
        "operator",
        "action",
        "entity",
        "entity_id",
        "summary",
        "before",
        "after",
        "reason",
    }


def test_browse_filters(ctx: ServiceContext) -> None:
    ids = _fill(ctx, 3)
    set_target_active(ctx, ids[0], False, reason="已搬迁")
    other = ServiceContext(db=ctx.db, operator="另一人")
    create_target(other, TargetData(name="另一人的商户"))
    assert count_audit(ctx) == 5
    rows = search_audit(ctx)
    assert [r.id for r in rows] == [5, 4, 3, 2, 1]  # newest first
    assert [r.operator for r in search_audit(ctx, AuditFilter(who="另一"))] == ["另一人"]
    [deact] = search_audit(ctx, AuditFilter(actions=("deactivate",)))
    assert deact.action_label == "停用" and deact.entity_label == "检查对象" and deact.reason == "已搬迁"
    assert len(search_audit(ctx, AuditFilter(text="搬迁"))) == 1
    assert len(search_audit(ctx, AuditFilter(entity="targets", entity_id=str(ids[1])))) == 1
    today = date.today()
    assert count_audit(ctx, AuditFilter(date_from=today, date_to=today)) == 5
    assert count_audit(ctx, AuditFilter(date_to=today - timedelta(days=1))) == 0
    assert count_audit(ctx, AuditFilter(date_from=today + timedelta(days=1))) == 0
    assert [r.id for r in search_audit(ctx, offset=1, limit=2)] == [4, 3]
    assert count_audit(ctx, AuditFilter(text="100%_")) == 0  # LIKE wildcards are literal


def test_export_xlsx(
    ctx: ServiceContext, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(ctx, 3)
    out = tmp_path / "audit.xlsx"
    assert export_audit_xlsx(ctx, out, AuditFilter(text="商户1")) == 1
    wb = load_workbook(out)
    rows = list(wb["留痕记录"].iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "时间", "操作人", "操作")
    assert len(rows) == 2 and rows[1][2] == "测试员" and "商户1" in str(rows[1][6])
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True)}
    assert notes["导出条数"] == 1 and "完整" in str(notes["留痕链校验"])
    # The export is itself recorded, and the chain still verifies.
    assert search_audit(ctx)[0].action == "export"
    assert audit.verify_chain(ctx.db).ok
    cli_out = tmp_path / "cli.xlsx"
    today = date.today().isoformat()
    code = _cli("audit", "export", "-o", str(cli_out), "--from", today, "--to", today, "--db", db_url)
    assert code == 0 and cli_out.exists()
    assert "已导出 4 条" in capsys.readouterr().out
    assert _cli("audit", "export", "-o", str(tmp_path / "x.txt"), "--db", db_url) == 2
    assert not (tmp_path / "x.txt").exists()
    assert _cli("audit", "export", "-o", str(tmp_path / "x.csv"), "--db", db_url) == 0
    assert (tmp_path / "x.csv").read_text(encoding="utf-8-sig").startswith("编号,时间")


def test_concurrent_writers_keep_one_chain(ctx: ServiceContext) -> None:
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(15):
                create_target(ctx, TargetData(name=f"并发{k}-{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify_chain(ctx.db)
    assert report.ok and report.entries == 60
    with ctx.read() as session:
        assert session.execute(select(func.count(Target.id))).scalar_one() == 60


class _FakeDialect:
    name = "postgresql"


class _FakeBind:
    dialect = _FakeDialect()


class _FakeSession:
    def __init__(self) -> None:
        self.executed: list[tuple[str, Any]] = []

    def get_bind(self) -> _FakeBind:
        return _FakeBind()

    def execute(self, statement: Any, params: Any = None) -> None:
        self.executed.append((str(statement), params))


def test_postgresql_takes_a_transaction_advisory_lock() -> None:
    session = _FakeSession()
    serialize_writers(session, AUDIT_CHAIN_LOCK)  # type: ignore[arg-type]
    [(sql, params)] = session.executed
    assert "pg_advisory_xact_lock" in sql and params == {"key": AUDIT_CHAIN_LOCK}
    assert -(2**63) <= AUDIT_CHAIN_LOCK < 2**63


def test_sqlite_needs_no_extra_lock(ctx: ServiceContext) -> None:
    with ctx.write() as session:
        serialize_writers(session, AUDIT_CHAIN_LOCK)  # BEGIN IMMEDIATE already holds the write lock


def test_chain_survives_upgrade_from_schema_0003(ctx: ServiceContext, db_url: str) -> None:
    """A trail written before accounts existed (schema 0003) still verifies after the 0004 upgrade."""
    from alembic import command

    from app.db import _alembic_config, current_revision, head_revision, open_database

    _fill(ctx, 3)
    with ctx.db.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")
    ctx.db.dispose()
    db = open_database(db_url, upgrade=False)
    columns = {c["name"] for c in inspect(db.engine).get_columns("audit_entries")}
    db.dispose()
    assert "task_id" not in columns and "classified" not in columns
    db = open_database(db_url)
    try:
        assert current_revision(db.engine) == head_revision()
        assert db.last_migration is not None
        # A SQLite file is copied before the upgrade; a server database is the administrator's to back up.
        assert (db.last_migration.backup_path is not None) == db.is_sqlite
        report = audit.verify_chain(db)
        assert report.ok and report.entries == 3
    finally:
        db.dispose()


def test_csv_export_guards_formulas_and_bad_suffix_is_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    from app.services.audit_trail import export_audit
    from app.services.errors import ValidationError

    with ctx.write() as session:
        ctx.audit(session, action="update", entity="settings", summary='=HYPERLINK("http://x")')
    out = tmp_path / "trail.csv"
    count = export_audit(ctx, out)
    text = out.read_text(encoding="utf-8-sig")
    assert count >= 1 and text.startswith("编号,时间,操作人")
    assert "'=HYPERLINK" in text
    with pytest.raises(ValidationError, match=r"xlsx 或 \.csv"):
        export_audit(ctx, tmp_path / "trail.txt")
    assert not (tmp_path / "trail.txt").exists()


def test_chain_check_reports_progress_and_can_be_cancelled(ctx: ServiceContext) -> None:
    from app.services.audit_trail import check_audit_chain
    from app.services.errors import Interrupted
    from app.services.progress import Progress

    with ctx.write() as session:
        for n in range(2100):
            ctx.audit(session, action="update", entity="settings", summary=f"第{n}次")
    progress = Progress()
    report = check_audit_chain(ctx, progress)
    assert report.ok and progress.snapshot().done == 2000 and "核验留痕链" in progress.snapshot().message
    cancelled = Progress()
    cancelled.cancel()
    with pytest.raises(Interrupted):
        check_audit_chain(ctx, cancelled)


# Actions and entities written through a variable: the scan below cannot read them.
_COMPUTED_ACTIONS = {"result_submit", "result_correct", "sync.upload", "sync.receipt"}
_COMPUTED_ENTITIES = {
    "demo_county",
    "targets",
    "inspectors",
    "check_items",
    "industry_schemes",
    "checkpoints",
}


def _audit_calls() -> tuple[set[str], set[str]]:
    """The literal action= and entity= of every ``audit(`` call in the application."""
    import re

    actions: set[str] = set()
    entities: set[str] = set()
    root = Path(__file__).resolve().parents[2] / "app"
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in re.finditer(r"\baudit\(", source):
            chunk = source[call.end() : call.end() + 800]
            action = re.search(r'\baction="([^"]+)"', chunk)
            entity = re.search(r'\bentity="([^"]+)"', chunk)
            if action:
                actions.add(action.group(1))
            if entity:
                entities.add(entity.group(1))
    return actions, entities


def test_every_audited_action_and_entity_has_a_chinese_label() -> None:
    from app.services.audit_trail import ACTION_LABELS, ENTITY_LABELS

    actions, entities = _audit_calls()
    assert len(actions) > 20 and len(entities) > 15  # the scan found the calls
    missing_actions = sorted((actions | _COMPUTED_ACTIONS) - ACTION_LABELS.keys())
    missing_entities = sorted((entities | _COMPUTED_ENTITIES) - ENTITY_LABELS.keys())
    assert missing_actions == [] and missing_entities == []  # the audit page would show the code
    assert all(
        not any("a" <= c <= "z" for c in label)
        for label in (*ACTION_LABELS.values(), *ENTITY_LABELS.values())
    )


def test_demo_entry_is_labelled_in_chinese(ctx: ServiceContext) -> None:
    from app.services.demo import build_demo_county

    build_demo_county(ctx, targets=100)
    rows = search_audit(ctx, AuditFilter(), offset=0, limit=50)
    demo = [r for r in rows if r.entity == "demo_county"]
    assert demo and demo[0].entity_label == "演示数据" and demo[0].action_label == "新增"
