"""统计分析: the figures of the 工作台, the 统计分析 page and the year-end summary (docs/statistics.md).

Every figure is computed from one snapshot of the database, under filters (year, department, task
mode), and carries the rows behind it so that a click on a tile or a bar shows the list it counts.

Classified (涉密) tasks are counted only when the actor is cleared for them, and never in an
exported report unless the report itself is marked classified (``for_export=True`` with
``classified=True``; an uncleared actor may not ask for that).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from app.models import (
    CheckItem,
    Department,
    FollowUp,
    Inspection,
    ResultVersion,
    Target,
    Task,
)
from app.models.enums import (
    FollowUpState,
    InspectionState,
    RiskClass,
    TargetStatus,
    TaskMode,
    TaskStatus,
)
from app.models.tasks import task_departments
from app.services.context import ServiceContext
from app.services.errors import PermissionDenied
from app.services.permissions import Permission, can_see_classified
from app.services.result_codes import result_codes
from app.services.result_deadlines import DeadlineBoard, result_deadlines
from app.services.sync import sync_status
from app.services.workdays import RESULTS_DUE_DAYS, add_working_days, load_calendar, working_days_between

Cell = str | int | float | None

BAR, PIE, LINE, NONE = "bar", "pie", "line", "none"

# Figure keys, in the order the 工作台 and the report show them.
PLAN_PROGRESS = "plan_progress"
TARGETS_FUNNEL = "targets_funnel"
OVERDUE_RESULTS = "overdue_results"
OPEN_FOLLOW_UPS = "open_follow_ups"
SYNC_BACKLOG = "sync_backlog"
COVERAGE_INDUSTRY = "coverage_industry"
COVERAGE_REGION = "coverage_region"
COVERAGE_RISK = "coverage_risk"
PROBLEMS_BY_ITEM = "problems_by_item"
PROBLEMS_BY_DEPARTMENT = "problems_by_department"
RESULT_CATEGORIES = "result_categories"
DEPARTMENT_WORKLOAD = "department_workload"
VISITS_SAVED = "visits_saved"
PUBLICATION_TIME = "publication_time"
PROBLEMS_HANDLED = "problems_handled"

DASHBOARD_KEYS = (PLAN_PROGRESS, TARGETS_FUNNEL, OVERDUE_RESULTS, OPEN_FOLLOW_UPS, SYNC_BACKLOG, VISITS_SAVED)
ANALYSIS_KEYS = (
    COVERAGE_INDUSTRY,
    COVERAGE_REGION,
    COVERAGE_RISK,
    PROBLEMS_BY_ITEM,
    PROBLEMS_BY_DEPARTMENT,
    RESULT_CATEGORIES,
    DEPARTMENT_WORKLOAD,
    VISITS_SAVED,
    PUBLICATION_TIME,
    PLAN_PROGRESS,
    TARGETS_FUNNEL,
)

_BLANK = "（未填写）"
_STREAM_LABELS = {"public": "公开数据", "classified": "涉密数据"}


@dataclass(frozen=True)
class StatsFilter:
    """Which tasks count: a year (by the task's year), a department (lead or joint), a task mode."""

    year: int | None = None
    department_id: int | None = None
    mode: TaskMode | None = None


def chart_points(kind: str, series: Sequence[tuple[str, float]], limit: int) -> tuple[tuple[str, float], ...]:
    """The points a chart of ``kind`` can show when only ``limit`` fit.

    A line chart runs in time order, so it keeps the first points. A bar or pie chart keeps
    the largest values (in their original order), so the group that matters most is never
    the one cut off; the table under the chart still lists every row.
    """
    points = tuple(series)
    if len(points) <= limit or kind == LINE:
        return points[:limit]
    ranked = sorted(range(len(points)), key=lambda i: (-points[i][1], i))[:limit]
    return tuple(points[i] for i in sorted(ranked))


@dataclass(frozen=True)
class Figure:
    """One figure: the headline on its tile, the points of its chart, and the rows behind it."""

    key: str
    title: str
    value: float  # the headline number
    headline: str  # the headline as shown (with unit / percentage)
    chart: str  # bar / pie / line / none
    series: tuple[tuple[str, float], ...]  # chart points: (label, value)
    value_label: str  # what the chart's values are (its axis title)
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""  # the definition, one sentence (shown under the chart and in the report)
    reference: float | None = None  # a limit drawn across the chart (e.g. the 20-working-day deadline)
    reference_label: str = ""

    def column(self, header: str) -> list[Cell]:
        index = self.headers.index(header)
        return [row[index] for row in self.rows]

    def row_for(self, first: Cell) -> tuple[Cell, ...]:
        """The row whose first cell is ``first`` (KeyError if none): for tests and drill-down."""
        for row in self.rows:
            if row[0] == first:
                return row
        raise KeyError(first)


@dataclass(frozen=True)
class Statistics:
    filter: StatsFilter
    today: date
    includes_classified: bool
    figures: dict[str, Figure] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]


