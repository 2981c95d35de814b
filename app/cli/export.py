"""`liancha export KIND OUT.xlsx [--preset NAME] [--template]`: a registry (or a blank template) to xlsx."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_CANNOT_RUN, EXIT_OK, CliError, add_db_argument, open_context
from app.io import RegistryKind
from app.services.errors import Interrupted
from app.services.exports import ExportError, export_registry, write_template

_KIND_HELP = "；".join(f"{kind.value} {kind.label}" for kind in RegistryKind)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="把名录导出为平台模板格式的 xlsx（或写出空白导入模板）",
        description="导出的文件可直接再导入：导入后每一行都是“未变”。",
    )
    parser.add_argument("kind", choices=[k.value for k in RegistryKind], metavar="KIND", help=_KIND_HELP)
    parser.add_argument("output", type=Path, metavar="OUT.xlsx")
    parser.add_argument(
        "--preset",
        metavar="NAME",
        help="导出格式（映射方案名称）；省略时用平台模板格式（检查对象、检查人员用联查完整格式，以免丢项）",
    )
    parser.add_argument("--template", action="store_true", help="只写出空白导入模板（不读数据库）")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    kind = RegistryKind(args.kind)
    if args.output.suffix.lower() != ".xlsx":
        # The writer always writes a workbook: under a .csv (or no) extension it would be a file
        # that Excel and the platform refuse or show as garbage.
        raise CliError(f"输出文件“{args.output}”须以 .xlsx 结尾（导出的是 Excel 工作簿）", EXIT_CANNOT_RUN)
    if args.template:
        try:
            write_template(kind, args.output, preset=args.preset)
        except ExportError as exc:
            raise CliError(str(exc), EXIT_CANNOT_RUN) from exc
        print(f"已写出空白{kind.label}导入模板：{args.output}")
        return EXIT_OK
    ctx = open_context(args)
    try:
        report = export_registry(ctx, kind, args.output, preset=args.preset)
    except ExportError as exc:
        raise CliError(str(exc), EXIT_CANNOT_RUN) from exc
    except Interrupted as exc:
        raise CliError("已取消，没有写出文件", EXIT_CANNOT_RUN) from exc
    finally:
        ctx.db.dispose()
    print(report.summary())
    return EXIT_OK
