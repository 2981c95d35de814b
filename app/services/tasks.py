"""抽查任务: create and edit tasks, number them, and compute their population for the draw.

The population computation (scope → strata → exclusions → sample sizes) is shared by the
task editor's live preview and by the draw itself, so what the operator saw is what is drawn.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from app.models import (
    CheckItem,
    Department,
    Draw,
    FrequencyRule,
    IndustryScheme,
    Inspection,
    Inspector,
    Target,
    TargetLicence,
    Task,
    TaskItem,
)
from app.models.enums import ItemImportance, RiskClass, TargetKind, TargetStatus, TaskMode, TaskStatus
from app.models.registry import target_tags
from app.services.context import ServiceContext
from app.services.errors import FieldError, RuleViolation, ValidationError
from app.services.permissions import (
    Permission,
    can_see_classified,
    require_task_visible,
    visible_task_condition,
)
from app.services.plans import record_adjustment
from app.services.records import check_version, require, snapshot
from app.services.settings import get_setting

NUMBER_FORMAT_KEY = "task.number_format"
DEFAULT_NUMBER_FORMAT = "{short}抽查〔{year}〕{seq}号"


@dataclass(frozen=True)
class TaskScope:
    """Directed scope (定向抽查). All empty = undirected (不定向): the whole registry."""

    kinds: tuple[TargetKind, ...] = ()
    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tag_ids: tuple[int, ...] = ()
    risk_classes: tuple[RiskClass, ...] = ()
    licence_names: tuple[str, ...] = ()

    @property
    def directed(self) -> bool:
        return any(
            (self.kinds, self.industries, self.regions, self.tag_ids, self.risk_classes, self.licence_names)
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "kinds": [k.value for k in self.kinds],
                "industries": list(self.industries),
                "regions": list(self.regions),
                "tag_ids": list(self.tag_ids),
                "risk_classes": [r.value for r in self.risk_classes],
                "licence_names": list(self.licence_names),
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> TaskScope:
        raw: dict[str, Any] = json.loads(text or "{}")
        return cls(
            kinds=tuple(TargetKind(k) for k in raw.get("kinds", [])),
            industries=tuple(raw.get("industries", [])),
            regions=tuple(raw.get("regions", [])),
            tag_ids=tuple(int(t) for t in raw.get("tag_ids", [])),
            risk_classes=tuple(RiskClass(r) for r in raw.get("risk_classes", [])),
            licence_names=tuple(raw.get("licence_names", [])),
        )

    def describe(self) -> str:
        """The scope in words, for notices and disclosures (抽查对象范围)."""
        if not self.directed:
            return "全部在册市场主体（不定向抽查）"
        parts = []
        if self.kinds:
            parts.append("类型：" + "、".join(k.label for k in self.kinds))
        if self.industries:
            parts.append("行业：" + "、".join(self.industries))
        if self.regions:
            parts.append("区域：" + "、".join(self.regions))
        if self.risk_classes:
            parts.append("信用风险分类：" + "、".join(r.value for r in self.risk_classes) + " 类")
        if self.licence_names:
            parts.append("持有：" + "、".join(self.licence_names))
        if self.tag_ids:
            parts.append(f"标签 {len(self.tag_ids)} 个")
        return "；".join(parts)


@dataclass(frozen=True)
class TaskData:
    """Everything the task editor sets."""

    name: str
    mode: TaskMode
    lead_department_id: int
    start_date: date
    end_date: date
    joint_department_ids: tuple[int, ...] = ()
    item_ids: tuple[int, ...] = ()
    scheme_id: int | None = None
    scope: TaskScope = field(default_factory=TaskScope)
    ratios: dict[RiskClass, Decimal] = field(default_factory=dict)  # exact: floats round ceil(0.07×100) to 8
    fixed_count: int | None = None
    responsibilities: str = ""
    is_public: bool = True
    is_classified: bool = False
    advance_notice: bool = True
    team_count: int = 1
    officers_per_department: int = 1
    min_officers_per_team: int = 2
    expert_per_team: bool = False
    frequency_override_reason: str = ""
    contact: str = ""
    plan_id: int | None = None


@dataclass(frozen=True)
class TaskRow:
    id: int
    uid: str
    number: str
    name: str
    year: int
    mode: TaskMode
    status: TaskStatus
    lead_department: str
    departments: str
    start_date: date
    end_date: date
    is_public: bool
    is_classified: bool
    items: int
    version: int


@dataclass(frozen=True)
class TaskDetail:
    row: TaskRow
    data: TaskData


def _ratios_to_json(ratios: dict[RiskClass, Decimal]) -> str:
    # Stored as decimal text so that the draw (and anyone verifying it) rounds exactly; without
    # trailing zeros, so one task does not print "0.03" beside "0.030" (a capped ratio).
    return json.dumps(
        {k.value: format(Decimal(v).normalize(), "f") for k, v in sorted(ratios.items())}, sort_keys=True
    )


def ratios_from_json(text: str) -> dict[RiskClass, Decimal]:
    return {RiskClass(k): Decimal(str(v)) for k, v in json.loads(text or "{}").items()}


def exact_sample_size(ratio: Decimal, size: int) -> int:
    """ceil(ratio × size) computed exactly."""
    return min(size, math.ceil(Fraction(ratio) * size))


def _row(task: Task) -> TaskRow:
    departments = [task.lead_department.name, *(d.name for d in task.joint_departments)]
    return TaskRow(
        id=task.id,
        uid=task.uid,
        number=task.number,
        name=task.name,
        year=task.year,
        mode=task.mode,
        status=task.status,
        lead_department=task.lead_department.name,
        departments="，".join(departments),
        start_date=task.start_date,
        end_date=task.end_date,
        is_public=task.is_public,
        is_classified=task.is_classified,
        items=len(task.task_items),
        version=task.version,
    )


def task_data(task: Task) -> TaskData:
    return TaskData(
        name=task.name,
        mode=task.mode,
        lead_department_id=task.lead_department_id,
        start_date=task.start_date,
        end_date=task.end_date,
        joint_department_ids=tuple(d.id for d in task.joint_departments),
        item_ids=tuple(ti.item_id for ti in task.task_items),
        scheme_id=task.scheme_id,
        scope=TaskScope.from_json(task.scope_json),
        ratios=ratios_from_json(task.ratios_json),
        fixed_count=task.fixed_count,
        responsibilities=task.responsibilities,
        is_public=task.is_public,
        is_classified=task.is_classified,
        advance_notice=task.advance_notice,
        team_count=task.team_count,
        officers_per_department=task.officers_per_department,
        min_officers_per_team=task.min_officers_per_team,
        expert_per_team=task.expert_per_team,
        frequency_override_reason=task.frequency_override_reason,
        contact=task.contact,
        plan_id=task.plan_id,
    )


def list_tasks(ctx: ServiceContext, *, year: int | None = None) -> list[TaskRow]:
    """Tasks, by year and sequence."""
    with ctx.read() as session:
        query = select(Task).where(visible_task_condition(ctx)).order_by(Task.year.desc(), Task.id)
        if year is not None:
            query = query.where(Task.year == year)
        return [_row(t) for t in session.execute(query).unique().scalars()]


def get_task(ctx: ServiceContext, task_id: int) -> TaskDetail:
    """One task; a classified task is "not found" for users not cleared for it."""
    with ctx.read() as session:
        task = require_task_visible(ctx, session.get(Task, task_id), task_id)
        return TaskDetail(_row(task), task_data(task))


def find_task(ctx: ServiceContext, reference: str) -> TaskDetail:
    """A task by its number (e.g. 青山市监抽查〔2026〕3号), its uid or its numeric id."""
    with ctx.read() as session:
        ref = reference.strip()
        task = session.execute(
            select(Task).where(or_(Task.number == ref, Task.uid == ref))
        ).scalar_one_or_none()
        if task is None and ref.isdigit():
            task = session.get(Task, int(ref))
        if task is None or (task.is_classified and not can_see_classified(ctx)):
            raise RuleViolation(f"找不到抽查任务「{ref}」。请用 `liancha task list` 查看任务编号。")
        return TaskDetail(_row(task), task_data(task))


def resolve_items(session: Session, data: TaskData) -> list[CheckItem]:
    """The task's items: those chosen, else its scheme's, in checklist order."""
    ids = list(data.item_ids)
    if not ids and data.scheme_id is not None:
        scheme = session.get(IndustryScheme, data.scheme_id)
        if scheme is not None:
            ids = [si.item_id for si in scheme.scheme_items]
    items = [session.get(CheckItem, i) for i in ids]
    return [i for i in items if i is not None]


def ratio_cap(items: list[CheckItem]) -> float | None:
    """The smallest cap of the task's 一般 items (重点 items have none); None = uncapped."""
    caps = [i.ratio_cap for i in items if i.importance == ItemImportance.GENERAL and i.ratio_cap is not None]
    return min(caps) if caps else None


