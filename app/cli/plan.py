"""`liancha plan …`: annual plans, their publication and adjustments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, CliError, add_db_argument, open_context, service_errors
from app.services.plans import create_plan, list_adjustments, list_plans, plan_for_year, publish_plan


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("plan", help="年度抽查计划：新建、公布、查看调整记录")
    sub = parser.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    p = sub.add_parser("create", help="新建某年度计划")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--title", default="")
    p.add_argument("--number", default="", help="抽查计划编号")
    add_db_argument(p)
    p.set_defaults(func=run_create)
    p = sub.add_parser("list", help="列出各年度计划")
    add_db_argument(p)
    p.set_defaults(func=run_list)
    p = sub.add_parser("publish", help="公布计划（此后的变更均须作为调整备案）")
    p.add_argument("--year", type=int, required=True)
    add_db_argument(p)
    p.set_defaults(func=run_publish)
    p = sub.add_parser("adjustments", help="列出或导出计划调整记录")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("-o", "--output", type=Path, help="导出为 xlsx")
    add_db_argument(p)
    p.set_defaults(func=run_adjustments)


def run_create(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        create_plan(ctx, year=args.year, title=args.title, number=args.number)
    print(f"已新建 {args.year} 年度抽查计划")
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        for p in list_plans(ctx):
            state = f"已公布 {p.published_at:%Y-%m-%d}" if p.published_at else "未公布"
            print(f"{p.year}\t{p.title}\t任务 {p.tasks} 项\t{state}\t调整 {p.adjustments} 次")
    return EXIT_OK


def _plan_id(ctx: Any, year: int) -> int:
    plan = plan_for_year(ctx, year)
    if plan is None:
        raise CliError(f"没有 {year} 年度计划；请先 `liancha plan create --year {year}`")
    return plan.id


def run_publish(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        publish_plan(ctx, _plan_id(ctx, args.year))
    print(f"{args.year} 年度抽查计划已公布")
    return EXIT_OK


def run_adjustments(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        rows = list_adjustments(ctx, _plan_id(ctx, args.year))
    headers = ["序号", "时间", "操作人", "类型", "任务编号", "内容", "调整原因"]
    table = [
        [n, f"{r.at.astimezone():%Y-%m-%d %H:%M}", r.operator, r.kind, r.task_number, r.description, r.reason]
        for n, r in enumerate(rows, start=1)
    ]
    if args.output:
        from app.io.simple_xlsx import write_table

        write_table(args.output, title=f"{args.year}年度抽查计划调整记录", headers=headers, rows=table)
        print(f"已导出 {len(rows)} 条调整记录到 {args.output}")
    else:
        for row in table:
            print("\t".join(str(c) for c in row))
    return EXIT_OK
