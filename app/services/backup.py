"""Backup and restore: the database and its attachments in one verifiable file.

A backup is a zip holding ``manifest.json``, ``database/<name>.sqlite3`` (a consistent copy
of the live database made with SQLite's online backup API, safe while others write) and
``attachments/…`` (the data folder's attachment files). The manifest lists every member with
its size and SHA-256, the schema revision and the audit chain's head at backup time. The
database is copied before the attachments: attachments are stored before the rows that
name them are committed, so every attachment the copied database names is in the folder.

Restore checks the file completely before touching anything: the zip is sound, it holds
exactly the members the manifest lists and each has its listed size and hash, the extracted
database passes ``PRAGMA integrity_check``, and its schema revision is one this program
knows. Only then is the current database kept aside as ``<name>.before-restore-<stamp>``
and replaced. LianCha must be closed on every desk while a restore runs; a database still
open elsewhere is detected and the restore refused.

A server (PostgreSQL) database is backed up the same way: its tables are copied, as of one moment,
into a SQLite file (``app.services.server.export_snapshot``) which goes into the zip as above. Such
a backup is restored onto one PC (``liancha restore``) and can be moved back onto a server with
``liancha migrate-to``; restoring straight over a server is left to its administrator.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.script import ScriptDirectory

from app import __version__
from app.config import data_dir, resolve_db_url, sqlite_path
from app.db import MIGRATIONS_DIR, Database, backup_sqlite, current_revision, open_database
from app.models.base import utcnow
from app.services import audit
from app.services.context import ServiceContext
from app.services.errors import FieldError, Interrupted, ServiceError, ValidationError
from app.services.permissions import Permission
from app.services.progress import Progress
from app.services.settings import get_setting, set_setting

logger = logging.getLogger(__name__)

FORMAT = "liancha-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DAILY_KEY = "backup.daily_enabled"
KEEP_DAYS_KEY = "backup.keep_days"
RESTORED_KEY = "database.restored"  # read by sync: a restored database must re-enrol (SYNC.md)
DEFAULT_KEEP_DAYS = 30
_CHUNK = 1 << 20


class BackupError(ServiceError):
    """A backup could not be made or a backup file is unusable; nothing was changed."""


class BackupNotSupported(BackupError):
    """The database is not a SQLite file (PostgreSQL: use pg_dump)."""


@dataclass(frozen=True)
class BackupInfo:
    """A backup file and what it holds."""

    path: Path
    created_at: datetime
    schema_revision: str | None
    database_size: int
    attachments: int
    audit_entries: int


@dataclass(frozen=True)
class BackupSettings:
    daily: bool = True
    keep_days: int = DEFAULT_KEEP_DAYS


@dataclass(frozen=True)
class DailyBackup:
    """What the start-up backup did."""

    created: BackupInfo | None  # None: there was already one today, or backups are off
    pruned: tuple[Path, ...]


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did."""

    source: Path
    database: Path
    previous_database: Path | None  # the database as it was, kept aside
    backup_created_at: datetime
    schema_revision: str
    attachments_restored: int
    attachments_set_aside: tuple[Path, ...]


def attachments_dir() -> Path:
    """Where attachment files live (may not exist yet)."""
    return data_dir() / "attachments"


def backups_dir() -> Path:
    """Where the automatic daily backups go."""
    return data_dir() / "backups"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y%m%d-%H%M%S")


def _sqlite_file(db_path: Path | None, url: str) -> Path:
    if db_path is None:
        raise BackupNotSupported(
            "暂不支持在联查中备份或恢复 PostgreSQL 等服务器数据库：请由数据库管理员使用 pg_dump / pg_restore。"
            if not url.startswith("sqlite")
            else "内存数据库无法备份。"
        )
    return db_path


def _attachment_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(file, member name) for every regular file under the attachments folder."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, "attachments/" + path.relative_to(root).as_posix()