def validate_task(session: Session, data: TaskData) -> list[CheckItem]:
    """Check a task against the rules; return its items or raise ValidationError listing every problem."""
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError("任务名称", "不能为空"))
    if session.get(Department, data.lead_department_id) is None:
        errors.append(FieldError("牵头部门", "请选择牵头部门"))
    if data.end_date < data.start_date:
        errors.append(FieldError("检查时间", "结束日期早于开始日期"))
    if data.mode.is_joint and not data.joint_department_ids:
        errors.append(FieldError("联合部门", f"{data.mode.label}须至少有一个配合部门"))
    if not data.mode.is_joint and data.joint_department_ids:
        errors.append(FieldError("联合部门", "部门单独抽查不设配合部门；如需联合检查，请选择联合抽查方式"))
    items = resolve_items(session, data)
    if not items:
        errors.append(FieldError("抽查事项", "请选择至少一个抽查事项（或一个一业一查方案）"))
    allowed = {data.lead_department_id, *data.joint_department_ids}
    for item in items:
        if item.department_id not in allowed:
            errors.append(
                FieldError("抽查事项", f"「{item.name}」属于{item.department.name}，该部门未参加本任务")
            )
    if data.fixed_count is None and not data.ratios:
        errors.append(FieldError("抽查比例", "请为至少一个风险类别设定比例，或设定固定抽取数量"))
    for risk, ratio in data.ratios.items():
        if not isinstance(ratio, Decimal) or not ratio.is_finite() or not 0 < ratio <= 1:
            errors.append(FieldError("抽查比例", f"{risk.value} 类比例应在 0% 到 100% 之间"))
    cap = ratio_cap(items)
    if cap is not None and data.ratios and max(data.ratios.values()) > Decimal(str(cap)):
        errors.append(
            FieldError(
                "抽查比例",
                f"本任务含一般检查事项，比例不得超过其上限 {cap:.1%}（最高设定为 {max(data.ratios.values()):.1%}）",
            )
        )
    if data.fixed_count is not None and data.fixed_count < 1:
        errors.append(FieldError("固定数量", "应为正整数"))
    if data.team_count < 1:
        errors.append(FieldError("检查组数", "至少 1 个检查组"))
    if not 1 <= data.officers_per_department <= 10:
        errors.append(FieldError("每部门人数", "每个部门向每组派出 1 到 10 名执法人员"))
    if data.min_officers_per_team < 2:
        errors.append(
            FieldError("每组执法人员", "每组至少 2 名持有效执法证的执法人员（行政处罚法第四十二条）")
        )
    if data.is_classified and data.is_public:
        errors.append(FieldError("公开", "涉密任务不得公开；请取消「公开」"))
    if errors:
        raise ValidationError(errors)
    return items


