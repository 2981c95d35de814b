"""`liancha report year --year Y -o OUT.pdf|OUT.xlsx [--classified]`: the year-end summary."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_CANNOT_RUN, EXIT_OK, CliError, add_db_argument, open_context
from app.printing.errors import PrintingError
from app.services.errors import ServiceError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="生成年度工作总结（统计部分），PDF 或 xlsx",
        description="年度工作总结：各项统计、年度计划执行情况、计划调整及理由、发现的问题及处置情况。"
        "不含涉密任务，除非加 --classified（须有涉密权限，生成的文件按涉密材料管理）。",
    )
    kinds = parser.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    year = kinds.add_parser("year", help="年度工作总结")
    year.add_argument("--year", type=int, required=True, metavar="Y", help="年度，如 2026")
    year.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUT", help="输出文件：.pdf 或 .xlsx"
    )
    year.add_argument("--classified", action="store_true", help="标记为涉密报告，统计含涉密任务")
    year.add_argument(
        "--today", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD", help=argparse.SUPPRESS
    )
    add_db_argument(year)
    year.set_defaults(func=run_year)


def run_year(args: argparse.Namespace) -> int:
    from app.services.year_report import REPORT_SUFFIXES, export_year_report

    output: Path = args.output
    suffix = output.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise CliError(f"输出文件 {output} 的扩展名须为 .pdf 或 .xlsx", EXIT_CANNOT_RUN)
    if not 2000 <= args.year <= 2100:
        raise CliError(f"年度 {args.year} 不对，请填写四位年份，如 2026", EXIT_CANNOT_RUN)
    if not output.parent.exists():
        raise CliError(f"输出目录 {output.parent} 不存在，请先建立该目录", EXIT_CANNOT_RUN)
    ctx = open_context(args)
    try:
        try:
            report = export_year_report(ctx, args.year, output, classified=args.classified, today=args.today)
        except ServiceError as exc:
            raise CliError(str(exc), EXIT_CANNOT_RUN) from exc
        except (OSError, PrintingError) as exc:
            raise CliError(f"无法写出 {output}：{exc}", EXIT_CANNOT_RUN) from exc
    finally:
        ctx.db.dispose()
    mark = "（涉密，含涉密任务）" if report.classified else "（不含涉密任务）"
    print(f"已生成 {args.year} 年度工作总结{mark}：{output}")
    for line in report.summary_lines():
        print(f"  {line}")
    return EXIT_OK