def _audit_head(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(str(path))
    try:
        count, last_id = conn.execute("SELECT count(*), max(id) FROM audit_entries").fetchone()
        last = conn.execute("SELECT hash FROM audit_entries WHERE id = ?", (last_id,)).fetchone()
        return {"entries": count, "last_id": last_id, "last_hash": last[0] if last else None}
    except sqlite3.DatabaseError:
        return {}
    finally:
        conn.close()


def _server_stem(db: Database) -> str:
    name = db.engine.url.database or "liancha"
    return re.sub(r"[^\w.-]", "_", name) or "liancha"


def write_backup(
    db: Database, out: Path, *, attachments: Path | None = None, progress: Progress | None = None
) -> BackupInfo:
    """Write a backup of a live database (SQLite file or server) and its attachments to ``out`` (a zip).

    No permission check and no audit entry: for the start-up backup and for ``create_backup``.
    The file appears under its name only when complete. ``progress`` counts the attachments
    written; cancelling it raises ``Interrupted`` and leaves no file behind.
    """
    progress = progress if progress is not None else Progress()
    on_server = db.file_path is None and not db.is_sqlite
    source = None if on_server else _sqlite_file(db.file_path, db.url)
    attachments = attachments if attachments is not None else attachments_dir()
    created = utcnow()
    revision = current_revision(db.engine)
    member_db = f"database/{source.stem if source is not None else _server_stem(db)}.sqlite3"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="liancha-backup-") as tmp:
        if source is not None:
            copy = backup_sqlite(source, Path(tmp) / "copy.sqlite3")
        else:
            from app.services.server import export_snapshot

            copy = export_snapshot(db, Path(tmp) / "copy.sqlite3")
        head = _audit_head(copy)
        files: list[dict[str, Any]] = []
        to_copy = list(_attachment_files(attachments))
        try:
            progress.update(done=0, total=len(to_copy) + 1, message="正在备份数据库…")
            with zipfile.ZipFile(partial, "w", allowZip64=True) as zf:
                zf.write(copy, member_db, compress_type=zipfile.ZIP_DEFLATED)
                db_size = copy.stat().st_size
                db_entry: dict[str, Any] = {"path": member_db, "size": db_size, "sha256": _sha256_file(copy)}
                for n, (path, name) in enumerate(to_copy, start=1):
                    progress.update(done=n, message=f"正在备份附件 {n}/{len(to_copy)}…")
                    # Hash what is written: read once, into both the digest and the archive.
                    digest = hashlib.sha256()
                    size = 0
                    with open(path, "rb") as src, zf.open(name, "w", force_zip64=True) as dst:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            size += len(chunk)
                            dst.write(chunk)
                    files.append({"path": name, "size": size, "sha256": digest.hexdigest()})
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": created.isoformat(),
                    "app_version": __version__,
                    "schema_revision": revision,
                    "source": db.display_name(),
                    "database": db_entry,
                    "attachments": files,
                    "audit_head": head,
                }
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            with open(partial, "rb+") as fh:
                os.fsync(fh.fileno())
            partial.replace(out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    logger.info("backup written: %s (%d attachments)", out, len(files))
    return BackupInfo(out, created, revision, db_size, len(files), int(head.get("entries") or 0))


def create_backup(
    ctx: ServiceContext, out: Path, *, attachments: Path | None = None, progress: Progress | None = None
) -> BackupInfo:
    """Back up the database and attachments to ``out`` (administrator), recorded in the audit trail.

    Cancelling ``progress`` stops between attachments, leaves no file and records the cancellation.
    """
    ctx.require(Permission.BACKUP)
    if ctx.db.is_sqlite:
        _sqlite_file(ctx.db.file_path, ctx.db.url)  # an in-memory database cannot be backed up
    # Recorded first, so the backup itself contains the entry that says it was made.
    with ctx.write() as session:
        ctx.audit(session, action="backup", entity="database", summary=f"备份数据库到 {out.name}")
    try:
        return write_backup(ctx.db, out, attachments=attachments, progress=progress)
    except Interrupted:
        # The entry above says a backup was made: say that it was stopped and left no file.
        with ctx.write() as session:
            ctx.audit(
                session, action="backup", entity="database", summary=f"备份到 {out.name} 已取消，未生成文件"
            )
        raise


# ---------------------------------------------------------------------------------------------
# Settings and the daily backup


def backup_settings(db: Database) -> BackupSettings:
    """Whether the start-up backup runs, and how many days of backups are kept."""
    with db.read() as session:
        return BackupSettings(
            daily=bool(get_setting(session, DAILY_KEY, True)),
            keep_days=int(get_setting(session, KEEP_DAYS_KEY, DEFAULT_KEEP_DAYS)),
        )


def check_backup_settings(settings: BackupSettings) -> None:
    """``ValidationError`` if the settings cannot be saved (for a form that saves several kinds at once)."""
    if not 1 <= settings.keep_days <= 3650:
        raise ValidationError([FieldError("备份保留天数", "应在 1 到 3650 之间")])


def save_backup_settings(ctx: ServiceContext, settings: BackupSettings) -> None:
    """Change the automatic backup settings (administrator)."""
    ctx.require(Permission.MANAGE_SETTINGS)
    check_backup_settings(settings)
    with ctx.write() as session:
        before = {
            "daily": get_setting(session, DAILY_KEY, True),
            "keep_days": get_setting(session, KEEP_DAYS_KEY),
        }
        set_setting(session, DAILY_KEY, settings.daily)
        set_setting(session, KEEP_DAYS_KEY, settings.keep_days)
        ctx.audit(
            session,
            action="update",
            entity="settings",
            entity_id="backup",
            summary=f"修改自动备份设置（{'每日备份' if settings.daily else '不自动备份'}，保留 {settings.keep_days} 天）",
            before=before,
            after={"daily": settings.daily, "keep_days": settings.keep_days},
        )


_DAILY_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})\.zip$")


