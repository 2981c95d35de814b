"""Registry services: create, edit, deactivate, search — and the audit trail they leave."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from app.models import AuditEntry, Target
from app.models.enums import ItemImportance, RiskClass, TargetStatus
from app.services import audit
from app.services.context import ServiceContext
from app.services.departments import create_department, list_departments, update_department
from app.services.errors import ConflictError, ValidationError
from app.services.identifiers import uscc_check_char
from app.services.inspectors import (
    CertificateData,
    ConflictData,
    InspectorData,
    InspectorFilter,
    create_inspector,
    get_inspector,
    list_inspectors,
    set_inspector_active,
    update_inspector,
)
from app.services.items import CheckpointData, ItemData, create_item, get_item, list_items, update_item
from app.services.schemes import SchemeData, create_scheme, get_scheme, list_schemes, update_scheme
from app.services.targets import (
    TargetData,
    TargetFilter,
    count_targets,
    create_target,
    get_target,
    get_target_rows,
    search_target_ids,
    set_target_active,
    update_target,
)


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


GOOD_CODE = uscc("91331122MA2A00001")


def test_create_target_audits_and_searches(ctx: ServiceContext) -> None:
    tid = create_target(
        ctx,
        TargetData(
            name="青山县绿叶餐饮有限公司",
            code=GOOD_CODE,
            region="城关镇",
            industry="餐饮",
            tags=(("行业", "餐饮"),),
        ),
    )
    create_target(ctx, TargetData(name="青山县红星五金店", region="石门乡", industry="批发零售"))
    assert search_target_ids(ctx, TargetFilter(text="绿叶")) == [tid]
    assert search_target_ids(ctx, TargetFilter(text="qsxly")) == [tid]  # pinyin initials
    assert search_target_ids(ctx, TargetFilter(text=GOOD_CODE[:8].lower())) == [tid]  # code prefix
    assert count_targets(ctx, TargetFilter(regions=("石门乡",))) == 1
    [row] = get_target_rows(ctx, [tid])
    assert row.code == GOOD_CODE and row.tags == "餐饮"
    with ctx.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.entity == "targets")).scalars().first()
        assert entry is not None and entry.action == "create" and entry.operator == "测试员"
        assert "绿叶" in (entry.after_json or "")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (TargetData(name=""), "名称"),
        (
            TargetData(name="某店", code=GOOD_CODE[:17] + ("0" if GOOD_CODE[17] != "0" else "1")),
            "统一社会信用代码/注册号",
        ),
        (TargetData(name="某店", code="330000000000000"), "统一社会信用代码/注册号"),
    ],
)
def test_bad_target_is_refused_and_changes_nothing(ctx: ServiceContext, data: TargetData, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        create_target(ctx, data)
    assert info.value.errors[0].field == field
    assert count_targets(ctx) == 0
    assert audit.count_entries(ctx.db) == 0


def test_duplicate_code_refused(ctx: ServiceContext) -> None:
    create_target(ctx, TargetData(name="甲", code=GOOD_CODE))
    with pytest.raises(ValidationError, match="已属于另一个检查对象"):
        create_target(ctx, TargetData(name="乙", code=GOOD_CODE))


def test_update_with_stale_version_is_a_conflict(ctx: ServiceContext) -> None:
    tid = create_target(ctx, TargetData(name="甲商行"))
    detail = get_target(ctx, tid)
    update_target(
        ctx, tid, TargetData(name="甲商行（新）", risk_class=RiskClass.C), expected_version=detail.version
    )
    with pytest.raises(ConflictError, match="已被其他人修改"):
        update_target(ctx, tid, TargetData(name="甲商行（旧）"), expected_version=detail.version)
    assert get_target(ctx, tid).data.name == "甲商行（新）"


def test_deactivate_needs_reason_and_hides_target(ctx: ServiceContext) -> None:
    tid = create_target(ctx, TargetData(name="乙超市", status=TargetStatus.DEREGISTERED))
    with pytest.raises(ValidationError):
        set_target_active(ctx, tid, False, reason=" ")
    set_target_active(ctx, tid, False, reason="平台已注销")
    assert search_target_ids(ctx, TargetFilter()) == []
    assert search_target_ids(ctx, TargetFilter(include_inactive=True)) == [tid]


def test_like_wildcards_are_literal(ctx: ServiceContext) -> None:
    create_target(ctx, TargetData(name="百分百%商店"))
    create_target(ctx, TargetData(name="普通商店"))
    assert len(search_target_ids(ctx, TargetFilter(text="%"))) == 1


def _department(ctx: ServiceContext, name: str = "市场监管局") -> int:
    return create_department(ctx, name=name, short_name=name[:2])


def test_departments(ctx: ServiceContext) -> None:
    a = _department(ctx, "市场监管局")
    _department(ctx, "应急管理局")
    with pytest.raises(ValidationError):
        create_department(ctx, name="市场监管局")
    update_department(ctx, a, name="市场监督管理局", short_name="青山市监")
    assert [d.name for d in list_departments(ctx)] == ["市场监督管理局", "应急管理局"]


def test_inspector_lifecycle(ctx: ServiceContext) -> None:
    dept = _department(ctx)
    target = create_target(ctx, TargetData(name="丙公司"))
    data = InspectorData(
        name="张伟",
        department_id=dept,
        staff_no="001",
        certificates=(CertificateData("33010012345", valid_to=date(2027, 12, 31)),),
        tags=(("业务专长", "食品安全"),),
        conflicts=(ConflictData(target, "配偶任该公司法定代表人"),),
    )
    iid = create_inspector(ctx, data)
    detail = get_inspector(ctx, iid)
    assert detail.data.conflicts[0].target_id == target
    assert [r.name for r in list_inspectors(ctx, InspectorFilter(text="zw"))] == ["张伟"]
    assert list_inspectors(ctx, InspectorFilter(valid_on=date(2028, 1, 1))) == []
    with pytest.raises(ValidationError, match="已登记"):
        create_inspector(ctx, InspectorData(name="李四", department_id=dept, certificates=data.certificates))
    with pytest.raises(ValidationError, match="工号"):
        create_inspector(ctx, InspectorData(name="王五", department_id=dept))
    update_inspector(ctx, iid, data, expected_version=detail.version)  # own certificate is not a clash
    set_inspector_active(ctx, iid, False, reason="调离执法岗位")
    assert list_inspectors(ctx, InspectorFilter(include_inactive=False)) == []


def test_items_and_scheme_ordering(ctx: ServiceContext) -> None:
    market = _department(ctx, "市场监管局")
    fire = _department(ctx, "消防救援大队")
    other = _department(ctx, "税务局")
    a = create_item(
        ctx,
        ItemData(
            department_id=market,
            name="食品经营者检查",
            methods=("实地核查",),
            ratio_cap=0.05,
            checkpoints=(CheckpointData("许可证是否有效"), CheckpointData("从业人员健康证明")),
        ),
    )
    b = create_item(ctx, ItemData(department_id=fire, name="消防安全检查", importance=ItemImportance.KEY))
    c = create_item(ctx, ItemData(department_id=other, name="发票检查"))
    assert [cp.content for cp in get_item(ctx, a).data.checkpoints] == ["许可证是否有效", "从业人员健康证明"]
    with pytest.raises(ValidationError, match="重点检查事项不设比例上限"):
        update_item(
            ctx,
            b,
            ItemData(department_id=fire, name="消防安全检查", importance=ItemImportance.KEY, ratio_cap=0.1),
            expected_version=None,
        )
    with pytest.raises(ValidationError, match="不在允许值内"):
        create_item(ctx, ItemData(department_id=market, name="x", methods=("打电话",)))
    assert len(list_items(ctx)) == 3

    data = SchemeData(
        industry="餐饮",
        name="餐饮业一业一查",
        lead_department_id=market,
        cooperating_department_ids=(fire,),
        item_ids=(a, b),
    )
    sid = create_scheme(ctx, data)
    with pytest.raises(ValidationError, match="不是本方案的牵头或配合部门"):
        create_scheme(
            ctx, SchemeData(industry="餐饮", name="另一方案", lead_department_id=market, item_ids=(c,))
        )
    detail = get_scheme(ctx, sid)
    update_scheme(
        ctx, sid, SchemeData(**{**data.__dict__, "item_ids": (b, a)}), expected_version=detail.version
    )
    assert [i.item_id for i in get_scheme(ctx, sid).items] == [b, a]
    assert list_schemes(ctx)[0].checkpoints == 2


def test_audit_chain_detects_edits(ctx: ServiceContext) -> None:
    for n in range(5):
        create_target(ctx, TargetData(name=f"商户{n}"))
    report = audit.verify_chain(ctx.db)
    assert report.ok and report.entries == 5
    with ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET summary='篡改' WHERE id=3"))
    report = audit.verify_chain(ctx.db)
    assert not report.ok and report.first_broken_id == 3
    with ctx.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE id=3"))
    report = audit.verify_chain(ctx.db)
    assert not report.ok and report.first_broken_id == 4


def test_target_model_draw_id(ctx: ServiceContext) -> None:
    tid = create_target(ctx, TargetData(name="无代码个体户"))
    with ctx.read() as session:
        target = session.get(Target, tid)
        assert target is not None and target.draw_id == target.uid
