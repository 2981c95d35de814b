"""`liancha holidays set --year Y --file F --source S`: enter a year's State Council holiday notice."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REJECTED, add_db_argument, open_context, read_text_file
from app.services.errors import ValidationError
from app.services.workdays import office_calendar, parse_holiday_file, save_holiday_table


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("holidays", help="录入或查看某年的法定节假日安排")
    sub = parser.add_subparsers(dest="holidays_command", required=True, metavar="ACTION")
    setp = sub.add_parser(
        "set", help="从文本文件录入（每行「YYYY-MM-DD 休」或「YYYY-MM-DD 班」，可写 a~b 区间）"
    )
    setp.add_argument("--year", type=int, required=True)
    setp.add_argument("--file", type=Path, required=True)
    setp.add_argument("--source", required=True, help="文号，例如 国办发明电〔2026〕x号")
    add_db_argument(setp)
    setp.set_defaults(func=run_set)
    show = sub.add_parser("show", help="显示某年是否已有节假日安排")
    show.add_argument("--year", type=int, required=True)
    add_db_argument(show)
    show.set_defaults(func=run_show)


def run_set(args: argparse.Namespace) -> int:
    text = read_text_file(args.file, "节假日安排文件")
    ctx = open_context(args)
    try:
        holidays, workdays = parse_holiday_file(text)
        table = save_holiday_table(
            ctx, year=args.year, holidays=holidays, workdays=workdays, source=args.source
        )
    except ValidationError as exc:
        print(f"{args.file}：{exc}")
        return EXIT_REJECTED
    finally:
        ctx.db.dispose()
    print(
        f"已录入 {table.year} 年节假日安排：放假 {len(table.holidays)} 天，调休上班 {len(table.workdays)} 天（{table.source}）"
    )
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        calendar = office_calendar(ctx)
    finally:
        ctx.db.dispose()
    if args.year in calendar.tables:
        t = calendar.tables[args.year]
        print(
            f"{args.year} 年：办公室录入（{t.source}），放假 {len(t.holidays)} 天，调休上班 {len(t.workdays)} 天"
        )
    elif calendar.knows(args.year):
        print(f"{args.year} 年：使用内置节假日数据（chinesecalendar）")
    else:
        print(f"{args.year} 年：没有节假日安排，期限只扣除周末。请用 `liancha holidays set` 录入。")
        return EXIT_REJECTED
    return EXIT_OK
