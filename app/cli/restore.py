"""`liancha restore FILE`: check a backup completely, keep the current database aside, restore.

LianCha must be closed (on every desk using this database) while it runs; a database still
in use is detected and the restore refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, CliError, add_db_argument, open_context
from app.services.errors import ServiceError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "restore", help="从备份文件恢复数据库（先完整校验；当前数据库另存为 *.before-restore-时间）"
    )
    parser.add_argument("backup_file", type=Path, metavar="FILE")
    parser.add_argument("--check", action="store_true", help="只校验备份文件，不恢复")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.config import resolve_db_url, sqlite_path
    from app.services.backup import BackupNotSupported, restore_backup, verify_backup
    from app.services.permissions import Permission
    from app.services.settings import DEFAULT_OPERATOR

    try:
        if args.check:
            manifest = verify_backup(args.backup_file)
            print(
                f"备份文件完好：{manifest['created_at']} 生成，结构版本 {manifest['schema_revision']}，"
                f"附件 {len(manifest.get('attachments', []))} 个"
            )
            return EXIT_OK
        url = resolve_db_url(getattr(args, "db", None))
        path = sqlite_path(url)
        if path is None:
            raise BackupNotSupported(
                "暂不支持在联查中恢复 PostgreSQL 等服务器数据库：请由数据库管理员使用 pg_restore。"
            )
        operator = args.operator or DEFAULT_OPERATOR
        if path.exists():
            # Who may restore is decided by the database being replaced.
            ctx = open_context(args)
            try:
                ctx.require(Permission.BACKUP)
                operator = ctx.operator
            finally:
                ctx.db.dispose()
        report = restore_backup(args.backup_file, database=url, operator=operator)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"恢复失败：{exc}") from exc
    print(
        f"已从 {report.source} 恢复数据库 {report.database}（备份时间 {report.backup_created_at.astimezone():%Y-%m-%d %H:%M}）"
    )
    if report.previous_database is not None:
        print(f"恢复前的数据库已保存为 {report.previous_database}")
    print(f"恢复附件 {report.attachments_restored} 个")
    for aside in report.attachments_set_aside:
        print(f"与备份不同的附件已另存为 {aside}")
    return EXIT_OK