def next_task_number(session: Session, *, lead: Department, year: int) -> tuple[str, int]:
    """The next number in the office's format, e.g. 青山市监抽查〔2026〕3号."""
    short = lead.short_name or lead.name
    last = session.execute(
        select(func.max(Task.sequence)).where(Task.year == year, Task.lead_department_id == lead.id)
    ).scalar()
    seq = (last or 0) + 1
    fmt = str(get_setting(session, NUMBER_FORMAT_KEY, DEFAULT_NUMBER_FORMAT))
    number = fmt.format(short=short, year=year, seq=seq)
    while session.execute(select(Task.id).where(Task.number == number)).first():
        seq += 1
        number = fmt.format(short=short, year=year, seq=seq)
    return number, seq


def _apply(session: Session, task: Task, data: TaskData, items: list[CheckItem]) -> None:
    task.name = data.name.strip()
    task.mode = data.mode
    task.lead_department_id = data.lead_department_id
    task.scheme_id = data.scheme_id
    task.scope_json = data.scope.to_json()
    task.ratios_json = _ratios_to_json(data.ratios)
    task.fixed_count = data.fixed_count
    task.start_date = data.start_date
    task.end_date = data.end_date
    task.responsibilities = data.responsibilities
    task.is_public = data.is_public
    task.is_classified = data.is_classified
    task.advance_notice = data.advance_notice
    task.team_count = data.team_count
    task.officers_per_department = data.officers_per_department
    task.min_officers_per_team = data.min_officers_per_team
    task.expert_per_team = data.expert_per_team
    task.frequency_override_reason = data.frequency_override_reason.strip()
    task.contact = data.contact.strip()
    task.plan_id = data.plan_id
    task.joint_departments = [d for d in (session.get(Department, i) for i in data.joint_department_ids) if d]
    if task.task_items:
        task.task_items = []
        session.flush()  # the unit of work inserts before it deletes; (task, item) is unique
    task.task_items = [TaskItem(item_id=item.id, position=n) for n, item in enumerate(items, start=1)]


