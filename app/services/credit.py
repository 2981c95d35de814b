"""Credit consequences of results: risk-class proposals a person decides, and the 联合惩戒 list.

A result with problems proposes raising the target's 信用风险分类 by one step (A → B → C → D);
the change happens only when a person confirms it, through an audited update of the target.
Which result categories propose a raise is configurable (setting ``results.risk_raise_categories``,
a list of category codes; default: every category meaning a problem was found).

The 联合惩戒 list keeps every entry: removal records who, when and why, and the row stays.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Inspection, JointPunishment, ResultVersion, RiskProposal, Target
from app.models.base import utcnow
from app.models.enums import RiskClass
from app.services.context import ServiceContext
from app.services.errors import ConflictError, FieldError, NotFoundError, RuleViolation, ValidationError
from app.services.permissions import Permission
from app.services.records import require
from app.services.result_codes import result_codes
from app.services.settings import get_setting

logger = logging.getLogger(__name__)

RISK_CATEGORIES_KEY = "results.risk_raise_categories"
_ORDER = [RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D]
PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"
_DECISION_LABELS = {PENDING: "待确认", CONFIRMED: "已确认", REJECTED: "已驳回"}


@dataclass(frozen=True)
class RiskProposalRow:
    id: int
    target_id: int
    target_name: str
    target_code: str
    inspection_id: int | None
    from_class: RiskClass
    to_class: RiskClass
    current_class: RiskClass
    reason: str
    proposed_at: datetime
    proposed_by: str
    decision: str
    decision_label: str
    decided_at: datetime | None
    decided_by: str


@dataclass(frozen=True)
class JointPunishmentRow:
    id: int
    target_id: int
    target_name: str
    target_code: str
    inspection_id: int | None
    reason: str
    added_on: date
    added_by: str
    removed_on: date | None
    removed_by: str
    removal_reason: str

    @property
    def active(self) -> bool:
        return self.removed_on is None


def raised_class(current: RiskClass) -> RiskClass | None:
    """The next higher risk class, or None for D (already the highest)."""
    index = _ORDER.index(current)
    return _ORDER[index + 1] if index + 1 < len(_ORDER) else None


def _raise_categories(session: Session) -> frozenset[str]:
    configured = get_setting(session, RISK_CATEGORIES_KEY)
    if isinstance(configured, list) and configured:
        return frozenset(str(c) for c in configured)
    return result_codes().problem_codes


def _proposal_row(p: RiskProposal, target: Target) -> RiskProposalRow:
    return RiskProposalRow(
        id=p.id,
        target_id=target.id,
        target_name=target.name,
        target_code=target.code or "",
        inspection_id=p.inspection_id,
        from_class=RiskClass(p.from_class),
        to_class=RiskClass(p.to_class),
        current_class=target.risk_class,
        reason=p.reason,
        proposed_at=p.proposed_at,
        proposed_by=p.proposed_by,
        decision=p.decision,
        decision_label=_DECISION_LABELS.get(p.decision, p.decision),
        decided_at=p.decided_at,
        decided_by=p.decided_by,
    )


def propose_from_result(
    session: Session, ctx: ServiceContext, inspection: Inspection, version: ResultVersion
) -> RiskProposal | None:
    """Inside an approval: propose raising the target's class if the result has qualifying categories.

    Nothing is proposed when the target is already D, when a proposal for the target is still
    pending, or when this inspection already led to a proposal (a correction does not re-propose).
    """
    result = json.loads(version.payload_json)["result"]
    codes = {c["code"] for c in result.get("categories", [])}
    hits = codes & _raise_categories(session)
    if not hits:
        return None
    target: Target = inspection.target
    to_class = raised_class(target.risk_class)
    if to_class is None:
        return None
    existing = session.execute(
        select(RiskProposal.id).where(
            (RiskProposal.inspection_id == inspection.id)
            | ((RiskProposal.target_id == target.id) & (RiskProposal.decision == PENDING))
        )
    ).first()
    if existing is not None:
        return None
    labels = "、".join(c["label"] for c in result["categories"] if c["code"] in hits)
    proposal = RiskProposal(
        target_id=target.id,
        inspection_id=inspection.id,
        from_class=target.risk_class.value,
        to_class=to_class.value,
        reason=f"{inspection.task.number} 检查结果：{labels}",
        proposed_at=utcnow(),
        proposed_by=ctx.operator,
        decision=PENDING,
    )
    session.add(proposal)
    session.flush()
    ctx.audit(
        session,
        action="propose",
        entity="risk_proposals",
        entity_id=proposal.id,
        summary=f"建议将「{target.name}」的信用风险分类由 {target.risk_class.value} 调为 {to_class.value}",
        after={"from": proposal.from_class, "to": proposal.to_class, "inspection_id": inspection.id},
    )
    return proposal


def propose_risk_change(
    ctx: ServiceContext, target_id: int, *, to_class: RiskClass, reason: str, inspection_id: int | None = None
) -> int:
    """Propose a change of a target's risk class by hand (either direction), for confirmation."""
    ctx.require(Permission.REVIEW_RESULTS)
    if not reason.strip():
        raise ValidationError([FieldError("理由", "请写明调整信用风险分类的理由")])
    with ctx.write() as session:
        target: Target = require(session, Target, target_id, "检查对象")
        if target.risk_class == to_class:
            raise RuleViolation(f"「{target.name}」的信用风险分类已是 {to_class.label}")
        if inspection_id is not None:
            require(session, Inspection, inspection_id, "检查记录")
        proposal = RiskProposal(
            target_id=target.id,
            inspection_id=inspection_id,
            from_class=target.risk_class.value,
            to_class=to_class.value,
            reason=reason.strip(),
            proposed_at=utcnow(),
            proposed_by=ctx.operator,
            decision=PENDING,
        )
        session.add(proposal)
        session.flush()
        ctx.audit(
            session,
            action="propose",
            entity="risk_proposals",
            entity_id=proposal.id,
            summary=f"建议将「{target.name}」的信用风险分类由 {proposal.from_class} 调为 {proposal.to_class}",
            reason=reason.strip(),
        )
        return proposal.id


