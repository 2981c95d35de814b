"""`liancha demo [--targets N] [--seed S]`: fill an empty database with the demo county."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import Any, TextIO

from app.cli.common import EXIT_OK, CliError, add_db_argument, open_context
from app.services.demo import DEFAULT_SEED, DEFAULT_TARGETS, DEMO_AS_OF, build_demo_county, is_database_empty
from app.services.demo_plan import build_demo_plan
from app.services.errors import ServiceError
from app.services.progress import Progress


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="在空数据库中生成演示县（青山县）数据",
        description="在空数据库中生成一个虚构的演示县：部门、检查对象、检查人员、抽查事项和一业一查方案。"
        "相同的种子总是生成相同的数据。",
    )
    add_db_argument(parser)
    parser.add_argument(
        "--targets",
        type=int,
        default=DEFAULT_TARGETS,
        metavar="N",
        help=f"检查对象数量（默认 {DEFAULT_TARGETS:,}，最多 1,000,000）",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"随机种子（默认 {DEFAULT_SEED}）"
    )
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=DEMO_AS_OF,
        metavar="YYYY-MM-DD",
        help=f"许可证、执法证有效期的参照日期（默认 {DEMO_AS_OF.isoformat()}）",
    )
    parser.add_argument(
        "--if-empty", action="store_true", help="数据库已有数据时不做任何事（快速启动脚本用）"
    )
    parser.set_defaults(func=run)


class LineProgress(Progress):
    """Progress that redraws one line on a terminal (at most ten times a second)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._last = 0.0
        self._tty = stream.isatty()

    def update(self, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        super().update(done, total, message)
        now = time.monotonic()
        state = self.snapshot()
        final = state.total > 0 and state.done >= state.total
        if not final and now - self._last < (0.1 if self._tty else 2.0):
            return
        self._last = now
        percent = f"{100 * state.done / state.total:5.1f}%" if state.total else ""
        line = f"{percent} {state.message}"
        if self._tty:
            self._stream.write("\r" + line + "\033[K")
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def finish(self) -> None:
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()


def run(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    if args.if_empty and not is_database_empty(ctx):
        ctx.db.dispose()
        print(f"数据库 {ctx.db.display_name()} 已有数据，未生成演示县。")
        return EXIT_OK
    progress = LineProgress(sys.stderr)
    try:
        summary = build_demo_county(
            ctx, targets=args.targets, seed=args.seed, as_of=args.as_of, progress=progress
        )
        plan = build_demo_plan(ctx, year=summary.as_of.year)
    except ServiceError as exc:
        progress.finish()
        raise CliError(str(exc)) from exc
    finally:
        ctx.db.dispose()
    progress.finish()
    print(f"已生成演示县数据（种子 {summary.seed}，参照日期 {summary.as_of.isoformat()}）：")
    for label, count in summary.counts().items():
        print(f"  {label}：{count:,}")
    print(
        f"  {summary.as_of.year} 年度抽查计划：{len(plan.task_ids)} 项任务待抽取（`liancha task list` 查看）"
    )
    rate = summary.targets / summary.seconds if summary.seconds > 0 else 0.0
    print(f"用时 {summary.seconds:.1f} 秒（检查对象约 {rate:,.0f} 个/秒）")
    return EXIT_OK
