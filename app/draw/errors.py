"""Errors raised by the draw: wrong parameters, and constraints no candidate can meet."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.draw.teams import Team, TeamMember

logger = logging.getLogger(__name__)


class DrawParameterError(ValueError):
    """The draw was asked for something ill-formed (missing ratio, unknown department, …).

    Attributes:
        field: Name of the offending parameter.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class Constraint(StrEnum):
    """Constraints a drawn inspector or expert must satisfy, in the order they are tested.

    The order matters: when a department runs out of candidates, the constraint reported
    as failed is the first one in this order after which too few candidates remain.
    """

    TOO_FEW_PEOPLE = "too_few_people"
    INACTIVE = "inactive"
    NO_CERTIFICATE = "no_certificate"
    CERTIFICATE_NOT_VALID = "certificate_not_valid"
    ALREADY_USED = "already_used"
    RECUSAL = "recusal"


CONSTRAINT_LABELS: Mapping[Constraint, str] = {
    Constraint.TOO_FEW_PEOPLE: "名录中的人数本身就少于所需人数",
    Constraint.INACTIVE: "人员状态为失效",
    Constraint.NO_CERTIFICATE: "未持有执法证",
    Constraint.CERTIFICATE_NOT_VALID: "执法证有效期未覆盖整个检查期间",
    Constraint.ALREADY_USED: "已被本任务其他检查组选用",
    Constraint.RECUSAL: "与本组检查对象存在回避关系",
}


class DrawConstraintError(Exception):
    """A team cannot be completed without breaking a rule; the draw stops here.

    Nothing is relaxed: the caller must change the inputs (more inspectors, fewer teams,
    a longer certificate, …) and draw again.

    Attributes:
        team_id: The team being completed, e.g. ``"浙工商抽查[2017]1号/team-2"``.
        department: The department whose walk ran out ("" for the expert pool).
        constraint: The constraint after which too few candidates remained.
        needed: How many were still needed from this walk.
        found: How many satisfied every constraint.
        rejected: For each constraint, how many candidates failed it first.
        completed_teams: Teams formed before this one (set by ``draw_teams``).
        team_targets: The failing team's target ids (set by ``draw_teams``).
        partial_members: Members already taken for the failing team (set by ``draw_teams``).
    """

    def __init__(
        self,
        *,
        team_id: str,
        department: str,
        constraint: Constraint,
        needed: int,
        found: int,
        rejected: Mapping[Constraint, int],
    ) -> None:
        who = f"部门「{department}」" if department else "专家库"
        details = "；".join(f"{CONSTRAINT_LABELS[c]} {n} 人" for c, n in rejected.items() if n)
        message = (
            f"检查组 {team_id} 无法组成：{who}需要 {needed} 人，符合全部条件的只有 {found} 人。"
            f"未满足的条件：{CONSTRAINT_LABELS[constraint]}。"
            + (f"（未入选原因：{details}。）" if details else "")
            + "请补充人员、更正执法证信息或减少检查组数量后重新抽取；系统不会放宽任何条件。"
        )
        super().__init__(message)
        self.team_id = team_id
        self.department = department
        self.constraint = constraint
        self.needed = needed
        self.found = found
        self.rejected: dict[Constraint, int] = dict(rejected)
        self.completed_teams: tuple[Team, ...] = ()
        self.team_targets: tuple[str, ...] = ()
        self.partial_members: tuple[TeamMember, ...] = ()