def _pending(session: Session, proposal_id: int) -> RiskProposal:
    proposal: RiskProposal = require(session, RiskProposal, proposal_id, "风险分类调整建议")
    if proposal.decision != PENDING:
        raise RuleViolation(
            f"该建议已由 {proposal.decided_by} {_DECISION_LABELS.get(proposal.decision, proposal.decision)}，不能再次处理"
        )
    return proposal


def confirm_risk_proposal(ctx: ServiceContext, proposal_id: int, *, comment: str = "") -> None:
    """Confirm a proposal: the target's risk class changes (audited, with before and after)."""
    ctx.require(Permission.REVIEW_RESULTS)
    with ctx.write() as session:
        proposal = _pending(session, proposal_id)
        target: Target = require(session, Target, proposal.target_id, "检查对象")
        if target.risk_class.value != proposal.from_class:
            raise ConflictError(
                f"「{target.name}」的信用风险分类已由 {proposal.from_class} 改为 {target.risk_class.value}，"
                "该建议已过时。请驳回后按当前分类重新提出。"
            )
        before = {"risk_class": target.risk_class.value}
        target.risk_class = RiskClass(proposal.to_class)
        proposal.decision = CONFIRMED
        proposal.decided_at = utcnow()
        proposal.decided_by = ctx.operator
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="targets",
            entity_id=target.id,
            summary=f"确认调整「{target.name}」的信用风险分类：{proposal.from_class} → {proposal.to_class}",
            before=before,
            after={"risk_class": proposal.to_class, "proposal_id": proposal.id},
            reason=(proposal.reason + ("；" + comment.strip() if comment.strip() else "")),
        )


def reject_risk_proposal(ctx: ServiceContext, proposal_id: int, *, reason: str) -> None:
    """Reject a proposal (with a reason); the target keeps its class."""
    ctx.require(Permission.REVIEW_RESULTS)
    if not reason.strip():
        raise ValidationError([FieldError("驳回理由", "请写明不调整的理由")])
    with ctx.write() as session:
        proposal = _pending(session, proposal_id)
        proposal.decision = REJECTED
        proposal.decided_at = utcnow()
        proposal.decided_by = ctx.operator
        session.flush()
        ctx.audit(
            session,
            action="reject",
            entity="risk_proposals",
            entity_id=proposal.id,
            summary=f"驳回风险分类调整建议（{proposal.from_class} → {proposal.to_class}）",
            reason=reason.strip(),
        )


def list_risk_proposals(ctx: ServiceContext, *, pending_only: bool = True) -> list[RiskProposalRow]:
    """Proposals, newest first (only those waiting for a decision by default)."""
    with ctx.read() as session:
        query = select(RiskProposal, Target).join(Target, RiskProposal.target_id == Target.id)
        if pending_only:
            query = query.where(RiskProposal.decision == PENDING)
        rows = session.execute(query.order_by(RiskProposal.id.desc())).all()
        return [_proposal_row(p, t) for p, t in rows]


# ---------------------------------------------------------------------------------------------
# 联合惩戒


