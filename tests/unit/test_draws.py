"""Draw services: one draw per task, verifiable records, teams by the rules, voids kept."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from consistent_sampler import sampler

from app.cli import main
from app.draw.record import SeedMethod, record_from_json, verify_record
from app.models import Inspection
from app.models.enums import RiskClass, TaskStatus, TeamRole
from app.services.context import ServiceContext
from app.services.draws import (
    SeedEntry,
    draw_record_text,
    draw_task_inspectors,
    draw_task_targets,
    drawn_targets,
    list_draws,
    list_teams,
    preview_target_draw,
    void_draw,
)
from app.services.errors import RuleViolation, ValidationError
from app.services.inspectors import ConflictData, get_inspector, update_inspector
from app.services.tasks import create_task, get_task
from tests.factories import build_mini_county, joint_task_data

DICE = SeedEntry("12345678901234567890", SeedMethod.DICE, "三方各掷骰")


def test_target_draw_is_recorded_reproducible_and_once(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    preview = preview_target_draw(ctx, task)
    draw = draw_task_targets(
        ctx, task, seed=DICE, witnesses=["王五/县人大代表", "赵六"], expected_hashes=preview.stratum_hashes
    )
    assert draw.selected_count == preview.population.total_sample == 8
    assert "王五（县人大代表）" in draw.witnesses
    assert get_task(ctx, task).row.status == TaskStatus.TARGETS_DRAWN
    record = record_from_json(json.loads(draw_record_text(ctx, draw.id)))
    assert verify_record(record).ok
    # Each stratum equals the reference package's sample of that stratum's ids.
    assert record.targets is not None
    for stratum in record.targets.strata:
        expected = list(
            sampler(list(stratum.population_ids), seed=DICE.value, take=stratum.sample_size, output="id")
        )
        assert [t.id for t in stratum.selection] == expected
    assert len(drawn_targets(ctx, task)) == 8
    with pytest.raises(RuleViolation, match=r"已由 测试员 于 .* 抽取"):
        draw_task_targets(ctx, task, seed=DICE)


def test_announced_population_must_not_change(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    hashes = preview_target_draw(ctx, task).stratum_hashes
    from app.services.targets import TargetData, create_target
    from tests.factories import make_uscc

    create_target(ctx, TargetData(name="后来新增的商户", code=make_uscc(5000), risk_class=RiskClass.B))
    with pytest.raises(RuleViolation, match="名录不一致"):
        draw_task_targets(ctx, task, seed=DICE, expected_hashes=hashes)
    assert list_draws(ctx, task) == []


def test_seed_rules(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    with pytest.raises(ValidationError, match="至少 20 位数字"):
        draw_task_targets(ctx, task, seed=SeedEntry("1234", SeedMethod.DICE))
    draw = draw_task_targets(ctx, task, seed=SeedEntry(None))
    assert draw.seed_source.startswith("计算机随机数") and len(draw.seed) >= 20


def test_frequency_cap_excludes_targets_already_drawn_this_year(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx, targets_per_class={RiskClass.B: 10})
    first = create_task(ctx, joint_task_data(county, ratios={RiskClass.B: Decimal("0.3")}))
    draw_task_targets(ctx, first, seed=DICE)
    second = create_task(
        ctx,
        joint_task_data(county, name="第二次", ratios={RiskClass.B: Decimal("0.3")}),
    )
    preview = preview_target_draw(ctx, second)
    capped = [e for e in preview.population.exclusions if "上限" in e.reason]
    assert len(capped) == 3  # B: at most once a year
    overridden = create_task(
        ctx,
        joint_task_data(
            county,
            name="专项",
            ratios={RiskClass.B: Decimal("0.3")},
            frequency_override_reason="上级交办专项整治",
        ),
    )
    assert not [e for e in preview_target_draw(ctx, overridden).population.exclusions if "上限" in e.reason]


def test_teams_follow_the_rules(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    draw_task_targets(ctx, task, seed=DICE)
    draw = draw_task_inspectors(ctx, task, seed=DICE, witnesses=["王五"])
    teams = list_teams(ctx, task)
    assert len(teams) == 2
    seen: set[int] = set()
    for team in teams:
        departments = {m.department for m in team.members}
        assert departments == {"青山县市场监督管理局", "青山县消防救援大队"}
        assert (
            team.members[0].role == TeamRole.LEADER and team.members[0].department == "青山县市场监督管理局"
        )
        assert len([m for m in team.members if m.certificate_number]) >= 2
        ids = {m.inspector_id for m in team.members}
        assert not ids & seen
        seen |= ids
    loads = sorted(t.target_count for t in teams)
    assert loads[-1] - loads[0] <= 1 and sum(loads) == 8
    assert verify_record(record_from_json(json.loads(draw_record_text(ctx, draw.id)))).ok
    assert get_task(ctx, task).row.status == TaskStatus.TEAMS_DRAWN


def test_recusal_and_shortage_refuse_with_department_and_constraint(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx, inspectors_per_department=2)
    task = create_task(ctx, joint_task_data(county))
    draw_task_targets(ctx, task, seed=DICE)
    # Every fire officer declares a conflict with every drawn target: no fire officer may go.
    targets = [t.target_id for t in drawn_targets(ctx, task)]
    for inspector_id in county.inspectors["青山消防"]:
        detail = get_inspector(ctx, inspector_id)
        data = detail.data.__class__(
            **{**detail.data.__dict__, "conflicts": tuple(ConflictData(t, "亲属") for t in targets)}
        )
        update_inspector(ctx, inspector_id, data, expected_version=detail.version)
    with pytest.raises(RuleViolation, match=r"青山县消防救援大队.*回避"):
        draw_task_inspectors(ctx, task, seed=DICE)
    assert list_teams(ctx, task) == []


def test_void_keeps_record_and_next_draw_links_to_it(ctx: ServiceContext, tmp_path: Path) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    first = draw_task_targets(ctx, task, seed=DICE)
    draw_task_inspectors(ctx, task, seed=DICE)
    with pytest.raises(ValidationError):
        void_draw(ctx, first.id, reason="")
    void_draw(ctx, first.id, reason="名录导入错误，经联席会议同意重抽")
    draws = list_draws(ctx, task)
    assert all(d.voided for d in draws) and len(draws) == 2
    assert get_task(ctx, task).row.status == TaskStatus.DRAFT
    with ctx.read() as session:
        assert session.query(Inspection).filter_by(voided=False).count() == 0
    second = draw_task_targets(ctx, task, seed=SeedEntry("98765432109876543210"))
    assert second.replaces_draw_id == first.id
    record = json.loads(draw_record_text(ctx, second.id))
    assert "名录导入错误" in json.dumps(record, ensure_ascii=False)
    voided_record = json.loads(draw_record_text(ctx, first.id))
    assert "名录导入错误" in json.dumps(voided_record, ensure_ascii=False)
    # The stored record verifies through the CLI.
    path = tmp_path / "record.json"
    path.write_text(draw_record_text(ctx, second.id), encoding="utf-8")
    assert main(["verify", str(path)]) == 0
