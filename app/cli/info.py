"""`liancha info`: database path, schema version and counts."""

from __future__ import annotations

import argparse
from typing import Any

from app.buildinfo import version_line
from app.cli.common import EXIT_OK, add_db_argument, open_context
from app.services.info import database_info
from app.services.users import AccountsState


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
    print(f"用户账户：{describe_accounts(info.accounts)}")
    return EXIT_OK


def describe_accounts(state: AccountsState) -> str:
    """One line on single-user mode: whoever opens such a database has every right, classified work included."""
    if state.single_user:
        if state.demo and state.first_admin_deferred:
            return "无（单用户模式：示范县数据库，已选择暂不创建管理员）"
        return (
            "无（单用户模式：打开本数据库的任何人都拥有全部权限，含涉密。"
            "请用 liancha users create-admin 创建系统管理员）"
        )
    return f"{state.accounts} 个，其中在用管理员 {state.active_admins} 个（使用须登录）"
