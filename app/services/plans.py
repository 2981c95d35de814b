"""年度抽查计划: the year's plan, its publication, and adjustments (备案) after publication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AnnualPlan, PlanAdjustment, Task
from app.models.base import utcnow
from app.services.context import ServiceContext
from app.services.errors import FieldError, RuleViolation, ValidationError
from app.services.permissions import Permission, can_see_classified
from app.services.records import require, snapshot


@dataclass(frozen=True)
class PlanRow:
    id: int
    year: int
    title: str
    number: str
    published_at: datetime | None
    tasks: int
    adjustments: int


@dataclass(frozen=True)
class AdjustmentRow:
    id: int
    at: datetime
    operator: str
    kind: str
    task_number: str
    description: str
    reason: str


ADJUSTMENT_KINDS = {"add": "新增任务", "change": "调整任务", "cancel": "取消任务"}


def _plan_row(plan: AnnualPlan, cleared: bool = True) -> PlanRow:
    # Counts exclude classified tasks for uncleared users: not even their number may show.
    hidden = {t.id for t in plan.tasks if t.is_classified and not cleared}
    tasks = len(plan.tasks) - len(hidden)
    adjustments = len([a for a in plan.adjustments if a.task_id not in hidden])
    return PlanRow(plan.id, plan.year, plan.title, plan.number, plan.published_at, tasks, adjustments)


def create_plan(ctx: ServiceContext, *, year: int, title: str = "", number: str = "") -> int:
    """Create the plan of a year (one per year)."""
    ctx.require(Permission.EDIT_PLANS)
    if not 2000 <= year <= 2100:
        raise ValidationError([FieldError("年度", "请填写四位年份")])
    with ctx.write() as session:
        if session.execute(select(AnnualPlan.id).where(AnnualPlan.year == year)).first():
            raise ValidationError([FieldError("年度", f"{year} 年度抽查计划已存在")])
        plan = AnnualPlan(
            year=year, title=title.strip() or f"{year}年度双随机抽查工作计划", number=number.strip()
        )
        session.add(plan)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="annual_plans",
            entity_id=plan.id,
            summary=f"新建{plan.title}",
            after=snapshot(plan),
        )
        return plan.id


def list_plans(ctx: ServiceContext) -> list[PlanRow]:
    """All plans, newest year first."""
    with ctx.read() as session:
        plans = session.execute(select(AnnualPlan).order_by(AnnualPlan.year.desc())).scalars().all()
        return [_plan_row(p, can_see_classified(ctx)) for p in plans]


def plan_for_year(ctx: ServiceContext, year: int) -> PlanRow | None:
    with ctx.read() as session:
        plan = session.execute(select(AnnualPlan).where(AnnualPlan.year == year)).scalar_one_or_none()
        return _plan_row(plan, can_see_classified(ctx)) if plan else None


def publish_plan(ctx: ServiceContext, plan_id: int) -> None:
    """Publish the plan. From now on every change to its tasks is an adjustment with a reason."""
    ctx.require(Permission.PUBLISH)
    with ctx.write() as session:
        plan: AnnualPlan = require(session, AnnualPlan, plan_id, "年度计划")
        if plan.published_at is not None:
            raise RuleViolation(f"{plan.title}已于 {plan.published_at:%Y-%m-%d} 公布，无需重复公布")
        if not plan.tasks:
            raise RuleViolation("计划中还没有任务，不能公布。请先添加抽查任务。")
        plan.published_at = utcnow()
        plan.published_by = ctx.operator
        session.flush()
        ctx.audit(
            session,
            action="publish",
            entity="annual_plans",
            entity_id=plan.id,
            # Classified tasks are never part of a public plan: not even their number shows.
            summary=f"公布{plan.title}（{len([t for t in plan.tasks if not t.is_classified])} 项任务）",
        )


def record_adjustment(
    session: Session, ctx: ServiceContext, *, task: Task, kind: str, description: str, reason: str
) -> None:
    """Inside a task change: if its plan is published, the change must carry a reason and is recorded."""
    plan = task.plan
    if plan is None or plan.published_at is None:
        return
    if not reason.strip():
        raise ValidationError(
            [FieldError("调整原因", f"{plan.title}已公布，{ADJUSTMENT_KINDS[kind]}须填写调整原因（备案）")]
        )
    adjustment = PlanAdjustment(
        plan_id=plan.id,
        task_id=task.id,
        at=utcnow(),
        operator=ctx.operator,
        kind=kind,
        description=description,
        reason=reason.strip(),
    )
    session.add(adjustment)
    session.flush()
    ctx.audit(
        session,
        action="adjust",
        entity="annual_plans",
        entity_id=plan.id,
        summary=f"计划调整：{ADJUSTMENT_KINDS[kind]} {task.number}",
        reason=reason.strip(),
        after={"description": description},
        task_id=task.id,
    )


def list_adjustments(ctx: ServiceContext, plan_id: int) -> list[AdjustmentRow]:
    """The plan's adjustments in order, for display and export (classified tasks' only to cleared users)."""
    with ctx.read() as session:
        hidden = (
            set()
            if can_see_classified(ctx)
            else set(session.scalars(select(Task.id).where(Task.is_classified)))
        )
        rows = session.execute(
            select(PlanAdjustment, Task.number)
            .outerjoin(Task, PlanAdjustment.task_id == Task.id)
            .where(PlanAdjustment.plan_id == plan_id)
            .order_by(PlanAdjustment.id)
        ).all()
        return [
            AdjustmentRow(
                a.id,
                a.at,
                a.operator,
                ADJUSTMENT_KINDS.get(a.kind, a.kind),
                number or "",
                a.description,
                a.reason,
            )
            for a, number in rows
            if a.task_id is None or a.task_id not in hidden
        ]
