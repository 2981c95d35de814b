"""`liancha deadline --from DATE --days N`: a due date in working days, and whether the holiday table covered it."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REJECTED, CliError, add_db_argument, open_context
from app.services.workdays import add_working_days, office_calendar


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期「{text}」无法识别，请用 YYYY-MM-DD") from exc


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deadline", help="按工作日计算期限（扣除周末、法定节假日，计入调休上班日）"
    )
    parser.add_argument(
        "--from", dest="start", required=True, type=_date, help="起算日（当天不计入），YYYY-MM-DD"
    )
    parser.add_argument("--days", required=True, type=int, help="工作日数，例如结果公示 20")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.days < 0:
        raise CliError("--days 不能为负数")
    ctx = open_context(args)
    try:
        deadline = add_working_days(args.start, args.days, office_calendar(ctx))
    finally:
        ctx.db.dispose()
    print(f"{deadline.due.isoformat()}")
    if deadline.covered:
        print(f"自 {args.start:%Y-%m-%d} 起 {args.days} 个工作日，节假日安排已覆盖。")
        return EXIT_OK
    print(f"警告：{deadline.warning}")
    return EXIT_REJECTED