def _daily_backups(directory: Path, stem: str) -> list[tuple[datetime, Path]]:
    found = []
    if directory.is_dir():
        for path in directory.glob(f"{stem}-*.zip"):
            m = _DAILY_NAME.match(path.name)
            if m and m.group("stem") == stem:
                found.append((datetime.strptime(m.group("stamp"), "%Y%m%d-%H%M%S"), path))
    return sorted(found)


def daily_backup_if_due(
    db: Database,
    *,
    now: datetime | None = None,
    directory: Path | None = None,
    attachments: Path | None = None,
) -> DailyBackup:
    """At start-up: back up once a (local) day into ``backups/``, and delete backups older than the kept days.

    Call it off the UI thread: a large database takes a while. Does nothing for a
    PostgreSQL database (its server has its own backups) or when daily backups are off.
    """
    path = db.file_path
    if path is None or not path.exists():
        return DailyBackup(None, ())
    settings = backup_settings(db)
    directory = directory if directory is not None else backups_dir()
    local_now = (now or utcnow()).astimezone().replace(tzinfo=None)
    existing = _daily_backups(directory, path.stem)
    created: BackupInfo | None = None
    if settings.daily and not any(stamp.date() == local_now.date() for stamp, _ in existing):
        out = directory / f"{path.stem}-{local_now:%Y%m%d-%H%M%S}.zip"
        created = write_backup(db, out, attachments=attachments)
        existing.append((local_now, out))
    cutoff = local_now.date() - timedelta(days=settings.keep_days)
    pruned: list[Path] = []
    newest = max(existing)[1] if existing else None
    for stamp, old in existing:
        if stamp.date() < cutoff and old != newest:  # never delete the only remaining backup
            old.unlink(missing_ok=True)
            pruned.append(old)
    return DailyBackup(created, tuple(pruned))


# ---------------------------------------------------------------------------------------------
# Verification and restore


def _corrupt(path: Path, detail: str) -> BackupError:
    return BackupError(f"备份文件 {path} 无法使用：{detail}。当前数据库未作任何改动。请换一个备份文件。")


def _safe_member(name: str) -> bool:
    if not name or name.startswith("/") or "\\" in name or ":" in name:
        return False
    parts = PurePosixPath(name).parts
    return all(p not in ("", ".", "..") for p in parts) and not name.endswith("/")


def read_manifest(path: Path) -> dict[str, Any]:
    """Open a backup file and return its manifest after checking the zip's structure.

    Raises ``BackupError`` naming the problem; reads no member but the manifest.
    """
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}。")
    try:
        with zipfile.ZipFile(path) as zf:
            return _check_structure(path, zf)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        UnicodeDecodeError,
        json.JSONDecodeError,
    ) as exc:
        raise _corrupt(path, f"文件已损坏或不是联查备份（{exc}）") from exc


