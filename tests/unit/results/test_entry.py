"""Result entry: drafts, validation of the form, substitutions, and the frozen first version."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Inspection, RecusalConflict, ResultDraft, ReviewEvent
from app.models.enums import InspectionState, ResultVersionKind
from app.services.audit import canonical_json
from app.services.errors import RuleViolation, ValidationError
from app.services.inspectors import CertificateData, InspectorData, create_inspector
from app.services.installation import installation_id
from app.services.result_codes import result_codes
from app.services.results import (
    CheckpointFinding,
    OnSiteInspector,
    ResultPayload,
    discard_draft,
    entry_form,
    get_result,
    load_draft,
    payload_from_dict,
    save_draft,
    submit_result,
    validate_result,
    version_history,
)
from tests.unit.results.helpers import INSPECTED_ON, TODAY, ResultsEnv, good_payload, problem_payload


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return "；".join(f"{e.field}:{e.message}" for e in exc.value.errors)


def test_code_tables_tree_and_labels() -> None:
    codes = result_codes()
    a = codes.category("A")
    assert a is not None and not a.selectable and a.children == ("2", "3", "4", "5", "G")
    assert codes.category("2") is not None and codes.category("2").children == ("B", "C", "6", "D")  # type: ignore[union-attr]
    assert codes.pending_problem_codes == {"B", "C", "6", "D", "3", "4", "5", "G"}
    assert [m.label for m in codes.methods][:2] == ["实地检查", "书面检查"]
    assert codes.measure_label("1") == "未发现问题或相关问题已规范、已改正，无需后续处置"
    assert codes.measure_label("6") == "其他"


def test_draft_roundtrip_and_discard(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    assert load_draft(ctx, iid) is None
    save_draft(ctx, iid, {"inspection_date": "2026-05-12"})
    save_draft(ctx, iid, {"inspection_date": "2026-05-12", "methods": ["1"], "problems": "草稿中的文字"})
    draft = load_draft(ctx, iid)
    assert draft is not None and draft.payload["problems"] == "草稿中的文字" and draft.updated_by == "录入员"
    assert get_result(ctx, iid).row.has_draft
    assert payload_from_dict(draft.payload).methods == ("1",)
    assert discard_draft(ctx, iid) and load_draft(ctx, iid) is None
    with pytest.raises(ValidationError, match="无法保存"):
        save_draft(ctx, iid, {"when": date(2026, 5, 1)})


def test_submit_freezes_first_version_in_one_transaction(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    payload = good_payload(ctx, iid)
    save_draft(ctx, iid, payload)
    version = submit_result(ctx, iid, payload, today=TODAY)
    with ctx.read() as session:
        inspection = session.get(Inspection, iid)
        assert inspection is not None
        assert inspection.state == InspectionState.PENDING_REVIEW
        assert session.get(ResultDraft, iid) is None
        assert version.origin == installation_id(session)
        events = session.execute(select(ReviewEvent).where(ReviewEvent.inspection_id == iid)).scalars().all()
        assert [(e.action, e.from_state, e.to_state, e.version_uid) for e in events] == [
            ("submit", "not_entered", "pending_review", version.uid)
        ]
        audit = (
            session.execute(select(AuditEntry).where(AuditEntry.action == "result_submit")).scalars().one()
        )
        assert json.loads(audit.after_json or "")["sha256"] == version.sha256
        record_uid = inspection.uid
    assert version.record_uid == record_uid and version.prev_uid is None and version.number == 1
    assert version.kind == ResultVersionKind.ENTRY and version.stream == "public" and version.seq == 1
    text = canonical_json(version.document)
    assert hashlib.sha256(text.encode()).hexdigest() == version.sha256
    doc = version.document
    assert doc["record_uid"] == record_uid and doc["created_by"] == "录入员"
    assert doc["result"]["categories"] == [{"code": "1", "label": "未发现问题"}]
    assert doc["result"]["methods"] == [{"code": "1", "label": "实地检查"}]
    assert doc["result"]["inspection_date"] == INSPECTED_ON.isoformat()
    assert all(p["certificate_number"] for p in doc["result"]["inspectors"])
    assert len(doc["result"]["findings"]) == len(entry_form(ctx, iid).checkpoints)
    detail = get_result(ctx, iid)
    assert detail.row.status_label == "待审核" and detail.payload is not None
    # The frozen document reads back as the same form (ids re-resolved from uids and positions).
    assert detail.payload == payload


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"categories": ("1", "B")}, "「未发现问题」不能与其他结果同时选择"),
        ({"categories": ("A",)}, "分类标题"),
        ({"categories": ("2",)}, "分类标题"),
        ({"categories": ("9", "12")}, "只能选择一项"),
        ({"categories": ("7", "9")}, "不能同时选择"),
        ({"categories": ("Z",)}, "不在检查结果代码表"),
        ({"categories": ()}, "请至少选择一项检查结果"),
        ({"methods": ()}, "请至少选择一种核查方式"),
        ({"methods": ("9",)}, "不在核查方式代码表"),
        ({"measures": ()}, "请至少选择一项后续处置措施"),
        ({"measures": ("1", "3")}, "「无需后续处置」不能与其他"),
        ({"measures": ("6",)}, "写明具体处置措施"),
        ({"inspection_date": None}, "请填写检查日期"),
        ({"inspection_date": date(2026, 4, 30)}, "早于任务开始日期"),
        ({"inspection_date": date(2026, 11, 24)}, "将来的日期"),
        ({"withheld": True}, "法律依据或理由"),
        ({"inspectors": ()}, "请填写实际到场的检查人员"),
        ({"attachments": ("ab" * 32,)}, "尚未添加到本检查记录"),
    ],
)
def test_field_rules(env: ResultsEnv, changes: dict[str, object], expected: str) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    payload = replace(good_payload(ctx, iid), **changes)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as exc:
        submit_result(ctx, iid, payload, today=TODAY)
    assert expected in messages(exc)
    assert any(expected in e.message for e in validate_result(ctx, iid, payload, today=TODAY))
    # Nothing was stored.
    assert version_history(ctx, iid) == []


def test_problem_rules(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    assert validate_result(ctx, iid, problem_payload(ctx, iid), today=TODAY) == []
    no_text = problem_payload(ctx, iid, problems="", findings=())
    assert "请填写发现问题情况" in messages_of(validate_result(ctx, iid, no_text, today=TODAY))
    pending_none = problem_payload(ctx, iid, measures=("1",))
    assert "不能选择「无需后续处置」" in messages_of(validate_result(ctx, iid, pending_none, today=TODAY))
    # 发现问题经责令已改正 may say no further follow-up is needed.
    corrected = problem_payload(ctx, iid, categories=("E",), measures=("1",))
    assert validate_result(ctx, iid, corrected, today=TODAY) == []
    cps = entry_form(ctx, iid).checkpoints
    contradiction = good_payload(ctx, iid, findings=(CheckpointFinding(cps[0].id, True, True, "有问题"),))
    assert "记录了发现问题" in messages_of(validate_result(ctx, iid, contradiction, today=TODAY))
    unchecked = good_payload(ctx, iid, findings=(CheckpointFinding(cps[0].id, False, True, "x"),))
    assert "未检查的要点不能记录发现问题" in messages_of(validate_result(ctx, iid, unchecked, today=TODAY))
    no_finding_text = good_payload(ctx, iid, findings=(CheckpointFinding(cps[0].id, True, True, ""),))
    assert "请填写发现问题情况" in messages_of(validate_result(ctx, iid, no_finding_text, today=TODAY))
    foreign = good_payload(ctx, iid, findings=(CheckpointFinding(999_999, True, False),))
    assert "不属于本任务" in messages_of(validate_result(ctx, iid, foreign, today=TODAY))


def messages_of(errors: list[object]) -> str:
    return "；".join(str(getattr(e, "message", e)) for e in errors)


def test_malformed_dict_is_a_validation_error(env: ResultsEnv) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        payload_from_dict({"inspection_date": "5月12日"})
    with pytest.raises(ValidationError, match="是/否"):
        payload_from_dict({"findings": [{"checkpoint_id": 1, "checked": "yes"}]})


def _outsider(
    env: ResultsEnv, department: str, *, cert_valid_to: date = date(2030, 12, 31), name: str = ""
) -> int:
    return create_inspector(
        env.ctx,
        InspectorData(
            name=name or f"{department}替补",
            department_id=env.drawn.county.departments[department],
            certificates=(CertificateData(f"SUB-{name or department}", valid_to=cert_valid_to),),
        ),
    )


def test_substitution_rules(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    team = entry_form(ctx, iid).team
    assert len(team) == 2 and {m.department for m in team} == {"青山县市场监督管理局", "青山县消防救援大队"}
    market_member = next(m for m in team if m.department == "青山县市场监督管理局")
    fire_member = next(m for m in team if m.department != market_member.department)
    sub = _outsider(env, "青山市监")
    base = good_payload(ctx, iid)

    def check(*people: OnSiteInspector) -> str:
        return messages_of(validate_result(ctx, iid, replace(base, inspectors=people), today=TODAY))

    # A non-member must name the member he replaced, with a reason.
    assert "不是本检查组" in check(OnSiteInspector(sub), OnSiteInspector(fire_member.inspector_id))
    assert "写明替换原因" in check(
        OnSiteInspector(sub, market_member.inspector_id), OnSiteInspector(fire_member.inspector_id)
    )
    ok = (
        OnSiteInspector(sub, market_member.inspector_id, "原组员病假"),
        OnSiteInspector(fire_member.inspector_id),
    )
    assert check(*ok) == ""
    # Replaced member cannot also be on site; a member is not a substitute.
    assert "也在到场人员中" in check(*ok, OnSiteInspector(market_member.inspector_id))
    assert "请删去替换信息" in check(
        OnSiteInspector(market_member.inspector_id, fire_member.inspector_id, "x"),
        OnSiteInspector(fire_member.inspector_id),
    )
    # Two certified officers: one alone is not enough.
    assert "只有 1 名" in check(OnSiteInspector(fire_member.inspector_id))
    # A substitute whose certificate expired before the visit does not count.
    expired = _outsider(env, "青山市监", cert_valid_to=date(2026, 1, 31), name="证件过期者")
    assert "只有 1 名" in check(
        OnSiteInspector(expired, market_member.inspector_id, "临时顶替"),
        OnSiteInspector(fire_member.inspector_id),
    )
    # Joint task: each department of the team keeps a certified officer on site.
    fire_sub = _outsider(env, "青山消防", name="消防替补")
    assert "须有青山县市场监督管理局的持证执法人员到场" in check(
        OnSiteInspector(fire_sub, market_member.inspector_id, "临时顶替"),
        OnSiteInspector(fire_member.inspector_id),
    )
    # Recusal conflicts apply to substitutes too.
    with ctx.write() as session:
        inspection = session.get(Inspection, iid)
        assert inspection is not None
        session.add(RecusalConflict(inspector_id=sub, target_id=inspection.target_id, reason="近亲属"))
    assert "回避" in check(*ok)


def test_substitution_is_frozen_with_reason(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[1]
    team = entry_form(ctx, iid).team
    market_member = next(m for m in team if m.department == "青山县市场监督管理局")
    others = [OnSiteInspector(m.inspector_id) for m in team if m is not market_member]
    sub = _outsider(env, "青山市监")
    payload = good_payload(
        ctx, iid, inspectors=(OnSiteInspector(sub, market_member.inspector_id, "原组员出差"), *others)
    )
    version = submit_result(ctx, iid, payload, today=TODAY)
    frozen = version.document["result"]["inspectors"][0]
    assert frozen["name"] == "青山市监替补"
    assert frozen["substitute_for"]["name"] == market_member.name and frozen["reason"] == "原组员出差"


def test_drafts_refused_once_submitted(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
    with pytest.raises(RuleViolation, match="不能修改"):
        save_draft(ctx, iid, {"problems": "x"})


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_draft_survives_sigkill_right_after_save(env: ResultsEnv, tmp_path: Path) -> None:
    iid = env.drawn.public_inspections[2]
    env.ctx.db.dispose()
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from app.db import open_database
        from app.services.context import ServiceContext
        from app.services.results import save_draft
        db = open_database({env.db_url!r})
        ctx = ServiceContext(db=db, operator="现场录入")
        save_draft(ctx, {iid}, {{"inspection_date": "2026-05-12", "problems": "断电前最后一格"}})
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr.decode()
    draft = load_draft(env.ctx, iid)
    assert (
        draft is not None and draft.payload["problems"] == "断电前最后一格" and draft.updated_by == "现场录入"
    )


def test_payload_to_dict_roundtrip(env: ResultsEnv) -> None:
    payload = problem_payload(env.ctx, env.drawn.public_inspections[0])
    assert payload_from_dict(json.loads(json.dumps(payload.to_dict()))) == payload
    assert isinstance(payload, ResultPayload)
