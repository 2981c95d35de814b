"""Building blocks shared by the record and CLI tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.draw.record import DrawRecord, SeedInfo, SeedMethod, Witness
from app.draw.targets import CandidateTarget, Exclusion, StratumRule, draw_targets
from app.draw.teams import DepartmentQuota, ExpertCandidate, InspectorCandidate, TeamPlan, draw_teams

SEED = "38402917465019283746"
CHINA = timezone(timedelta(hours=8))


def combined_record(*, seed: str = SEED, with_teams: bool = True, with_targets: bool = True) -> DrawRecord:
    """A small joint task: 90 targets in four risk classes, two departments, three teams."""
    candidates = [
        CandidateTarget(id=f"913301{risk}{n:011d}", risk_class=risk)
        for risk, count in (("A", 40), ("B", 30), ("C", 15), ("D", 5))
        for n in range(count)
    ]
    targets = draw_targets(
        candidates=candidates,
        rules=[
            StratumRule("A", ratio=Decimal("0.05")),
            StratumRule("B", ratio=Decimal("0.1")),
            StratumRule("C", ratio=Decimal("0.2")),
            StratumRule("D", count=3),
        ],
        seed=seed,
        exclusions=[
            Exclusion(id="913301A99999999999", reason="本年度已抽查一次（A 类上限）", risk_class="A")
        ],
    )
    inspectors = [
        InspectorCandidate(
            id=f"33010{n:04d}",
            department="市场监管" if n % 3 else "消防",
            certificate_number=f"浙执{n:04d}",
            certificate_valid_from=date(2023, 1, 1),
            certificate_valid_until=date(2026, 12, 31) if n != 4 else date(2025, 5, 1),
            active=n != 7,
            conflicts=frozenset({targets.selected_ids[0]}) if n == 2 else frozenset(),
        )
        for n in range(14)
    ]
    teams = draw_teams(
        plan=TeamPlan(
            task_number="杭市监抽查[2025]7号",
            start=date(2025, 5, 6),
            end=date(2025, 6, 30),
            team_count=3,
            lead_department="市场监管",
            quotas=(DepartmentQuota("市场监管", 1), DepartmentQuota("消防", 1)),
            experts_per_team=1,
        ),
        target_ids=targets.selected_ids,
        inspectors=inspectors,
        seed=seed,
        experts=[ExpertCandidate(id=f"专家{n}") for n in range(5)],
    )
    return DrawRecord(
        record_id="draw-2025-007-1",
        task_number="杭市监抽查[2025]7号",
        task_name="2025 年餐饮行业“一业一查”联合抽查",
        drawn_at=datetime(2025, 4, 28, 9, 30, tzinfo=CHINA),
        operator="王晓明",
        witnesses=(Witness(name="李公证", role="公证员"), Witness(name="赵代表", role="人大代表")),
        seed=SeedInfo(
            value=seed, method=SeedMethod.DICE, description="局办、消防、公证员各掷十面骰子，依次连接"
        ),
        targets=targets if with_targets else None,
        teams=teams if with_teams else None,
    )
