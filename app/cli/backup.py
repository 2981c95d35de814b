"""`liancha backup OUT`: back up the database and its attachments into one verifiable file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, CliError, add_db_argument, file_problem, open_context
from app.services.errors import ServiceError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backup", help="备份数据库和附件到一个文件（OUT 为文件夹时自动命名）；恢复用 liancha restore"
    )
    parser.add_argument("output", type=Path, metavar="OUT")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.models.base import utcnow
    from app.services.backup import create_backup

    ctx = open_context(args)
    try:
        out: Path = args.output
        if out.is_dir():
            stem = ctx.db.file_path.stem if ctx.db.file_path else "liancha"
            out = out / f"{stem}-{utcnow().astimezone():%Y%m%d-%H%M%S}.zip"
        info = create_backup(ctx, out)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(file_problem(exc)) from exc
    finally:
        ctx.db.dispose()
    print(
        f"已备份到 {info.path}：数据库 {info.database_size / 1e6:.1f} MB，附件 {info.attachments} 个，"
        f"留痕记录 {info.audit_entries} 条（结构版本 {info.schema_revision}）"
    )
    return EXIT_OK
