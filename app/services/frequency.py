"""抽查频次设置: per risk class, how often a target may be drawn (DOMAIN.md, frequency control).

Two limits per risk class apply to every task's population (``app.services.tasks.compute_population``):
the most draws of one target in a calendar year across all tasks, and the minimum number of days
since its last draw. A task may lift both with a recorded reason (``frequency_override_reason``).
The office (or the administrator) changes the limits here; each change is audited with
the values before and after, and takes effect at the next population computation — draws
already made keep the population they recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.models import FrequencyRule
from app.models.enums import RiskClass
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.permissions import Permission

# The schema's seed values (migration 0002): low risk and good credit, fewer checks; high risk, more.
DEFAULT_RULES: dict[RiskClass, tuple[int, int, float]] = {
    RiskClass.A: (1, 365, 0.02),
    RiskClass.B: (1, 180, 0.05),
    RiskClass.C: (2, 90, 0.10),
    RiskClass.D: (4, 30, 0.20),
}
MAX_PER_YEAR_LIMIT = 52  # weekly; more than that is not a random check any more
MAX_INTERVAL_DAYS = 3 * 366
DAYS_IN_YEAR = 365


@dataclass(frozen=True)
class FrequencyRuleRow:
    """One risk class's limits as stored, with the defaults shown beside them in settings."""

    risk_class: RiskClass
    max_per_year: int
    min_interval_days: int
    default_max_per_year: int
    default_min_interval_days: int

    @property
    def is_default(self) -> bool:
        return (self.max_per_year, self.min_interval_days) == (
            self.default_max_per_year,
            self.default_min_interval_days,
        )


@dataclass(frozen=True)
class FrequencyRuleData:
    """New limits for one risk class."""

    risk_class: RiskClass
    max_per_year: int
    min_interval_days: int


def field_names(risk: RiskClass) -> tuple[str, str]:
    """The field names errors use for a class's two limits (the dialog registers the same)."""
    return f"{risk.value} 类每年最多抽查次数", f"{risk.value} 类最短间隔天数"


def default_rules() -> list[FrequencyRuleData]:
    """The defaults, as data that ``save_frequency_rules`` accepts (恢复默认值)."""
    return [FrequencyRuleData(r, m, d) for r, (m, d, _ratio) in DEFAULT_RULES.items()]


def list_frequency_rules(ctx: ServiceContext) -> list[FrequencyRuleRow]:
    """Every risk class's limits, A to D; a class missing from the table shows (and acts with) its default."""
    with ctx.read() as session:
        stored = {RiskClass(r.risk_class): r for r in session.execute(select(FrequencyRule)).scalars()}
        return [_row(risk, stored.get(risk)) for risk in RiskClass]


def _row(risk: RiskClass, rule: FrequencyRule | None) -> FrequencyRuleRow:
    default_max, default_days, _ratio = DEFAULT_RULES[risk]
    return FrequencyRuleRow(
        risk,
        rule.max_per_year if rule else default_max,
        rule.min_interval_days if rule else default_days,
        default_max,
        default_days,
    )


def validate_rules(rules: Sequence[FrequencyRuleData]) -> None:
    """Raise ValidationError naming each bad class and limit; accept nothing partially."""
    errors: list[FieldError] = []
    seen: set[RiskClass] = set()
    for rule in rules:
        max_field, days_field = field_names(rule.risk_class)
        if rule.risk_class in seen:
            errors.append(FieldError("风险类别", f"{rule.risk_class.value} 类重复设置"))
        seen.add(rule.risk_class)
        max_ok = (
            isinstance(rule.max_per_year, int)
            and not isinstance(rule.max_per_year, bool)
            and 1 <= rule.max_per_year <= MAX_PER_YEAR_LIMIT
        )
        days_ok = (
            isinstance(rule.min_interval_days, int)
            and not isinstance(rule.min_interval_days, bool)
            and 0 <= rule.min_interval_days <= MAX_INTERVAL_DAYS
        )
        if not max_ok:
            errors.append(
                FieldError(
                    max_field,
                    f"应为 1 到 {MAX_PER_YEAR_LIMIT} 之间的整数（现为 {rule.max_per_year!r}）；"
                    "不希望某类对象被随机抽到时，请在任务中不为该类设比例",
                )
            )
        if not days_ok:
            errors.append(
                FieldError(
                    days_field,
                    f"应为 0 到 {MAX_INTERVAL_DAYS} 之间的整数天数（现为 {rule.min_interval_days!r}）",
                )
            )
        if max_ok and days_ok and (rule.max_per_year - 1) * rule.min_interval_days > DAYS_IN_YEAR:
            # Such a cap could never be reached: the interval alone already allows fewer draws a year.
            reachable = DAYS_IN_YEAR // rule.min_interval_days + 1
            errors.append(
                FieldError(
                    max_field,
                    f"与最短间隔矛盾：间隔 {rule.min_interval_days} 天时一年内最多只能抽到 {reachable} 次，"
                    f"请把次数改为不超过 {reachable}，或缩短间隔",
                )
            )
    if errors:
        raise ValidationError(errors)


def save_frequency_rules(ctx: ServiceContext, rules: Sequence[FrequencyRuleData]) -> int:
    """Store new limits for the given classes (all or nothing); return how many classes changed."""
    ctx.require(Permission.EDIT_FREQUENCY)
    validate_rules(rules)
    with ctx.write() as session:
        stored = {RiskClass(r.risk_class): r for r in session.execute(select(FrequencyRule)).scalars()}
        before: dict[str, dict[str, int]] = {}
        after: dict[str, dict[str, int]] = {}
        for rule in rules:
            row = stored.get(rule.risk_class)
            old = (row.max_per_year, row.min_interval_days) if row else None
            if old == (rule.max_per_year, rule.min_interval_days):
                continue
            if row is None:
                row = FrequencyRule(
                    risk_class=rule.risk_class.value, default_ratio=DEFAULT_RULES[rule.risk_class][2]
                )
                session.add(row)
            else:
                before[rule.risk_class.value] = (
                    {"max_per_year": old[0], "min_interval_days": old[1]} if old else {}
                )
            row.max_per_year = rule.max_per_year
            row.min_interval_days = rule.min_interval_days
            after[rule.risk_class.value] = {
                "max_per_year": rule.max_per_year,
                "min_interval_days": rule.min_interval_days,
            }
        if after:
            described = "；".join(
                f"{risk} 类每年最多 {v['max_per_year']} 次、间隔不少于 {v['min_interval_days']} 天"
                for risk, v in sorted(after.items())
            )
            ctx.audit(
                session,
                action="update",
                entity="frequency_rules",
                entity_id=",".join(sorted(after)),
                summary=f"修改抽查频次：{described}",
                before=before,
                after=after,
            )
        return len(after)


def save_frequency_rule(ctx: ServiceContext, rule: FrequencyRuleData) -> int:
    """One class's limits (the CLI's ``set``)."""
    return save_frequency_rules(ctx, [rule])
