"""Matching drawn targets to teams, then selecting each team's inspectors (and experts).

Order of the steps, and why: recusal depends on which targets a team visits, so targets
are dealt to teams first and inspectors are chosen per team afterwards.

1. Teams ``"<task number>/team-1"`` … ``"/team-n"`` and the targets are each put in ticket
   order under ``seed + "/teams"``; the i-th target (0-based) goes to the team at position
   ``i mod n`` of the team order. Loads therefore differ by at most one.
2. For team 1, 2, … in number order, for each department of the plan (lead department
   first, then the others in plan order), walk that department's inspectors in ticket order
   under ``seed + "/inspectors"`` and take the first ones that satisfy every constraint:
   active, holding an enforcement certificate valid over the task's whole date window, not
   already used in this task, and without a recusal conflict with any target of the team.
   The lead department's first officer leads the team.
3. Experts, when asked for, are walked the same way under ``seed + "/experts"``: active,
   not already used, no recusal conflict. They never count as officers.

When a walk ends short, ``DrawConstraintError`` names the team, the department and the
constraint that failed; nothing is relaxed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.draw.errors import Constraint, DrawConstraintError, DrawParameterError
from app.draw.population import check_id, make_population
from app.draw.sampling import ALGORITHM_NAME, ALGORITHM_VERSION, Ticketed, derive_seed, ticket_order

logger = logging.getLogger(__name__)

INSPECTOR_SEED_SUFFIX = "inspectors"
TEAM_SEED_SUFFIX = "teams"
EXPERT_SEED_SUFFIX = "experts"
MIN_CERTIFIED_OFFICERS = 2  # 行政处罚法 第四十二条：执法人员不得少于两人


@dataclass(frozen=True, slots=True)
class InspectorCandidate:
    """An inspector who may be sent, with what the constraints need to know.

    Attributes:
        id: 执法证号, else 工号.
        department: The inspector's department.
        certificate_number: Enforcement certificate number; empty if none is held.
        certificate_valid_from: First day of validity, None if not stated.
        certificate_valid_until: Last day of validity; None means unknown, which does not
            count as valid (map "长期" to ``date.max`` when importing).
        active: False for 失效 (never drawn).
        conflicts: Target ids this inspector has declared a recusal conflict with.
    """

    id: str
    department: str
    certificate_number: str = ""
    certificate_valid_from: date | None = None
    certificate_valid_until: date | None = None
    active: bool = True
    conflicts: frozenset[str] = field(default_factory=frozenset)

    def certificate_covers(self, start: date, end: date) -> bool:
        """Return whether the certificate is valid on every day from start to end.

        Args:
            start: First day of the task.
            end: Last day of the task.

        Returns:
            True if a certificate is held and valid over the whole window.
        """
        if not self.certificate_number or self.certificate_valid_until is None:
            return False
        if self.certificate_valid_from is not None and self.certificate_valid_from > start:
            return False
        return self.certificate_valid_until >= end


@dataclass(frozen=True, slots=True)
class ExpertCandidate:
    """An adviser from the expert pool (专家库); never counts as an enforcement officer.

    Attributes:
        id: The expert's stable id in the pool.
        active: False if the expert may not be sent.
        conflicts: Target ids the expert has declared a recusal conflict with.
    """

    id: str
    active: bool = True
    conflicts: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class DepartmentQuota:
    """How many officers one department sends to every team.

    Attributes:
        department: The department (one whose items the teams check).
        officers: Officers per team, at least one.
    """

    department: str
    officers: int = 1


@dataclass(frozen=True, slots=True)
class TeamPlan:
    """What every team of a task must look like.

    Attributes:
        task_number: The task's number, e.g. ``"浙工商抽查[2017]1号"``; team ids derive from it.
        start: First day of the inspection window.
        end: Last day of the inspection window.
        team_count: Number of teams.
        lead_department: The lead (牵头) department; its officer leads each team.
        quotas: Officers per team for every department whose items the teams check.
        experts_per_team: Experts to add to each team (0 for none).
    """

    task_number: str
    start: date
    end: date
    team_count: int
    lead_department: str
    quotas: tuple[DepartmentQuota, ...]
    experts_per_team: int = 0

    def __post_init__(self) -> None:
        if not self.task_number.strip():
            raise DrawParameterError("任务编号不能为空", field="task_number")
        if self.start > self.end:
            raise DrawParameterError(
                f"检查期间的开始日期 {self.start} 晚于结束日期 {self.end}", field="start"
            )
        if isinstance(self.team_count, bool) or not isinstance(self.team_count, int) or self.team_count < 1:
            raise DrawParameterError(f"检查组数量必须是正整数：{self.team_count!r}", field="team_count")
        if (
            isinstance(self.experts_per_team, bool)
            or not isinstance(self.experts_per_team, int)
            or self.experts_per_team < 0
        ):
            raise DrawParameterError(
                f"每组专家人数必须是非负整数：{self.experts_per_team!r}", field="experts_per_team"
            )
        departments = [quota.department for quota in self.quotas]
        if len(set(departments)) != len(departments):
            raise DrawParameterError("同一部门在人员配置中出现了两次", field="quotas")
        for quota in self.quotas:
            if isinstance(quota.officers, bool) or not isinstance(quota.officers, int) or quota.officers < 1:
                raise DrawParameterError(
                    f"部门「{quota.department}」每组人数必须是正整数：{quota.officers!r}", field="quotas"
                )
        if self.lead_department not in departments:
            raise DrawParameterError(
                f"牵头部门「{self.lead_department}」不在人员配置中，每组须有牵头部门的执法人员担任组长",
                field="lead_department",
            )
        if sum(quota.officers for quota in self.quotas) < MIN_CERTIFIED_OFFICERS:
            raise DrawParameterError(
                "每个检查组至少需要两名持有效执法证的执法人员（行政处罚法第四十二条），请增加人员配置",
                field="quotas",
            )

    @property
    def walk_order(self) -> tuple[DepartmentQuota, ...]:
        """Quotas in the order they are filled: lead department first."""
        lead = [q for q in self.quotas if q.department == self.lead_department]
        return tuple(lead + [q for q in self.quotas if q.department != self.lead_department])

    def team_id(self, number: int) -> str:
        """Return the id of team ``number`` (1-based), the string its ticket is drawn for."""
        return f"{self.task_number}/team-{number}"


class Role(StrEnum):
    """A member's role in a team."""

    LEADER = "leader"
    OFFICER = "officer"
    EXPERT = "expert"


