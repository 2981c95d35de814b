"""The demo county's annual plan: tasks ready to draw, one of each kind a county office runs.

Built after ``build_demo_county`` (its own units of work, through the same services an operator
uses), so the demo exercises the real rules: ratio caps, joint departments, classification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select

from app.models import CheckItem, Department, IndustryScheme
from app.models.enums import ItemImportance, RiskClass, TaskMode
from app.services.context import ServiceContext
from app.services.plans import create_plan
from app.services.tasks import TaskData, TaskScope, create_task, ratio_cap

MARKET = "青山市监"


@dataclass(frozen=True)
class DemoPlanSummary:
    plan_id: int
    task_ids: tuple[int, ...]


def _capped(ratios: dict[RiskClass, Decimal], cap: float | None) -> dict[RiskClass, Decimal]:
    if cap is None:
        return ratios
    limit = Decimal(str(cap)).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
    return {k: min(v, limit) for k, v in ratios.items()}


def build_demo_plan(ctx: ServiceContext, *, year: int) -> DemoPlanSummary:
    """Create the year's plan with a joint 一业一查 task, a single-department task, a risk-graded task and a classified task."""
    with ctx.read() as session:
        departments = {d.short_name: d.id for d in session.execute(select(Department)).scalars()}
        market = departments[MARKET]
        scheme = (
            session.execute(
                select(IndustryScheme)
                .where(IndustryScheme.industry.like("%餐饮%"))
                .order_by(IndustryScheme.id)
            )
            .scalars()
            .first()
        )
        assert scheme is not None, "demo county has no 餐饮 scheme"
        scheme_items = [si.item for si in scheme.scheme_items]
        scheme_lead, scheme_joint = (
            scheme.lead_department_id,
            tuple(d.id for d in scheme.cooperating_departments),
        )
        scheme_id, scheme_cap = scheme.id, ratio_cap(scheme_items)
        market_items = (
            session.execute(select(CheckItem).where(CheckItem.department_id == market).order_by(CheckItem.id))
            .scalars()
            .all()
        )
        key_market = [i.id for i in market_items if i.importance == ItemImportance.KEY][:3]
        general = [i for i in market_items if i.importance == ItemImportance.GENERAL][:3]
        general_market, general_cap = [i.id for i in general], ratio_cap(general)
        # In the real list only the market department has 重点 items; the joint risk-graded and
        # classified tasks add the fire brigade's first item, whose 一般 cap then bounds the ratios.
        fire = departments.get("青山消防")
        fire_items = (
            session.execute(select(CheckItem).where(CheckItem.department_id == fire).order_by(CheckItem.id))
            .scalars()
            .all()[:1]
        )
        key_fire = [i.id for i in fire_items]
        fire_cap = ratio_cap(list(fire_items))
    plan_id = create_plan(
        ctx, year=year, title=f"青山县{year}年度部门联合双随机抽查工作计划", number=f"青山双随机〔{year}〕1号"
    )
    tasks = [
        TaskData(
            name=f"{year}年餐饮服务行业“一业一查”部门联合抽查",
            mode=TaskMode.GENERAL_SWEEP,
            lead_department_id=scheme_lead,
            joint_department_ids=scheme_joint,
            scheme_id=scheme_id,
            scope=TaskScope(industries=("餐饮",)),
            ratios=_capped(
                {
                    RiskClass.A: Decimal("0.02"),
                    RiskClass.B: Decimal("0.03"),
                    RiskClass.C: Decimal("0.05"),
                    RiskClass.D: Decimal("0.08"),
                },
                scheme_cap,
            ),
            start_date=date(year, 12, 1),
            end_date=date(year, 12, 25),
            team_count=2,
            responsibilities="市场监管局牵头组织，各配合部门按职责派员，进一次门、查多项事。",
            contact="青山县市场监督管理局 0570-8123456",
            plan_id=plan_id,
        ),
        TaskData(
            name=f"{year}年食品销售者监督检查（部门单独抽查）",
            mode=TaskMode.SINGLE,
            lead_department_id=market,
            item_ids=tuple(general_market),
            scope=TaskScope(industries=("食品销售",)),
            ratios=_capped(
                {RiskClass.B: Decimal("0.03"), RiskClass.C: Decimal("0.05"), RiskClass.D: Decimal("0.08")},
                general_cap,
            ),
            start_date=date(year, 12, 7),
            end_date=date(year, 12, 31),
            team_count=1,
            plan_id=plan_id,
        ),
        TaskData(
            name=f"{year}年信用风险分类联合抽查",
            mode=TaskMode.RISK_GRADED,
            lead_department_id=market,
            joint_department_ids=(fire,) if fire and key_fire else (),
            item_ids=tuple(key_market + key_fire),
            ratios=_capped(
                {
                    RiskClass.A: Decimal("0.002"),
                    RiskClass.B: Decimal("0.004"),
                    RiskClass.C: Decimal("0.01"),
                    RiskClass.D: Decimal("0.05"),
                },
                fire_cap,
            ),
            start_date=date(year, 11, 23),
            end_date=date(year, 12, 20),
            team_count=3,
            plan_id=plan_id,
        ),
        TaskData(
            name=f"{year}年重点场所专项整治联查（涉密）",
            mode=TaskMode.SPECIAL_CAMPAIGN,
            lead_department_id=market,
            joint_department_ids=(fire,) if fire and key_fire else (),
            item_ids=tuple(key_market[:1] + key_fire[:1]),
            scope=TaskScope(risk_classes=(RiskClass.C, RiskClass.D)),
            fixed_count=6,
            start_date=date(year, 12, 10),
            end_date=date(year, 12, 18),
            is_public=False,
            is_classified=True,
            advance_notice=False,
            team_count=1,
            plan_id=plan_id,
        ),
    ]
    ids = tuple(create_task(ctx, t) for t in tasks)
    return DemoPlanSummary(plan_id, ids)