# ---------------------------------------------------------------------------------------------
# The snapshot


@dataclass(frozen=True)
class _Task:
    id: int
    number: str
    name: str
    mode: TaskMode
    status: TaskStatus
    lead: str
    end_date: date
    classified: bool
    in_plan: bool


@dataclass(frozen=True)
class _Inspection:
    id: int
    task_id: int
    target_id: int
    target_name: str
    target_code: str
    state: InspectionState
    result: dict[str, Any] | None  # the current version's frozen result section
    published_on: date | None  # local day of the published version's approval for publication


@dataclass(frozen=True)
class _Follow:
    state: FollowUpState
    kind_label: str
    department_id: int | None
    description: str
    deadline: date | None  # 复查日期, else 整改期限
    inspection_id: int
    outcome: str


def _local_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return moment.astimezone().date() if moment.tzinfo else moment.date()


def include_classified(ctx: ServiceContext, *, for_export: bool, classified: bool) -> bool:
    """Whether classified tasks count: cleared actor, and for an export only a report marked classified."""
    cleared = can_see_classified(ctx)
    if classified and not cleared:
        raise PermissionDenied("您无权查看涉密任务，不能生成涉密统计报告。请由有涉密权限的用户操作。")
    if for_export:
        return classified
    return cleared


def compute_statistics(
    ctx: ServiceContext,
    flt: StatsFilter | None = None,
    *,
    today: date | None = None,
    for_export: bool = False,
    classified: bool = False,
) -> Statistics:
    """All figures under ``flt``. ``for_export``: a report leaving the screen (classified only if marked)."""
    ctx.require(Permission.VIEW)
    flt = flt or StatsFilter()
    day = today or date.today()
    with_classified = include_classified(ctx, for_export=for_export, classified=classified)
    codes = result_codes()
    with ctx.read() as session:
        calendar = load_calendar(session)
        query = select(Task)
        if flt.year is not None:
            query = query.where(Task.year == flt.year)
        if flt.mode is not None:
            query = query.where(Task.mode == flt.mode)
        if not with_classified:
            query = query.where(Task.is_classified.is_(False))
        if flt.department_id is not None:
            joint = select(task_departments.c.task_id).where(
                task_departments.c.department_id == flt.department_id
            )
            query = query.where((Task.lead_department_id == flt.department_id) | Task.id.in_(joint))
        tasks = {
            t.id: _Task(
                t.id,
                t.number,
                t.name,
                t.mode,
                t.status,
                t.lead_department.name,
                t.end_date,
                t.is_classified,
                t.plan_id is not None,
            )
            for t in session.execute(query.order_by(Task.year, Task.sequence, Task.id)).scalars()
        }
        task_ids = list(tasks)
        inspections: list[_Inspection] = []
        targets: dict[int, tuple[str, str, RiskClass]] = {}
        if task_ids:
            current = {
                v.inspection_id: v
                for v in session.execute(
                    select(ResultVersion)
                    .join(Inspection, ResultVersion.inspection_id == Inspection.id)
                    .where(Inspection.task_id.in_(task_ids), ResultVersion.is_current.is_(True))
                ).scalars()
            }
            published = {
                uid: at
                for uid, at in session.execute(
                    select(ResultVersion.uid, ResultVersion.published_at)
                    .join(Inspection, ResultVersion.uid == Inspection.published_version_uid)
                    .where(Inspection.task_id.in_(task_ids))
                ).all()
            }
            for i, target in session.execute(
                select(Inspection, Target)
                .join(Target, Inspection.target_id == Target.id)
                .where(Inspection.task_id.in_(task_ids), Inspection.voided.is_(False))
                .order_by(Inspection.task_id, Inspection.team_id, Inspection.visit_order, Inspection.id)
            ).all():
                version = current.get(i.id)
                result = json.loads(version.payload_json)["result"] if version is not None else None
                pub = published.get(i.published_version_uid) if i.published_version_uid else None
                inspections.append(
                    _Inspection(
                        i.id,
                        i.task_id,
                        i.target_id,
                        target.name,
                        target.code or "",
                        i.state,
                        result,
                        _local_day(pub),
                    )
                )
                targets[target.id] = (target.industry, target.region, target.risk_class)
        # Grouped in SQL: a city registry has 500,000 targets.
        population: Counter[tuple[str, str, RiskClass]] = Counter(
            {
                (industry, region, risk): int(count)
                for industry, region, risk, count in session.execute(
                    select(Target.industry, Target.region, Target.risk_class, func.count())
                    .where(Target.status == TargetStatus.ACTIVE)
                    .group_by(Target.industry, Target.region, Target.risk_class)
                ).all()
            }
        )
        item_departments = dict(
            session.execute(
                select(CheckItem.uid, Department.name).join(
                    Department, CheckItem.department_id == Department.id
                )
            ).all()
        )
        follow_ups = [
            _Follow(
                f.state,
                f.kind.label,
                f.department_id,
                f.description,
                f.recheck_on or f.due_date,
                i_id,
                f.outcome,
            )
            for f, i_id in session.execute(
                select(FollowUp, Inspection.id)
                .join(Inspection, FollowUp.inspection_id == Inspection.id)
                .where(Inspection.task_id.in_(task_ids))
                .order_by(FollowUp.id)
            ).all()
        ]
        follow_departments = dict(session.execute(select(Department.id, Department.name)).all())

    stats = Statistics(flt, day, with_classified)
    figures = stats.figures
    by_id = {i.id: i for i in inspections}
    figures[PLAN_PROGRESS] = _plan_progress(tasks)
    figures[TARGETS_FUNNEL] = _funnel(tasks, inspections)
    figures[OVERDUE_RESULTS] = _overdue(ctx, tasks, day)
    figures[OPEN_FOLLOW_UPS] = _open_follow_ups(follow_ups, by_id, tasks, follow_departments, day)
    figures[SYNC_BACKLOG] = _sync_backlog(ctx, with_classified)
    drawn_targets = {i.target_id for i in inspections}
    for key, title, index, label in (
        (COVERAGE_INDUSTRY, "行业覆盖率", 0, "行业"),
        (COVERAGE_REGION, "地域覆盖率", 1, "乡镇（街道）"),
        (COVERAGE_RISK, "风险等级覆盖率", 2, "信用风险分类"),
    ):
        figures[key] = _coverage(key, title, label, index, population, [targets[t] for t in drawn_targets])
    figures[PROBLEMS_BY_ITEM], figures[PROBLEMS_BY_DEPARTMENT] = _problem_rates(inspections, item_departments)
    figures[RESULT_CATEGORIES] = _categories(inspections, codes.problem_codes)
    figures[DEPARTMENT_WORKLOAD] = _workload(inspections)
    figures[VISITS_SAVED] = _visits_saved(tasks, inspections, item_departments)
    figures[PUBLICATION_TIME] = _publication_time(tasks, inspections, calendar, day)
    figures[PROBLEMS_HANDLED] = _problems_handled(tasks, inspections, follow_ups, codes.problem_codes)
    return stats


