"""`liancha followup list [--task T] [--open] [--overdue]`: 后续处置 to be tracked to closure."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REJECTED, add_db_argument, open_context, service_errors
from app.services.followups import list_follow_ups
from app.services.tasks import find_task


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("followup", help="后续处置：列出办理中、逾期的后续处置")
    sub = parser.add_subparsers(dest="followup_command", required=True, metavar="ACTION")
    p = sub.add_parser("list", help="列出后续处置")
    p.add_argument("--task", help="只列出该任务的")
    p.add_argument("--open", action="store_true", help="只列出办理中的")
    p.add_argument(
        "--overdue", action="store_true", help="只列出已过整改期限或复查日期仍未办结的（有则退出码 1）"
    )
    add_db_argument(p)
    p.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        task_id = find_task(ctx, args.task).row.id if args.task else None
        rows = list_follow_ups(
            ctx, task_id=task_id, open_only=args.open, overdue_only=args.overdue, today=date.today()
        )
    for r in rows:
        deadline = r.recheck_on or r.due_date
        print(
            "\t".join(
                [
                    r.task_number,
                    r.target_name,
                    r.kind_label,
                    r.department,
                    f"期限 {deadline:%Y-%m-%d}" if deadline else "",
                    r.state_label + ("（逾期）" if r.overdue else ""),
                    r.description,
                ]
            )
        )
    return EXIT_REJECTED if args.overdue and rows else EXIT_OK