ROLE_LABELS = {Role.LEADER: "组长", Role.OFFICER: "执法人员", Role.EXPERT: "专家"}


@dataclass(frozen=True, slots=True)
class TeamMember:
    """One person drawn into a team.

    Attributes:
        id: Inspector or expert id.
        department: The inspector's department; empty for an expert.
        role: Leader, officer or expert.
        ticket: The person's ticket in the walk that chose them.
    """

    id: str
    department: str
    role: Role
    ticket: str


@dataclass(frozen=True, slots=True)
class Skip:
    """A candidate passed over in a team's walk, and the first constraint they failed.

    Candidates passed over only because an earlier team took them are not listed.
    """

    id: str
    department: str
    constraint: Constraint


@dataclass(frozen=True, slots=True)
class Team:
    """A team as drawn.

    Attributes:
        team_id: ``"<task number>/team-<number>"``.
        number: 1-based team number.
        targets: The team's targets with their tickets under ``seed + "/teams"``, in ticket order.
        members: Lead department's officers first (the first is leader), then the other
            departments in plan order, then experts.
        skipped: Candidates passed over in this team's walks, in walk order.
    """

    team_id: str
    number: int
    targets: tuple[Ticketed, ...]
    members: tuple[TeamMember, ...]
    skipped: tuple[Skip, ...]

    @property
    def leader(self) -> TeamMember:
        """The team leader."""
        return next(m for m in self.members if m.role is Role.LEADER)

    @property
    def officers(self) -> tuple[TeamMember, ...]:
        """Members who are enforcement officers (leader included, experts not)."""
        return tuple(m for m in self.members if m.role is not Role.EXPERT)


@dataclass(frozen=True, slots=True)
class TeamDraw:
    """A complete team draw with its inputs, so it can be re-run.

    Attributes:
        seed: The seed string (the team draw derives ``/teams``, ``/inspectors``, ``/experts``).
        algorithm: ``ALGORITHM_NAME`` at the time of the draw.
        algorithm_version: ``ALGORITHM_VERSION`` at the time of the draw.
        plan: Team plan.
        target_ids: The targets matched to teams, in code-point order.
        target_hash: Population hash of ``target_ids``.
        inspectors: The inspector pool, sorted by id.
        inspector_hash: Population hash of the inspector ids.
        experts: The expert pool, sorted by id.
        expert_hash: Population hash of the expert ids.
        team_order: Team ids in ticket order under ``seed + "/teams"``.
        teams: The teams, in number order.
    """

    seed: str
    algorithm: str
    algorithm_version: str
    plan: TeamPlan
    target_ids: tuple[str, ...]
    target_hash: str
    inspectors: tuple[InspectorCandidate, ...]
    inspector_hash: str
    experts: tuple[ExpertCandidate, ...]
    expert_hash: str
    team_order: tuple[Ticketed, ...]
    teams: tuple[Team, ...]


