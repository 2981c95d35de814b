"""`liancha results …`: the results sheet (template and import), the list, review steps, deadlines.

liancha results template --task T -o OUT.xlsx     检查结果录入表, prefilled
liancha results import FILE [--dry-run] [--report R.xlsx|R.txt]
liancha results list --task T [--state pending_review]
liancha results approve RECORD [--comment C]      组长审核通过
liancha results return RECORD --comment C         退回
liancha results publish (--task T | --record R …) 公示审批
liancha results deadlines [--today YYYY-MM-DD]    公示期限
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.common import (
    EXIT_CANNOT_RUN,
    EXIT_OK,
    EXIT_REJECTED,
    CliError,
    add_db_argument,
    open_context,
    require_input_file,
    service_errors,
)
from app.io.simple_xlsx import write_table
from app.models.enums import InspectionState
from app.services.result_deadlines import result_deadlines
from app.services.result_import import ImportFileError as ResultFileError
from app.services.result_import import ImportReport, import_results, write_result_template
from app.services.results import approve_result, find_inspection, list_results, publish_results, return_result
from app.services.tasks import find_task


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期「{text}」无法识别，请用 YYYY-MM-DD") from exc


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("results", help="检查结果：录入表、批量导入、审核、公示审批、公示期限")
    sub = parser.add_subparsers(dest="results_command", required=True, metavar="ACTION")
    p = sub.add_parser("template", help="生成任务的检查结果录入表（xlsx，已预填记录编号和检查对象）")
    p.add_argument("--task", required=True, help="任务编号")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出的 .xlsx 文件")
    add_db_argument(p)
    p.set_defaults(func=run_template)
    p = sub.add_parser("import", help="导入填好的检查结果录入表：合格行一并提交审核，不合格行逐条报告")
    p.add_argument("file", type=Path, help="录入表 .xlsx")
    p.add_argument("--dry-run", action="store_true", help="只检查并报告，不保存")
    p.add_argument("--report", type=Path, help="把不合格行写入报告（.xlsx 或 .txt）")
    add_db_argument(p)
    p.set_defaults(func=run_import)
    p = sub.add_parser("list", help="列出任务的检查记录及其结果状态")
    p.add_argument("--task", required=True, help="任务编号")
    p.add_argument("--state", choices=[s.value for s in InspectionState], help="只列出该状态")
    add_db_argument(p)
    p.set_defaults(func=run_list)
    p = sub.add_parser("approve", help="组长审核通过")
    p.add_argument("record", help="记录编号（或数字编号）")
    p.add_argument("--comment", default="", help="审核意见")
    add_db_argument(p)
    p.set_defaults(func=run_approve)
    p = sub.add_parser("return", help="退回（须写明退回意见）")
    p.add_argument("record", help="记录编号（或数字编号）")
    p.add_argument("--comment", required=True, help="退回意见")
    add_db_argument(p)
    p.set_defaults(func=run_return)
    p = sub.add_parser("publish", help="公示审批：公示已审核的结果（整个任务或所选记录）")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--task", help="任务编号：公示该任务全部已审核的结果")
    group.add_argument("--record", action="append", help="记录编号（可重复）：所选记录须全部已审核")
    p.add_argument("--comment", default="", help="审批意见")
    add_db_argument(p)
    p.set_defaults(func=run_publish)
    p = sub.add_parser("deadlines", help="各任务的结果公示期限（逾期、即将到期）")
    p.add_argument("--today", type=_date, default=None, help="按哪一天计算（默认今天）")
    add_db_argument(p)
    p.set_defaults(func=run_deadlines)


def run_template(args: argparse.Namespace) -> int:
    if args.output.suffix.lower() != ".xlsx":
        raise CliError("录入表请保存为 .xlsx 文件")
    ctx = open_context(args)
    with service_errors(ctx):
        task = find_task(ctx, args.task)
        count = write_result_template(ctx, task.row.id, args.output)
    print(f"已生成 {args.output}：任务 {task.row.number}，{count} 条待录入记录")
    return EXIT_OK


def _write_report(report: ImportReport, path: Path) -> None:
    headers = ("文件", "行", "列", "内容", "原因")
    rows = [(i.file, i.row, i.column, i.value, i.reason) for i in report.issues]
    if path.suffix.lower() == ".xlsx":
        write_table(path, title=f"{report.file} 导入报告", headers=headers, rows=rows)
    else:
        path.write_text("\n".join(str(i) for i in report.issues) + "\n", encoding="utf-8")


def run_import(args: argparse.Namespace) -> int:
    require_input_file(args.file, "录入表")
    ctx = open_context(args)
    try:
        with service_errors(ctx):
            report = import_results(ctx, args.file, dry_run=args.dry_run)
    except CliError as exc:
        # A file that cannot be read as a results sheet is "could not run" (2), like import.
        if isinstance(exc.__cause__, ResultFileError):
            raise CliError(str(exc), EXIT_CANNOT_RUN) from exc.__cause__
        raise
    for issue in report.issues:
        print(issue)
    verb = "可导入" if report.dry_run else "已导入并提交审核"
    print(
        f"{report.file}：共 {report.rows} 行，{verb} {report.imported} 行，"
        f"未填写跳过 {report.skipped_blank} 行，此前已导入 {report.already_imported} 行，不合格 {report.rejected_rows} 行"
        + ("（试运行，未保存）" if report.dry_run else "")
    )
    if args.report is not None and report.issues:
        _write_report(report, args.report)
        print(f"不合格行已写入 {args.report}")
    return EXIT_OK if report.ok else EXIT_REJECTED


def run_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        task = find_task(ctx, args.task)
        states = [InspectionState(args.state)] if args.state else []
        rows = list_results(ctx, task.row.id, states=states)
    for r in rows:
        print(
            "\t".join(
                [
                    r.inspection_uid,
                    f"第{r.team_number}组" if r.team_number else "未分组",
                    r.target_code,
                    r.target_name,
                    r.status_label,
                    r.inspection_date.isoformat() if r.inspection_date else "",
                    r.result_text,
                ]
            )
        )
    return EXIT_OK


def run_approve(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        approve_result(ctx, find_inspection(ctx, args.record), comment=args.comment)
    print("已审核通过")
    return EXIT_OK


def run_return(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        return_result(ctx, find_inspection(ctx, args.record), comment=args.comment)
    print("已退回")
    return EXIT_OK


def run_publish(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        if args.task:
            outcome = publish_results(ctx, task_id=find_task(ctx, args.task).row.id, comment=args.comment)
        else:
            ids = [find_inspection(ctx, r) for r in args.record]
            outcome = publish_results(ctx, inspection_ids=ids, comment=args.comment)
    print(f"已公示审批 {len(outcome.published)} 条；未到公示环节 {len(outcome.skipped)} 条")
    return EXIT_OK


def run_deadlines(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        board = result_deadlines(ctx, args.today or date.today())
    for warning in board.warnings:
        print(f"警告：{warning}")
    for t in board.tasks:
        print(
            f"{t.task_number}\t{t.task_name}\t结束 {t.end_date:%Y-%m-%d}\t公示期限 {t.due_date:%Y-%m-%d}"
            f"\t{t.status_label}\t已公示 {t.published}/{t.total}"
        )
    return EXIT_REJECTED if board.overdue else EXIT_OK
