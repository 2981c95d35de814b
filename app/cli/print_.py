"""`liancha print {notices|checklists|records|dispatch|draw-record|packet} --task TASK [--team N] -o OUT.pdf`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, CliError, add_db_argument, open_context, service_errors
from app.printing.errors import PrintingError
from app.services.printing import PrintKind, print_task
from app.services.tasks import find_task


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "print", help="打印任务表单为 PDF（通知书、检查单、记录表、派单、抽取记录、资料包）"
    )
    parser.add_argument(
        "doc",
        choices=[k.value for k in PrintKind],
        metavar="DOC",
        help="、".join(f"{k.value} {k.label}" for k in PrintKind),
    )
    parser.add_argument("--task", required=True)
    parser.add_argument("--team", type=int, help="只打印第 N 检查组")
    parser.add_argument("-o", "--output", type=Path, required=True)
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.output.is_dir():
        # Refused before the documents are built: a 300-target task takes a minute to lay out.
        raise CliError(f"“{args.output}”是文件夹，请写出 PDF 文件名（如 {args.output / '通知书.pdf'}）")
    ctx = open_context(args)
    shown = False

    def progress(done: int, total: int) -> None:
        nonlocal shown
        shown = True
        print(f"\r正在生成 {done}/{total} 份…", end="", file=sys.stderr)

    try:
        with service_errors(ctx):
            task = find_task(ctx, args.task)
            try:
                result = print_task(
                    ctx, task.row.id, PrintKind(args.doc), args.output, team=args.team, progress=progress
                )
            except PrintingError as exc:
                raise CliError(str(exc)) from exc
    finally:
        if shown:
            # End the progress line, so that a message after it starts on a line of its own.
            print(file=sys.stderr)
    print(f"已生成 {args.output}：{len(result.documents)} 份，共 {result.page_count} 页")
    return EXIT_OK