def teams_needed(target_count: int, targets_per_team: int) -> int:
    """Return how many teams visit ``target_count`` targets at most ``targets_per_team`` each.

    Args:
        target_count: Number of drawn targets.
        targets_per_team: Largest load one team may take.

    Returns:
        The number of teams (at least 1).
    """
    if targets_per_team < 1:
        raise DrawParameterError(f"每组检查对象数必须是正整数：{targets_per_team}", field="targets_per_team")
    return max(1, math.ceil(target_count / targets_per_team))


def match_targets(
    *, plan: TeamPlan, target_ids: Iterable[str], seed: str
) -> tuple[tuple[Ticketed, ...], tuple[tuple[Ticketed, ...], ...]]:
    """Deal targets to teams round-robin in ticket order.

    Args:
        plan: The team plan (gives the task number and team count).
        target_ids: Distinct drawn target ids.
        seed: The draw's seed (``"/teams"`` is appended here).

    Returns:
        The team order (team ids with tickets) and, for team 1 … n in number order, its
        targets in ticket order.
    """
    team_seed = derive_seed(seed, TEAM_SEED_SUFFIX)
    team_order = ticket_order([plan.team_id(k) for k in range(1, plan.team_count + 1)], team_seed)
    position = {item.id: index for index, item in enumerate(team_order)}
    dealt: list[list[Ticketed]] = [[] for _ in team_order]
    for index, item in enumerate(ticket_order(target_ids, team_seed)):
        dealt[index % plan.team_count].append(item)
    by_number = tuple(tuple(dealt[position[plan.team_id(k)]]) for k in range(1, plan.team_count + 1))
    return tuple(team_order), by_number


def _first_failure(
    *,
    candidate: InspectorCandidate | ExpertCandidate,
    plan: TeamPlan,
    used: set[str],
    team_targets: frozenset[str],
) -> Constraint | None:
    """Return the first constraint in ``Constraint`` order the candidate fails, or None."""
    if not candidate.active:
        return Constraint.INACTIVE
    if isinstance(candidate, InspectorCandidate):
        if not candidate.certificate_number or candidate.certificate_valid_until is None:
            return Constraint.NO_CERTIFICATE
        if not candidate.certificate_covers(plan.start, plan.end):
            return Constraint.CERTIFICATE_NOT_VALID
    if candidate.id in used:
        return Constraint.ALREADY_USED
    if candidate.conflicts & team_targets:
        return Constraint.RECUSAL
    return None


def _walk(
    *,
    pool: Sequence[tuple[Ticketed, InspectorCandidate | ExpertCandidate]],
    needed: int,
    plan: TeamPlan,
    used: set[str],
    team_targets: frozenset[str],
    team_id: str,
    department: str,
) -> tuple[list[Ticketed], list[Skip]]:
    """Take the first ``needed`` candidates of ``pool`` meeting every constraint."""
    taken: list[Ticketed] = []
    skipped: list[Skip] = []
    rejected: dict[Constraint, int] = {}
    for item, candidate in pool:
        failure = _first_failure(candidate=candidate, plan=plan, used=used, team_targets=team_targets)
        if failure is None:
            taken.append(item)
            if len(taken) == needed:
                return taken, skipped
            continue
        rejected[failure] = rejected.get(failure, 0) + 1
        if failure is not Constraint.ALREADY_USED:
            skipped.append(Skip(id=item.id, department=department, constraint=failure))
    raise DrawConstraintError(
        team_id=team_id,
        department=department,
        constraint=_deciding_constraint(total=len(pool), needed=needed, rejected=rejected),
        needed=needed,
        found=len(taken),
        rejected={c: rejected.get(c, 0) for c in Constraint if c is not Constraint.TOO_FEW_PEOPLE},
    )


def _deciding_constraint(*, total: int, needed: int, rejected: dict[Constraint, int]) -> Constraint:
    """Return the first constraint after which fewer than ``needed`` candidates remain.

    Each candidate is counted under the first constraint it fails, so applying the
    constraints one after another in ``Constraint`` order leaves exactly ``total`` minus the
    rejections counted so far.
    """
    if total < needed:
        return Constraint.TOO_FEW_PEOPLE
    remaining = total
    for constraint in Constraint:
        remaining -= rejected.get(constraint, 0)
        if remaining < needed:
            return constraint
    raise AssertionError("walk ended short although enough candidates passed")  # pragma: no cover


