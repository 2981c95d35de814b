"""`liancha task …`: create, list and show inspection tasks."""

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
    service_errors,
)
from app.models.enums import RiskClass
from app.services.draws import preview_target_draw
from app.services.errors import ValidationError
from app.services.frequency import FrequencyRuleData, list_frequency_rules, save_frequency_rule
from app.services.task_files import read_task_file, task_data_from_mapping
from app.services.tasks import create_task, find_task, list_tasks


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("task", help="抽查任务：新建、列出、查看")
    sub = parser.add_subparsers(dest="task_command", required=True, metavar="ACTION")
    p = sub.add_parser("create", help="新建任务（--file 任务 JSON，或用参数）")
    p.add_argument("--file", type=Path, help="任务定义 JSON（字段见 docs/task-file.md）")
    p.add_argument("--name")
    p.add_argument(
        "--mode", default="single", help="single/general_sweep/risk_graded/special_campaign 或中文名称"
    )
    p.add_argument("--lead", help="牵头部门名称或简称")
    p.add_argument("--joint", action="append", default=[], help="配合部门（可重复）")
    p.add_argument("--scheme", help="一业一查方案名称")
    p.add_argument("--item", action="append", default=[], help="抽查事项名称（可重复）")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--ratio", action="append", default=[], help="风险类别=比例，例如 B=0.05（可重复）")
    p.add_argument("--fixed-count", type=int, help="固定抽取数量（代替各类比例）")
    p.add_argument("--teams", type=int, default=1, help="检查组数")
    p.add_argument("--officers-per-department", type=int, default=1, help="每个部门向每组派出的执法人员数")
    p.add_argument("--min-officers", type=int, default=2, help="每组至少执法人员数（不少于 2）")
    p.add_argument("--expert-per-team", action="store_true", help="每组从专家库随机抽派一名专家")
    p.add_argument(
        "--frequency-override-reason", default="", help="豁免抽查频次限制的理由（写明即豁免，并记入任务）"
    )
    p.add_argument("--scope-kind", action="append", default=[], help="定向：主体类型（可重复）")
    p.add_argument("--scope-industry", action="append", default=[], help="定向：行业（可重复）")
    p.add_argument("--scope-region", action="append", default=[], help="定向：乡镇/街道（可重复）")
    p.add_argument("--scope-risk", action="append", default=[], help="定向：风险类别 A–D（可重复）")
    p.add_argument(
        "--scope-tag", action="append", default=[], help="定向：检查对象标签「类别：名称」或名称（可重复）"
    )
    p.add_argument("--scope-licence", action="append", default=[], help="定向：持有的许可证名称（可重复）")
    p.add_argument("--plan-year", type=int)
    p.add_argument("--classified", action="store_true", help="涉密任务（不公开）")
    p.add_argument("--adjustment-reason", default="", help="计划已公布时的调整原因")
    add_db_argument(p)
    p.set_defaults(func=run_create)
    p = sub.add_parser("list", help="每行一个任务，以任务编号开头")
    p.add_argument("--year", type=int)
    add_db_argument(p)
    p.set_defaults(func=run_list)
    p = sub.add_parser("show", help="显示任务详情和当前可抽取的对象")
    p.add_argument("task", help="任务编号、uid 或编号数字")
    add_db_argument(p)
    p.set_defaults(func=run_show)
    p = sub.add_parser("frequency", help="抽查频次设置：各风险类别每年最多抽查次数和最短间隔")
    freq = p.add_subparsers(dest="frequency_command", required=True, metavar="ACTION")
    p = freq.add_parser("show", help="每行一个风险类别：类别、每年最多次数、最短间隔天数、默认值")
    add_db_argument(p)
    p.set_defaults(func=run_frequency_show)
    p = freq.add_parser("set", help="修改一个风险类别的频次限制（办公室或管理员）")
    p.add_argument("--risk-class", required=True, help="风险类别 A/B/C/D")
    p.add_argument("--max-per-year", type=int, help="每年最多被抽中次数（所有任务合计）")
    p.add_argument("--min-interval-days", type=int, help="距上次抽中的最短间隔天数")
    add_db_argument(p)
    p.set_defaults(func=run_frequency_set)