def _audit_view(task: Task) -> dict[str, Any]:
    return snapshot(task) | {
        "joint_departments": [d.id for d in task.joint_departments],
        "items": [ti.item_id for ti in task.task_items],
    }


def create_task(ctx: ServiceContext, data: TaskData, *, adjustment_reason: str = "") -> int:
    """Create a task and give it the next number; in a published plan this is an adjustment with a reason."""
    ctx.require(Permission.EDIT_TASKS)
    with ctx.write() as session:
        items = validate_task(session, data)
        # Locking the lead department serialises numbering: two desks creating tasks of one
        # department at once would otherwise both take the same next number (PostgreSQL).
        session.execute(
            select(Department.id).where(Department.id == data.lead_department_id).with_for_update()
        )
        lead: Department = require(session, Department, data.lead_department_id, "牵头部门")
        year = data.start_date.year
        number, seq = next_task_number(session, lead=lead, year=year)
        task = Task(number=number, sequence=seq, year=year, status=TaskStatus.DRAFT)
        session.add(task)
        _apply(session, task, data, items)
        session.flush()
        session.refresh(task, ["plan"])
        record_adjustment(
            session,
            ctx,
            task=task,
            kind="add",
            description=f"新增任务 {number} {task.name}",
            reason=adjustment_reason,
        )
        ctx.audit(
            session,
            action="create",
            entity="tasks",
            entity_id=task.id,
            summary=f"新建抽查任务 {number}「{task.name}」",
            after=_audit_view(task),
        )
        return task.id


