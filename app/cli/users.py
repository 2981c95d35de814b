"""`liancha users …`: user accounts from the command line (first administrator, list, add, unlock, reset).

Passwords are never taken as arguments (they would stay in the shell history): they come
from ``LIANCHA_NEW_PASSWORD`` or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from app.cli.common import EXIT_OK, CliError, add_db_argument, open_context
from app.services.errors import ServiceError

NEW_PASSWORD_ENV_VAR = "LIANCHA_NEW_PASSWORD"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("users", help="管理用户账户（首个管理员、列表、新增、解锁、重置密码）")
    sub = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    first = sub.add_parser("create-admin", help="创建首个管理员（仅在还没有任何账户时）")
    first.add_argument("--username", required=True)
    first.add_argument("--name", required=True, help="姓名")
    first.add_argument("--cleared", action="store_true", help="可接触涉密任务")
    add_db_argument(first)
    first.set_defaults(func=run_create_admin)
    lst = sub.add_parser("list", help="列出用户")
    add_db_argument(lst)
    lst.set_defaults(func=run_list)
    add = sub.add_parser("add", help="新增用户（首次登录须修改密码）")
    add.add_argument("--username", required=True)
    add.add_argument("--name", required=True, help="姓名")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        help="角色：管理员、办公室、部门操作员、检查员、只读（可多次）",
    )
    add.add_argument("--department", action="append", default=[], help="负责部门名称或简称（可多次）")
    add.add_argument("--cleared", action="store_true", help="可查看涉密任务")
    add_db_argument(add)
    add.set_defaults(func=run_add)
    unlock = sub.add_parser("unlock", help="解除账户锁定")
    unlock.add_argument("username")
    add_db_argument(unlock)
    unlock.set_defaults(func=run_unlock)
    reset = sub.add_parser("reset-password", help="为用户设置临时密码（下次登录须修改）")
    reset.add_argument("username")
    add_db_argument(reset)
    reset.set_defaults(func=run_reset)


def _new_password(prompt: str) -> str:
    password = os.environ.get(NEW_PASSWORD_ENV_VAR)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise CliError(f"请通过环境变量 {NEW_PASSWORD_ENV_VAR} 提供新密码，或在终端中运行以便输入。")
    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次：") != first:
        raise CliError("两次输入的密码不一致。")
    return first


def run_create_admin(args: argparse.Namespace) -> int:
    from app.services.users import create_first_admin, normalize_username

    ctx = open_context(args, login=False)
    try:
        create_first_admin(
            ctx.db,
            username=args.username,
            display_name=args.name,
            password=_new_password("管理员密码："),
            cleared_for_classified=args.cleared,
        )
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    finally:
        ctx.db.dispose()
    clearance = "可接触涉密任务" if args.cleared else "不可接触涉密任务（可在「系统管理 → 用户」中修改）"
    print(
        f"已创建系统管理员「{normalize_username(args.username)}」（{clearance}），单用户模式结束。"
        "此后使用本数据库须登录（命令行用 --user）。"
    )
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    from app.services.users import list_users

    ctx = open_context(args)
    try:
        rows = list_users(ctx)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    finally:
        ctx.db.dispose()
    for r in rows:
        state = "停用" if not r.active else ("锁定" if r.locked_until else "在用")
        extra = f"；部门：{r.departments}" if r.departments else ""
        secret = "；可查看涉密" if r.cleared_for_classified else ""
        print(f"{r.username}\t{r.display_name}\t{r.role_labels}\t{state}{extra}{secret}")
    return EXIT_OK


def run_add(args: argparse.Namespace) -> int:
    from app.models.users import Role
    from app.services.departments import department_by_name
    from app.services.users import UserData, create_user

    try:
        roles = tuple(Role.from_label(r) for r in args.role)
    except ValueError as exc:
        raise CliError(f"未知角色「{exc}」：可选 管理员、办公室、部门操作员、检查员、只读") from exc
    ctx = open_context(args)
    try:
        departments = []
        for name in args.department:
            row = department_by_name(ctx, name)
            if row is None:
                raise CliError(f"找不到部门「{name}」")
            departments.append(row.id)
        data = UserData(
            args.username,
            args.name,
            roles,
            department_ids=tuple(departments),
            cleared_for_classified=args.cleared,
        )
        create_user(ctx, data, password=_new_password("临时密码："))
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    finally:
        ctx.db.dispose()
    print(f"已新增用户「{args.username}」，首次登录须修改密码。")
    return EXIT_OK


def _user_id(ctx: Any, username: str) -> int:
    from app.services.users import user_by_name

    row = user_by_name(ctx, username)
    if row is None:
        raise CliError(f"找不到用户「{username}」")
    return row.id


def run_unlock(args: argparse.Namespace) -> int:
    from app.services.users import unlock_user

    ctx = open_context(args)
    try:
        unlock_user(ctx, _user_id(ctx, args.username))
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    finally:
        ctx.db.dispose()
    print(f"已解除「{args.username}」的锁定。")
    return EXIT_OK


def run_reset(args: argparse.Namespace) -> int:
    from app.services.users import reset_password

    ctx = open_context(args)
    try:
        reset_password(ctx, _user_id(ctx, args.username), new_password=_new_password("临时密码："))
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    finally:
        ctx.db.dispose()
    print(f"已重置「{args.username}」的密码，下次登录须修改。")
    return EXIT_OK
