"""`liancha server init URL` and `liancha migrate-to URL`: an office's shared PostgreSQL server.

``server init`` prepares an empty server database (schema and first administrator); ``migrate-to``
moves the single-PC database named by ``--db`` onto an empty server database and proves the copy.
Passwords are never arguments: the administrator's comes from ``LIANCHA_NEW_PASSWORD`` or a prompt.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REJECTED, CliError, add_db_argument, open_context
from app.cli.demo import LineProgress
from app.cli.users import _new_password
from app.services.errors import ServiceError

URL_HELP = "服务器数据库地址，如 postgresql+psycopg://liancha:密码@192.168.1.10:5432/liancha"


def register(subparsers: Any) -> None:
    server = subparsers.add_parser("server", help="多台电脑共用的 PostgreSQL 服务器（初始化）")
    sub = server.add_subparsers(dest="server_command", required=True, metavar="ACTION")
    init = sub.add_parser(
        "init",
        help="初始化空的服务器数据库：建立表结构并创建首个管理员",
        description="在空的 PostgreSQL 数据库中建立联查的表结构，并创建首个管理员（密码取环境变量 "
        "LIANCHA_NEW_PASSWORD 或提示输入）。数据库已有数据时不做任何修改。",
    )
    init.add_argument("url", metavar="URL", help=URL_HELP)
    init.add_argument("--username", required=True, help="管理员用户名")
    init.add_argument("--name", required=True, help="管理员姓名")
    init.set_defaults(func=run_init)

    move = subparsers.add_parser(
        "migrate-to",
        help="把本机数据库（--db）迁移到空的服务器数据库，并核对行数和留痕链",
        description="把 --db 指定的本机 SQLite 数据库整体复制到空的 PostgreSQL 数据库，"
        "逐表核对行数并在服务器上重新核验留痕链。本机数据库只读取、不改动。",
    )
    move.add_argument("url", metavar="URL", help=URL_HELP)
    add_db_argument(move)
    move.set_defaults(func=run_migrate_to)


def run_init(args: argparse.Namespace) -> int:
    from app.db import DatabaseError
    from app.services.server import describe_url, init_server

    password = _new_password("管理员密码：")
    try:
        report = init_server(args.url, username=args.username, display_name=args.name, password=password)
    except (ServiceError, DatabaseError) as exc:
        raise CliError(str(exc)) from exc
    print(f"服务器数据库已就绪：{describe_url(args.url)}（结构版本 {report.schema_revision}）")
    print(f"已创建管理员「{report.admin_username}」。各台电脑用 --db {report.url} 连接，登录后使用。")
    return EXIT_OK


def run_migrate_to(args: argparse.Namespace) -> int:
    from app.db import DatabaseError
    from app.services.server import migrate_to

    ctx = open_context(args, login=True)
    progress = LineProgress(sys.stderr)
    try:
        report = migrate_to(ctx.db, args.url, operator=ctx.operator, progress=progress)
    except (ServiceError, DatabaseError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        progress.finish()
        ctx.db.dispose()
    print(f"来源：{report.source}")
    print(f"目标：{report.target}")
    print("表\t本机\t服务器")
    for row in report.tables:
        mark = "" if row.source == row.target else "\t← 不一致"
        print(f"{row.table}\t{row.source}\t{row.target}{mark}")
    print(f"共 {report.rows:,} 行，用时 {report.seconds:.1f} 秒")
    print(f"服务器上的留痕链：{report.chain.message}")
    if not report.ok:
        print(
            "迁移结果未通过核对：请不要使用服务器上的这份数据，保留本机数据库并联系技术人员。",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    print("迁移完成，核对无误。各台电脑现在可以用 --db 服务器地址 连接。")
    return EXIT_OK