def update_task(
    ctx: ServiceContext,
    task_id: int,
    data: TaskData,
    *,
    expected_version: int | None,
    adjustment_reason: str = "",
) -> None:
    """Edit a task before its targets are drawn (after that, scope, ratios and items are fixed)."""
    ctx.require(Permission.EDIT_TASKS)
    with ctx.write() as session:
        task = require_task_visible(ctx, session.get(Task, task_id), task_id)
        check_version(task, expected_version, "抽查任务")
        if task.status != TaskStatus.DRAFT:
            raise RuleViolation(
                f"任务 {task.number} 已{task.status.label}，范围、比例和事项不能再改。如确需重抽，请先作废抽取并写明原因。"
            )
        items = validate_task(session, data)
        before = _audit_view(task)
        _apply(session, task, data, items)
        session.flush()
        record_adjustment(
            session,
            ctx,
            task=task,
            kind="change",
            description=f"调整任务 {task.number}",
            reason=adjustment_reason,
        )
        ctx.audit(
            session,
            action="update",
            entity="tasks",
            entity_id=task.id,
            summary=f"修改抽查任务 {task.number}",
            before=before,
            after=_audit_view(task),
        )


def cancel_task(ctx: ServiceContext, task_id: int, *, reason: str) -> None:
    """Cancel a task (kept, with its reason; in a published plan also an adjustment)."""
    ctx.require(Permission.EDIT_TASKS)
    if not reason.strip():
        raise ValidationError([FieldError("原因", "取消任务须填写原因")])
    with ctx.write() as session:
        task = require_task_visible(ctx, session.get(Task, task_id), task_id)
        if task.status in (TaskStatus.FINISHED, TaskStatus.CANCELLED):
            raise RuleViolation(f"任务 {task.number} 已{task.status.label}")
        task.status = TaskStatus.CANCELLED
        session.flush()
        record_adjustment(
            session, ctx, task=task, kind="cancel", description=f"取消任务 {task.number}", reason=reason
        )
        ctx.audit(
            session,
            action="cancel",
            entity="tasks",
            entity_id=task.id,
            summary=f"取消任务 {task.number}",
            reason=reason,
        )


# ---------------------------------------------------------------------------------------------
# Population: scope → exclusions → strata → sample sizes


@dataclass(frozen=True)
class FrequencyLimits:
    max_per_year: int
    min_interval_days: int
    default_ratio: float


def frequency_limits(session: Session) -> dict[RiskClass, FrequencyLimits]:
    """The configured yearly caps and intervals per risk class (defaults come with the schema)."""
    from app.services.frequency import DEFAULT_RULES

    # A class missing from the table acts with its default, as the settings dialog shows it.
    limits = {risk: FrequencyLimits(*values) for risk, values in DEFAULT_RULES.items()}
    for r in session.execute(select(FrequencyRule)).scalars():
        limits[RiskClass(r.risk_class)] = FrequencyLimits(
            r.max_per_year, r.min_interval_days, r.default_ratio
        )
    return limits


def frequency_exclusion(
    risk: RiskClass, limit: FrequencyLimits | None, count: int, last_drawn: date | None, start: date
) -> str | None:
    """Why a target drawn ``count`` times this year, last on ``last_drawn``, may not be drawn for a task
    starting on ``start`` (None: it may). The yearly cap is tested first, then the interval."""
    if limit is None:
        return None
    if count >= limit.max_per_year:
        return f"本年度抽查次数已达上限（{risk.value} 类每年最多 {limit.max_per_year} 次）"
    if last_drawn is not None:
        # A draw dated after the task's start (a task prepared late) counts as zero days ago.
        since = max(0, (start - last_drawn).days)
        if since < limit.min_interval_days:
            return f"距上次抽中不足规定间隔（{risk.value} 类 {limit.min_interval_days} 天，实际 {since} 天）"
    return None


@dataclass(frozen=True)
class Member:
    """A target in a draw population: its database id, its draw id (DRAW.md) and risk class."""

    target_id: int
    draw_id: str
    risk_class: RiskClass


@dataclass(frozen=True)
class Exclusion:
    target_id: int
    draw_id: str
    reason: str


