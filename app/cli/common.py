"""Helpers shared by the subcommands: exit codes, errors, opening the database."""

from __future__ import annotations

import argparse

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
