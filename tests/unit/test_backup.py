"""Backup and restore: round trip with attachments, corrupted files refused, daily backups kept N days."""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import backup as backup_cli
from app.cli import restore as restore_cli
from app.cli.common import CliError
from app.db import open_database
from app.models import AuditEntry, Setting, Target
from app.services import audit
from app.services.backup import (
    RESTORED_KEY,
    BackupError,
    BackupNotSupported,
    BackupSettings,
    attachments_dir,
    create_backup,
    daily_backup_if_due,
    restore_backup,
    save_backup_settings,
    verify_backup,
    write_backup,
)
from app.services.context import ServiceContext
from app.services.errors import Interrupted
from app.services.progress import Progress
from app.services.targets import TargetData, create_target

# About SQLite files (copies, integrity checks, restoring over a file). A server database's backup
# is tested in tests/unit/test_server.py.
pytestmark = pytest.mark.sqlite_only


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names(ctx: ServiceContext) -> list[str]:
    with ctx.read() as session:
        return sorted(session.execute(select(Target.name)).scalars())


def _attach(content: bytes) -> Path:
    digest = hashlib.sha256(content).hexdigest()
    path = attachments_dir() / digest[:2] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture
def backed_up(ctx: ServiceContext, tmp_path: Path) -> tuple[ServiceContext, Path, list[Path]]:
    create_target(ctx, TargetData(name="备份前的商户甲"))
    create_target(ctx, TargetData(name="备份前的商户乙"))
    files = [_attach(b"photo-1" * 1000), _attach("现场检查记录扫描件".encode() * 50)]
    out = tmp_path / "backup.zip"
    info = create_backup(ctx, out)
    assert info.attachments == 2 and info.audit_entries == 3 and out.exists()
    return ctx, out, files


def test_round_trip_with_attachments(
    backed_up: tuple[ServiceContext, Path, list[Path]], db_path: Path
) -> None:
    ctx, out, files = backed_up
    create_target(ctx, TargetData(name="备份后的商户丙"))
    files[0].unlink()
    files[1].write_bytes(b"damaged")
    _attach(b"added later")
    ctx.db.dispose()
    report = restore_backup(out, database=db_path, operator="恢复员")
    assert report.previous_database is not None and report.previous_database.exists()
    assert ".before-restore-" in report.previous_database.name
    assert report.attachments_restored == 2 and len(report.attachments_set_aside) == 1
    assert files[0].read_bytes() == b"photo-1" * 1000
    assert files[1].read_bytes() == "现场检查记录扫描件".encode() * 50
    assert report.attachments_set_aside[0].read_bytes() == b"damaged"
    db = open_database(str(db_path))
    try:
        restored = ServiceContext(db=db, operator="检查")
        assert _names(restored) == ["备份前的商户乙", "备份前的商户甲"]
        chain = audit.verify_chain(db)
        assert chain.ok and chain.entries == 4  # three from before, plus the restore itself
        with db.read() as session:
            assert session.get(Setting, RESTORED_KEY) is not None
    finally:
        db.dispose()
    # The database as it was before the restore is intact and complete.
    with sqlite3.connect(report.previous_database) as conn:
        assert conn.execute("SELECT count(*) FROM targets").fetchone()[0] == 3


def _rezip(
    src: Path,
    dest: Path,
    *,
    change: dict[str, bytes] | None = None,
    extra: dict[str, bytes] | None = None,
    manifest_edit: object = None,
) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if change and info.filename in change:
                data = change[info.filename]
            if info.filename == "manifest.json" and callable(manifest_edit):
                manifest = json.loads(data)
                manifest_edit(manifest)
                data = json.dumps(manifest).encode()
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)


def _db_member(out: Path) -> str:
    with zipfile.ZipFile(out) as zf:
        return next(n for n in zf.namelist() if n.startswith("database/"))