# ---------------------------------------------------------------------------------------------
# The figures


def short_numbers(numbers: list[str]) -> list[str]:
    """Chart labels for task numbers: without the issuing body (「青山市监抽查〔2026〕3号」 → 「〔2026〕3号」)
    unless two of them would then read the same (tasks of two departments)."""
    short = [n.rpartition("抽查")[2] or n for n in numbers]
    return short if len(set(short)) == len(set(numbers)) else numbers


def _task_series(numbers: list[str], values: list[float]) -> tuple[tuple[str, float], ...]:
    return tuple(zip(short_numbers(numbers), values, strict=True))


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _plan_progress(tasks: dict[int, _Task]) -> Figure:
    counts = Counter(t.status for t in tasks.values())
    series = tuple((s.label, float(counts[s])) for s in TaskStatus if counts[s])
    active = len(tasks) - counts[TaskStatus.CANCELLED]
    done = counts[TaskStatus.FINISHED]
    return Figure(
        PLAN_PROGRESS,
        "计划进度（任务状态）",
        float(len(tasks)),
        f"{done}/{active} 个任务已结束",
        PIE,
        series,
        "任务数",
        ("任务编号", "任务名称", "抽查类型", "牵头部门", "状态", "结束日期", "来源"),
        tuple(
            (
                t.number,
                t.name,
                t.mode.label,
                t.lead,
                t.status.label,
                t.end_date.isoformat(),
                "年度计划" if t.in_plan else "计划外",
            )
            for t in tasks.values()
        ),
        "按任务状态统计所选任务（已取消的任务单列，不计入进度分母）。",
    )


