"""谁检查、谁录入: a 检查员 enters results only for his own team's inspections, or as a recorded substitute."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.models import ResultDraft, ResultVersion
from app.models.enums import FollowUpKind, InspectionState
from app.services import users
from app.services.attachments import add_attachment
from app.services.context import ServiceContext
from app.services.errors import PermissionDenied
from app.services.followups import FollowUpData, create_follow_up
from app.services.results import (
    OnSiteInspector,
    approve_result,
    entry_form,
    get_result,
    save_draft,
    submit_result,
)
from tests.security import cheap_hasher, make_accounts
from tests.unit.results.helpers import TODAY, ResultsEnv, good_payload


def _accounts(
    env: ResultsEnv, monkeypatch: pytest.MonkeyPatch, inspector_id: int
) -> dict[str, ServiceContext]:
    monkeypatch.setattr(users, "HASHER", cheap_hasher())
    market = env.drawn.county.departments["青山市监"]
    return make_accounts(env.ctx.db, department_id=market, inspector_id=inspector_id)


def _versions(env: ResultsEnv) -> int:
    with env.ctx.db.read() as session:
        return int(session.execute(select(func.count()).select_from(ResultVersion)).scalar_one())


def _market_member(env: ResultsEnv, inspection_id: int) -> int:
    form = entry_form(env.ctx, inspection_id)
    return next(m.inspector_id for m in form.team if m.department == "青山县市场监督管理局")


def _outsider(env: ResultsEnv, inspection_id: int) -> int:
    """A market inspector who is not in this inspection's team."""
    team = {m.inspector_id for m in entry_form(env.ctx, inspection_id).team}
    return next(i for i in env.drawn.county.inspectors["青山市监"] if i not in team)


def test_team_member_enters_his_own_teams_result(env: ResultsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    iid = env.drawn.public_inspections[0]
    ctx = _accounts(env, monkeypatch, _market_member(env, iid))["inspector"]
    save_draft(ctx, iid, {"remarks": "现场检查中"})
    submit_result(ctx, iid, good_payload(env.ctx, iid), today=TODAY)
    detail = get_result(env.ctx, iid)
    assert detail.row.state == InspectionState.PENDING_REVIEW
    assert detail.current is not None and detail.current.created_by == "检查员（insp）"


def test_inspector_outside_the_team_is_refused_and_nothing_changes(
    env: ResultsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    iid = env.drawn.public_inspections[0]
    ctx = _accounts(env, monkeypatch, _outsider(env, iid))["inspector"]
    before = _versions(env)
    with pytest.raises(PermissionDenied, match=r"谁检查、谁录入.*您不在该组.*登记替换"):
        submit_result(ctx, iid, good_payload(env.ctx, iid), today=TODAY)
    with pytest.raises(PermissionDenied, match="谁检查、谁录入"):
        save_draft(ctx, iid, {"remarks": "x"})
    with pytest.raises(PermissionDenied, match="谁检查、谁录入"):
        add_attachment(ctx, iid, b"photo", name="p.jpg")
    assert _versions(env) == before
    with env.ctx.db.read() as session:
        assert session.get(ResultDraft, iid) is None
    assert get_result(env.ctx, iid).row.state == InspectionState.NOT_ENTERED


def test_recorded_substitute_may_enter_the_result(env: ResultsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    iid = env.drawn.public_inspections[0]
    outsider = _outsider(env, iid)
    absent = _market_member(env, iid)
    ctx = _accounts(env, monkeypatch, outsider)["inspector"]
    payload = good_payload(env.ctx, iid)
    people = tuple(
        OnSiteInspector(outsider, absent, "原组员病假") if p.inspector_id == absent else p
        for p in payload.inspectors
    )
    substituted = replace(payload, inspectors=people)
    # The draft naming him as substitute lets him save and attach before submitting.
    save_draft(ctx, iid, substituted.to_dict())
    add_attachment(ctx, iid, b"signed form", name="检查单.pdf")
    version = submit_result(ctx, iid, substituted, today=TODAY)
    frozen = version.document["result"]["inspectors"]
    assert any(p["substitute_for"] and p["reason"] == "原组员病假" for p in frozen)


def test_substitution_claim_without_the_member_replaced_is_refused(
    env: ResultsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    iid = env.drawn.public_inspections[0]
    outsider = _outsider(env, iid)
    ctx = _accounts(env, monkeypatch, outsider)["inspector"]
    payload = good_payload(env.ctx, iid)
    # Listed on site without naming whom he replaced: not a recorded substitution.
    claimed = replace(payload, inspectors=(*payload.inspectors, OnSiteInspector(outsider)))
    with pytest.raises(PermissionDenied, match="谁检查、谁录入"):
        submit_result(ctx, iid, claimed, today=TODAY)
    assert _versions(env) == 0


def test_inspector_cannot_review_and_department_scope_applies(
    env: ResultsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    iid = env.drawn.public_inspections[0]
    contexts = _accounts(env, monkeypatch, _market_member(env, iid))
    submit_result(contexts["inspector"], iid, good_payload(env.ctx, iid), today=TODAY)
    with pytest.raises(PermissionDenied, match="审核检查结果"):
        approve_result(contexts["inspector"], iid)
    assert get_result(env.ctx, iid).row.state == InspectionState.PENDING_REVIEW
    # The joint task is led by the market department: its operator reviews it.
    approve_result(contexts["department"], iid)
    assert get_result(env.ctx, iid).row.state == InspectionState.APPROVED


def test_follow_up_of_another_teams_inspection_is_refused(
    env: ResultsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    iid = env.drawn.public_inspections[0]
    submit_result(env.ctx, iid, good_payload(env.ctx, iid), today=TODAY)
    ctx = _accounts(env, monkeypatch, _outsider(env, iid))["inspector"]
    with pytest.raises(PermissionDenied, match="谁检查、谁录入"):
        create_follow_up(ctx, iid, FollowUpData(FollowUpKind.OTHER, description="回访"))
