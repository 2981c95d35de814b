"""`liancha import KIND FILE [--mapping M] [--dry-run] [--report R]`: registry files into the database.

Exit status: 0 every row imported (warnings allowed), 1 some rows rejected (the others
imported unless ``--dry-run``), 2 the file could not be read or an option is wrong.
"""

from __future__ import annotations

import argparse
import sys
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
)
from app.io import Issue, Preset, PresetError, RegistryKind, load_preset
from app.services.errors import Interrupted, ServiceError
from app.services.imports import ImportFileError, ImportReport, import_registry
from app.services.progress import Progress

SHOWN_ISSUES = 20
_KIND_HELP = "；".join(f"{kind.value} {kind.label}" for kind in RegistryKind)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="导入名录文件（检查对象、检查人员、抽查事项、联合抽查事项清单、检查要点）",
        description="导入名录文件：先逐行检查，再把合格的行一次性写入数据库（要么全部写入，要么都不写）。"
        "退出码：0 全部导入；1 有行被拒绝（其余已导入，--dry-run 时不写入）；2 文件无法读取或参数有误。",
    )
    parser.add_argument("kind", choices=[k.value for k in RegistryKind], metavar="KIND", help=_KIND_HELP)
    parser.add_argument("file", type=Path, metavar="FILE", help="xlsx、xls、csv 等名录文件")
    parser.add_argument(
        "--mapping",
        metavar="NAME",
        help="列映射方案：内置或已保存方案的名称，或方案 JSON 文件；省略时自动识别",
    )
    parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入数据库")
    parser.add_argument("--report", type=Path, metavar="OUT.xlsx", help="把全部问题写入 xlsx 问题清单")
    parser.add_argument(
        "--department",
        metavar="NAME",
        help="inspectors：全部人员所属部门（省略时按“所在业务部门（机构）”列）；checkpoints：事项所属部门",
    )
    parser.add_argument(
        "--item", metavar="NAME", help="checkpoints：检查要点所属的抽查事项（省略时按“抽查事项”列）"
    )
    parser.add_argument("--sheet", metavar="NAME", help="要读取的工作表（省略时自动选择）")
    add_db_argument(parser)
    parser.set_defaults(func=run)


class _ConsoleProgress(Progress):
    """Progress shown on one line of stderr (only on a terminal)."""

    def __init__(self) -> None:
        super().__init__()
        self._shown = sys.stderr.isatty()

    def update(self, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        super().update(done, total, message)
        if self._shown:
            state = self.snapshot()
            print(f"\r{state.message} {state.done}/{state.total}    ", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self._shown:
            print(file=sys.stderr)


def _mapping_option(value: str | None) -> Preset | str | None:
    # A name is a built-in or saved preset; a path to an existing file (whatever its extension)
    # is read as a preset file, so that a wrong file is told apart from an unknown name.
    if value is None or not (value.lower().endswith(".json") or Path(value).exists()):
        return value
    try:
        return load_preset(Path(value))
    except PresetError as exc:
        raise CliError(str(exc), EXIT_CANNOT_RUN) from exc


def format_issue(issue: Issue) -> str:
    """One issue as a console line: row, column, value, reason."""
    where = f"第{issue.row}行" if issue.row is not None else "整个文件"
    column = f"［{issue.column}］" if issue.column else ""
    value = f"“{issue.value}”" if issue.value else ""
    return f"  {issue.severity.label} {where}{column}{value}：{issue.reason}"


def print_report(report: ImportReport, *, shown: int = SHOWN_ISSUES) -> None:
    """The summary and the first issues, errors first."""
    print(report.summary())
    ordered = sorted(report.issues, key=lambda issue: issue.severity.value != "error")
    for issue in ordered[:shown]:
        print(format_issue(issue))
    if len(ordered) > shown:
        print(f"  ……另有 {len(ordered) - shown} 条问题，请用 --report 导出问题清单查看")


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    require_input_file(path)
    mapping = _mapping_option(args.mapping)
    ctx = open_context(args)
    progress = _ConsoleProgress()
    try:
        report = import_registry(
            ctx,
            args.kind,
            path,
            mapping=mapping,
            dry_run=args.dry_run,
            progress=progress,
            department=args.department,
            item=args.item,
            sheet=args.sheet,
        )
    except ImportFileError as exc:
        raise CliError(str(exc), EXIT_CANNOT_RUN) from exc
    except Interrupted as exc:
        raise CliError("已取消，数据库没有任何改动", EXIT_CANNOT_RUN) from exc
    except ServiceError as exc:
        raise CliError(str(exc), EXIT_REJECTED) from exc
    finally:
        progress.finish()
        ctx.db.dispose()
    print_report(report)
    if args.report is not None:
        try:
            count = report.write_report(args.report)
        except OSError as exc:
            raise CliError(
                f"无法写入问题清单“{args.report}”：{exc.strerror or exc}", EXIT_CANNOT_RUN
            ) from exc
        print(f"问题清单（{count} 条）已写入 {args.report}")
    return EXIT_REJECTED if report.rejected else EXIT_OK