def _form_team(
    *,
    plan: TeamPlan,
    number: int,
    team_targets: tuple[Ticketed, ...],
    pools: dict[str, list[tuple[Ticketed, InspectorCandidate | ExpertCandidate]]],
    expert_pool: list[tuple[Ticketed, InspectorCandidate | ExpertCandidate]],
    used: set[str],
    members: list[TeamMember],
) -> Team:
    """Select one team's officers and experts; ``used`` and ``members`` grow as people are taken."""
    team_id = plan.team_id(number)
    target_set = frozenset(t.id for t in team_targets)
    skipped: list[Skip] = []
    for quota in plan.walk_order:
        taken, passed = _walk(
            pool=pools[quota.department],
            needed=quota.officers,
            plan=plan,
            used=used,
            team_targets=target_set,
            team_id=team_id,
            department=quota.department,
        )
        for item in taken:
            role = Role.LEADER if not members else Role.OFFICER
            members.append(TeamMember(id=item.id, department=quota.department, role=role, ticket=item.ticket))
            used.add(item.id)
        skipped.extend(passed)
    if plan.experts_per_team:
        taken, passed = _walk(
            pool=expert_pool,
            needed=plan.experts_per_team,
            plan=plan,
            used=used,
            team_targets=target_set,
            team_id=team_id,
            department="",
        )
        for item in taken:
            members.append(TeamMember(id=item.id, department="", role=Role.EXPERT, ticket=item.ticket))
            used.add(item.id)
        skipped.extend(passed)
    return Team(
        team_id=team_id, number=number, targets=team_targets, members=tuple(members), skipped=tuple(skipped)
    )


def draw_teams(
    *,
    plan: TeamPlan,
    target_ids: Iterable[str],
    inspectors: Iterable[InspectorCandidate],
    seed: str,
    experts: Iterable[ExpertCandidate] = (),
) -> TeamDraw:
    """Match targets to teams and select every team's inspectors and experts.

    Args:
        plan: Team count, date window, lead department and per-department quotas.
        target_ids: The drawn targets (distinct ids); at least one per team.
        inspectors: The inspector pool of every department concerned; ids distinct.
        seed: The seed string.
        experts: The expert pool; only used when ``plan.experts_per_team`` > 0. An expert
            whose id equals an inspector's id is taken to be the same person.

    Returns:
        The complete draw.

    Raises:
        DrawParameterError: Fewer targets than teams, or an empty seed.
        InvalidIdError / DuplicateIdError: An id is unusable or repeated.
        DrawConstraintError: A team cannot be completed; names team, department, constraint.
    """
    if not isinstance(seed, str) or not seed:
        raise DrawParameterError("种子不能为空", field="seed")
    targets = make_population(target_ids)
    if targets.size < plan.team_count:
        raise DrawParameterError(
            f"检查对象只有 {targets.size} 个，少于检查组数量 {plan.team_count}，请减少检查组",
            field="team_count",
        )
    inspector_list = sorted(inspectors, key=lambda i: i.id)
    inspector_population = make_population(i.id for i in inspector_list)
    expert_list = sorted(experts, key=lambda e: e.id)
    expert_population = make_population(e.id for e in expert_list)
    for inspector in inspector_list:
        for conflict in inspector.conflicts:
            check_id(conflict)

    team_order, dealt = match_targets(plan=plan, target_ids=targets.ids, seed=seed)

    by_id = {i.id: i for i in inspector_list}
    pools: dict[str, list[tuple[Ticketed, InspectorCandidate | ExpertCandidate]]] = {
        quota.department: [] for quota in plan.quotas
    }
    for item in ticket_order(by_id, derive_seed(seed, INSPECTOR_SEED_SUFFIX)):
        pool = pools.get(by_id[item.id].department)
        if pool is not None:
            pool.append((item, by_id[item.id]))
    expert_by_id = {e.id: e for e in expert_list}
    expert_pool: list[tuple[Ticketed, InspectorCandidate | ExpertCandidate]] = [
        (item, expert_by_id[item.id])
        for item in ticket_order(expert_by_id, derive_seed(seed, EXPERT_SEED_SUFFIX))
    ]

    used: set[str] = set()
    teams: list[Team] = []
    for number, team_targets in enumerate(dealt, start=1):
        members: list[TeamMember] = []
        try:
            teams.append(
                _form_team(
                    plan=plan,
                    number=number,
                    team_targets=team_targets,
                    pools=pools,
                    expert_pool=expert_pool,
                    used=used,
                    members=members,
                )
            )
        except DrawConstraintError as exc:
            # Give the caller (and the GUI) the state at the failure, so the message can be
            # checked and shown in context.
            exc.completed_teams = tuple(teams)
            exc.team_targets = tuple(t.id for t in team_targets)
            exc.partial_members = tuple(members)
            raise
    logger.info(
        "team draw %s: %d teams, %d targets, %d people", plan.task_number, len(teams), targets.size, len(used)
    )
    return TeamDraw(
        seed=seed,
        algorithm=ALGORITHM_NAME,
        algorithm_version=ALGORITHM_VERSION,
        plan=plan,
        target_ids=targets.ids,
        target_hash=targets.hash,
        inspectors=tuple(inspector_list),
        inspector_hash=inspector_population.hash,
        experts=tuple(expert_list),
        expert_hash=expert_population.hash,
        team_order=team_order,
        teams=tuple(teams),
    )