def _serious(session: Session, inspection: Inspection) -> bool:
    version = session.execute(
        select(ResultVersion).where(
            ResultVersion.inspection_id == inspection.id, ResultVersion.is_current.is_(True)
        )
    ).scalar_one_or_none()
    if version is None:
        return False
    codes = {c["code"] for c in json.loads(version.payload_json)["result"].get("categories", [])}
    return bool(codes & result_codes().problem_codes)


def add_joint_punishment(
    ctx: ServiceContext,
    target_id: int,
    *,
    reason: str,
    inspection_id: int | None = None,
    added_on: date | None = None,
) -> int:
    """Put a target on the 联合惩戒 list (one active entry per target), with a reason.

    When ``inspection_id`` is given, the inspection must be the target's and its result must record
    a problem: the list is fed by serious findings, not by a slip of the mouse.
    """
    ctx.require(Permission.REVIEW_RESULTS)
    if not reason.strip():
        raise ValidationError([FieldError("理由", "请写明列入联合惩戒的理由和依据")])
    with ctx.write() as session:
        target: Target = require(session, Target, target_id, "检查对象")
        active = session.execute(
            select(JointPunishment).where(
                JointPunishment.target_id == target_id, JointPunishment.removed_on.is_(None)
            )
        ).scalar_one_or_none()
        if active is not None:
            raise RuleViolation(f"「{target.name}」已于 {active.added_on:%Y-%m-%d} 列入联合惩戒名单")
        if inspection_id is not None:
            inspection: Inspection = require(session, Inspection, inspection_id, "检查记录")
            if inspection.target_id != target_id:
                raise RuleViolation("该检查记录不是此检查对象的")
            if not _serious(session, inspection):
                raise RuleViolation(
                    f"「{target.name}」在该次检查中没有发现问题的结果，不能据此列入联合惩戒名单"
                )
        entry = JointPunishment(
            target_id=target_id,
            inspection_id=inspection_id,
            reason=reason.strip(),
            added_on=added_on or date.today(),
            added_by=ctx.operator,
        )
        session.add(entry)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="joint_punishments",
            entity_id=entry.id,
            summary=f"列入联合惩戒名单：「{target.name}」",
            after={"target_id": target_id, "inspection_id": inspection_id, "added_on": entry.added_on},
            reason=reason.strip(),
        )
        return entry.id


def remove_joint_punishment(
    ctx: ServiceContext, entry_id: int, *, reason: str, removed_on: date | None = None
) -> None:
    """Take a target off the list (信用修复 etc.): the entry is kept, with who, when and why."""
    ctx.require(Permission.REVIEW_RESULTS)
    if not reason.strip():
        raise ValidationError([FieldError("移出理由", "请写明移出联合惩戒名单的理由和依据")])
    with ctx.write() as session:
        entry: JointPunishment = require(session, JointPunishment, entry_id, "联合惩戒名单记录")
        if entry.removed_on is not None:
            raise RuleViolation(f"该记录已于 {entry.removed_on:%Y-%m-%d} 移出名单")
        day = removed_on or date.today()
        if day < entry.added_on:
            raise ValidationError([FieldError("移出日期", "移出日期不能早于列入日期")])
        entry.removed_on, entry.removed_by, entry.removal_reason = day, ctx.operator, reason.strip()
        session.flush()
        ctx.audit(
            session,
            action="remove",
            entity="joint_punishments",
            entity_id=entry.id,
            summary="移出联合惩戒名单",
            before={"removed_on": None},
            after={"removed_on": day},
            reason=reason.strip(),
        )


def list_joint_punishments(ctx: ServiceContext, *, include_removed: bool = False) -> list[JointPunishmentRow]:
    """The 联合惩戒 list (active entries; with ``include_removed`` the history too), newest first."""
    with ctx.read() as session:
        query = select(JointPunishment, Target).join(Target, JointPunishment.target_id == Target.id)
        if not include_removed:
            query = query.where(JointPunishment.removed_on.is_(None))
        rows = session.execute(query.order_by(JointPunishment.id.desc())).all()
        return [
            JointPunishmentRow(
                e.id,
                t.id,
                t.name,
                t.code or "",
                e.inspection_id,
                e.reason,
                e.added_on,
                e.added_by,
                e.removed_on,
                e.removed_by,
                e.removal_reason,
            )
            for e, t in rows
        ]


def get_risk_proposal(ctx: ServiceContext, proposal_id: int) -> RiskProposalRow:
    with ctx.read() as session:
        proposal = session.get(RiskProposal, proposal_id)
        if proposal is None:
            raise NotFoundError(f"风险分类调整建议（编号 {proposal_id}）不存在")
        target: Target = require(session, Target, proposal.target_id, "检查对象")
        return _proposal_row(proposal, target)
