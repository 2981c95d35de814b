"""随机抽取: draw a task's targets, then its inspectors and teams — once each, recorded, verifiable.

The algorithm lives in ``app.draw`` (standard library only, so anyone can re-run it). This
module builds its inputs from the database (population, exclusions, inspector pools),
stores the record, creates the inspections and teams, and keeps voided draws with reasons.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.draw import record as draw_record
from app.draw.errors import DrawConstraintError, DrawParameterError
from app.draw.record import DrawRecord, Replacement, SeedInfo, SeedMethod, Witness
from app.draw.sampling import machine_seed
from app.draw.targets import CandidateTarget, StratumRule, draw_targets
from app.draw.targets import Exclusion as DrawExclusion
from app.draw.teams import DepartmentQuota, ExpertCandidate, InspectorCandidate, TeamPlan, draw_teams
from app.models import Department, Draw, Inspection, Inspector, Target, Task, Team, TeamMember
from app.models.base import new_uid, utcnow
from app.models.enums import DrawKind, InspectionState, TaskStatus, TeamRole
from app.services.context import ServiceContext
from app.services.errors import FieldError, RuleViolation, ValidationError
from app.services.operations import tracked
from app.services.permissions import Permission
from app.services.progress import Progress
from app.services.records import require
from app.services.tasks import (
    Population,
    compute_population,
    enforce_fixed_count_cap,
    get_task,
    task_data,
    team_quotas,
)

NO_EXPIRY = date(9999, 12, 31)  # the draw library treats a missing expiry as invalid; 长期 is stored as None
FIXED_STRATUM = "全部"


@dataclass(frozen=True)
class SeedEntry:
    """The seed as the witnesses produced it. ``value`` None = draw one from the OS's randomness."""

    value: str | None
    method: SeedMethod = SeedMethod.DICE
    description: str = ""


@dataclass(frozen=True)
class DrawRow:
    id: int
    uid: str
    task_id: int
    kind: DrawKind
    drawn_at: datetime
    operator: str
    witnesses: str
    seed: str
    seed_source: str
    selected_count: int
    record_sha256: str
    voided: bool
    void_reason: str
    replaces_draw_id: int | None


@dataclass(frozen=True)
class DrawnTarget:
    """One line of a draw's result table."""

    inspection_id: int
    inspection_uid: str
    target_id: int
    code: str
    name: str
    address: str
    stratum: str
    rank: int
    ticket: str
    team_number: int | None
    visit_order: int | None
    state: InspectionState


@dataclass(frozen=True)
class TeamMemberRow:
    inspector_id: int
    name: str
    department: str
    role: TeamRole
    certificate_number: str
    phone: str


@dataclass(frozen=True)
class TeamRow:
    id: int
    number: int
    members: tuple[TeamMemberRow, ...]
    target_count: int


def _row(d: Draw) -> DrawRow:
    return DrawRow(
        id=d.id,
        uid=d.uid,
        task_id=d.task_id,
        kind=d.kind,
        drawn_at=d.drawn_at,
        operator=d.operator,
        witnesses=d.witnesses,
        seed=d.seed,
        seed_source=d.seed_source,
        selected_count=d.selected_count,
        record_sha256=d.record_sha256,
        voided=d.voided_at is not None,
        void_reason=d.void_reason,
        replaces_draw_id=d.replaces_draw_id,
    )


def _active_draw(session: Session, task_id: int, kind: DrawKind) -> Draw | None:
    return session.execute(
        select(Draw).where(Draw.task_id == task_id, Draw.kind == kind, Draw.voided_at.is_(None))
    ).scalar_one_or_none()