def _inspected(i: _Inspection) -> bool:
    return i.result is not None


def _funnel(tasks: dict[int, _Task], inspections: list[_Inspection]) -> Figure:
    rows = []
    totals = [0, 0, 0]
    for task in tasks.values():
        mine = [i for i in inspections if i.task_id == task.id]
        if not mine:
            continue
        counts = (
            len(mine),
            sum(1 for i in mine if _inspected(i)),
            sum(1 for i in mine if i.state == InspectionState.PUBLISHED),
        )
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append((task.number, task.name, *counts))
    drawn, inspected, published = totals
    return Figure(
        TARGETS_FUNNEL,
        "抽取、检查与公示",
        float(drawn),
        f"抽取 {drawn} / 已检查 {inspected} / 已公示 {published}",
        BAR,
        (("已抽取", float(drawn)), ("已检查", float(inspected)), ("已公示", float(published))),
        "检查对象数",
        ("任务编号", "任务名称", "已抽取", "已检查", "已公示"),
        tuple(rows),
        "已抽取：有效抽取中的检查对象；已检查：已提交检查结果（含待审核、退回）；已公示：已通过公示审批。",
    )


def _overdue(ctx: ServiceContext, tasks: dict[int, _Task], day: date) -> Figure:
    board = result_deadlines(ctx, day)
    rows = tuple(
        (
            o.task_number,
            o.target_name,
            o.target_code,
            o.state_label,
            o.due_date.isoformat(),
            -o.working_days_left,
        )
        for o in board.overdue
        if o.task_id in tasks
    )
    by_task = Counter(r[0] for r in rows)
    return Figure(
        OVERDUE_RESULTS,
        "逾期未公示的检查结果",
        float(len(rows)),
        f"{len(rows)} 条",
        BAR,
        _task_series([str(k) for k in by_task], [float(v) for v in by_task.values()]),
        "条数",
        ("任务编号", "检查对象", "统一社会信用代码", "状态", "公示期限", "逾期工作日"),
        rows,
        f"任务结束后 {RESULTS_DUE_DAYS} 个工作日内未通过公示审批的检查记录。",
    )


