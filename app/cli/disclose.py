"""`liancha disclose {task|list|results} --task T -o OUT.{xlsx,pdf}`: the three disclosure tables.

Classified and non-public tasks are refused (exit 1, with the reason); withheld results never
appear (``app.services.disclosure``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, CliError, add_db_argument, open_context, service_errors
from app.services.disclosure import KINDS, export_disclosure
from app.services.tasks import find_task

_LABELS = {"task": "抽查任务公告", "list": "抽查名单", "results": "抽查结果公告"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "disclose", help="生成公示文件：抽查任务公告、抽查名单、抽查结果公告（xlsx 或 pdf）"
    )
    parser.add_argument("kind", choices=KINDS, help="task 抽查任务公告；list 抽查名单；results 抽查结果公告")
    parser.add_argument("--task", required=True, help="任务编号")
    parser.add_argument("-o", "--output", type=Path, required=True, help="输出文件（.xlsx 或 .pdf）")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.output.suffix.lower() not in (".xlsx", ".pdf"):
        raise CliError("输出文件请用 .xlsx 或 .pdf")
    ctx = open_context(args)
    with service_errors(ctx):
        task = find_task(ctx, args.task)
        table = export_disclosure(ctx, args.kind, task.row.id, args.output)
    print(f"已生成{_LABELS[args.kind]} {args.output}（{len(table.rows)} 行）")
    return EXIT_OK
