"""Plans and tasks: numbering, the rules of the editor, the population preview, adjustments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models.enums import RiskClass, TaskMode
from app.services.context import ServiceContext
from app.services.errors import RuleViolation, ValidationError
from app.services.plans import create_plan, list_adjustments, publish_plan
from app.services.tasks import (
    TaskScope,
    cancel_task,
    create_task,
    find_task,
    get_task,
    preview_population,
    update_task,
)
from tests.factories import build_mini_county, joint_task_data


def test_task_numbers_follow_the_office_format(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    first = create_task(ctx, joint_task_data(county))
    second = create_task(ctx, joint_task_data(county, name="第二个任务"))
    assert get_task(ctx, first).row.number == "青山市监抽查〔2026〕1号"
    assert get_task(ctx, second).row.number == "青山市监抽查〔2026〕2号"
    assert find_task(ctx, "青山市监抽查〔2026〕2号").row.id == second
    with pytest.raises(RuleViolation, match="找不到"):
        find_task(ctx, "不存在的任务")


def test_population_preview_strata_and_exclusions(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    pop = preview_population(ctx, joint_task_data(county))
    sizes = {s.risk_class: (s.size, s.sample_size) for s in pop.strata}
    assert sizes == {RiskClass.A: (20, 1), RiskClass.B: (40, 4), RiskClass.C: (10, 2), RiskClass.D: (4, 1)}
    assert [e.reason for e in pop.exclusions] == ["非存续状态（注销）"]
    assert pop.total_sample == 8
    directed = preview_population(
        ctx,
        joint_task_data(county, scope=TaskScope(regions=("城关镇",)), ratios={RiskClass.B: Decimal("0.1")}),
    )
    assert [(s.risk_class, s.size) for s in directed.strata] == [(RiskClass.B, 20)]
    assert directed.not_drawn_classes == {RiskClass.A: 10, RiskClass.C: 5, RiskClass.D: 2}


def test_general_item_cap_is_enforced_key_items_uncapped(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    with pytest.raises(ValidationError, match=r"不得超过其上限 30\.0%"):
        create_task(ctx, joint_task_data(county, ratios={RiskClass.D: Decimal("0.5")}))
    # Only the 重点 (fire) item: no cap at all.
    create_task(
        ctx,
        joint_task_data(
            county,
            mode=TaskMode.SINGLE,
            lead_department_id=county.departments["青山消防"],
            joint_department_ids=(),
            item_ids=(county.items["fire"],),
            ratios={RiskClass.D: Decimal("1")},
        ),
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"joint_department_ids": ()}, "须至少有一个配合部门"),
        ({"end_date": date(2026, 4, 1)}, "结束日期早于开始日期"),
        ({"ratios": {}}, "请为至少一个风险类别设定比例"),
        ({"min_officers_per_team": 1}, "行政处罚法第四十二条"),
        ({"is_classified": True}, "涉密任务不得公开"),
        ({"item_ids": ()}, "请选择至少一个抽查事项"),
    ],
)
def test_task_rules(ctx: ServiceContext, overrides: dict[str, object], message: str) -> None:
    county = build_mini_county(ctx)
    with pytest.raises(ValidationError, match=message):
        create_task(ctx, joint_task_data(county, **overrides))


def test_single_department_task_cannot_use_other_departments_items(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    with pytest.raises(ValidationError, match="该部门未参加本任务"):
        create_task(ctx, joint_task_data(county, mode=TaskMode.SINGLE, joint_department_ids=()))


def test_published_plan_changes_need_a_reason_and_are_recorded(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    plan = create_plan(ctx, year=2026)
    with pytest.raises(RuleViolation, match="还没有任务"):
        publish_plan(ctx, plan)
    task = create_task(ctx, joint_task_data(county, plan_id=plan))
    publish_plan(ctx, plan)
    with pytest.raises(ValidationError, match="须填写调整原因"):
        create_task(ctx, joint_task_data(county, plan_id=plan, name="追加任务"))
    create_task(
        ctx, joint_task_data(county, plan_id=plan, name="追加任务"), adjustment_reason="上级部署专项整治"
    )
    detail = get_task(ctx, task)
    update_task(
        ctx,
        task,
        joint_task_data(county, plan_id=plan, team_count=3),
        expected_version=detail.row.version,
        adjustment_reason="增加检查组",
    )
    cancel_task(ctx, task, reason="与省级任务重复")
    kinds = [(a.kind, a.reason) for a in list_adjustments(ctx, plan)]
    assert kinds == [
        ("新增任务", "上级部署专项整治"),
        ("调整任务", "增加检查组"),
        ("取消任务", "与省级任务重复"),
    ]