def _last_voided(session: Session, task_id: int, kind: DrawKind) -> Draw | None:
    return session.execute(
        select(Draw)
        .where(Draw.task_id == task_id, Draw.kind == kind, Draw.voided_at.is_not(None))
        .order_by(Draw.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _lock_task(session: Session, task_id: int) -> Task:
    # FOR UPDATE serializes two desks drawing the same task on PostgreSQL; SQLite's
    # BEGIN IMMEDIATE (Database.write) already serializes all writers. "OF tasks": the task's
    # department is eager-loaded by an outer join, which PostgreSQL refuses to lock.
    task = session.execute(
        select(Task)
        .where(Task.id == task_id)
        .with_for_update(of=Task)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if task is None:
        raise RuleViolation(f"抽查任务（编号 {task_id}）不存在")
    return task


def _resolve_seed(entry: SeedEntry) -> SeedInfo:
    if entry.value is None:
        return SeedInfo(
            machine_seed(),
            SeedMethod.MACHINE,
            entry.description or "由计算机操作系统随机数生成（无见证人现场产生种子）",
        )
    value = entry.value.strip()
    if not value:
        raise ValidationError([FieldError("种子", "种子不能为空；可由见证人掷骰产生，或选择由计算机生成")])
    if entry.method == SeedMethod.DICE and (not value.isdigit() or len(value) < 20):
        raise ValidationError([FieldError("种子", "掷骰种子应为至少 20 位数字（DRAW.md：各方轮流掷十面骰）")])
    return SeedInfo(value, entry.method, entry.description.strip())


def _witnesses(names: Sequence[str]) -> tuple[Witness, ...]:
    result = []
    for raw in names:
        name, _, role = raw.partition("/")
        if name.strip():
            result.append(Witness(name.strip(), role.strip()))
    return tuple(result)


@dataclass(frozen=True)
class TargetDrawPreview:
    """What is fixed before the seed exists: population, hashes, sample sizes (DRAW.md: publish first)."""

    population: Population
    stratum_hashes: dict[str, str]


def _draw_inputs(
    population: Population, fixed_count: int | None
) -> tuple[list[CandidateTarget], list[StratumRule], list[DrawExclusion]]:
    exclusions = [DrawExclusion(e.draw_id, e.reason) for e in population.exclusions]
    drawn_classes = {s.risk_class for s in population.strata}
    candidates: list[CandidateTarget] = []
    for m in population.members:
        if fixed_count is not None:
            candidates.append(CandidateTarget(m.draw_id, FIXED_STRATUM))
        elif m.risk_class in drawn_classes:
            candidates.append(CandidateTarget(m.draw_id, m.risk_class.value))
        else:
            exclusions.append(
                DrawExclusion(
                    m.draw_id, f"本任务未对 {m.risk_class.value} 类设定抽查比例", m.risk_class.value
                )
            )
    if fixed_count is not None:
        rules = [StratumRule(FIXED_STRATUM, count=fixed_count)]
    else:
        rules = [StratumRule(s.risk_class.value, ratio=s.ratio) for s in population.strata]
    return candidates, rules, exclusions


def preview_target_draw(ctx: ServiceContext, task_id: int) -> TargetDrawPreview:
    """The population as it will be drawn, with each stratum's hash, to announce before the seed is made."""
    from app.draw.population import population_hash

    detail = get_task(ctx, task_id)
    with ctx.read() as session:
        population = compute_population(session, detail.data, task_id=task_id, year=detail.row.year)
    candidates, _, _ = _draw_inputs(population, detail.data.fixed_count)
    by_stratum: dict[str, list[str]] = {}
    for c in candidates:
        by_stratum.setdefault(c.risk_class, []).append(c.id)
    return TargetDrawPreview(population, {k: population_hash(v) for k, v in sorted(by_stratum.items())})


@tracked("随机抽取检查对象")
def draw_task_targets(
    ctx: ServiceContext,
    task_id: int,
    *,
    seed: SeedEntry,
    witnesses: Sequence[str] = (),
    expected_hashes: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> DrawRow:
    """Draw the task's targets (once). Creates one inspection per drawn target.

    Args:
        ctx: service context.
        task_id: the task.
        seed: the seed entry (or None value for the machine's randomness; the record says so).
        witnesses: names, optionally "姓名/身份" (e.g. "王五/县人大代表").
        expected_hashes: the stratum hashes announced before the seed was made; if the registry
            changed since, the draw is refused rather than drawing from another population.
        progress: optional progress/cancel.
    """
    ctx.require(Permission.RUN_DRAWS)
    seed_info = _resolve_seed(seed)
    with ctx.write() as session:
        task = _lock_task(session, task_id)
        existing = _active_draw(session, task_id, DrawKind.TARGETS)
        if existing is not None:
            raise RuleViolation(
                f"任务 {task.number} 的检查对象已由 {existing.operator} 于 {existing.drawn_at.astimezone():%Y-%m-%d %H:%M} 抽取"
                "（对象一次性抽取）。如确需重抽，请先作废该次抽取并写明原因。"
            )
        if task.status == TaskStatus.CANCELLED:
            raise RuleViolation(f"任务 {task.number} 已取消，不能抽取")
        if progress:
            progress.update(message="正在确定抽查对象名录…")
        data = task_data(task)
        population = compute_population(session, data, task_id=task_id, year=task.year)
        if data.fixed_count is not None:
            enforce_fixed_count_cap(population, data.fixed_count)
        candidates, rules, exclusions = _draw_inputs(population, data.fixed_count)
        if not candidates:
            raise RuleViolation(
                f"任务 {task.number} 的抽查范围内没有可抽取的对象（排除 {len(population.exclusions)} 户）"
            )
        if progress:
            progress.update(message="正在计算抽签号…")
        try:
            result = draw_targets(
                candidates=candidates, rules=rules, seed=seed_info.value, exclusions=exclusions
            )
        except DrawParameterError as exc:
            raise RuleViolation(str(exc)) from exc
        if expected_hashes is not None:
            actual = {s.stratum: s.population_hash for s in result.strata}
            if any(actual.get(k) != v for k, v in expected_hashes.items()):
                raise RuleViolation(
                    "公布种子前确定的名录与当前名录不一致（名录在此期间被修改），本次抽取未进行。请重新公布名录后再抽取。"
                )
        if progress:
            progress.update(message="正在保存抽取记录…")
        previous = _last_voided(session, task_id, DrawKind.TARGETS)
        draw_uid = new_uid()
        record = DrawRecord(
            record_id=draw_uid,
            task_number=task.number,
            task_name=task.name,
            drawn_at=utcnow(),
            operator=ctx.operator,
            witnesses=_witnesses(witnesses),
            seed=seed_info,
            targets=result,
            replaces=(Replacement(previous.uid, previous.void_reason),) if previous else (),
        )
        draw = _store_draw(session, ctx, task, DrawKind.TARGETS, record, len(result.selected_ids), previous)
        by_draw_id = {m.draw_id: m for m in population.members}
        for stratum in result.strata:
            for rank, ticketed in enumerate(stratum.selection, start=1):
                member = by_draw_id[ticketed.id]
                session.add(
                    Inspection(
                        task_id=task.id,
                        target_id=member.target_id,
                        target_draw_id=draw.id,
                        stratum=stratum.stratum,
                        rank=rank,
                        ticket=ticketed.ticket,
                        risk_class_at_draw=member.risk_class.value,
                        state=InspectionState.NOT_ENTERED,
                    )
                )
        task.status = TaskStatus.TARGETS_DRAWN
        session.flush()
        ctx.audit(
            session,
            action="draw",
            entity="draws",
            entity_id=draw.id,
            summary=f"抽取任务 {task.number} 的检查对象 {draw.selected_count} 户（种子来源：{draw.seed_source}）",
            after={
                "record_sha256": draw.record_sha256,
                "strata": {s.stratum: s.population_hash for s in result.strata},
            },
        )
        return _row(draw)


def _store_draw(
    session: Session,
    ctx: ServiceContext,
    task: Task,
    kind: DrawKind,
    record: DrawRecord,
    selected: int,
    previous: Draw | None,
) -> Draw:
    method_label = draw_record.SEED_METHOD_LABELS[record.seed.method]
    draw = Draw(
        uid=record.record_id,
        task_id=task.id,
        kind=kind,
        drawn_at=record.drawn_at,
        operator=ctx.operator,
        witnesses="，".join(w.name + (f"（{w.role}）" if w.role else "") for w in record.witnesses),
        seed=record.seed.value,
        seed_source=method_label + (f"：{record.seed.description}" if record.seed.description else ""),
        algorithm=record.algorithm,
        algorithm_version=record.algorithm_version,
        record_json=draw_record.record_to_text(record),
        record_sha256=draw_record.record_fingerprint(record),
        selected_count=selected,
        replaces_draw_id=previous.id if previous else None,
    )
    session.add(draw)
    session.flush()
    return draw


def _inspector_candidate(
    ins: Inspector, start: date, end: date, conflicts: frozenset[str]
) -> InspectorCandidate:
    cert = ins.valid_certificate_on(start, end) or (ins.certificates[0] if ins.certificates else None)
    return InspectorCandidate(
        id=ins.draw_id,
        department=ins.department.name,
        certificate_number=cert.number if cert else "",
        certificate_valid_from=cert.valid_from if cert else None,
        certificate_valid_until=(cert.valid_to or NO_EXPIRY) if cert else None,
        active=ins.active,
        conflicts=conflicts,
    )


@tracked("随机抽取执法检查人员")
def draw_task_inspectors(
    ctx: ServiceContext,
    task_id: int,
    *,
    seed: SeedEntry,
    witnesses: Sequence[str] = (),
    progress: Progress | None = None,
) -> DrawRow:
    """Select the inspectors (人员一次性选派), form the teams and match the drawn targets to them.

    Refuses, naming the team, department and constraint, when a team cannot be completed.
    """
    ctx.require(Permission.RUN_DRAWS)
    seed_info = _resolve_seed(seed)
    with ctx.write() as session:
        task = _lock_task(session, task_id)
        target_draw = _active_draw(session, task_id, DrawKind.TARGETS)
        if target_draw is None:
            raise RuleViolation(f"任务 {task.number} 尚未抽取检查对象，请先抽取对象再选派人员")
        existing = _active_draw(session, task_id, DrawKind.INSPECTORS)
        if existing is not None:
            raise RuleViolation(
                f"任务 {task.number} 的检查人员已由 {existing.operator} 于 {existing.drawn_at.astimezone():%Y-%m-%d %H:%M} 选派"
                "（人员一次性选派）。如确需重新选派，请先作废并写明原因。"
            )
        inspections = (
            session.execute(
                select(Inspection).where(
                    Inspection.target_draw_id == target_draw.id, Inspection.voided.is_(False)
                )
            )
            .scalars()
            .all()
        )
        target_by_draw_id = {i.target.draw_id: i for i in inspections}
        departments = [task.lead_department, *task.joint_departments]
        dept_ids = [d.id for d in departments]
        if progress:
            progress.update(message="正在整理执法人员名录…")
        pool = (
            session.execute(
                select(Inspector).where(Inspector.department_id.in_(dept_ids), Inspector.is_expert.is_(False))
            )
            .scalars()
            .all()
        )
        drawn_target_ids = {i.target_id: i.target.draw_id for i in inspections}

        def conflicts_of(ins: Inspector) -> frozenset[str]:
            return frozenset(
                drawn_target_ids[c.target_id] for c in ins.conflicts if c.target_id in drawn_target_ids
            )

        candidates = [_inspector_candidate(i, task.start_date, task.end_date, conflicts_of(i)) for i in pool]
        experts = []
        if task.expert_per_team:
            expert_rows = (
                session.execute(select(Inspector).where(Inspector.is_expert.is_(True))).scalars().all()
            )
            experts = [ExpertCandidate(e.draw_id, e.active, conflicts_of(e)) for e in expert_rows]
        quotas = _quotas(task, departments)
        try:
            plan = TeamPlan(
                task_number=task.number,
                start=task.start_date,
                end=task.end_date,
                team_count=task.team_count,
                lead_department=task.lead_department.name,
                quotas=quotas,
                experts_per_team=1 if task.expert_per_team else 0,
            )
            result = draw_teams(
                plan=plan,
                target_ids=target_by_draw_id.keys(),
                inspectors=candidates,
                seed=seed_info.value,
                experts=experts,
            )
        except DrawConstraintError as exc:
            raise RuleViolation(str(exc)) from exc
        except DrawParameterError as exc:
            raise RuleViolation(str(exc)) from exc
        previous = _last_voided(session, task_id, DrawKind.INSPECTORS)
        record = DrawRecord(
            record_id=new_uid(),
            task_number=task.number,
            task_name=task.name,
            drawn_at=utcnow(),
            operator=ctx.operator,
            witnesses=_witnesses(witnesses),
            seed=seed_info,
            teams=result,
            replaces=(Replacement(previous.uid, previous.void_reason),) if previous else (),
        )
        member_count = sum(len(t.members) for t in result.teams)
        draw = _store_draw(session, ctx, task, DrawKind.INSPECTORS, record, member_count, previous)
        inspector_by_draw_id = {i.draw_id: i for i in pool}
        if task.expert_per_team:
            inspector_by_draw_id.update(
                {
                    e.draw_id: e
                    for e in session.execute(select(Inspector).where(Inspector.is_expert.is_(True))).scalars()
                }
            )
        for team in result.teams:
            row = Team(task_id=task.id, draw_id=draw.id, number=team.number)
            session.add(row)
            session.flush()
            for position, member in enumerate(team.members, start=1):
                ins = inspector_by_draw_id[member.id]
                cert = ins.valid_certificate_on(task.start_date, task.end_date)
                session.add(
                    TeamMember(
                        team_id=row.id,
                        inspector_id=ins.id,
                        department_id=ins.department_id,
                        role=TeamRole(member.role.value),
                        certificate_number=cert.number if cert else "",
                        position=position,
                    )
                )
            for order, ticketed in enumerate(team.targets, start=1):
                inspection = target_by_draw_id[ticketed.id]
                inspection.team_id = row.id
                inspection.visit_order = order
        task.status = TaskStatus.TEAMS_DRAWN
        session.flush()
        ctx.audit(
            session,
            action="draw",
            entity="draws",
            entity_id=draw.id,
            summary=f"选派任务 {task.number} 的检查人员：{len(result.teams)} 个检查组、{member_count} 人",
            after={"record_sha256": draw.record_sha256},
        )
        return _row(draw)


def _quotas(task: Task, departments: list[Department]) -> tuple[DepartmentQuota, ...]:
    """Officers per department per team: every participating department sends its quota, the lead tops up to the minimum."""
    quotas = team_quotas(
        task.lead_department.name,
        [d.name for d in departments],
        task.officers_per_department,
        task.min_officers_per_team,
    )
    return tuple(DepartmentQuota(name, n) for name, n in quotas.items())


def void_draw(ctx: ServiceContext, draw_id: int, *, reason: str) -> None:
    """Void a draw with a recorded reason. The record stays; a targets void also voids the teams drawn on it."""
    ctx.require(Permission.RUN_DRAWS)
    if not reason.strip():
        raise ValidationError([FieldError("作废原因", "作废抽取须写明原因，原因将留存在抽取记录中")])
    with ctx.write() as session:
        draw: Draw = require(session, Draw, draw_id, "抽取记录")
        if draw.voided_at is not None:
            raise RuleViolation("该次抽取已作废")
        task = _lock_task(session, draw.task_id)
        started = session.execute(
            select(Inspection.id).where(
                Inspection.task_id == task.id,
                Inspection.voided.is_(False),
                Inspection.state != InspectionState.NOT_ENTERED,
            )
        ).first()
        if started is not None:
            raise RuleViolation(f"任务 {task.number} 已有检查结果录入，不能作废抽取")
        to_void = [draw]
        if draw.kind == DrawKind.TARGETS:
            dependent = _active_draw(session, task.id, DrawKind.INSPECTORS)
            if dependent is not None:
                to_void.append(dependent)
        now = utcnow()
        for d in to_void:
            record = draw_record.record_from_json(json.loads(d.record_json))
            voided = draw_record.void_record(
                record, reason=reason.strip(), voided_at=now, operator=ctx.operator
            )
            d.record_json = draw_record.record_to_text(voided)
            d.record_sha256 = draw_record.record_fingerprint(voided)
            d.voided_at, d.voided_by, d.void_reason = now, ctx.operator, reason.strip()
        if draw.kind == DrawKind.TARGETS:
            session.execute(
                update(Inspection).where(Inspection.target_draw_id == draw.id).values(voided=True)
            )
            task.status = TaskStatus.DRAFT
        else:
            session.execute(
                update(Inspection).where(Inspection.task_id == task.id).values(team_id=None, visit_order=None)
            )
            task.status = TaskStatus.TARGETS_DRAWN
        session.flush()
        for d in to_void:
            ctx.audit(
                session,
                action="void",
                entity="draws",
                entity_id=d.id,
                summary=f"作废任务 {task.number} 的{d.kind.label}抽取",
                reason=reason.strip(),
            )


def list_draws(ctx: ServiceContext, task_id: int) -> list[DrawRow]:
    """All draws of a task, voided ones included, oldest first."""
    with ctx.read() as session:
        draws = session.execute(select(Draw).where(Draw.task_id == task_id).order_by(Draw.id)).scalars().all()
        return [_row(d) for d in draws]


def draw_record_text(ctx: ServiceContext, draw_id: int) -> str:
    """The draw's record as JSON text (docs/draw-record.md), for `liancha verify` and printing."""
    with ctx.read() as session:
        draw: Draw = require(session, Draw, draw_id, "抽取记录")
        return draw.record_json


def load_draw_record(ctx: ServiceContext, draw_id: int) -> DrawRecord:
    return draw_record.record_from_json(json.loads(draw_record_text(ctx, draw_id)))


def drawn_targets(ctx: ServiceContext, task_id: int) -> list[DrawnTarget]:
    """The task's current (not voided) inspections, by team and visiting order, else by stratum and rank."""
    with ctx.read() as session:
        rows = session.execute(
            select(Inspection, Target, Team.number)
            .join(Target, Inspection.target_id == Target.id)
            .outerjoin(Team, Inspection.team_id == Team.id)
            .where(Inspection.task_id == task_id, Inspection.voided.is_(False))
            .order_by(Team.number, Inspection.visit_order, Inspection.stratum, Inspection.rank)
        ).all()
        return [
            DrawnTarget(
                inspection_id=i.id,
                inspection_uid=i.uid,
                target_id=t.id,
                code=t.code or "",
                name=t.name,
                address=t.address,
                stratum=i.stratum,
                rank=i.rank,
                ticket=i.ticket,
                team_number=number,
                visit_order=i.visit_order,
                state=i.state,
            )
            for i, t, number in rows
        ]


def list_teams(ctx: ServiceContext, task_id: int) -> list[TeamRow]:
    """The task's current teams with their members (leader first)."""
    with ctx.read() as session:
        draw = _active_draw(session, task_id, DrawKind.INSPECTORS)
        if draw is None:
            return []
        teams = (
            session.execute(select(Team).where(Team.draw_id == draw.id).order_by(Team.number)).scalars().all()
        )
        result = []
        for team in teams:
            count = len(
                session.execute(
                    select(Inspection.id).where(Inspection.team_id == team.id, Inspection.voided.is_(False))
                ).all()
            )
            members = tuple(
                TeamMemberRow(
                    m.inspector_id,
                    m.inspector.name,
                    m.inspector.department.name,
                    m.role,
                    m.certificate_number,
                    m.inspector.phone,
                )
                for m in team.members
            )
            result.append(TeamRow(team.id, team.number, members, count))
        return result
