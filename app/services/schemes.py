"""一业一查 industry schemes: lead and cooperating departments, items in checklist order, handbook."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CheckItem, Department, IndustryScheme, SchemeItem
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.permissions import Permission
from app.services.records import check_version, require, snapshot


@dataclass(frozen=True)
class SchemeData:
    """A scheme as edited: ``item_ids`` in the order of the 行业统一检查单."""

    industry: str
    name: str
    lead_department_id: int
    cooperating_department_ids: tuple[int, ...] = ()
    item_ids: tuple[int, ...] = ()
    field: str = ""
    handbook_text: str = ""
    active: bool = True


@dataclass(frozen=True)
class SchemeRow:
    id: int
    industry: str
    name: str
    lead_department: str
    cooperating: str
    items: int
    checkpoints: int
    active: bool
    version: int


@dataclass(frozen=True)
class SchemeItemRow:
    """An item on a scheme's checklist, as the scheme editor lists it."""

    item_id: int
    position: int
    department: str
    name: str
    checkpoints: int


@dataclass(frozen=True)
class SchemeDetail:
    id: int
    uid: str
    version: int
    data: SchemeData
    items: tuple[SchemeItemRow, ...]


def _row(s: IndustryScheme) -> SchemeRow:
    return SchemeRow(
        id=s.id,
        industry=s.industry,
        name=s.name,
        lead_department=s.lead_department.name,
        cooperating="，".join(d.name for d in s.cooperating_departments),
        items=len(s.scheme_items),
        checkpoints=sum(len(si.item.checkpoints) for si in s.scheme_items),
        active=s.active,
        version=s.version,
    )


def list_schemes(ctx: ServiceContext, *, text: str = "", include_inactive: bool = True) -> list[SchemeRow]:
    """Schemes, by industry."""
    with ctx.read() as session:
        query = select(IndustryScheme).order_by(IndustryScheme.industry, IndustryScheme.id)
        if text.strip():
            query = query.where(
                IndustryScheme.name.like(f"%{text.strip()}%")
                | IndustryScheme.industry.like(f"%{text.strip()}%")
            )
        if not include_inactive:
            query = query.where(IndustryScheme.active.is_(True))
        return [_row(s) for s in session.execute(query).unique().scalars()]


def get_scheme(ctx: ServiceContext, scheme_id: int) -> SchemeDetail:
    """A scheme with its ordered items, for the scheme editor."""
    with ctx.read() as session:
        s: IndustryScheme = require(session, IndustryScheme, scheme_id, "一业一查方案")
        data = SchemeData(
            industry=s.industry,
            name=s.name,
            lead_department_id=s.lead_department_id,
            cooperating_department_ids=tuple(d.id for d in s.cooperating_departments),
            item_ids=tuple(si.item_id for si in s.scheme_items),
            field=s.field,
            handbook_text=s.handbook_text,
            active=s.active,
        )
        items = tuple(
            SchemeItemRow(
                si.item_id, si.position, si.item.department.name, si.item.name, len(si.item.checkpoints)
            )
            for si in s.scheme_items
        )
        return SchemeDetail(s.id, s.uid, s.version, data, items)


def validate_scheme(session: Session, data: SchemeData, own_id: int | None) -> None:
    """Check a scheme: every item belongs to the lead or a cooperating department, no duplicates."""
    errors: list[FieldError] = []
    if not data.industry.strip():
        errors.append(FieldError("行业", "不能为空"))
    if not data.name.strip():
        errors.append(FieldError("方案名称", "不能为空"))
    if session.get(Department, data.lead_department_id) is None:
        errors.append(FieldError("牵头部门", "请选择牵头部门"))
    if data.lead_department_id in data.cooperating_department_ids:
        errors.append(FieldError("配合部门", "牵头部门不必再列为配合部门"))
    if len(set(data.item_ids)) != len(data.item_ids):
        errors.append(FieldError("抽查事项", "同一事项在检查单上出现了两次"))
    allowed = {data.lead_department_id, *data.cooperating_department_ids}
    for item_id in data.item_ids:
        item = session.get(CheckItem, item_id)
        if item is None:
            errors.append(FieldError("抽查事项", f"事项（编号 {item_id}）不存在"))
        elif item.department_id not in allowed:
            errors.append(
                FieldError(
                    "抽查事项", f"「{item.name}」属于{item.department.name}，该部门不是本方案的牵头或配合部门"
                )
            )
    query = select(IndustryScheme.id).where(IndustryScheme.name == data.name.strip())
    if own_id is not None:
        query = query.where(IndustryScheme.id != own_id)
    if data.name.strip() and session.execute(query).first():
        errors.append(FieldError("方案名称", "已有同名方案"))
    if errors:
        raise ValidationError(errors)


def _apply(session: Session, s: IndustryScheme, data: SchemeData) -> None:
    s.industry = data.industry.strip()
    s.name = data.name.strip()
    s.field = data.field.strip()
    s.lead_department_id = data.lead_department_id
    s.handbook_text = data.handbook_text
    s.active = data.active
    s.cooperating_departments = [
        d for d in (session.get(Department, i) for i in data.cooperating_department_ids) if d is not None
    ]
    s.scheme_items = [SchemeItem(item_id=i, position=n) for n, i in enumerate(data.item_ids, start=1)]


def _audit_view(s: IndustryScheme) -> dict[str, object]:
    return snapshot(s) | {
        "cooperating": [d.id for d in s.cooperating_departments],
        "items": [si.item_id for si in s.scheme_items],
    }


def create_scheme(ctx: ServiceContext, data: SchemeData) -> int:
    """Add a 一业一查 scheme; returns the id."""
    ctx.require(Permission.EDIT_SCHEMES)
    with ctx.write() as session:
        validate_scheme(session, data, None)
        s = IndustryScheme()
        session.add(s)
        _apply(session, s, data)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="industry_schemes",
            entity_id=s.id,
            summary=f"新增一业一查方案「{s.name}」",
            after=_audit_view(s),
        )
        return s.id


def update_scheme(
    ctx: ServiceContext, scheme_id: int, data: SchemeData, *, expected_version: int | None
) -> None:
    """Change a scheme; the checklist order is the order of ``data.item_ids``."""
    ctx.require(Permission.EDIT_SCHEMES)
    with ctx.write() as session:
        s: IndustryScheme = require(session, IndustryScheme, scheme_id, "一业一查方案")
        check_version(s, expected_version, "一业一查方案")
        validate_scheme(session, data, scheme_id)
        before = _audit_view(s)
        # Replace the ordered items in two steps so the unique (scheme, item) pair never clashes mid-flush.
        s.scheme_items = []
        session.flush()
        _apply(session, s, data)
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="industry_schemes",
            entity_id=s.id,
            summary=f"修改一业一查方案「{s.name}」",
            before=before,
            after=_audit_view(s),
        )


def set_scheme_active(ctx: ServiceContext, scheme_id: int, active: bool, *, reason: str) -> None:
    """Withdraw a 一业一查 scheme from use (or restore it), with a reason."""
    if not reason.strip():
        raise ValidationError([FieldError("原因", "停用或恢复方案须填写原因")])
    with ctx.write() as session:
        s: IndustryScheme = require(session, IndustryScheme, scheme_id, "一业一查方案")
        if s.active == active:
            return
        before = snapshot(s)
        s.active = active
        session.flush()
        ctx.audit(
            session,
            action="activate" if active else "deactivate",
            entity="industry_schemes",
            entity_id=s.id,
            summary=f"{'恢复' if active else '停用'}一业一查方案「{s.name}」",
            before=before,
            after=snapshot(s),
            reason=reason.strip(),
        )
