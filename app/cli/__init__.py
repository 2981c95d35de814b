"""The ``liancha`` command: no argument starts the GUI, subcommands do the same work headless.

Each subcommand lives in its own module under ``app.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
``(args: argparse.Namespace) -> int``. Exit status: 0 success, 1 done with rejected
rows or a failed check, 2 could not run — always with a message saying why.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app.buildinfo import version_line
from app.cli.common import EXIT_CANNOT_RUN, EXIT_OK, USER_HELP, CliError, file_problem
from app.logfile import configure_logging

# One line per subcommand module; order is the order shown in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "app.cli.info",
    "app.cli.demo",
    "app.cli.gui",
    "app.cli.import_",
    "app.cli.export",
    "app.cli.plan",
    "app.cli.task",
    "app.cli.draw",
    "app.cli.print_",
    "app.cli.results",
    "app.cli.disclose",
    "app.cli.followup",
    "app.cli.batch",
    "app.cli.deadline",
    "app.cli.report",
    "app.cli.holidays",
    "app.cli.audit",
    "app.cli.backup",
    "app.cli.restore",
    "app.cli.users",
    "app.cli.server",
    "app.cli.sample",
    "app.cli.verify",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="liancha",
        description="联查 LianCha：双随机、一公开 与 一业一查 离线工作台。不带子命令时启动图形界面。",
    )
    parser.add_argument("--version", action="version", version=version_line())
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None,
        help="数据库文件路径或 SQLAlchemy URL（默认取环境变量 LIANCHA_DB，否则用户数据目录下的 liancha.sqlite3）",
    )
    parser.add_argument("--operator", default=None, help="操作人姓名（记入留痕；默认取设置中的操作人）")
    parser.add_argument("--user", metavar="NAME", default=None, help=USER_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``liancha`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging()
    if args.command is None:
        from app.cli.gui import run_gui

        return run_gui(args)
    try:
        result = int(args.func(args))
    except CliError as exc:
        print(f"liancha {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as Unix tools do.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        # A file a subcommand could not write or read (a folder that does not exist, no
        # permission, a full disk …) that it did not word itself: one line, never a traceback.
        print(f"liancha {args.command}: {file_problem(exc)}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print(f"liancha {args.command}: 已取消", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return result


def gui_main() -> int:
    """Entry point of the ``liancha-gui`` script (no console window on Windows)."""
    return main([])
