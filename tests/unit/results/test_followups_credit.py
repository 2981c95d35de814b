"""Follow-ups to closure, risk-class proposals a person decides, and the 联合惩戒 list."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Inspection, Target
from app.models.enums import FollowUpKind, FollowUpState, RiskClass
from app.services.credit import (
    add_joint_punishment,
    confirm_risk_proposal,
    list_joint_punishments,
    list_risk_proposals,
    propose_risk_change,
    reject_risk_proposal,
    remove_joint_punishment,
)
from app.services.draws import drawn_targets
from app.services.errors import ConflictError, RuleViolation, ValidationError
from app.services.followups import (
    FollowUpData,
    close_follow_up,
    create_follow_up,
    list_follow_ups,
    suggest_follow_ups,
    update_follow_up,
)
from app.services.results import approve_result, submit_result
from app.services.settings import set_setting
from tests.unit.results.helpers import TODAY, ResultsEnv, good_payload, problem_payload


def target_of(env: ResultsEnv, iid: int) -> tuple[int, RiskClass]:
    with env.ctx.read() as session:
        inspection = session.get(Inspection, iid)
        assert inspection is not None
        return inspection.target_id, inspection.target.risk_class


def test_follow_up_lifecycle(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    with pytest.raises(RuleViolation, match="尚未录入检查结果"):
        create_follow_up(ctx, iid, FollowUpData(FollowUpKind.RECTIFY, due_date=date(2026, 6, 1)))
    submit_result(ctx, iid, problem_payload(ctx, iid, measures=("3", "5")), today=TODAY)
    suggestions = suggest_follow_ups(ctx, iid)
    assert [s.kind for s in suggestions] == [FollowUpKind.RECTIFY, FollowUpKind.COPY]
    assert suggestions[0].description.startswith("食品经营许可证已过期")
    with pytest.raises(ValidationError, match="整改期限"):
        create_follow_up(ctx, iid, FollowUpData(FollowUpKind.RECTIFY))
    with pytest.raises(ValidationError, match="不能早于检查日期"):
        create_follow_up(ctx, iid, FollowUpData(FollowUpKind.RECTIFY, due_date=date(2026, 5, 1)))
    with pytest.raises(ValidationError, match="接收的主管部门"):
        create_follow_up(ctx, iid, FollowUpData(FollowUpKind.COPY))
    with pytest.raises(ValidationError, match="写明情况"):
        create_follow_up(ctx, iid, FollowUpData(FollowUpKind.JUDICIAL))
    rectify = create_follow_up(
        ctx,
        iid,
        FollowUpData(
            FollowUpKind.RECTIFY,
            "十五日内办理许可证延续",
            due_date=date(2026, 5, 27),
            recheck_on=date(2026, 6, 3),
        ),
    )
    fire = env.drawn.county.departments["青山消防"]
    copy = create_follow_up(ctx, iid, FollowUpData(FollowUpKind.COPY, "疏散通道堵塞", department_id=fire))
    rows = {r.id: r for r in list_follow_ups(ctx, task_id=env.drawn.public_task, today=TODAY)}
    assert (
        rows[rectify].overdue
        and rows[rectify].state == FollowUpState.OPEN
        and rows[rectify].kind_label == "责令改正"
    )
    assert rows[copy].department == "青山县消防救援大队" and not rows[copy].overdue
    assert [r.id for r in list_follow_ups(ctx, overdue_only=True, today=TODAY)] == [rectify]
    assert [r.id for r in list_follow_ups(ctx, overdue_only=True, today=date(2026, 6, 1))] == []
    # Extend the deadline; a stale editor is refused.
    version = rows[rectify].version
    update_follow_up(
        ctx,
        rectify,
        FollowUpData(
            FollowUpKind.RECTIFY, "延期整改", due_date=date(2026, 12, 1), recheck_on=date(2026, 12, 8)
        ),
        expected_version=version,
    )
    with pytest.raises(ConflictError):
        update_follow_up(
            ctx,
            rectify,
            FollowUpData(FollowUpKind.RECTIFY, due_date=date(2026, 12, 2)),
            expected_version=version,
        )
    assert list_follow_ups(ctx, overdue_only=True, today=TODAY) == []
    with pytest.raises(ValidationError, match="办理结果"):
        close_follow_up(ctx, rectify, outcome="")
    close_follow_up(ctx, rectify, outcome="已整改到位，复查合格", closed_on=date(2026, 11, 20))
    closed = next(r for r in list_follow_ups(ctx, inspection_id=iid) if r.id == rectify)
    assert (
        closed.state == FollowUpState.CLOSED
        and closed.closed_by == "录入员"
        and closed.closed_on == date(2026, 11, 20)
    )
    with pytest.raises(RuleViolation, match="已办结"):
        update_follow_up(ctx, rectify, FollowUpData(FollowUpKind.RECTIFY, due_date=date(2026, 12, 1)))
    with pytest.raises(RuleViolation, match="办结"):
        close_follow_up(ctx, rectify, outcome="again")
    assert [r.id for r in list_follow_ups(ctx, open_only=True)] == [copy]
    with ctx.read() as session:
        actions = (
            session.execute(
                select(AuditEntry.action).where(AuditEntry.entity == "follow_ups").order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["create", "create", "update", "close"]


def test_problem_result_proposes_raise_confirm_changes_target(env: ResultsEnv) -> None:
    ctx = env.ctx
    iid = next(t.inspection_id for t in drawn_targets(ctx, env.drawn.public_task) if t.stratum != "D")
    target_id, before = target_of(env, iid)
    submit_result(ctx, iid, problem_payload(ctx, iid), today=TODAY)
    assert list_risk_proposals(ctx) == []  # proposals come with the leader's approval
    approve_result(ctx, iid)
    [proposal] = list_risk_proposals(ctx)
    expected = RiskClass("ABCD"["ABCD".index(before.value) + 1])
    assert proposal.target_id == target_id and proposal.from_class == before and proposal.to_class == expected
    assert "未按规定公示应当公示的信息" in proposal.reason
    confirm_risk_proposal(ctx, proposal.id, comment="联席会议确认")
    assert target_of(env, iid)[1] == expected
    with ctx.read() as session:
        entry = (
            session.execute(
                select(AuditEntry).where(
                    AuditEntry.entity == "targets", AuditEntry.entity_id == str(target_id)
                )
            )
            .scalars()
            .all()[-1]
        )
        assert json.loads(entry.before_json or "") == {"risk_class": before.value}
        assert json.loads(entry.after_json or "")["risk_class"] == expected.value
        assert "联席会议确认" in entry.reason
        target = session.get(Target, target_id)
        assert target is not None and target.risk_class == expected
    with pytest.raises(RuleViolation, match="不能再次处理"):
        confirm_risk_proposal(ctx, proposal.id)
    assert list_risk_proposals(ctx) == []
    assert list_risk_proposals(ctx, pending_only=False)[0].decision_label == "已确认"


def test_no_proposal_without_problems_and_configurable_categories(env: ResultsEnv) -> None:
    ctx = env.ctx
    first, second = env.drawn.public_inspections[:2]
    submit_result(ctx, first, good_payload(ctx, first), today=TODAY)
    approve_result(ctx, first)
    assert list_risk_proposals(ctx) == []
    with ctx.write() as session:
        set_setting(session, "results.risk_raise_categories", ["8"])  # only 不配合检查情节严重
    submit_result(ctx, second, problem_payload(ctx, second), today=TODAY)
    approve_result(ctx, second)
    assert list_risk_proposals(ctx) == []


def test_reject_and_stale_proposals(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    target_id, current = target_of(env, iid)
    other = RiskClass.A if current != RiskClass.A else RiskClass.B
    with pytest.raises(ValidationError, match="理由"):
        propose_risk_change(ctx, target_id, to_class=other, reason="")
    first = propose_risk_change(ctx, target_id, to_class=other, reason="信用修复")
    second = propose_risk_change(ctx, target_id, to_class=RiskClass.D, reason="另案查处")
    with pytest.raises(ValidationError, match="不调整的理由"):
        reject_risk_proposal(ctx, first, reason=" ")
    confirm_risk_proposal(ctx, first)
    with pytest.raises(ConflictError, match="已过时"):
        confirm_risk_proposal(ctx, second)
    reject_risk_proposal(ctx, second, reason="分类已调整")
    assert target_of(env, iid)[1] == other
    assert {p.decision for p in list_risk_proposals(ctx, pending_only=False)} == {"confirmed", "rejected"}


def test_joint_punishment_list(env: ResultsEnv) -> None:
    ctx = env.ctx
    clean, serious = env.drawn.public_inspections[:2]
    clean_target, _ = target_of(env, clean)
    serious_target, _ = target_of(env, serious)
    submit_result(ctx, clean, good_payload(ctx, clean), today=TODAY)
    submit_result(ctx, serious, problem_payload(ctx, serious, categories=("8", "C")), today=TODAY)
    with pytest.raises(RuleViolation, match="没有发现问题"):
        add_joint_punishment(ctx, clean_target, reason="误操作", inspection_id=clean)
    with pytest.raises(RuleViolation, match="不是此检查对象"):
        add_joint_punishment(ctx, clean_target, reason="x", inspection_id=serious)
    with pytest.raises(ValidationError, match="理由"):
        add_joint_punishment(ctx, serious_target, reason="")
    entry = add_joint_punishment(
        ctx,
        serious_target,
        reason="公示信息弄虚作假且拒不配合检查",
        inspection_id=serious,
        added_on=date(2026, 11, 1),
    )
    with pytest.raises(RuleViolation, match="已于 2026-11-01 列入"):
        add_joint_punishment(ctx, serious_target, reason="again")
    [row] = list_joint_punishments(ctx)
    assert row.target_id == serious_target and row.active and row.added_by == "录入员"
    with pytest.raises(ValidationError, match="移出理由"):
        remove_joint_punishment(ctx, entry, reason="")
    remove_joint_punishment(ctx, entry, reason="已完成信用修复", removed_on=date(2026, 11, 20))
    assert list_joint_punishments(ctx) == []
    [kept] = list_joint_punishments(ctx, include_removed=True)
    assert (
        kept.removed_on == date(2026, 11, 20) and kept.removal_reason == "已完成信用修复" and not kept.active
    )
    with pytest.raises(RuleViolation, match="已于 2026-11-20 移出"):
        remove_joint_punishment(ctx, entry, reason="again")
    # After removal the target may be listed again (a new entry; the old one stays).
    add_joint_punishment(ctx, serious_target, reason="再次违法")
    assert len(list_joint_punishments(ctx, include_removed=True)) == 2