def _check_structure(path: Path, zf: zipfile.ZipFile) -> dict[str, Any]:
    names = [i.filename for i in zf.infolist()]
    if len(set(names)) != len(names):
        raise _corrupt(path, "包含重复的文件名")
    unsafe = [n for n in names if not _safe_member(n)]
    if unsafe:
        raise _corrupt(path, f"包含不安全的文件名「{unsafe[0]}」")
    if MANIFEST not in names:
        raise _corrupt(path, "缺少清单 manifest.json（不是联查备份文件）")
    manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(path, "清单格式不是联查备份")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise _corrupt(path, "由更新版本的联查生成，请升级联查后再恢复")
    entries = [manifest.get("database"), *manifest.get("attachments", [])]
    if not all(isinstance(e, dict) and {"path", "size", "sha256"} <= e.keys() for e in entries):
        raise _corrupt(path, "清单内容不完整")
    listed = {str(e["path"]) for e in entries}
    if not str(manifest["database"]["path"]).startswith("database/"):
        raise _corrupt(path, "清单中的数据库位置不正确")
    if any(not p.startswith("attachments/") for p in listed - {manifest["database"]["path"]}):
        raise _corrupt(path, "清单中的附件位置不正确")
    present = set(names) - {MANIFEST}
    if listed - present:
        raise _corrupt(path, f"缺少清单中列出的文件「{sorted(listed - present)[0]}」")
    if present - listed:
        raise _corrupt(path, f"包含清单外的文件「{sorted(present - listed)[0]}」")
    for e in entries:
        if zf.getinfo(e["path"]).file_size != int(e["size"]):
            raise _corrupt(path, f"「{e['path']}」的大小与清单不符")
    return manifest


