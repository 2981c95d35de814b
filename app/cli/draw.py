"""`liancha draw {targets|inspectors|void|record} --task TASK`: the recorded, verifiable draws."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, CliError, add_db_argument, open_context, service_errors
from app.draw.record import SeedMethod
from app.models.enums import DrawKind
from app.services.draws import (
    SeedEntry,
    draw_record_text,
    draw_task_inspectors,
    draw_task_targets,
    drawn_targets,
    list_draws,
    list_teams,
    void_draw,
)
from app.services.tasks import find_task


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", required=True, help="任务编号（如 青山市监抽查〔2026〕1号）")
    add_db_argument(p)


def _seed_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", help="见证人产生的种子（如 20 位掷骰数字）；不给则由计算机随机生成，记录中注明")
    p.add_argument(
        "--seed-method",
        choices=[m.value for m in SeedMethod],
        default=SeedMethod.DICE.value,
        help="种子来源：dice 掷骰、lottery 开奖号码、combined 组合、other 其他",
    )
    p.add_argument("--seed-note", default="", help="种子如何产生（谁掷骰、哪期开奖等）")
    p.add_argument("--witness", action="append", default=[], help="见证人「姓名/身份」（可重复）")
    p.add_argument("-o", "--record", type=Path, help="同时把抽取记录写成 JSON 文件")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("draw", help="随机抽取检查对象、选派检查人员，作废，导出抽取记录")
    sub = parser.add_subparsers(dest="draw_command", required=True, metavar="KIND")
    p = sub.add_parser("targets", help="抽取检查对象（每个任务一次）")
    _common(p)
    _seed_args(p)
    p.set_defaults(func=run_targets)
    p = sub.add_parser("inspectors", help="选派检查人员并随机分组（每个任务一次）")
    _common(p)
    _seed_args(p)
    p.set_defaults(func=run_inspectors)
    p = sub.add_parser("void", help="作废当前抽取（须写明原因，记录保留）")
    _common(p)
    p.add_argument("--kind", choices=["targets", "inspectors"], required=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(func=run_void)
    p = sub.add_parser("record", help="导出抽取记录 JSON（可用 liancha verify 或参考实现独立核验）")
    _common(p)
    p.add_argument("--kind", choices=["targets", "inspectors"], default="targets")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.set_defaults(func=run_record)


def _seed(args: argparse.Namespace) -> SeedEntry:
    if args.seed is None:
        return SeedEntry(None, SeedMethod.MACHINE, args.seed_note)
    return SeedEntry(args.seed, SeedMethod(args.seed_method), args.seed_note)


def _write_record(ctx: Any, draw_id: int, path: Path | None) -> None:
    if path is not None:
        path.write_text(draw_record_text(ctx, draw_id), encoding="utf-8")
        print(f"抽取记录已写入 {path}（可用 `liancha verify {path}` 核验）")


def run_targets(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        task = find_task(ctx, args.task)
        draw = draw_task_targets(ctx, task.row.id, seed=_seed(args), witnesses=args.witness)
        print(
            f"{task.row.number}：抽取检查对象 {draw.selected_count} 户；种子 {draw.seed}（{draw.seed_source}）"
        )
        for t in drawn_targets(ctx, task.row.id):
            print(f"{t.stratum}\t{t.rank}\t{t.code}\t{t.name}\t{t.ticket[:14]}")
        _write_record(ctx, draw.id, args.record)
    return EXIT_OK


def run_inspectors(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        task = find_task(ctx, args.task)
        draw = draw_task_inspectors(ctx, task.row.id, seed=_seed(args), witnesses=args.witness)
        print(f"{task.row.number}：选派检查人员 {draw.selected_count} 人")
        for team in list_teams(ctx, task.row.id):
            people = "，".join(f"{m.name}（{m.role.label}，{m.department}）" for m in team.members)
            print(f"第 {team.number} 组\t对象 {team.target_count} 户\t{people}")
        _write_record(ctx, draw.id, args.record)
    return EXIT_OK


def _current(ctx: Any, task_id: int, kind: str) -> int:
    for d in reversed(list_draws(ctx, task_id)):
        if d.kind == DrawKind(kind) and not d.voided:
            return d.id
    raise CliError(f"该任务没有有效的{DrawKind(kind).label}抽取")


def run_void(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        task = find_task(ctx, args.task)
        void_draw(ctx, _current(ctx, task.row.id, args.kind), reason=args.reason)
    print(f"{task.row.number} 的{DrawKind(args.kind).label}抽取已作废，记录保留")
    return EXIT_OK


def run_record(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        task = find_task(ctx, args.task)
        draws = [d for d in list_draws(ctx, task.row.id) if d.kind == DrawKind(args.kind)]
        if not draws:
            raise CliError(f"{task.row.number} 还没有{DrawKind(args.kind).label}抽取")
        _write_record(ctx, draws[-1].id, args.output)
    return EXIT_OK
