"""Helpers shared by the subcommands: exit codes, errors, opening the database."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.context import ServiceContext

EXIT_OK = 0
EXIT_REJECTED = 1  # done, but some rows were rejected or a check failed
EXIT_CANNOT_RUN = 2  # unreadable file, bad arguments, database refused


class CliError(Exception):
    """A failure to report in one line on stderr, with the exit status to use."""

    def __init__(self, message: str, exit_code: int = EXIT_CANNOT_RUN) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Let ``--db`` also be given after the subcommand (``liancha info --db x``)."""
    parser.add_argument("--db", metavar="PATH_OR_URL", default=argparse.SUPPRESS, help="数据库文件路径或 URL")


def open_context(args: argparse.Namespace) -> ServiceContext:
    """Open the database named by ``--db`` (migrating it) and build the service context."""
    from app.db import DatabaseError, open_database
    from app.services.context import ServiceContext
    from app.services.settings import DEFAULT_OPERATOR, OPERATOR_KEY, get_setting

    try:
        db = open_database(getattr(args, "db", None))
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    except Exception as exc:  # an unreachable server, a file that is not a database …
        raise CliError(f"无法打开数据库：{exc}") from exc
    operator = getattr(args, "operator", None)
    if not operator:
        with db.read() as session:
            operator = str(get_setting(session, OPERATOR_KEY, DEFAULT_OPERATOR))
    return ServiceContext(db=db, operator=operator)


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
