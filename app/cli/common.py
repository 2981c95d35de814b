"""Helpers shared by the subcommands: exit codes, errors, opening the database."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.db import Database
    from app.services.context import ServiceContext

EXIT_OK = 0
EXIT_REJECTED = 1  # done, but some rows were rejected or a check failed
EXIT_CANNOT_RUN = 2  # unreadable file, bad arguments, database refused
USER_ENV_VAR = "LIANCHA_USER"
PASSWORD_ENV_VAR = "LIANCHA_PASSWORD"


class CliError(Exception):
    """A failure to report in one line on stderr, with the exit status to use."""

    def __init__(self, message: str, exit_code: int = EXIT_CANNOT_RUN) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Let ``--db`` also be given after the subcommand (``liancha info --db x``)."""
    parser.add_argument("--db", metavar="PATH_OR_URL", default=argparse.SUPPRESS, help="数据库文件路径或 URL")
    parser.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=USER_HELP)


USER_HELP = (
    "用户名（数据库已启用用户账户时必填；也可用环境变量 LIANCHA_USER；密码取 LIANCHA_PASSWORD 或提示输入）"
)


def _login(args: argparse.Namespace, db: Database) -> ServiceContext | None:
    """Log in with ``--user`` when the database has accounts; None in single-user mode."""
    from app.services.users import AuthenticationFailed, accounts_exist, authenticate, context_for

    username = getattr(args, "user", None) or os.environ.get(USER_ENV_VAR)
    if not accounts_exist(db):
        return None
    if not username:
        raise CliError(
            "本数据库已启用用户账户：请用 --user 用户名 指定用户，"
            f"密码通过环境变量 {PASSWORD_ENV_VAR} 提供或在提示时输入。"
        )
    password = os.environ.get(PASSWORD_ENV_VAR)
    if password is None:
        if not sys.stdin.isatty():
            raise CliError(
                f"需要用户「{username}」的密码：请设置环境变量 {PASSWORD_ENV_VAR}，或在终端中运行以便输入。"
            )
        password = getpass.getpass(f"用户 {username} 的密码：")
    try:
        result = authenticate(db, username, password)
    except AuthenticationFailed as exc:
        raise CliError(str(exc)) from exc
    if result.must_change_password:
        print("提示：您的密码是管理员设置的临时密码，请尽快在图形界面中修改。", file=sys.stderr)
    return context_for(db, result.actor)


def open_context(args: argparse.Namespace, *, login: bool = True) -> ServiceContext:
    """Open the database named by ``--db`` (migrating it) and build the service context.

    Once the database has user accounts, ``--user`` (or ``LIANCHA_USER``) and the password
    (``LIANCHA_PASSWORD`` or a prompt) are required and the context acts as that user;
    before that, the operator (``--operator`` or settings) acts with every role. ``login=False``
    skips the login for commands that change nothing and reveal nothing classified.
    """
    from app.db import DatabaseError, open_database
    from app.services.context import ServiceContext
    from app.services.settings import DEFAULT_OPERATOR, OPERATOR_KEY, get_setting

    try:
        db = open_database(getattr(args, "db", None))
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    except Exception as exc:  # an unreachable server, a file that is not a database …
        from app.config import resolve_db_url

        url = resolve_db_url(getattr(args, "db", None))
        if not url.startswith("sqlite"):
            from app.services.server import connection_problem

            raise CliError(connection_problem(url, exc)) from exc
        raise CliError(_sqlite_problem(url, exc)) from exc
    if login:
        try:
            user_ctx = _login(args, db)
        except BaseException:
            db.dispose()
            raise
        if user_ctx is not None:
            return user_ctx
    operator = getattr(args, "operator", None)
    if not operator:
        with db.read() as session:
            operator = str(get_setting(session, OPERATOR_KEY, DEFAULT_OPERATOR))
    return ServiceContext(db=db, operator=operator)


def _sqlite_problem(url: str, exc: Exception) -> str:
    """Why a SQLite file named by --db cannot be opened, in the operator's words (not the driver's)."""
    from app.config import sqlite_path

    path = sqlite_path(url)
    if path is not None and path.is_dir():
        return f"无法打开数据库：“{path}”是文件夹，请用 --db 指定其中的数据库文件（如 liancha.sqlite3）"
    if path is not None and any(m in str(exc) for m in ("file is not a database", "disk image is malformed")):
        return f"无法打开数据库：文件“{path}”不是联查数据库，或已损坏。请检查 --db 是否选对了文件；损坏时请用 liancha restore 从备份恢复"
    detail = str(getattr(exc, "orig", None) or exc)
    return f"无法打开数据库“{path or url}”：{detail}"


@contextmanager
def service_errors(ctx: ServiceContext | None = None) -> Iterator[None]:
    """Turn a service's user-facing error into a one-line CLI message (exit 1); close the database after."""
    from app.services.errors import ServiceError

    try:
        yield
    except ServiceError as exc:
        raise CliError(str(exc), EXIT_REJECTED) from exc
    finally:
        if ctx is not None:
            ctx.db.dispose()


def require_input_file(path: Path, what: str = "文件") -> None:
    """Refuse, before any work, a path that is missing or is a folder (exit 2, saying which)."""
    if path.is_dir():
        raise CliError(f"“{path}”是文件夹，不是{what}，请指定其中的文件", EXIT_CANNOT_RUN)
    if not path.is_file():
        raise CliError(f"找不到{what}“{path}”，请检查路径", EXIT_CANNOT_RUN)


def read_text_file(path: Path, what: str = "文件") -> str:
    """A UTF-8 text file's contents, or a one-line Chinese reason why it cannot be read (exit 2)."""
    require_input_file(path, what)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{what}“{path}”不是 UTF-8 编码的文本，请另存为 UTF-8 后重试", EXIT_CANNOT_RUN
        ) from exc
    except OSError as exc:
        raise CliError(f"无法读取{what}“{path}”：{exc.strerror or exc}", EXIT_CANNOT_RUN) from exc


# Chinese for the errors an operator meets with files; anything else keeps the system's words.
_ERRNO_REASONS = {
    errno.ENOENT: "文件或所在文件夹不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "已有同名的文件，无法在此建立文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "所在磁盘是只读的",
}


def file_problem(exc: OSError) -> str:
    """One Chinese line for a failed file operation, naming the file the operator gave."""
    name = str(exc.filename) if exc.filename is not None else ""
    # Writers go through NAME.partial then rename: the operator knows the file as NAME.
    name = name.removesuffix(".partial")
    reason = _ERRNO_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
    if not name:
        return f"文件读写失败：{reason}"
    return f"无法读写文件“{name}”：{reason}。请确认文件夹存在且可写、磁盘有空间，并关闭正在打开该文件的程序后重试"