@dataclass(frozen=True)
class StratumPlan:
    risk_class: RiskClass
    size: int
    ratio: Decimal | None
    sample_size: int


@dataclass(frozen=True)
class Population:
    """What a task would draw from now."""

    members: tuple[Member, ...]
    exclusions: tuple[Exclusion, ...]
    strata: tuple[StratumPlan, ...]
    not_drawn_classes: dict[RiskClass, int]  # in scope, but the task sets no ratio for the class
    cap: float | None
    rounding: str

    @property
    def total_sample(self) -> int:
        return sum(s.sample_size for s in self.strata)

    def exclusion_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for e in self.exclusions:
            counts[e.reason.split("（")[0]] += 1
        return dict(counts)


def scope_conditions(scope: TaskScope, on_day: date) -> list[ColumnElement[bool]]:
    """SQL conditions of a directed scope."""
    conds: list[ColumnElement[bool]] = [Target.active.is_(True)]
    if scope.kinds:
        conds.append(Target.kind.in_(scope.kinds))
    if scope.industries:
        conds.append(Target.industry.in_(scope.industries))
    if scope.regions:
        conds.append(Target.region.in_(scope.regions))
    if scope.risk_classes:
        conds.append(Target.risk_class.in_(scope.risk_classes))
    for tag_id in scope.tag_ids:
        conds.append(
            exists().where(and_(target_tags.c.target_id == Target.id, target_tags.c.tag_id == tag_id))
        )
    if scope.licence_names:
        conds.append(
            exists().where(
                and_(
                    TargetLicence.target_id == Target.id,
                    TargetLicence.name.in_(scope.licence_names),
                    or_(TargetLicence.valid_to.is_(None), TargetLicence.valid_to >= on_day),
                )
            )
        )
    return conds


def compute_population(
    session: Session, data: TaskData, *, task_id: int | None = None, year: int | None = None
) -> Population:
    """The population a task would draw from: in scope, minus exclusions (each with its reason), by stratum."""
    year = year or data.start_date.year
    limits = frequency_limits(session)
    rows = session.execute(
        select(Target.id, Target.code, Target.uid, Target.risk_class, Target.status).where(
            *scope_conditions(data.scope, data.start_date)
        )
    ).all()
    # Earlier draws of each target: count in the task's year and the latest date, across all other tasks.
    history_query = (
        select(
            Inspection.target_id,
            func.sum(case((Task.year == year, 1), else_=0)),
            func.max(Draw.drawn_at),
        )
        .join(Draw, Inspection.target_draw_id == Draw.id)
        .join(Task, Inspection.task_id == Task.id)
        .where(Inspection.voided.is_(False), Draw.voided_at.is_(None))
        .group_by(Inspection.target_id)
    )
    if task_id is not None:
        history_query = history_query.where(Inspection.task_id != task_id)
    history = {r[0]: (int(r[1] or 0), r[2]) for r in session.execute(history_query)}
    override = bool(data.frequency_override_reason.strip())
    members: list[Member] = []
    exclusions: list[Exclusion] = []
    for target_id, code, uid, risk, status in rows:
        draw_id = code or uid
        if status != TargetStatus.ACTIVE:
            exclusions.append(Exclusion(target_id, draw_id, f"非存续状态（{TargetStatus(status).label}）"))
            continue
        risk = RiskClass(risk)
        if target_id in history and not override:
            count, last = history[target_id]
            reason = frequency_exclusion(
                risk, limits.get(risk), count, last.date() if last is not None else None, data.start_date
            )
            if reason is not None:
                exclusions.append(Exclusion(target_id, draw_id, reason))
                continue
        members.append(Member(target_id, draw_id, risk))
    by_class: dict[RiskClass, int] = defaultdict(int)
    for m in members:
        by_class[m.risk_class] += 1
    items = resolve_items(session, data)
    cap = ratio_cap(items)
    strata: list[StratumPlan] = []
    not_drawn: dict[RiskClass, int] = {}
    if data.fixed_count is not None:
        # One fixed count over the whole population, allocated to strata by ticket order in the draw.
        size = sum(by_class.values())
        strata = [StratumPlan(r, by_class[r], None, 0) for r in RiskClass if by_class[r]]
        rounding = f"固定抽取 {min(data.fixed_count, size)} 户（不分层）"
    else:
        for risk in RiskClass:
            size = by_class.get(risk, 0)
            ratio = data.ratios.get(risk)
            if ratio is None:
                if size:
                    not_drawn[risk] = size
                continue
            strata.append(StratumPlan(risk, size, ratio, exact_sample_size(ratio, size)))
        rounding = "各层抽取数 = 向上取整（比例 × 该层对象数），不超过该层对象数"
    return Population(tuple(members), tuple(exclusions), tuple(strata), not_drawn, cap, rounding)


