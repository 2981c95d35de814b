"""抽查频次设置: limits per risk class, validated, audited, and applied to the next population."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.cli import main
from app.models import AuditEntry
from app.models.enums import RiskClass
from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_targets, preview_target_draw
from app.services.errors import ValidationError
from app.services.frequency import (
    DEFAULT_RULES,
    FrequencyRuleData,
    default_rules,
    list_frequency_rules,
    save_frequency_rule,
    save_frequency_rules,
)
from app.services.tasks import FrequencyLimits, create_task, frequency_exclusion
from tests.factories import build_mini_county, joint_task_data

DICE = SeedEntry("12345678901234567890")


def _limits(ctx: ServiceContext) -> dict[RiskClass, tuple[int, int]]:
    return {r.risk_class: (r.max_per_year, r.min_interval_days) for r in list_frequency_rules(ctx)}


def _audits(ctx: ServiceContext) -> list[tuple[str, str | None, str | None]]:
    with ctx.read() as session:
        query = select(AuditEntry.summary, AuditEntry.before_json, AuditEntry.after_json).where(
            AuditEntry.entity == "frequency_rules"
        )
        return [(r[0], r[1], r[2]) for r in session.execute(query)]


def test_defaults_are_listed_with_their_defaults(ctx: ServiceContext) -> None:
    rows = list_frequency_rules(ctx)
    assert [r.risk_class for r in rows] == list(RiskClass)
    assert _limits(ctx) == {r: (m, d) for r, (m, d, _ratio) in DEFAULT_RULES.items()}
    assert all(r.is_default for r in rows)


def test_saving_changes_only_what_changed_and_audits_before_and_after(ctx: ServiceContext) -> None:
    rules = [*default_rules()]
    rules[2] = FrequencyRuleData(RiskClass.C, 3, 60)
    assert save_frequency_rules(ctx, rules) == 1
    assert _limits(ctx)[RiskClass.C] == (3, 60)
    assert not {r.risk_class: r for r in list_frequency_rules(ctx)}[RiskClass.C].is_default
    [(summary, before, after)] = _audits(ctx)
    assert "C 类每年最多 3 次、间隔不少于 60 天" in summary
    assert json.loads(before or "{}") == {"C": {"max_per_year": 2, "min_interval_days": 90}}
    assert json.loads(after or "{}") == {"C": {"max_per_year": 3, "min_interval_days": 60}}
    assert save_frequency_rules(ctx, rules) == 0  # nothing new: no audit entry either
    assert len(_audits(ctx)) == 1
    assert save_frequency_rules(ctx, default_rules()) == 1
    assert _limits(ctx)[RiskClass.C] == (2, 90)


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        (FrequencyRuleData(RiskClass.A, 0, 365), "A 类每年最多抽查次数", "1 到 52"),
        (FrequencyRuleData(RiskClass.B, 53, 1), "B 类每年最多抽查次数", "1 到 52"),
        (FrequencyRuleData(RiskClass.C, 2, -1), "C 类最短间隔天数", "0 到 1098"),
        (FrequencyRuleData(RiskClass.D, 4, 5000), "D 类最短间隔天数", "0 到 1098"),
        (FrequencyRuleData(RiskClass.D, 3, 200), "D 类每年最多抽查次数", "最多只能抽到 2 次"),
        (FrequencyRuleData(RiskClass.A, True, 1), "A 类每年最多抽查次数", "整数"),
    ],
)
def test_bad_values_are_refused_naming_class_and_limit(
    ctx: ServiceContext, rule: FrequencyRuleData, field: str, message: str
) -> None:
    good = FrequencyRuleData(RiskClass.B if rule.risk_class != RiskClass.B else RiskClass.A, 1, 100)
    before = _limits(ctx)
    with pytest.raises(ValidationError) as excinfo:
        save_frequency_rules(ctx, [good, rule])
    [error] = excinfo.value.errors
    assert error.field == field and message in error.message
    assert _limits(ctx) == before  # all or nothing: the good class was not saved either
    assert _audits(ctx) == []


def test_changed_limits_apply_to_the_next_population(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx, targets_per_class={RiskClass.B: 10})
    ratios = {RiskClass.B: Decimal("0.3")}
    draw_task_targets(ctx, create_task(ctx, joint_task_data(county, ratios=ratios)), seed=DICE)
    second = create_task(ctx, joint_task_data(county, name="第二次", ratios=ratios))

    def reasons() -> list[str]:
        return [e.reason for e in preview_target_draw(ctx, second).population.exclusions]

    assert sum("上限（B 类每年最多 1 次）" in r for r in reasons()) == 3
    save_frequency_rule(ctx, FrequencyRuleData(RiskClass.B, 2, 180))
    assert sum("不足规定间隔（B 类 180 天" in r for r in reasons()) == 3
    save_frequency_rule(ctx, FrequencyRuleData(RiskClass.B, 2, 0))
    assert [r for r in reasons() if "B 类" in r] == []


def run(db: str, *args: str) -> int:
    return main(["--db", str(db), *args])


def test_cli_show_and_set(ctx: ServiceContext, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db_url, "task", "frequency", "show") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["风险类别", "每年最多次数", "最短间隔天数", "默认值"]
    assert lines[3].split("\t")[:3] == ["C", "2", "90"]
    assert run(db_url, "task", "frequency", "set", "--risk-class", "c", "--min-interval-days", "60") == 0
    assert "C 类：每年最多 2 次，间隔不少于 60 天（已修改）" in capsys.readouterr().out
    assert _limits(ctx)[RiskClass.C] == (2, 60)
    assert run(db_url, "task", "frequency", "show") == 0
    assert "C\t2\t60\t2 次 / 90 天（已修改）" in capsys.readouterr().out
    # Bad value: exit 1, the field named, nothing changed.
    assert run(db_url, "task", "frequency", "set", "--risk-class", "D", "--max-per-year", "0") == 1
    assert "D 类每年最多抽查次数" in capsys.readouterr().out
    assert _limits(ctx)[RiskClass.D] == (4, 30)
    # Unusable arguments: exit 2 with the reason.
    assert run(db_url, "task", "frequency", "set", "--risk-class", "E", "--max-per-year", "1") == 2
    assert "应为 A、B、C 或 D" in capsys.readouterr().err
    assert run(db_url, "task", "frequency", "set", "--risk-class", "A") == 2
    assert "--max-per-year" in capsys.readouterr().err


@settings(max_examples=300, deadline=None)
@given(
    risk=st.sampled_from(list(RiskClass)),
    max_per_year=st.integers(1, 52),
    interval=st.integers(0, 1098),
    count=st.integers(0, 60),
    last=st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2027, 12, 31))),
    start=st.dates(date(2025, 1, 1), date(2026, 12, 31)),
)
def test_frequency_rule_excludes_exactly_over_the_cap_or_inside_the_interval(
    risk: RiskClass, max_per_year: int, interval: int, count: int, last: date | None, start: date
) -> None:
    limit = FrequencyLimits(max_per_year, interval, 0.1)
    reason = frequency_exclusion(risk, limit, count, last, start)
    over_cap = count >= max_per_year
    days_since = None if last is None else max(0, (start - last).days)
    too_soon = days_since is not None and days_since < interval
    assert (reason is not None) == (over_cap or too_soon)
    if over_cap:
        assert reason == f"本年度抽查次数已达上限（{risk.value} 类每年最多 {max_per_year} 次）"
    elif too_soon:
        assert reason == f"距上次抽中不足规定间隔（{risk.value} 类 {interval} 天，实际 {days_since} 天）"
    assert frequency_exclusion(risk, None, count, last, start) is None  # no rule, no exclusion