def _extract_checked(path: Path, zf: zipfile.ZipFile, entry: dict[str, Any], dest: Path) -> None:
    """Extract one member, reading at most its listed size, and check its hash."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = int(entry["size"])
    written = 0
    with zf.open(entry["path"]) as src, open(dest, "wb") as out:
        while chunk := src.read(min(_CHUNK, size - written + 1)):
            written += len(chunk)
            if written > size:
                raise _corrupt(path, f"「{entry['path']}」比清单所列更大")
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if written != size or digest.hexdigest() != entry["sha256"]:
        raise _corrupt(path, f"「{entry['path']}」的内容与清单中的校验值不符（文件被改动或损坏）")


def _check_database(path: Path, db_file: Path) -> str:
    """integrity_check the extracted database and return its schema revision (known to this program)."""
    try:
        conn = sqlite3.connect(str(db_file))
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                raise _corrupt(path, f"数据库完整性检查未通过（{result[0]}）")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _corrupt(path, f"其中的数据库无法读取（{exc}）") from exc
    if row is None:
        raise _corrupt(path, "其中的数据库没有结构版本（不是联查数据库）")
    revision = str(row[0])
    try:
        ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision)
    except Exception as exc:
        raise _corrupt(
            path, f"其中的数据库由更新版本的联查创建（结构版本 {revision}），请升级联查后再恢复"
        ) from exc
    return revision


def verify_backup(path: Path, *, work_dir: Path | None = None) -> dict[str, Any]:
    """Check a backup completely (structure, hashes, database integrity, schema); return its manifest.

    Nothing outside a temporary folder is touched. Raises ``BackupError`` naming the problem.
    """
    manifest = read_manifest(path)
    with tempfile.TemporaryDirectory(prefix=".liancha-verify-", dir=work_dir) as tmp:
        _extract_all(path, manifest, Path(tmp))
    return manifest


def _extract_all(path: Path, manifest: dict[str, Any], into: Path) -> tuple[Path, str]:
    try:
        with zipfile.ZipFile(path) as zf:
            _check_structure(path, zf)
            db_file = into / "restored.sqlite3"
            _extract_checked(path, zf, manifest["database"], db_file)
            for entry in manifest.get("attachments", []):
                _extract_checked(path, zf, entry, into / entry["path"])
    except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, f"文件已损坏（{exc}）") from exc
    return db_file, _check_database(path, db_file)


def _ensure_closed(target: Path) -> None:
    """Checkpoint the WAL into the file; refuse if another connection keeps the database open."""
    wal = target.with_name(target.name + "-wal")
    shm = target.with_name(target.name + "-shm")
    try:
        conn = sqlite3.connect(str(target), timeout=2)
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        busy = None  # not a database we can open: replaced all the same, it is kept aside
    # The last connection to close deletes the WAL file; if it is still there, someone else is connected.
    if (busy is not None and busy[0] != 0) or wal.exists():
        raise BackupError(
            f"数据库 {target} 正在被使用。请先关闭所有正在使用该数据库的联查窗口和命令（包括其他电脑），再恢复。"
        )
    shm.unlink(missing_ok=True)


def restore_backup(
    path: Path, *, database: str | Path | None = None, operator: str, attachments: Path | None = None
) -> RestoreReport:
    """Replace the database (and add missing attachments) from a backup, after checking it completely.

    The current database is kept aside as ``<name>.before-restore-<stamp><suffix>``;
    attachments are merged (a differing file is kept aside the same way). The restored
    database is then opened (upgraded if it is older) and the restore is recorded in its
    audit trail. LianCha must not be running on this database anywhere.

    Args:
        path: the backup file.
        database: ``--db`` value (None: ``LIANCHA_DB`` or the default file).
        operator: who restores, for the audit trail.
        attachments: the attachments folder (default: the data folder's).
    """
    url = resolve_db_url(str(database) if database is not None else None)
    target = _sqlite_file(sqlite_path(url), url)
    attachments = attachments if attachments is not None else attachments_dir()
    manifest = read_manifest(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(utcnow())
    set_aside: list[Path] = []
    with tempfile.TemporaryDirectory(prefix=".liancha-restore-", dir=target.parent) as tmp:
        db_file, revision = _extract_all(path, manifest, Path(tmp))
        previous: Path | None = None
        if target.exists():
            _ensure_closed(target)
            previous = target.with_name(f"{target.stem}.before-restore-{stamp}{target.suffix}")
            os.replace(target, previous)
        try:
            os.replace(db_file, target)
        except OSError:
            if previous is not None:
                os.replace(previous, target)
            raise
        restored = 0
        for entry in manifest.get("attachments", []):
            rel = PurePosixPath(entry["path"]).relative_to("attachments")
            dest = attachments.joinpath(*rel.parts)
            if dest.is_file() and _sha256_file(dest) == entry["sha256"]:
                continue
            if dest.exists():
                aside = dest.with_name(f"{dest.name}.before-restore-{stamp}")
                os.replace(dest, aside)
                set_aside.append(aside)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / entry["path"], dest)
            restored += 1
    created = datetime.fromisoformat(str(manifest["created_at"]))
    _record_restore(url, operator=operator, source=path, created=created, previous=previous)
    logger.info("database %s restored from %s", target, path)
    return RestoreReport(path, target, previous, created, revision, restored, tuple(set_aside))


def _record_restore(
    url: str, *, operator: str, source: Path, created: datetime, previous: Path | None
) -> None:
    db = open_database(url)
    try:
        with db.write() as session:
            info = {
                "at": utcnow().isoformat(),
                "file": source.name,
                "backup_created_at": created.isoformat(),
                "previous_database": previous.name if previous else None,
            }
            set_setting(session, RESTORED_KEY, info)
            audit.record(
                session,
                operator=operator,
                action="restore",
                entity="database",
                summary=f"从备份 {source.name}（{created.astimezone():%Y-%m-%d %H:%M}）恢复数据库"
                + (f"；恢复前的数据库保存为 {previous.name}" if previous else ""),
                after=info,
            )
    finally:
        db.dispose()


# ---------------------------------------------------------------------------------------------
# For the 系统管理 page


@dataclass(frozen=True)
class BackupFile:
    """One automatic backup in the backups folder."""

    path: Path
    made_at: datetime  # local time, from the file name
    size: int


def list_automatic_backups(db: Database, *, directory: Path | None = None) -> list[BackupFile]:
    """The daily backups of this database, newest first (nothing for a PostgreSQL database)."""
    path = db.file_path
    if path is None:
        return []
    directory = directory if directory is not None else backups_dir()
    found = []
    for stamp, file in reversed(_daily_backups(directory, path.stem)):
        try:
            size = file.stat().st_size
        except OSError:  # deleted meanwhile (another window pruned it)
            continue
        found.append(BackupFile(file, stamp, size))
    return found


def restore_open_database(
    ctx: ServiceContext, path: Path, *, attachments: Path | None = None
) -> RestoreReport:
    """Restore over the database this program has open (the 系统管理 page), administrator only.

    The backup is checked completely before anything changes. Then this program's
    connections are closed and ``restore_backup`` replaces the file, keeping the current
    database aside; ``ctx`` must not be used afterwards — the program has to start again.
    """
    ctx.require(Permission.BACKUP)
    if ctx.db.file_path is None and not ctx.db.is_sqlite:
        raise BackupNotSupported(
            "不能在联查中直接恢复服务器数据库（其他电脑可能正在使用）。请把备份恢复到一台电脑上"
            "（liancha --db 新文件.sqlite3 restore 备份.zip），核对后由管理员新建空的服务器数据库，"
            "再用 liancha migrate-to 迁回服务器；或由数据库管理员使用 pg_dump / pg_restore。"
        )
    target = _sqlite_file(ctx.db.file_path, ctx.db.url)
    verify_backup(path)
    ctx.db.dispose()
    return restore_backup(path, database=target, operator=ctx.operator, attachments=attachments)
