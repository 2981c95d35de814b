"""``liancha verify RECORD.json``: re-run a draw from its record and say whether it matches.

Exit status: 0 every stratum and team matches; 1 something differs (printed); 2 the file
cannot be read or is not a well-formed draw record.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REJECTED, CliError
from app.draw.record import Check, RecordFormatError, load_record, record_fingerprint, verify_record

logger = logging.getLogger(__name__)

_SECTION_LABELS = {"targets": "对象抽取", "inspectors": "人员选派与分组", "record": "记录"}
_ASPECT_LABELS = {
    "population_ids": "总体名单",
    "population_size": "总体数量",
    "population_hash": "总体哈希",
    "sample_size": "抽取数量",
    "selection": "抽中名单",
    "strata": "分层",
    "exclusions": "排除名单",
    "target_hash": "对象名单哈希",
    "inspector_hash": "人员名录哈希",
    "expert_hash": "专家名录哈希",
    "targets_match": "对象一致性",
    "rerun": "重新抽取",
    "team_order": "组顺序",
    "teams": "组数",
    "team": "检查组",
    "rules": "分组规则",
}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``verify`` subcommand.

    Args:
        subparsers: The main parser's subparsers.
    """
    parser = subparsers.add_parser(
        "verify",
        help="按抽取记录（JSON）重新抽取并核对结果",
        description=(
            "读取抽取记录 JSON，逐层重新计算总体哈希和抽取结果并与记录比对。"
            "全部一致返回 0，有不符返回 1，文件无法读取或格式错误返回 2。"
        ),
    )
    parser.add_argument("record", metavar="RECORD.json", help="抽取记录文件")
    parser.add_argument("--quiet", action="store_true", help="只输出不一致的项和结论")
    parser.set_defaults(func=run)


def _describe(check: Check) -> str:
    section = _SECTION_LABELS.get(check.section, check.section)
    subject = ""
    if check.subject:
        subject = f" · 风险等级 {check.subject}" if check.section == "targets" else f" · {check.subject}"
    aspect = _ASPECT_LABELS.get(check.aspect, check.aspect)
    mark = "一致" if check.ok else "不符"
    return f"[{mark}] {section}{subject} · {aspect}：{check.message}"


def run(args: argparse.Namespace) -> int:
    """Verify one record file and print the outcome of every check.

    Args:
        args: Parsed arguments (``record``, ``quiet``).

    Returns:
        0 if everything matches, 1 otherwise.

    Raises:
        CliError: With exit status 2 when the file is unreadable or malformed.
    """
    try:
        record = load_record(Path(args.record))
    except RecordFormatError as exc:
        raise CliError(str(exc)) from None
    out = sys.stdout
    out.write(f"抽取记录 {record.record_id}（任务 {record.task_number} {record.task_name}）\n")
    out.write(f"种子：{record.seed.value!r}；算法 {record.algorithm} 版本 {record.algorithm_version}\n")
    out.write(f"记录指纹（SHA-256）：{record_fingerprint(record)}\n")
    if record.void is not None:
        out.write(f"注意：该抽取已于 {record.void.voided_at.isoformat()} 作废，原因：{record.void.reason}\n")
    result = verify_record(record)
    for check in result.checks:
        if check.ok and args.quiet:
            continue
        out.write(_describe(check) + "\n")
    if result.ok:
        out.write(f"结论：全部 {len(result.checks)} 项核对一致，抽取结果可复现。\n")
        return EXIT_OK
    out.write(
        f"结论：{len(result.failures)} 项不符（共 {len(result.checks)} 项），该记录与重新抽取的结果不一致。\n"
    )
    return EXIT_REJECTED
