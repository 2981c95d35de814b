"""Team matching and inspector selection: rules always hold, or the error is true."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

import consistent_sampler
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.draw.errors import CONSTRAINT_LABELS, Constraint, DrawConstraintError, DrawParameterError
from app.draw.teams import (
    DepartmentQuota,
    ExpertCandidate,
    InspectorCandidate,
    Role,
    TeamDraw,
    TeamPlan,
    draw_teams,
    rule_violations,
    teams_needed,
)

START, END = date(2025, 5, 6), date(2025, 5, 30)
SAMR, FIRE, HEALTH = "市场监管", "消防", "卫健"


def officer(id_: str, department: str, **kwargs: object) -> InspectorCandidate:
    values: dict[str, object] = {
        "certificate_number": f"证{id_}",
        "certificate_valid_from": date(2024, 1, 1),
        "certificate_valid_until": date(2027, 12, 31),
    }
    values.update(kwargs)
    return InspectorCandidate(id=id_, department=department, **values)  # type: ignore[arg-type]


def plan(
    team_count: int = 2, quotas: tuple[tuple[str, int], ...] = ((SAMR, 1), (FIRE, 1)), **kw: object
) -> TeamPlan:
    return TeamPlan(
        task_number="浙市监抽查[2025]3号",
        start=START,
        end=END,
        team_count=team_count,
        lead_department=quotas[0][0],
        quotas=tuple(DepartmentQuota(d, n) for d, n in quotas),
        **kw,  # type: ignore[arg-type]
    )


TARGETS = [f"91330100MA{n:08d}" for n in range(7)]


def registry() -> list[InspectorCandidate]:
    return [officer(f"S{n}", SAMR) for n in range(4)] + [officer(f"F{n}", FIRE) for n in range(3)]


def test_targets_are_dealt_round_robin_in_ticket_order() -> None:
    draw = draw_teams(plan=plan(team_count=3), target_ids=TARGETS, inspectors=registry(), seed="2025")
    seed = "2025/teams"
    team_ids = [f"浙市监抽查[2025]3号/team-{k}" for k in (1, 2, 3)]
    team_order = list(consistent_sampler.sampler(team_ids, seed=seed, output="id"))
    target_order = list(consistent_sampler.sampler(TARGETS, seed=seed, output="id"))
    assert [t.id for t in draw.team_order] == team_order
    expected = {team_id: [] for team_id in team_ids}  # type: dict[str, list[str]]
    for index, target in enumerate(target_order):
        expected[team_order[index % 3]].append(target)
    assert {team.team_id: [t.id for t in team.targets] for team in draw.teams} == expected
    assert sorted(len(team.targets) for team in draw.teams) == [2, 2, 3]


def test_inspectors_are_taken_in_ticket_order_lead_department_first() -> None:
    inspectors = registry()
    draw = draw_teams(plan=plan(team_count=2), target_ids=TARGETS, inspectors=inspectors, seed="2025")
    order = list(consistent_sampler.sampler([i.id for i in inspectors], seed="2025/inspectors", output="id"))
    samr = [i for i in order if i.startswith("S")]
    fire = [i for i in order if i.startswith("F")]
    first, second = draw.teams
    assert [(m.id, m.role) for m in first.members] == [(samr[0], Role.LEADER), (fire[0], Role.OFFICER)]
    assert [(m.id, m.role) for m in second.members] == [(samr[1], Role.LEADER), (fire[1], Role.OFFICER)]
    assert first.leader.department == SAMR
    assert rule_violations(draw) == ()


def test_draw_is_reproducible() -> None:
    kwargs = {
        "plan": plan(team_count=3),
        "target_ids": TARGETS,
        "inspectors": registry(),
        "seed": "抽签 2025",
    }
    assert draw_teams(**kwargs) == draw_teams(**kwargs)  # type: ignore[arg-type]


def test_too_few_valid_officers_in_a_department_names_it() -> None:
    inspectors = [*[officer(f"S{n}", SAMR) for n in range(4)], officer("F0", FIRE)]
    with pytest.raises(DrawConstraintError) as info:
        draw_teams(plan=plan(team_count=2), target_ids=TARGETS, inspectors=inspectors, seed="1")
    error = info.value
    assert (error.department, error.constraint, error.needed, error.found) == (
        FIRE,
        Constraint.ALREADY_USED,
        1,
        0,
    )
    assert error.team_id == "浙市监抽查[2025]3号/team-2"
    assert len(error.completed_teams) == 1
    assert "消防" in str(error) and "已被本任务其他检查组选用" in str(error) and "不会放宽" in str(error)


def test_certificate_expiring_inside_the_window_is_not_valid() -> None:
    inspectors = [
        *[officer(f"S{n}", SAMR) for n in range(2)],
        officer("F0", FIRE, certificate_valid_until=date(2025, 5, 29)),
        officer("F1", FIRE, certificate_valid_from=date(2025, 5, 7)),
        officer("F2", FIRE, certificate_number=""),
        officer("F3", FIRE, certificate_valid_until=None),
        officer("F4", FIRE, active=False),
    ]
    with pytest.raises(DrawConstraintError) as info:
        draw_teams(plan=plan(team_count=1), target_ids=TARGETS, inspectors=inspectors, seed="1")
    error = info.value
    assert error.constraint is Constraint.CERTIFICATE_NOT_VALID
    assert error.rejected[Constraint.INACTIVE] == 1
    assert error.rejected[Constraint.NO_CERTIFICATE] == 2
    assert error.rejected[Constraint.CERTIFICATE_NOT_VALID] == 2
    # A certificate valid exactly from the first to the last day is enough.
    exact = officer("F5", FIRE, certificate_valid_from=START, certificate_valid_until=END)
    draw = draw_teams(plan=plan(team_count=1), target_ids=TARGETS, inspectors=[*inspectors, exact], seed="1")
    assert [m.id for m in draw.teams[0].members if m.department == FIRE] == ["F5"]
    assert {s.id: s.constraint for s in draw.teams[0].skipped}.keys() <= {"F0", "F1", "F2", "F3", "F4"}


def test_recusal_is_never_drawn_and_named_when_nobody_else_is_left() -> None:
    inspectors = [
        *[officer(f"S{n}", SAMR) for n in range(2)],
        officer("F0", FIRE, conflicts=frozenset(TARGETS[:1])),
    ]
    with pytest.raises(DrawConstraintError) as info:
        draw_teams(plan=plan(team_count=1), target_ids=TARGETS, inspectors=inspectors, seed="1")
    assert info.value.constraint is Constraint.RECUSAL
    assert TARGETS[0] in info.value.team_targets

    # With a second fire officer the conflicted one is skipped and recorded as such.
    inspectors.append(officer("F1", FIRE))
    draw = draw_teams(plan=plan(team_count=1), target_ids=TARGETS, inspectors=inspectors, seed="1")
    assert "F0" not in {m.id for m in draw.teams[0].members}
    assert rule_violations(draw) == ()


def test_empty_department_is_named() -> None:
    with pytest.raises(DrawConstraintError) as info:
        draw_teams(
            plan=plan(team_count=1, quotas=((SAMR, 1), (FIRE, 1), (HEALTH, 1))),
            target_ids=TARGETS,
            inspectors=registry(),
            seed="1",
        )
    assert (info.value.department, info.value.constraint) == (HEALTH, Constraint.TOO_FEW_PEOPLE)


def test_experts_join_but_never_count_as_officers() -> None:
    experts = [ExpertCandidate(id=f"E{n}") for n in range(3)] + [ExpertCandidate(id="S0")]
    draw = draw_teams(
        plan=plan(team_count=2, quotas=((SAMR, 2),), experts_per_team=1),
        target_ids=TARGETS,
        inspectors=registry(),
        seed="9",
        experts=experts,
    )
    for team in draw.teams:
        assert [m.role for m in team.members] == [Role.LEADER, Role.OFFICER, Role.EXPERT]
        assert len(team.officers) == 2
    used = [m.id for team in draw.teams for m in team.members]
    assert len(used) == len(set(used))  # "S0" as inspector and as expert is one person
    assert rule_violations(draw) == ()

    with pytest.raises(DrawConstraintError) as info:
        draw_teams(
            plan=plan(team_count=2, quotas=((SAMR, 2),), experts_per_team=2),
            target_ids=TARGETS,
            inspectors=registry(),
            seed="9",
            experts=experts[:2],
        )
    assert info.value.department == ""
    assert "专家库" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quotas": ((SAMR, 1),)}, "quotas"),
        ({"quotas": ((SAMR, 1), (SAMR, 1))}, "quotas"),
        ({"quotas": ((SAMR, 0), (FIRE, 2))}, "quotas"),
        ({"team_count": 0}, "team_count"),
        ({"experts_per_team": -1}, "experts_per_team"),
    ],
)
def test_bad_plans_are_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(DrawParameterError) as info:
        plan(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_plan_requires_lead_department_and_a_proper_window() -> None:
    with pytest.raises(DrawParameterError, match="牵头部门"):
        TeamPlan("T1", START, END, 1, FIRE, (DepartmentQuota(SAMR, 2),))
    with pytest.raises(DrawParameterError, match="开始日期"):
        TeamPlan("T1", END, START, 1, SAMR, (DepartmentQuota(SAMR, 2),))
    with pytest.raises(DrawParameterError, match="少于检查组数量"):
        draw_teams(plan=plan(team_count=3), target_ids=TARGETS[:2], inspectors=registry(), seed="1")
    assert teams_needed(25, 10) == 3
    assert teams_needed(0, 10) == 1


# ------------------------------------------------------------------ properties

DEPARTMENTS = [SAMR, FIRE, HEALTH]
VALID_FROM = [None, date(2024, 1, 1), START, date(2025, 5, 10)]
VALID_UNTIL = [None, date(2025, 5, 20), END, date(2026, 12, 31), date.max]


@st.composite
def scenarios(draw: st.DrawFn, *, with_conflicts: bool = True) -> dict[str, object]:
    departments = DEPARTMENTS[: draw(st.integers(1, 3))]
    officers = [draw(st.integers(1, 2)) for _ in departments]
    if sum(officers) < 2:
        officers[0] = 2
    quotas = list(zip(departments, officers, strict=True))
    team_count = draw(st.integers(1, 4))
    targets = [f"T{n:03d}" for n in range(draw(st.integers(team_count, team_count * 3)))]
    inspectors = []
    for n in range(draw(st.integers(0, 16))):
        inspectors.append(
            InspectorCandidate(
                id=f"P{n:02d}",
                department=draw(st.sampled_from([*departments, "文旅"])),
                certificate_number=draw(st.sampled_from(["", "证", "证"])) and f"证{n}",
                certificate_valid_from=draw(st.sampled_from(VALID_FROM)),
                certificate_valid_until=draw(st.sampled_from(VALID_UNTIL)),
                active=draw(st.sampled_from([True, True, True, False])),
                conflicts=frozenset(draw(st.lists(st.sampled_from(targets), max_size=2)))
                if with_conflicts
                else frozenset(),
            )
        )
    experts_per_team = draw(st.integers(0, 1)) if with_conflicts else 0
    experts = [
        ExpertCandidate(
            id=draw(st.sampled_from([f"E{n}", f"P{n:02d}"])),
            active=draw(st.booleans()),
            conflicts=frozenset(draw(st.lists(st.sampled_from(targets), max_size=1))),
        )
        for n in range(draw(st.integers(0, 5)))
    ]
    experts = list({e.id: e for e in experts}.values())
    return {
        "plan": TeamPlan(
            task_number="T[2025]1号",
            start=START,
            end=END,
            team_count=team_count,
            lead_department=departments[0],
            quotas=tuple(DepartmentQuota(d, n) for d, n in quotas),
            experts_per_team=experts_per_team,
        ),
        "target_ids": targets,
        "inspectors": inspectors,
        "experts": experts,
        "seed": draw(st.text(min_size=1, max_size=8)),
    }


def certified(person: InspectorCandidate) -> bool:
    # Written out again here rather than calling the code under test.
    return (
        bool(person.certificate_number)
        and person.certificate_valid_until is not None
        and person.certificate_valid_until >= END
        and (person.certificate_valid_from is None or person.certificate_valid_from <= START)
    )


def assert_rules_hold(draw: TeamDraw, scenario: dict[str, object]) -> None:
    plan_ = draw.plan
    inspectors = {i.id: i for i in scenario["inspectors"]}  # type: ignore[attr-defined]
    experts = {e.id: e for e in scenario["experts"]}  # type: ignore[attr-defined]
    loads = [len(team.targets) for team in draw.teams]
    assert max(loads) - min(loads) <= 1
    assert sorted(t.id for team in draw.teams for t in team.targets) == sorted(scenario["target_ids"])  # type: ignore[call-overload]
    people = [m.id for team in draw.teams for m in team.members]
    assert len(people) == len(set(people)), "someone is in two teams"
    for team in draw.teams:
        targets = {t.id for t in team.targets}
        officers = [inspectors[m.id] for m in team.members if m.role is not Role.EXPERT]
        assert sum(1 for o in officers if certified(o) and o.active) >= 2
        per_department = Counter(o.department for o in officers)
        for quota in plan_.quotas:
            assert per_department[quota.department] >= quota.officers
        assert (
            team.members[0].role is Role.LEADER
            and inspectors[team.members[0].id].department == plan_.lead_department
        )
        for member in team.members:
            person = experts[member.id] if member.role is Role.EXPERT else inspectors[member.id]
            assert person.active
            assert not person.conflicts & targets, "recusal conflict drawn"
        assert sum(1 for m in team.members if m.role is Role.EXPERT) == plan_.experts_per_team
    assert rule_violations(draw) == ()


def assert_error_is_true(error: DrawConstraintError, scenario: dict[str, object]) -> None:
    plan_: TeamPlan = scenario["plan"]  # type: ignore[assignment]
    used = {m.id for team in error.completed_teams for m in team.members} | {
        m.id for m in error.partial_members
    }
    targets = set(error.team_targets)
    if error.department:
        pool: list[InspectorCandidate | ExpertCandidate] = [
            i
            for i in scenario["inspectors"]  # type: ignore[attr-defined]
            if i.department == error.department
        ]
        needed = next(q.officers for q in plan_.quotas if q.department == error.department)
    else:
        pool = list(scenario["experts"])  # type: ignore[call-overload]
        needed = plan_.experts_per_team
    tests: list[tuple[Constraint, Callable[[InspectorCandidate | ExpertCandidate], bool]]] = [
        (Constraint.INACTIVE, lambda p: p.active),
        (
            Constraint.NO_CERTIFICATE,
            lambda p: (
                isinstance(p, ExpertCandidate)
                or (bool(p.certificate_number) and p.certificate_valid_until is not None)
            ),
        ),
        (Constraint.CERTIFICATE_NOT_VALID, lambda p: isinstance(p, ExpertCandidate) or certified(p)),
        (Constraint.ALREADY_USED, lambda p: p.id not in used),
        (Constraint.RECUSAL, lambda p: not p.conflicts & targets),
    ]
    remaining = pool
    counts = [len(remaining)]
    for _, test in tests:
        remaining = [p for p in remaining if test(p)]
        counts.append(len(remaining))
    # Nobody (or too few) satisfies everything: the failure is real.
    assert counts[-1] < needed
    assert error.found == counts[-1] and error.needed == needed
    # The named constraint is the first after which too few remain.
    if len(pool) < needed:
        assert error.constraint is Constraint.TOO_FEW_PEOPLE
    else:
        first = next(index for index, count in enumerate(counts[1:]) if count < needed)
        assert error.constraint is tests[first][0]
    # The refusal says, in words, which department (or the expert pool) and which constraint.
    message = str(error)
    assert (f"部门「{error.department}」" if error.department else "专家库") in message
    assert f"未满足的条件：{CONSTRAINT_LABELS[error.constraint]}" in message
    assert "不会放宽" in message
    # Teams formed before the failure obey every rule.
    for team in error.completed_teams:
        assert len({m.id for m in team.members}) == len(team.members)


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios())
def test_team_rules_hold_or_the_error_is_true(scenario: dict[str, object]) -> None:
    try:
        draw = draw_teams(**scenario)  # type: ignore[arg-type]
    except DrawConstraintError as error:
        assert_error_is_true(error, scenario)
    else:
        assert_rules_hold(draw, scenario)


@settings(max_examples=150, deadline=None)
@given(scenario=scenarios(with_conflicts=False))
def test_without_recusal_the_draw_fails_exactly_when_some_department_is_short(
    scenario: dict[str, object],
) -> None:
    plan_: TeamPlan = scenario["plan"]  # type: ignore[assignment]
    valid = Counter(i.department for i in scenario["inspectors"] if i.active and certified(i))  # type: ignore[attr-defined]
    feasible = all(valid[q.department] >= q.officers * plan_.team_count for q in plan_.quotas)
    try:
        draw_teams(**scenario)  # type: ignore[arg-type]
    except DrawConstraintError as error:
        assert not feasible
        quota = next(q for q in plan_.quotas if q.department == error.department)
        assert valid[error.department] < quota.officers * plan_.team_count
    else:
        assert feasible
