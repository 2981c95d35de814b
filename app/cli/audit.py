"""`liancha audit verify` and `liancha audit export -o OUT.xlsx|OUT.csv`: check and export the audit trail."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REJECTED, CliError, add_db_argument, open_context
from app.services.errors import ServiceError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期「{text}」无法识别，请用 YYYY-MM-DD") from exc


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="校验或导出留痕记录")
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = sub.add_parser("verify", help="校验留痕链：0 完整，1 被改动（指出第一条问题记录），2 无法运行")
    add_db_argument(verify)
    verify.set_defaults(func=run_verify)
    export = sub.add_parser("export", help="导出留痕记录为 xlsx 或 csv")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.xlsx|OUT.csv")
    export.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="起始日期（含）")
    export.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="截止日期（含）")
    export.add_argument("--who", default="", help="操作人（包含此文字）")
    export.add_argument("--action", action="append", default=[], help="操作代码，如 create、update（可多次）")
    export.add_argument("--entity", default="", help="对象类型代码，如 targets、tasks")
    export.add_argument("--text", default="", help="摘要、原因或变更内容中包含的文字")
    export.add_argument("--task", type=int, default=None, metavar="TASK_ID", help="只导出某任务的记录")
    add_db_argument(export)
    export.set_defaults(func=run_export)


def run_verify(args: argparse.Namespace) -> int:
    from app.services.audit_trail import check_audit_chain

    # Verification shows only entry ids and counts: it needs no login.
    ctx = open_context(args, login=False)
    try:
        report = check_audit_chain(ctx)
    except Exception as exc:  # a damaged table, a file that is not a LianCha database …
        raise CliError(f"无法校验留痕记录：{exc}") from exc
    finally:
        ctx.db.dispose()
    if report.ok:
        print(report.message)
        return EXIT_OK
    print(f"留痕链校验失败：{report.message}（第一条问题记录编号 {report.first_broken_id}）")
    return EXIT_REJECTED


def run_export(args: argparse.Namespace) -> int:
    from app.services.audit_trail import AuditFilter, export_audit

    if args.output.suffix.lower() not in (".xlsx", ".csv"):
        raise CliError(f"输出文件 {args.output} 应以 .xlsx 或 .csv 结尾")
    flt = AuditFilter(
        who=args.who,
        actions=tuple(args.action),
        entity=args.entity,
        date_from=args.date_from,
        date_to=args.date_to,
        text=args.text,
        task_id=args.task,
    )
    ctx = open_context(args)
    try:
        count = export_audit(ctx, args.output, flt)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"无法写入 {args.output}：{exc}") from exc
    finally:
        ctx.db.dispose()
    print(f"已导出 {count} 条留痕记录到 {args.output}")
    return EXIT_OK