def preview_population(ctx: ServiceContext, data: TaskData, *, task_id: int | None = None) -> Population:
    """The task editor's live view: population per stratum, exclusions with reasons, sample sizes."""
    with ctx.read() as session:
        return compute_population(session, data, task_id=task_id)


def enforce_fixed_count_cap(population: Population, fixed_count: int) -> None:
    """A fixed count must respect the 一般 items' cap as a share of the population."""
    size = len(population.members)
    if population.cap is not None and size and fixed_count / size > population.cap + 1e-12:
        raise RuleViolation(
            f"固定抽取 {fixed_count} 户占对象总数 {size} 户的 {fixed_count / size:.1%}，超过一般检查事项的比例上限 {population.cap:.1%}"
        )


@dataclass(frozen=True)
class StaffingLine:
    """One department's (or the expert pool's) share of the task's teams, against who could be drawn."""

    source: str  # department name, or 专家库
    per_team: int
    needed: int  # per_team × team count
    available: int  # active, and (officers) holding a certificate valid over the whole task window

    @property
    def short(self) -> bool:
        return self.available < self.needed


def team_quotas(lead: str, departments: list[str], per_department: int, minimum: int) -> dict[str, int]:
    """Officers per department per team: each participating department sends its quota, the lead tops up to the minimum."""
    quotas = {name: max(1, per_department) for name in departments}
    shortfall = minimum - sum(quotas.values())
    if shortfall > 0:
        quotas[lead] += shortfall
    return quotas


def preview_staffing(ctx: ServiceContext, data: TaskData) -> list[StaffingLine]:
    """What the task's teams need from each department (and the expert pool) and how many could be drawn.

    An early warning for the editor; the inspector draw itself checks recusal too, and refuses
    naming the department and constraint when a team cannot be completed.
    """
    with ctx.read() as session:
        dept_ids = [data.lead_department_id, *data.joint_department_ids]
        departments = [d for d in (session.get(Department, i) for i in dept_ids) if d is not None]
        if not departments:
            return []
        quotas = team_quotas(
            departments[0].name,
            [d.name for d in departments],
            data.officers_per_department,
            data.min_officers_per_team,
        )
        lines = []
        for dept in departments:
            pool = session.execute(
                select(Inspector).where(
                    Inspector.department_id == dept.id,
                    Inspector.is_expert.is_(False),
                    Inspector.active.is_(True),
                )
            ).scalars()
            available = sum(1 for i in pool if i.valid_certificate_on(data.start_date, data.end_date))
            per = quotas[dept.name]
            lines.append(StaffingLine(dept.name, per, per * data.team_count, available))
        if data.expert_per_team:
            experts = session.execute(
                select(func.count(Inspector.id)).where(
                    Inspector.is_expert.is_(True), Inspector.active.is_(True)
                )
            ).scalar_one()
            lines.append(StaffingLine("专家库", 1, data.team_count, int(experts)))
        return lines