def rule_violations(draw: TeamDraw) -> tuple[str, ...]:
    """Check the rules every team draw must obey, independently of how it was drawn.

    Args:
        draw: A team draw (from ``draw_teams`` or read from a record).

    Returns:
        One message in Chinese per violation; empty when every rule holds.
    """
    plan = draw.plan
    problems: list[str] = []
    inspectors = {i.id: i for i in draw.inspectors}
    experts = {e.id: e for e in draw.experts}
    seen: dict[str, str] = {}
    loads = [len(team.targets) for team in draw.teams]
    if len(draw.teams) != plan.team_count:
        problems.append(f"检查组数量为 {len(draw.teams)}，与计划的 {plan.team_count} 不符")
    if loads and max(loads) - min(loads) > 1:
        problems.append(f"各组检查对象数相差超过 1：{loads}")
    dealt = sorted(t.id for team in draw.teams for t in team.targets)
    if dealt != list(draw.target_ids):
        problems.append("各组检查对象合计与抽中的检查对象名单不一致（有遗漏或重复）")
    for team in draw.teams:
        target_set = {t.id for t in team.targets}
        certified = 0
        departments: dict[str, int] = {}
        leaders = [m for m in team.members if m.role is Role.LEADER]
        if len(leaders) != 1:
            problems.append(f"{team.team_id}：应有且只有一名组长，实际 {len(leaders)} 名")
        elif leaders[0].department != plan.lead_department:
            problems.append(
                f"{team.team_id}：组长 {leaders[0].id} 不是牵头部门「{plan.lead_department}」的人员"
            )
        for member in team.members:
            if member.id in seen:
                problems.append(f"{member.id} 同时在 {seen[member.id]} 和 {team.team_id} 中")
            seen[member.id] = team.team_id
            person: InspectorCandidate | ExpertCandidate | None = (
                experts.get(member.id) if member.role is Role.EXPERT else inspectors.get(member.id)
            )
            if person is None:
                problems.append(f"{team.team_id}：成员 {member.id} 不在人员名录中")
                continue
            if not person.active:
                problems.append(f"{team.team_id}：成员 {member.id} 状态为失效")
            if person.conflicts & target_set:
                clash = "、".join(sorted(person.conflicts & target_set))
                problems.append(f"{team.team_id}：成员 {member.id} 与本组检查对象 {clash} 有回避关系")
            if isinstance(person, InspectorCandidate) and member.role is not Role.EXPERT:
                if person.department != member.department:
                    problems.append(f"{team.team_id}：成员 {member.id} 的部门与名录不符")
                if person.certificate_covers(plan.start, plan.end):
                    certified += 1
                else:
                    problems.append(f"{team.team_id}：执法人员 {member.id} 的执法证在检查期间无效")
                departments[person.department] = departments.get(person.department, 0) + 1
        if certified < MIN_CERTIFIED_OFFICERS:
            problems.append(f"{team.team_id}：持有效执法证的执法人员只有 {certified} 名，少于两名")
        for quota in plan.quotas:
            if departments.get(quota.department, 0) < quota.officers:
                problems.append(
                    f"{team.team_id}：部门「{quota.department}」应有 {quota.officers} 名执法人员，"
                    f"实际 {departments.get(quota.department, 0)} 名"
                )
        expert_count = sum(1 for m in team.members if m.role is Role.EXPERT)
        if expert_count != plan.experts_per_team:
            problems.append(f"{team.team_id}：专家应为 {plan.experts_per_team} 名，实际 {expert_count} 名")
    return tuple(problems)
