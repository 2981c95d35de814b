"""`liancha batch {export|import|receipt|status|keys}`: sync batch files (SYNC.md, docs/sync-format.md).

``export --kind results|task-package|registry``; ``import`` takes any batch and applies it by the
kind its signed manifest names (results, task package, registry update; ``--dry-run`` shows a
registry update's diff, ``--decide KEY=local|incoming`` settles its conflicts).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import (
    EXIT_CANNOT_RUN,
    EXIT_OK,
    EXIT_REJECTED,
    CliError,
    add_db_argument,
    open_context,
    read_text_file,
    require_input_file,
    service_errors,
)
from app.io.batch import BatchRejected, format_fingerprint
from app.services.sync import (
    apply_receipt,
    export_results_batch,
    my_key_card,
    sync_status,
    trust_key_card,
    trusted_keys,
)
from app.services.sync_inbox import import_any
from app.services.sync_packages import PACKAGE_TABLES, PackageImport, export_task_package
from app.services.sync_registry import (
    ACTION_LABELS,
    ACTIONS,
    KIND_LABELS,
    RegistryImport,
    export_registry,
    field_label,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("batch", help="数据同步：导出、导入批次文件，登记回执，管理同步密钥")
    sub = parser.add_subparsers(dest="batch_command", required=True, metavar="ACTION")

    p = sub.add_parser("export", help="导出批次文件")
    p.add_argument("--kind", choices=("results", "task-package", "registry"), default="results")
    p.add_argument("--task", help="任务（task-package）")
    p.add_argument("--stream", choices=("public", "classified"), default="public")
    p.add_argument("--to", dest="recipient", help="接收方（已信任密钥的名称、指纹或安装编号）")
    p.add_argument("-o", "--output", required=True, help="输出文件或文件夹")
    add_db_argument(p)
    p.set_defaults(func=run_export)

    p = sub.add_parser("import", help="导入批次文件并生成回执")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    p.add_argument("--receipt", help="回执输出路径（默认写在批次文件旁）")
    p.add_argument(
        "--decide",
        action="append",
        default=[],
        metavar="KEY=local|incoming",
        help="名录更新的冲突处理：保留本地（local）或采用平台（incoming），KEY 见 --dry-run 的输出；可重复",
    )
    add_db_argument(p)
    p.set_defaults(func=run_import)

    p = sub.add_parser("receipt", help="登记对方的回执")
    p.add_argument("file")
    add_db_argument(p)
    p.set_defaults(func=run_receipt)

    p = sub.add_parser("status", help="同步状态")
    add_db_argument(p)
    p.set_defaults(func=run_status)

    p = sub.add_parser("keys", help="本机同步密钥与受信任密钥")
    p.add_argument("action", choices=("show", "export", "trust"))
    p.add_argument("card", nargs="?", help="trust：对方的密钥卡文件")
    p.add_argument("-o", "--output", help="export：密钥卡输出文件")
    p.add_argument("--fingerprint", help="trust：电话或纸面核对过的指纹")
    add_db_argument(p)
    p.set_defaults(func=run_keys)

    from app.cli.batch_online import register_online

    register_online(sub)


def _rejected(exc: BatchRejected) -> CliError:
    # The whole file was refused (altered, unknown key, not meant for this office): nothing was
    # imported, so this is "the file cannot be used" (2), not "some rows were rejected" (1).
    return CliError(str(exc.message), EXIT_CANNOT_RUN)


def run_export(args: argparse.Namespace) -> int:
    if args.kind == "registry":
        ctx = open_context(args)
        with service_errors(ctx):
            snapshot = export_registry(ctx, Path(args.output))
        c = snapshot.counts
        print(
            f"已导出名录快照：{snapshot.path}（第{snapshot.version}版：检查对象 {c['targets']}，"
            f"检查人员 {c['inspectors']}，抽查事项 {c['items']}）"
        )
        return EXIT_OK
    if args.kind == "task-package":
        if not args.task:
            raise CliError("导出任务包需要 --task（任务编号）。", EXIT_CANNOT_RUN)
        ctx = open_context(args)
        with service_errors(ctx):
            package = export_task_package(ctx, Path(args.output), task=args.task, recipient=args.recipient)
        counts = package.counts
        print(
            f"已导出任务包：{package.path}（第{package.batch_seq}号批次，{package.task_number}："
            f"检查对象 {counts['inspections']} 个，检查组 {counts['teams']} 个，"
            f"检查人员 {counts['inspectors']} 人，抽查事项 {counts['items']} 项"
            + ("，已加密" if package.classified else "")
            + "）"
        )
        return EXIT_OK
    if args.kind != "results":
        raise CliError(f"尚不支持导出“{args.kind}”批次：目前可导出结果批次和任务包。", EXIT_CANNOT_RUN)
    ctx = open_context(args)
    with service_errors(ctx):
        done = export_results_batch(ctx, Path(args.output), stream=args.stream, recipient=args.recipient)
    print(
        f"已导出：{done.path}（第{done.batch_seq}号批次，{done.count}条，序号 {done.seq_first}–{done.seq_last}）"
    )
    return EXIT_OK


def _print_package(result: PackageImport) -> int:
    verb = "检查" if result.dry_run else "导入"
    if result.already_imported:
        print(f"此任务包已导入过，未做任何更改：{result.task_number} {result.task_name}")
        return EXIT_OK
    print(
        f"任务包{verb}完成：{result.task_number} {result.task_name}"
        + ("（涉密）" if result.classified else "")
    )
    for table, label in PACKAGE_TABLES:
        added, updated, unchanged = result.count(table)
        if added or updated or unchanged:
            print(f"  {label}：新增 {added}，更新 {updated}，未变 {unchanged}")
    return EXIT_OK


def _value(value: object) -> str:
    text = "（空）" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _print_registry(result: RegistryImport) -> int:
    if result.already_imported:
        print(f"此名录更新（第{result.version}版）已导入过，未做任何更改。")
        return EXIT_OK
    head = "名录更新差异" if not result.applied else "名录更新已应用"
    print(f"{head}：第{result.version}版（本机现为第{result.installed}版）")
    for action in ACTIONS:
        rows = result.of(action)
        print(f"  {ACTION_LABELS[action]}：{len(rows)}")
        for change in rows:
            what = f"    [{KIND_LABELS[change.kind]}] {change.label}"
            if action == "conflict":
                decided = {"local": "保留本地", "incoming": "采用平台"}.get(change.decision or "", "待决定")
                what += (
                    f"（{'平台已移除' if change.removal else '双方都有修改'}，{decided}）  KEY={change.key}"
                )
            print(what)
            if action in ("changed", "kept", "conflict"):
                for f in change.fields:
                    print(
                        f"        {field_label(f.name)}：本地 {_value(f.local)} → 平台 {_value(f.incoming)}"
                    )
    if result.undecided and not result.dry_run:
        print(
            f"有 {len(result.undecided)} 处冲突待决定，未做任何更改。请逐条用 --decide KEY=local（保留本地）"
            "或 --decide KEY=incoming（采用平台）后重新导入。"
        )
        return EXIT_REJECTED
    return EXIT_OK


def _decisions(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, choice = value.partition("=")
        if not sep or choice not in ("local", "incoming"):
            raise CliError(
                f"--decide 的格式应为 KEY=local 或 KEY=incoming，收到「{value}」。", EXIT_CANNOT_RUN
            )
        out[key.strip()] = choice
    return out


def run_import(args: argparse.Namespace) -> int:
    decisions = _decisions(args.decide)
    require_input_file(Path(args.file), "批次文件")
    ctx = open_context(args)
    try:
        with service_errors(ctx):
            result = import_any(
                ctx, Path(args.file), receipt_path=args.receipt, dry_run=args.dry_run, decisions=decisions
            )
    except BatchRejected as exc:
        raise _rejected(exc) from exc
    if isinstance(result, PackageImport):
        return _print_package(result)
    if isinstance(result, RegistryImport):
        return _print_registry(result)
    print(
        f"{'检查' if result.dry_run else '导入'}完成：接收 {result.count('accepted')}，重复 {result.count('duplicate')}，"
        f"暂缓 {result.count('held')}，拒收 {result.count('rejected')}"
        + ("（此批次已导入过，回执与上次相同）" if result.already_imported else "")
    )
    if result.batch_seq_gap:
        print(
            f"注意：对方批次编号不连续（应为第{result.batch_seq_gap[0]}号，收到第{result.batch_seq_gap[1]}号）"
        )
    for item in result.items:
        if item.status in ("held", "rejected"):
            print(f"  序号 {item.seq}：{item.item_id}：{item.reason}")
    if result.receipt_path:
        print(f"回执：{result.receipt_path}（请交回发送方）")
    return EXIT_REJECTED if result.count("rejected") else EXIT_OK


def run_receipt(args: argparse.Namespace) -> int:
    require_input_file(Path(args.file), "回执文件")
    ctx = open_context(args)
    try:
        with service_errors(ctx):
            done = apply_receipt(ctx, Path(args.file))
    except BatchRejected as exc:
        raise _rejected(exc) from exc
    print(f"回执已登记：确认至第{done.acknowledged_through}号，新确认 {done.newly_acknowledged} 条")
    for item in done.rejected:
        print(f"  被拒收：序号 {item.seq}：{item.item_id}：{item.reason}")
    return EXIT_REJECTED if done.rejected else EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    from app.services.sync_online import online_overview

    with service_errors(ctx):
        status = sync_status(ctx)
        overview = online_overview(ctx)
    print(f"安装编号：{status.installation_id}")
    for stream, count in status.pending.items():
        print(
            f"{stream}：待确认 {count}，被拒收 {status.rejected[stream]}，已确认至第{status.acknowledged_through[stream]}号"
        )
    print(f"暂缓条目：{status.held}；待人工处理的冲突：{len(status.conflicts)}")
    last = overview.last_success_at
    print(f"最近一次成功同步：{last.astimezone().strftime('%Y-%m-%d %H:%M') if last else '从未'}")
    if overview.endpoint:
        print(f"上传地址：{overview.endpoint}")
    if overview.last_attempt and overview.last_attempt.error:
        print(f"最近一次在线尝试：{overview.last_attempt.outcome}：{overview.last_attempt.error}")
    for b in status.batches[:20]:
        print(f"  {b.direction}\t{b.kind}\t第{b.batch_seq}号\t{b.stream or ''}\t{b.state}\t{b.file_name}")
    return EXIT_OK


def run_keys(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        if args.action == "trust":
            if not args.card or not args.fingerprint:
                raise CliError(
                    "信任密钥需要密钥卡文件和核对过的指纹：keys trust CARD --fingerprint FP", EXIT_CANNOT_RUN
                )
            card = read_text_file(Path(args.card), "密钥卡文件")
            row = trust_key_card(ctx, card, fingerprint=args.fingerprint)
            print(f"已信任：{row.name}（{row.office}）指纹 {format_fingerprint(row.fingerprint)}")
            return EXIT_OK
        info = my_key_card(ctx)
        if args.action == "export":
            if not args.output:
                raise CliError("请用 -o 指定密钥卡输出文件。", EXIT_CANNOT_RUN)
            Path(args.output).write_text(info.card_json, encoding="utf-8")
            print(f"密钥卡已写入：{args.output}")
        print(f"本机安装编号：{info.installation_id}（{info.office}）")
        print(f"指纹（请电话核对）：{format_fingerprint(info.fingerprint)}")
        for key in trusted_keys(ctx):
            print(f"  受信任：{key.name}（{key.office}）{format_fingerprint(key.fingerprint)}")
    return EXIT_OK
