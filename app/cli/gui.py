"""`liancha` with no subcommand (or `liancha gui`): start the desktop interface."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import add_db_argument


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("gui", help="启动图形界面（不带子命令时的默认行为）")
    add_db_argument(parser)
    parser.set_defaults(func=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    """Start the Qt application; imported lazily so headless subcommands never load Qt."""
    from app.ui.application import run

    return run(db=getattr(args, "db", None), operator=getattr(args, "operator", None))
