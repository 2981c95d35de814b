"""`liancha info`: database path, schema version and counts."""

from __future__ import annotations

import argparse
from typing import Any

from app.buildinfo import version_line
from app.cli.common import EXIT_OK, add_db_argument, open_context
from app.services.info import database_info


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("info", help="显示数据库位置、结构版本和记录数")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        info = database_info(ctx)
    finally:
        ctx.db.dispose()
    print(version_line())
    print(f"数据库：{info.database}（{info.dialect}）")
    print(f"结构版本：{info.schema_revision}（程序：{info.code_revision}）")
    for label, count in info.counts.items():
        print(f"{label}：{count}")
    return EXIT_OK