def _open_follow_ups(
    follow_ups: list[_Follow],
    inspections: dict[int, _Inspection],
    tasks: dict[int, _Task],
    departments: dict[int, str],
    day: date,
) -> Figure:
    rows = []
    overdue = 0
    for f in follow_ups:
        if f.state != FollowUpState.OPEN or f.inspection_id not in inspections:
            continue
        i = inspections[f.inspection_id]
        deadline = f.deadline
        late = deadline is not None and deadline < day
        overdue += late
        rows.append(
            (
                tasks[i.task_id].number,
                i.target_name,
                f.kind_label,
                departments.get(f.department_id, "") if f.department_id else "",
                deadline.isoformat() if deadline else "",
                "已逾期" if late else "办理中",
                f.description,
            )
        )
    by_kind = Counter(r[2] for r in rows)
    return Figure(
        OPEN_FOLLOW_UPS,
        "办理中的后续处置",
        float(len(rows)),
        f"{len(rows)} 件（逾期 {overdue} 件）",
        BAR,
        tuple((str(k), float(v)) for k, v in by_kind.items()),
        "件数",
        ("任务编号", "检查对象", "处置类型", "承办部门", "期限", "状态", "说明"),
        tuple(rows),
        "尚未办结的后续处置；过了复查日期（无复查日期时为整改期限）的为逾期。",
    )


def _sync_backlog(ctx: ServiceContext, with_classified: bool) -> Figure:
    status = sync_status(ctx)
    rows = []
    for stream, pending in status.pending.items():
        if stream == "classified" and not with_classified:
            continue
        rows.append(
            (
                _STREAM_LABELS.get(stream, stream),
                pending,
                status.rejected.get(stream, 0),
                status.acknowledged_through.get(stream, 0),
            )
        )
    pending_total = sum(int(r[1] or 0) for r in rows)
    last = status.last_sync_at.astimezone().strftime("%Y-%m-%d %H:%M") if status.last_sync_at else "从未同步"
    return Figure(
        SYNC_BACKLOG,
        "待同步的检查结果",
        float(pending_total),
        f"{pending_total} 条待同步",
        BAR,
        tuple((str(r[0]), float(r[1] or 0)) for r in rows),
        "版本数",
        ("数据流", "待同步（含已发送未确认）", "被平台退回", "平台已确认至序号"),
        tuple(rows),
        f"本机产生、尚未得到平台回执确认的检查结果版本（不分年度）。最近一次同步：{last}。",
    )


def _coverage(
    key: str,
    title: str,
    label: str,
    index: int,
    population: Counter[tuple[str, str, RiskClass]],
    drawn: list[tuple[str, str, RiskClass]],
) -> Figure:
    def name(value: Any) -> str:
        if isinstance(value, RiskClass):
            return value.label
        return str(value) if value else _BLANK

    base: Counter[str] = Counter()
    for group, count in population.items():
        base[name(group[index])] += count
    hits = Counter(name(d[index]) for d in drawn)
    groups = sorted(set(base) | set(hits), key=lambda g: (-base[g], g))
    if index == 2:
        groups = [r.label for r in RiskClass if r.label in base or r.label in hits]
    rows = tuple((g, base[g], hits[g], _pct(hits[g], base[g])) for g in groups)
    total_base, total_hits = sum(base.values()), sum(hits.values())
    return Figure(
        key,
        title,
        _pct(total_hits, total_base),
        f"{_pct(total_hits, total_base)}%",
        BAR,
        tuple((str(r[0]), float(r[3])) for r in rows),
        "覆盖率（%）",
        (label, "名录库对象数", "已抽取对象数", "覆盖率（%）"),
        rows,
        "覆盖率 = 所选任务抽取的不同检查对象数 ÷ 名录库中存续的检查对象数，按对象当前的" + label + "分组。",
    )