def _bad_files(out: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Corrupted variants of a good backup, each with the words its refusal must contain."""
    tmp_path.mkdir(exist_ok=True)
    raw = out.read_bytes()
    cases: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, words: str) -> None:
        path = tmp_path / f"{name}.zip"
        path.write_bytes(data)
        cases[name] = (path, words)

    put("truncated", raw[: len(raw) // 2], "损坏")
    put("not_a_zip", b"PK\x03\x04 garbage" * 100, "损坏")
    member = _db_member(out)
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo(member)
    flipped = bytearray(raw)
    flipped[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0xFF  # inside the data
    put("bit_flip", bytes(flipped), "损坏")
    with zipfile.ZipFile(out) as zf:
        db_bytes = bytearray(zf.read(member))
    db_bytes[5000] ^= 0x01
    _rezip(out, tmp_path / "edited_db.zip", change={member: bytes(db_bytes)})
    cases["edited_db"] = (tmp_path / "edited_db.zip", "校验值不符")
    _rezip(out, tmp_path / "unlisted.zip", extra={"attachments/zz/extra": b"x"})
    cases["unlisted"] = (tmp_path / "unlisted.zip", "清单外")
    _rezip(out, tmp_path / "slip.zip", extra={"../evil": b"x"})
    cases["zip_slip"] = (tmp_path / "slip.zip", "不安全")

    def drop_attachment(m: dict) -> None:  # type: ignore[type-arg]
        m["attachments"] = m["attachments"][:1]

    _rezip(out, tmp_path / "short_manifest.zip", manifest_edit=drop_attachment)
    cases["short_manifest"] = (tmp_path / "short_manifest.zip", "清单外")
    _rezip(out, tmp_path / "no_manifest.zip", manifest_edit=lambda m: m.update(format="other"))
    cases["foreign"] = (tmp_path / "no_manifest.zip", "不是联查备份")
    return cases


def test_restore_refuses_corrupted_files_and_leaves_database_untouched(
    backed_up: tuple[ServiceContext, Path, list[Path]], db_path: Path, tmp_path: Path
) -> None:
    ctx, out, _ = backed_up
    create_target(ctx, TargetData(name="当前数据"))
    ctx.db.dispose()
    before = _sha(db_path)
    cases = _bad_files(out, tmp_path / "bad")
    for name, (path, words) in cases.items():
        with pytest.raises(BackupError, match=words) as exc:
            restore_backup(path, database=db_path, operator="恢复员")
        assert "当前数据库未作任何改动" in str(exc.value), name
        assert _sha(db_path) == before, name
    assert not list(db_path.parent.glob("*.before-restore-*"))
    assert not list(db_path.parent.glob(".liancha-restore-*"))  # temporary folders cleaned up


def _newer_schema_backup(out: Path, tmp_path: Path) -> Path:
    member = _db_member(out)
    work = tmp_path / "work.sqlite3"
    with zipfile.ZipFile(out) as zf:
        work.write_bytes(zf.read(member))
    with sqlite3.connect(work) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    data = work.read_bytes()

    def fix(m: dict) -> None:  # type: ignore[type-arg]
        m["database"]["sha256"] = hashlib.sha256(data).hexdigest()
        m["database"]["size"] = len(data)

    dest = tmp_path / "future.zip"
    _rezip(out, dest, change={member: data}, manifest_edit=fix)
    return dest


def test_restore_refuses_newer_schema_and_corrupt_database(
    backed_up: tuple[ServiceContext, Path, list[Path]], db_path: Path, tmp_path: Path
) -> None:
    ctx, out, _ = backed_up
    ctx.db.dispose()
    before = _sha(db_path)
    with pytest.raises(BackupError, match="更新版本"):
        restore_backup(_newer_schema_backup(out, tmp_path), database=db_path, operator="x")
    # A database file whose pages are damaged but whose manifest matches: integrity_check catches it.
    member = _db_member(out)
    with zipfile.ZipFile(out) as zf:
        data = bytearray(zf.read(member))
    page = 4096
    data[page * 2 : page * 2 + 200] = b"\xff" * 200

    def fix(m: dict) -> None:  # type: ignore[type-arg]
        m["database"]["sha256"] = hashlib.sha256(bytes(data)).hexdigest()

    broken = tmp_path / "broken.zip"
    _rezip(out, broken, change={member: bytes(data)}, manifest_edit=fix)
    with pytest.raises(BackupError, match=r"完整性检查未通过|无法读取"):
        verify_backup(broken)
    with pytest.raises(BackupError):
        restore_backup(broken, database=db_path, operator="x")
    assert _sha(db_path) == before


def test_restore_refuses_while_database_is_open(
    backed_up: tuple[ServiceContext, Path, list[Path]], db_path: Path
) -> None:
    ctx, out, _ = backed_up
    create_target(ctx, TargetData(name="保持连接"))  # the pool keeps a connection open
    with pytest.raises(BackupError, match="正在被使用"):
        restore_backup(out, database=db_path, operator="x")
    assert _names(ctx) == ["保持连接", "备份前的商户乙", "备份前的商户甲"]


def test_verify_backup_accepts_a_good_file(backed_up: tuple[ServiceContext, Path, list[Path]]) -> None:
    _, out, _ = backed_up
    manifest = verify_backup(out)
    assert manifest["format"] == "liancha-backup" and len(manifest["attachments"]) == 2
    assert manifest["audit_head"]["entries"] == 3


def test_backup_without_attachments_folder(ctx: ServiceContext, tmp_path: Path) -> None:
    create_target(ctx, TargetData(name="无附件"))
    assert not attachments_dir().exists()
    info = write_backup(ctx.db, tmp_path / "b.zip")
    assert info.attachments == 0
    verify_backup(tmp_path / "b.zip")


def test_daily_backup_once_a_day_and_pruned(ctx: ServiceContext, tmp_path: Path) -> None:
    create_target(ctx, TargetData(name="每日"))
    folder = tmp_path / "backups"
    day0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    first = daily_backup_if_due(ctx.db, now=day0, directory=folder)
    assert first.created is not None
    assert daily_backup_if_due(ctx.db, now=day0 + timedelta(hours=3), directory=folder).created is None
    save_backup_settings(ctx, BackupSettings(daily=True, keep_days=2))
    for days in range(1, 5):
        daily_backup_if_due(ctx.db, now=day0 + timedelta(days=days), directory=folder)
    kept = sorted(p.name for p in folder.glob("*.zip"))
    assert len(kept) == 3  # today and the two days before it
    save_backup_settings(ctx, BackupSettings(daily=False, keep_days=2))
    assert daily_backup_if_due(ctx.db, now=day0 + timedelta(days=10), directory=folder).created is None
    assert len(list(folder.glob("*.zip"))) == 1  # the newest is never pruned


def test_postgresql_is_not_supported(tmp_path: Path) -> None:
    with pytest.raises(BackupNotSupported, match="pg_dump"):
        restore_backup(tmp_path / "x.zip", database="postgresql://u@localhost/liancha", operator="x")


def _args(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**{"db": None, "operator": None, "user": None} | values)


def test_cli_backup_and_restore(
    ctx: ServiceContext, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_target(ctx, TargetData(name="命令行备份"))
    ctx.db.dispose()
    folder = tmp_path / "out"
    folder.mkdir()
    assert backup_cli.run(_args(db=str(db_path), output=folder)) == 0
    [made] = folder.glob("*.zip")
    assert "已备份到" in capsys.readouterr().out
    assert restore_cli.run(_args(db=str(db_path), backup_file=made, check=True)) == 0
    assert restore_cli.run(_args(db=str(db_path), backup_file=made, check=False)) == 0
    assert "恢复前的数据库已保存为" in capsys.readouterr().out
    with pytest.raises(CliError) as exc:
        restore_cli.run(_args(db="postgresql://u@h/db", backup_file=made, check=False))
    assert exc.value.exit_code == 2 and "pg_restore" in str(exc.value)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(made.read_bytes()[:100])
    with pytest.raises(CliError) as exc:
        restore_cli.run(_args(db=str(db_path), backup_file=damaged, check=False))
    assert exc.value.exit_code == 2


def test_automatic_backups_are_listed_newest_first(ctx: ServiceContext, tmp_path: Path) -> None:
    from app.services.backup import list_automatic_backups

    folder = tmp_path / "auto"
    daily_backup_if_due(ctx.db, now=datetime(2026, 5, 1, 9, tzinfo=UTC), directory=folder)
    daily_backup_if_due(ctx.db, now=datetime(2026, 5, 2, 9, tzinfo=UTC), directory=folder)
    (folder / "unrelated-20260503-000000.zip").write_bytes(b"not ours")
    found = list_automatic_backups(ctx.db, directory=folder)
    assert [b.made_at.date().isoformat() for b in found] == ["2026-05-02", "2026-05-01"]
    assert all(b.size > 0 for b in found)


def test_restore_of_the_open_database_needs_the_backup_permission(
    ctx: ServiceContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.services.users as users
    from app.models.users import Role
    from app.services.backup import restore_open_database
    from app.services.errors import PermissionDenied
    from app.services.users import UserData, create_first_admin, create_user
    from tests.security import PASSWORD, cheap_hasher, login

    monkeypatch.setattr(users, "HASHER", cheap_hasher())
    out = tmp_path / "b.zip"
    write_backup(ctx.db, out)
    create_first_admin(
        ctx.db, username="admin", display_name="管理员", password=PASSWORD, roles=(Role.ADMIN,)
    )
    admin = login(ctx.db, "admin")
    create_user(
        admin, UserData("office", "办公室", (Role.OFFICE,)), password=PASSWORD, must_change_password=False
    )
    office = login(ctx.db, "office")
    with pytest.raises(PermissionDenied):
        restore_open_database(office, out)
    assert ctx.db.file_path is not None and not list(ctx.db.file_path.parent.glob("*before-restore*"))
    report = restore_open_database(admin, out)
    assert report.previous_database is not None and report.previous_database.exists()


class _CancelAfter(Progress):
    """Cancels itself once ``n`` attachments have been started, as a user's 取消 would."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def update(self, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        if done is not None and done >= self.n:
            self.cancel()
        super().update(done=done, total=total, message=message)


def test_cancelled_backup_leaves_no_file_and_says_so(ctx: ServiceContext, tmp_path: Path) -> None:
    create_target(ctx, TargetData(name="有附件"))
    for n in range(3):
        _attach(f"附件{n}".encode() * 100)
    out = tmp_path / "cancelled.zip"
    with pytest.raises(Interrupted):
        create_backup(ctx, out, progress=_CancelAfter(2))
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    with ctx.read() as session:
        rows = session.execute(select(AuditEntry.summary).order_by(AuditEntry.id)).scalars().all()
    assert rows[-2:] == ["备份数据库到 cancelled.zip", "备份到 cancelled.zip 已取消，未生成文件"]


def test_backup_reports_its_progress(ctx: ServiceContext, tmp_path: Path) -> None:
    for n in range(2):
        _attach(f"照片{n}".encode() * 100)
    progress = Progress()
    info = create_backup(ctx, tmp_path / "b.zip", progress=progress)
    state = progress.snapshot()
    assert info.attachments == 2 and state.total == 3 and state.done == 2
