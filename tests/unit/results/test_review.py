"""Review and publication: every allowed transition, every forbidden one, corrections, the version chain."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from app.models import AuditEntry, ResultVersion
from app.models.enums import InspectionState, ResultVersionKind
from app.services.audit import canonical_json, verify_chain
from app.services.errors import ConflictError, RuleViolation, ValidationError
from app.services.results import (
    CorrectionState,
    approve_result,
    correct_result,
    get_result,
    list_results,
    publish_results,
    return_result,
    review_history,
    submit_result,
    verify_versions,
    version_history,
)
from tests.unit.results.helpers import TODAY, ResultsEnv, good_payload, problem_payload


def state_of(env: ResultsEnv, iid: int) -> tuple[InspectionState, CorrectionState]:
    row = get_result(env.ctx, iid).row
    return row.state, row.correction_state


def test_happy_path_submit_approve_publish(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
    approve_result(ctx, iid, comment="同意")
    assert state_of(env, iid) == (InspectionState.APPROVED, CorrectionState.NONE)
    outcome = publish_results(ctx, task_id=env.drawn.public_task, comment="同意公示")
    assert outcome.published == (iid,)
    assert {i for i, _ in outcome.skipped} == set(env.drawn.public_inspections[1:])
    detail = get_result(ctx, iid)
    assert detail.row.state == InspectionState.PUBLISHED and detail.row.status_label == "已公示"
    assert detail.published is not None and detail.published.uid == detail.current.uid  # type: ignore[union-attr]
    assert detail.published.published_at is not None
    assert [e.action for e in detail.events] == ["submit", "approve", "publish"]
    assert [(e.from_state, e.to_state) for e in detail.events] == [
        ("not_entered", "pending_review"),
        ("pending_review", "approved"),
        ("approved", "published"),
    ]
    with ctx.read() as session:
        actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert actions[-3:] == ["result_submit", "result_approve", "result_publish"]
    assert verify_chain(ctx.db).ok


def test_return_and_resubmit_chains_versions(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    v1 = submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
    return_result(ctx, iid, comment="检查日期有误")
    assert state_of(env, iid)[0] == InspectionState.RETURNED
    assert get_result(ctx, iid).row.status_label == "审核退回"
    v2 = submit_result(ctx, iid, problem_payload(ctx, iid), today=TODAY)
    approve_result(ctx, iid)
    return_result(ctx, iid, comment="公示审批：请补充发现问题情况")  # 公示审批 may return an approved result
    v3 = submit_result(ctx, iid, problem_payload(ctx, iid, problems="补充后的发现问题情况"), today=TODAY)
    chain = version_history(ctx, iid)
    assert [v.uid for v in chain] == [v1.uid, v2.uid, v3.uid]
    assert [v.prev_uid for v in chain] == [None, v1.uid, v2.uid]
    assert [v.number for v in chain] == [1, 2, 3]
    assert [v.is_current for v in chain] == [False, False, True]
    assert all(v.kind == ResultVersionKind.ENTRY for v in chain)
    assert [v.seq for v in chain] == [1, 2, 3]
    for v in chain:
        assert hashlib.sha256(canonical_json(v.document).encode()).hexdigest() == v.sha256
        assert v.document["prev_uid"] == v.prev_uid and v.document["number"] == v.number
    assert [e.comment for e in review_history(ctx, iid) if e.action == "return"] == [
        "检查日期有误",
        "公示审批：请补充发现问题情况",
    ]
    assert verify_versions(ctx) == []


def test_correction_after_publication_stays_published(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    v1 = submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
    approve_result(ctx, iid)
    publish_results(ctx, inspection_ids=[iid])
    with pytest.raises(ValidationError, match="更正原因"):
        correct_result(ctx, iid, problem_payload(ctx, iid), "  ")
    v2 = correct_result(ctx, iid, problem_payload(ctx, iid), "复核发现许可证过期，原结果有误")
    assert v2.kind == ResultVersionKind.CORRECTION and v2.prev_uid == v1.uid and v2.number == 2
    assert v2.document["reason"] == "复核发现许可证过期，原结果有误"
    detail = get_result(ctx, iid)
    assert detail.row.state == InspectionState.PUBLISHED
    assert detail.row.correction_state == CorrectionState.PENDING_REVIEW
    assert detail.row.status_label == "已公示（更正待审核）"
    assert detail.published is not None and detail.published.uid == v1.uid  # the public still sees v1
    # Returned correction: still published, v1 public; a new correction chains on the returned one.
    return_result(ctx, iid, comment="更正理由不充分")
    assert state_of(env, iid) == (InspectionState.PUBLISHED, CorrectionState.RETURNED)
    v3 = correct_result(ctx, iid, problem_payload(ctx, iid), "附现场照片，许可证确已过期")
    assert v3.prev_uid == v2.uid
    approve_result(ctx, iid)
    assert state_of(env, iid) == (InspectionState.PUBLISHED, CorrectionState.APPROVED)
    assert get_result(ctx, iid).published.uid == v1.uid  # type: ignore[union-attr]
    publish_results(ctx, inspection_ids=[iid])
    detail = get_result(ctx, iid)
    assert detail.row.correction_state == CorrectionState.NONE
    assert detail.published is not None and detail.published.uid == v3.uid
    assert [e.action for e in detail.events] == [
        "submit",
        "approve",
        "publish",
        "correct",
        "return",
        "correct",
        "approve",
        "publish",
    ]
    assert verify_versions(ctx, inspection_id=iid) == []


def _pending(env: ResultsEnv, iid: int) -> None:
    submit_result(env.ctx, iid, good_payload(env.ctx, iid), today=TODAY)


def _approved(env: ResultsEnv, iid: int) -> None:
    _pending(env, iid)
    approve_result(env.ctx, iid)


def _returned(env: ResultsEnv, iid: int) -> None:
    _pending(env, iid)
    return_result(env.ctx, iid, comment="退回")


def _published(env: ResultsEnv, iid: int) -> None:
    _approved(env, iid)
    publish_results(env.ctx, inspection_ids=[iid])


def _correction_pending(env: ResultsEnv, iid: int) -> None:
    _published(env, iid)
    correct_result(env.ctx, iid, good_payload(env.ctx, iid, remarks="更正"), "更正")


def _correction_approved(env: ResultsEnv, iid: int) -> None:
    _correction_pending(env, iid)
    approve_result(env.ctx, iid)


def _correction_returned(env: ResultsEnv, iid: int) -> None:
    _correction_pending(env, iid)
    return_result(env.ctx, iid, comment="更正退回")


def _nothing(env: ResultsEnv, iid: int) -> None:
    return None


Setup = Callable[[ResultsEnv, int], None]


def _submit(env: ResultsEnv, iid: int) -> None:
    submit_result(env.ctx, iid, good_payload(env.ctx, iid), today=TODAY)


def _approve(env: ResultsEnv, iid: int) -> None:
    approve_result(env.ctx, iid)


def _return(env: ResultsEnv, iid: int) -> None:
    return_result(env.ctx, iid, comment="退回")


def _publish(env: ResultsEnv, iid: int) -> None:
    publish_results(env.ctx, inspection_ids=[iid])


def _correct(env: ResultsEnv, iid: int) -> None:
    correct_result(env.ctx, iid, good_payload(env.ctx, iid), "更正原因")


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (_nothing, _approve, "没有待审核的内容"),
        (_nothing, _return, "不能退回"),
        (_nothing, _publish, "只有已审核的结果"),
        (_nothing, _correct, "更正只适用于已公示的结果"),
        (_pending, _submit, "不能再次提交"),
        (_pending, _publish, "只有已审核的结果"),
        (_pending, _correct, "更正只适用于已公示的结果"),
        (_approved, _submit, "不能再次提交"),
        (_approved, _approve, "没有待审核的内容"),
        (_approved, _correct, "更正只适用于已公示的结果"),
        (_returned, _approve, "没有待审核的内容"),
        (_returned, _return, "不能退回"),
        (_returned, _publish, "只有已审核的结果"),
        (_returned, _correct, "更正只适用于已公示的结果"),
        (_published, _submit, "公示后只能提交更正"),
        (_published, _approve, "没有待审核的内容"),
        (_published, _return, "已公示的结果请提交更正"),
        (_published, _publish, "只有已审核的结果"),
        (_correction_pending, _correct, "不能提交更正"),
        (_correction_pending, _publish, "只有已审核的结果"),
        (_correction_pending, _submit, "公示后只能提交更正"),
        (_correction_approved, _approve, "没有待审核的内容"),
        (_correction_approved, _correct, "不能提交更正"),
        (_correction_approved, _submit, "公示后只能提交更正"),
        (_correction_returned, _approve, "没有待审核的内容"),
        (_correction_returned, _return, "不能退回"),
        (_correction_returned, _publish, "只有已审核的结果"),
        (_correction_returned, _submit, "公示后只能提交更正"),
    ],
)
def test_forbidden_transitions(env: ResultsEnv, setup: Setup, action: Setup, message: str) -> None:
    iid = env.drawn.public_inspections[0]
    setup(env, iid)
    before = get_result(env.ctx, iid)
    with pytest.raises(RuleViolation, match=message):
        action(env, iid)
    after = get_result(env.ctx, iid)
    assert (after.row.state, after.row.correction_state, len(after.versions), len(after.events)) == (
        before.row.state,
        before.row.correction_state,
        len(before.versions),
        len(before.events),
    )


def test_return_needs_a_comment_and_selection_is_all_or_nothing(env: ResultsEnv) -> None:
    ctx = env.ctx
    first, second = env.drawn.public_inspections[:2]
    _pending(env, first)
    with pytest.raises(ValidationError, match="退回意见"):
        return_result(ctx, first, comment=" ")
    approve_result(ctx, first)
    _pending(env, second)
    with pytest.raises(RuleViolation, match="未作任何公示"):
        publish_results(ctx, inspection_ids=[first, second])
    assert state_of(env, first)[0] == InspectionState.APPROVED
    with pytest.raises(ValidationError, match="二者选一"):
        publish_results(ctx)
    with pytest.raises(RuleViolation, match="没有已审核待公示"):
        publish_results(ctx, task_id=env.drawn.private_task)


def test_stale_version_is_refused(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    seen = get_result(ctx, iid).row.inspection_version
    _pending(env, iid)
    with pytest.raises(ConflictError, match="已被其他人处理"):
        approve_result(ctx, iid, expected_version=seen)
    approve_result(ctx, iid, expected_version=get_result(ctx, iid).row.inspection_version)


def test_streams_are_gap_free_and_classified_stays_classified(env: ResultsEnv) -> None:
    ctx = env.ctx
    public = env.drawn.public_inspections[:3]
    classified = env.drawn.classified_inspections[:3]
    for pub, cls in zip(public, classified, strict=True):
        submit_result(ctx, pub, good_payload(ctx, pub), today=TODAY)
        submit_result(ctx, cls, good_payload(ctx, cls), today=TODAY)
    return_result(ctx, public[0], comment="退回")
    submit_result(ctx, public[0], good_payload(ctx, public[0], remarks="再次提交"), today=TODAY)
    with ctx.read() as session:
        rows = session.execute(select(ResultVersion).order_by(ResultVersion.id)).scalars().all()
        origins = {v.origin for v in rows}
        by_stream: dict[str, list[int]] = {}
        for v in rows:
            by_stream.setdefault(v.stream, []).append(v.seq)
        classified_ids = {v.inspection_id for v in rows if v.stream == "classified"}
    assert len(origins) == 1
    assert by_stream == {"public": [1, 2, 3, 4], "classified": [1, 2, 3]}
    assert classified_ids == set(classified)
    row = next(r for r in list_results(ctx, env.drawn.classified_task) if r.inspection_id == classified[0])
    approve_result(ctx, classified[0])
    publish_results(ctx, inspection_ids=[classified[0]])
    row = next(r for r in list_results(ctx, env.drawn.classified_task) if r.inspection_id == classified[0])
    assert row.state == InspectionState.PUBLISHED and row.status_label == "已审批（不公示）"


def test_tampering_is_detected(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    _pending(env, iid)
    assert verify_versions(ctx) == []
    with ctx.write() as session:
        session.execute(
            text("UPDATE result_versions SET payload_json = replace(payload_json, '未发现问题', '发现问题')")
        )
    problems = verify_versions(ctx)
    assert len(problems) == 1 and "SHA-256" in problems[0].message
    with ctx.write() as session:
        session.execute(text("UPDATE result_versions SET seq = 5"))
    assert any("流水号不连续" in p.message for p in verify_versions(ctx))


def test_list_results_reports_status(env: ResultsEnv) -> None:
    ctx = env.ctx
    first, second = env.drawn.public_inspections[:2]
    _approved(env, first)
    submit_result(ctx, second, problem_payload(ctx, second), today=TODAY)
    rows = {r.inspection_id: r for r in list_results(ctx, env.drawn.public_task)}
    assert len(rows) == len(env.drawn.public_inspections)
    assert rows[first].status_label == "已审核" and rows[first].result_text == "未发现问题"
    assert rows[second].has_problems and rows[second].result_text == "未按规定公示应当公示的信息"
    assert rows[second].version_number == 1
    pending = list_results(ctx, env.drawn.public_task, states=[InspectionState.PENDING_REVIEW])
    assert [r.inspection_id for r in pending] == [second]