def _checked_items(result: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Item uids with at least one checkpoint checked, and those with a problem found."""
    checked: set[str] = set()
    problems: set[str] = set()
    for f in result.get("findings", []):
        if f.get("checked") or f.get("problem_found"):
            checked.add(f["item_uid"])
        if f.get("problem_found"):
            problems.add(f["item_uid"])
    return checked, problems


def _problem_rates(inspections: list[_Inspection], item_departments: dict[str, str]) -> tuple[Figure, Figure]:
    item_names: dict[str, str] = {}
    item_checked: Counter[str] = Counter()
    item_problems: Counter[str] = Counter()
    dept_checked: Counter[str] = Counter()
    dept_problems: Counter[str] = Counter()
    for i in inspections:
        if i.result is None:
            continue
        for f in i.result.get("findings", []):
            item_names.setdefault(f["item_uid"], f.get("item", ""))
        checked, problems = _checked_items(i.result)
        item_checked.update(checked)
        item_problems.update(problems)
        depts_checked = {item_departments.get(u, _BLANK) for u in checked}
        depts_problems = {item_departments.get(u, _BLANK) for u in problems}
        dept_checked.update(depts_checked)
        dept_problems.update(depts_problems)
    item_rows = tuple(
        (
            item_names[u],
            item_departments.get(u, _BLANK),
            item_checked[u],
            item_problems[u],
            _pct(item_problems[u], item_checked[u]),
        )
        for u in sorted(item_checked, key=lambda u: (-item_checked[u], item_names[u]))
    )
    dept_rows = tuple(
        (d, dept_checked[d], dept_problems[d], _pct(dept_problems[d], dept_checked[d]))
        for d in sorted(dept_checked, key=lambda d: (-dept_checked[d], d))
    )
    total_checked = sum(1 for i in inspections if i.result is not None)
    total_problems = sum(1 for i in inspections if i.result is not None and _checked_items(i.result)[1])
    by_item = Figure(
        PROBLEMS_BY_ITEM,
        "问题发现率（按抽查事项）",
        _pct(total_problems, total_checked),
        f"{_pct(total_problems, total_checked)}%",
        BAR,
        tuple((str(r[0]), float(r[4])) for r in item_rows),
        "问题发现率（%）",
        ("抽查事项", "部门", "检查户次", "发现问题户次", "问题发现率（%）"),
        item_rows,
        "某事项的问题发现率 = 该事项有检查要点记录发现问题的检查户次 ÷ 该事项有要点被检查的户次。",
    )
    by_dept = Figure(
        PROBLEMS_BY_DEPARTMENT,
        "问题发现率（按部门）",
        _pct(total_problems, total_checked),
        f"{_pct(total_problems, total_checked)}%",
        BAR,
        tuple((str(r[0]), float(r[3])) for r in dept_rows),
        "问题发现率（%）",
        ("部门", "检查户次", "发现问题户次", "问题发现率（%）"),
        dept_rows,
        "某部门的问题发现率 = 该部门事项发现问题的检查户次 ÷ 该部门事项被检查的户次。",
    )
    return by_item, by_dept


def _categories(inspections: list[_Inspection], problem_codes: Iterable[str]) -> Figure:
    problem_set = set(problem_codes)
    counts: Counter[str] = Counter()
    labels: dict[str, str] = {}
    order: list[str] = []
    with_problem = 0
    inspected = [i for i in inspections if i.result is not None]
    for i in inspected:
        assert i.result is not None
        found = False
        for c in i.result.get("categories", []):
            if c["code"] not in labels:
                labels[c["code"]] = c["label"]
                order.append(c["code"])
            counts[c["code"]] += 1
            found = found or c["code"] in problem_set
        with_problem += found
    rows = tuple(
        (code, labels[code], counts[code], _pct(counts[code], len(inspected)))
        for code in sorted(order, key=lambda c: -counts[c])
    )
    return Figure(
        RESULT_CATEGORIES,
        "检查结果分布",
        _pct(with_problem, len(inspected)),
        f"发现问题 {with_problem}/{len(inspected)} 户",
        PIE,
        tuple((str(r[1]), float(r[2])) for r in rows),
        "户次",
        ("代码", "检查结果", "户次", "占已检查（%）"),
        rows,
        "按当前结果版本统计；一户可选多项检查结果，故合计可能大于已检查户数。",
    )


def _workload(inspections: list[_Inspection]) -> Figure:
    visits: dict[str, set[int]] = defaultdict(set)
    days: dict[str, set[tuple[str, str]]] = defaultdict(set)
    people: dict[str, set[str]] = defaultdict(set)
    for i in inspections:
        if i.result is None:
            continue
        on = i.result.get("inspection_date") or ""
        for p in i.result.get("inspectors", []):
            if p.get("expert"):
                continue
            dept = p.get("department") or _BLANK
            visits[dept].add(i.id)
            days[dept].add((p["uid"], on))
            people[dept].add(p["uid"])
    rows = tuple(
        (d, len(visits[d]), len(days[d]), len(people[d]))
        for d in sorted(visits, key=lambda d: (-len(visits[d]), d))
    )
    total_days = sum(int(r[2] or 0) for r in rows)
    return Figure(
        DEPARTMENT_WORKLOAD,
        "各部门工作量",
        float(total_days),
        f"{total_days} 人日",
        BAR,
        tuple((str(r[0]), float(r[1])) for r in rows),
        "检查户次",
        ("部门", "检查户次", "执法人日", "出动执法人员"),
        rows,
        "检查户次：该部门有执法人员到场的检查记录数；执法人日：到场的执法人员与检查日期的不同组合数（专家不计）。",
    )


def _visits_saved(
    tasks: dict[int, _Task], inspections: list[_Inspection], item_departments: dict[str, str]
) -> Figure:
    rows = []
    total = 0
    for task in tasks.values():
        if not task.mode.is_joint:
            continue
        inspected = 0
        separate = 0
        for i in inspections:
            if i.task_id != task.id or i.result is None:
                continue
            checked, _ = _checked_items(i.result)
            departments = {item_departments.get(u, _BLANK) for u in checked}
            if not departments:
                continue
            inspected += 1
            separate += len(departments)
        if not inspected:
            continue
        saved = separate - inspected
        total += saved
        rows.append((task.number, task.name, task.mode.label, inspected, separate, saved))
    return Figure(
        VISITS_SAVED,
        "联合检查减少的入户次数",
        float(total),
        f"减少 {total} 次入户",
        BAR,
        _task_series([str(r[0]) for r in rows], [float(r[5]) for r in rows]),
        "减少入户次数",
        ("任务编号", "任务名称", "抽查类型", "联合检查户数", "各部门分别检查需入户次数", "减少入户次数"),
        tuple(rows),
        "联合抽查任务中，对每户已检查的对象计（检查了其事项的部门数 − 1），再求和：进一次门、查多项事。",
    )


def _publication_time(
    tasks: dict[int, _Task], inspections: list[_Inspection], calendar: Any, day: date
) -> Figure:
    rows = []
    on_time = 0
    finished = 0
    for task in tasks.values():
        mine = [i for i in inspections if i.task_id == task.id]
        if not mine or task.status == TaskStatus.CANCELLED:
            continue
        due = add_working_days(task.end_date, RESULTS_DUE_DAYS, calendar).due
        days_published = [i.published_on for i in mine if i.state == InspectionState.PUBLISHED]
        complete = len(days_published) == len(mine) and all(d is not None for d in days_published)
        if complete:
            last = max(d for d in days_published if d is not None)
            used = working_days_between(task.end_date, last, calendar)
            state = "按期" if last <= due else "逾期"
            finished += 1
            on_time += last <= due
            rows.append(
                (
                    task.number,
                    task.name,
                    task.end_date.isoformat(),
                    due.isoformat(),
                    last.isoformat(),
                    used,
                    state,
                )
            )
        else:
            used = working_days_between(task.end_date, day, calendar) if day > task.end_date else 0
            state = "未完成（已逾期）" if day > due else "未完成"
            rows.append((task.number, task.name, task.end_date.isoformat(), due.isoformat(), "", used, state))
    return Figure(
        PUBLICATION_TIME,
        "任务结束至结果公示用时",
        _pct(on_time, finished),
        f"按期公示 {on_time}/{finished} 个任务",
        LINE,
        _task_series([str(r[0]) for r in rows], [float(r[5] or 0) for r in rows]),
        f"工作日（期限 {RESULTS_DUE_DAYS}）",
        ("任务编号", "任务名称", "结束日期", "公示期限", "公示完成日期", "用时（工作日）", "情况"),
        tuple(rows),
        f"公示完成日期为任务最后一条结果通过公示审批之日；期限为结束日期后 {RESULTS_DUE_DAYS} 个工作日。"
        "未完成的任务按至今的工作日计。",
        reference=float(RESULTS_DUE_DAYS),
        reference_label=f"期限 {RESULTS_DUE_DAYS} 个工作日",
    )


def _problems_handled(
    tasks: dict[int, _Task],
    inspections: list[_Inspection],
    follow_ups: list[_Follow],
    problem_codes: Iterable[str],
) -> Figure:
    problem_set = set(problem_codes)
    by_inspection: dict[int, list[_Follow]] = defaultdict(list)
    for f in follow_ups:
        by_inspection[f.inspection_id].append(f)
    rows = []
    closed_all = 0
    for i in inspections:
        if i.result is None:
            continue
        categories = i.result.get("categories", [])
        if not ({c["code"] for c in categories} & problem_set or _checked_items(i.result)[1]):
            continue
        mine = by_inspection.get(i.id, [])
        handled = bool(mine) and all(f.state == FollowUpState.CLOSED for f in mine)
        closed_all += handled
        follow_text = "；".join(
            f"{f.kind_label}（{f.state.label}{'：' + f.outcome if f.outcome else ''}）" for f in mine
        )
        rows.append(
            (
                tasks[i.task_id].number,
                i.target_name,
                "、".join(c["label"] for c in categories),
                i.result.get("problems", ""),
                "、".join(m["label"] for m in i.result.get("measures", [])),
                follow_text or "未登记后续处置",
                "已办结" if handled else "办理中",
            )
        )
    return Figure(
        PROBLEMS_HANDLED,
        "发现的问题及处置情况",
        float(len(rows)),
        f"发现问题 {len(rows)} 户，处置已办结 {closed_all} 户",
        NONE,
        (("已办结", float(closed_all)), ("办理中", float(len(rows) - closed_all))),
        "户数",
        ("任务编号", "检查对象", "检查结果", "发现问题情况", "处置措施", "后续处置", "办理情况"),
        tuple(rows),
        "检查结果为发现问题（或检查要点记录了问题）的检查记录；其后续处置全部办结的计为已办结。",
    )


def visible_deadlines(ctx: ServiceContext, today: date) -> DeadlineBoard:
    """The 公示期限 board without the tasks the actor may not see (classified, for uncleared users)."""
    board = result_deadlines(ctx, today)
    if can_see_classified(ctx):
        return board
    with ctx.read() as session:
        hidden = set(session.scalars(select(Task.id).where(Task.is_classified.is_(True))))
    if not hidden:
        return board
    return DeadlineBoard(
        board.today,
        tuple(t for t in board.tasks if t.task_id not in hidden),
        tuple(o for o in board.overdue if o.task_id not in hidden),
        tuple(o for o in board.due_soon if o.task_id not in hidden),
    )
