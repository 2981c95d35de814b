"""Withdrawing items and schemes needs a reason and is recorded in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from app.services.context import ServiceContext
from app.services.departments import create_department
from app.services.errors import ValidationError
from app.services.items import ItemData, create_item, get_item, set_item_active
from app.services.schemes import SchemeData, create_scheme, get_scheme, set_scheme_active


def test_item_deactivation_needs_reason_and_is_audited(ctx: ServiceContext) -> None:
    dept = create_department(ctx, name="县市场监督管理局", short_name="县市监")
    item_id = create_item(ctx, ItemData(department_id=dept, name="食品经营者检查"))
    with pytest.raises(ValidationError, match="原因"):
        set_item_active(ctx, item_id, False, reason="  ")
    set_item_active(ctx, item_id, False, reason="事项清单调整")
    assert get_item(ctx, item_id).data.active is False
    with ctx.read() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()
        assert entry is not None and entry.action == "deactivate" and entry.reason == "事项清单调整"


def test_scheme_deactivation_needs_reason(ctx: ServiceContext) -> None:
    dept = create_department(ctx, name="县市场监督管理局")
    scheme_id = create_scheme(
        ctx, SchemeData(industry="餐饮", name="餐饮业一业一查", lead_department_id=dept)
    )
    with pytest.raises(ValidationError):
        set_scheme_active(ctx, scheme_id, False, reason="")
    set_scheme_active(ctx, scheme_id, False, reason="合并到新方案")
    assert get_scheme(ctx, scheme_id).data.active is False
    set_scheme_active(ctx, scheme_id, True, reason="恢复使用")
    assert get_scheme(ctx, scheme_id).data.active is True