def run_create(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        if args.file:
            try:
                raw = read_task_file(args.file)
            except ValidationError as exc:
                raise CliError(str(exc), EXIT_CANNOT_RUN) from exc
            source = str(args.file)
        else:
            raw = {
                "name": args.name or "",
                "mode": args.mode,
                "lead": args.lead or "",
                "joint": args.joint,
                "scheme": args.scheme,
                "items": args.item,
                "start": args.start or "",
                "end": args.end or "",
                "ratios": dict(r.split("=", 1) for r in args.ratio if "=" in r),
                "fixed_count": args.fixed_count,
                "teams": args.teams,
                "officers_per_department": args.officers_per_department,
                "min_officers_per_team": args.min_officers,
                "expert_per_team": args.expert_per_team,
                "frequency_override_reason": args.frequency_override_reason,
                "scope": {
                    key: values
                    for key, values in (
                        ("kinds", args.scope_kind),
                        ("industries", args.scope_industry),
                        ("regions", args.scope_region),
                        ("risk_classes", [r.upper() for r in args.scope_risk]),
                        ("tags", args.scope_tag),
                        ("licence_names", args.scope_licence),
                    )
                    if values
                },
                "plan_year": args.plan_year,
                "classified": args.classified,
                "adjustment_reason": args.adjustment_reason,
            }
            source = ""
        try:
            data, reason = task_data_from_mapping(ctx, raw, source=source)
            task_id = create_task(ctx, data, adjustment_reason=reason)
        except ValidationError as exc:
            for e in exc.errors:
                print(f"错误：{e.field}：{e.message}")
            return EXIT_REJECTED
        detail = find_task(ctx, str(task_id))
    print(f"{detail.row.number}\t已新建「{detail.row.name}」")
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        for t in list_tasks(ctx, year=args.year):
            flags = "涉密" if t.is_classified else ("公开" if t.is_public else "不公开")
            print(
                f"{t.number}\t{t.name}\t{t.mode.label}\t{t.status.label}\t{t.start_date}~{t.end_date}\t{t.departments}\t{flags}"
            )
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        detail = find_task(ctx, args.task)
        preview = preview_target_draw(ctx, detail.row.id)
    r, d = detail.row, detail.data
    print(f"任务编号：{r.number}\n任务名称：{r.name}\n抽查方式：{r.mode.label}\n状态：{r.status.label}")
    print(f"部门：{r.departments}\n检查时间：{r.start_date} 至 {r.end_date}\n抽查事项：{r.items} 项")
    print(
        f"抽查范围：{d.scope.describe()}\n公开：{'是' if r.is_public else '否'}；涉密：{'是' if r.is_classified else '否'}"
    )
    print(
        f"检查组：{d.team_count} 组；每部门每组 {d.officers_per_department} 名，每组至少 {d.min_officers_per_team} 名执法人员"
        + ("；每组专家 1 名" if d.expert_per_team else "")
    )
    if d.frequency_override_reason:
        print(f"抽查频次：已豁免（理由：{d.frequency_override_reason}）")
    pop = preview.population
    for s in pop.strata:
        ratio = f"比例 {s.ratio}" if s.ratio is not None else "固定数量"
        print(f"  {s.risk_class.label}：对象 {s.size} 户，{ratio}，应抽 {s.sample_size} 户")
    if d.fixed_count is not None:
        print(f"  固定抽取 {d.fixed_count} 户")
    for reason, count in pop.exclusion_counts().items():
        print(f"  排除：{reason} {count} 户")
    for stratum, digest in preview.stratum_hashes.items():
        print(f"  名录哈希 {stratum}：{digest}")
    return EXIT_OK


def run_frequency_show(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        rows = list_frequency_rules(ctx)
    print("风险类别\t每年最多次数\t最短间隔天数\t默认值")
    for r in rows:
        default = f"{r.default_max_per_year} 次 / {r.default_min_interval_days} 天"
        print(
            f"{r.risk_class.value}\t{r.max_per_year}\t{r.min_interval_days}\t"
            f"{default}{'' if r.is_default else '（已修改）'}"
        )
    return EXIT_OK


def run_frequency_set(args: argparse.Namespace) -> int:
    try:
        risk = RiskClass(str(args.risk_class).strip().upper())
    except ValueError:
        raise CliError(f"风险类别「{args.risk_class}」无效，应为 A、B、C 或 D") from None
    if args.max_per_year is None and args.min_interval_days is None:
        raise CliError("请至少给出 --max-per-year 或 --min-interval-days 之一")
    ctx = open_context(args)
    with service_errors(ctx):
        current = {r.risk_class: r for r in list_frequency_rules(ctx)}[risk]
        rule = FrequencyRuleData(
            risk,
            current.max_per_year if args.max_per_year is None else args.max_per_year,
            current.min_interval_days if args.min_interval_days is None else args.min_interval_days,
        )
        try:
            changed = save_frequency_rule(ctx, rule)
        except ValidationError as exc:
            for e in exc.errors:
                print(f"错误：{e.field}：{e.message}")
            return EXIT_REJECTED
    state = "已修改" if changed else "未变化"
    print(
        f"{risk.value} 类：每年最多 {rule.max_per_year} 次，间隔不少于 {rule.min_interval_days} 天（{state}）"
    )
    return EXIT_OK
