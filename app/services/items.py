"""Check items (随机抽查事项清单) and their checkpoints (检查要点)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.models import CheckItem, Checkpoint, Department
from app.models.enums import INSPECTION_METHODS, ItemImportance
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.permissions import Permission
from app.services.records import check_version, require, snapshot


@dataclass(frozen=True)
class CheckpointData:
    """One checklist line: 检查内容, 操作方法与要领, 要求提供材料."""

    content: str
    method_guide: str = ""
    materials: str = ""


@dataclass(frozen=True)
class ItemData:
    """Everything an operator can enter for a check item."""

    department_id: int
    name: str
    category: str = ""
    seq_no: str = ""
    target_scope: str = ""
    importance: ItemImportance = ItemImportance.GENERAL
    methods: tuple[str, ...] = ()
    subject: str = ""
    legal_basis: str = ""
    ratio_cap: float | None = None  # 0..1; only for 一般 items
    active: bool = True
    checkpoints: tuple[CheckpointData, ...] = ()


@dataclass(frozen=True)
class ItemRow:
    id: int
    department: str
    department_id: int
    seq_no: str
    category: str
    name: str
    target_scope: str
    importance: ItemImportance
    methods: str
    ratio_cap: float | None
    checkpoints: int
    active: bool
    version: int


@dataclass(frozen=True)
class ItemDetail:
    id: int
    uid: str
    version: int
    data: ItemData


@dataclass(frozen=True)
class ItemFilter:
    text: str = ""
    department_ids: tuple[int, ...] = ()
    importance: ItemImportance | None = None
    include_inactive: bool = True


def split_multi(text: str) -> tuple[str, ...]:
    """Split a multi-value cell on the Chinese comma, ASCII comma or 、."""
    for sep in (",", "、", "；", ";"):
        text = text.replace(sep, "，")
    return tuple(p.strip() for p in text.split("，") if p.strip())


def _conditions(flt: ItemFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if flt.text.strip():
        t = flt.text.strip()
        conds.append(or_(CheckItem.name.like(f"%{t}%"), CheckItem.category.like(f"%{t}%")))
    if flt.department_ids:
        conds.append(CheckItem.department_id.in_(flt.department_ids))
    if flt.importance is not None:
        conds.append(CheckItem.importance == flt.importance)
    if not flt.include_inactive:
        conds.append(CheckItem.active.is_(True))
    return conds


def _row(item: CheckItem) -> ItemRow:
    return ItemRow(
        id=item.id,
        department=item.department.name,
        department_id=item.department_id,
        seq_no=item.seq_no,
        category=item.category,
        name=item.name,
        target_scope=item.target_scope,
        importance=item.importance,
        methods=item.methods,
        ratio_cap=item.ratio_cap,
        checkpoints=len(item.checkpoints),
        active=item.active,
        version=item.version,
    )


def list_items(ctx: ServiceContext, flt: ItemFilter | None = None) -> list[ItemRow]:
    """Items matching the filter, by department order then the published 序号."""
    with ctx.read() as session:
        query = (
            select(CheckItem)
            .join(Department, CheckItem.department_id == Department.id)
            .where(*_conditions(flt or ItemFilter()))
            .order_by(Department.sort_order, CheckItem.id)
        )
        return [_row(i) for i in session.execute(query).unique().scalars()]


def get_item(ctx: ServiceContext, item_id: int) -> ItemDetail:
    """One item with its checkpoints, for the edit dialog."""
    with ctx.read() as session:
        item: CheckItem = require(session, CheckItem, item_id, "抽查事项")
        data = ItemData(
            department_id=item.department_id,
            name=item.name,
            category=item.category,
            seq_no=item.seq_no,
            target_scope=item.target_scope,
            importance=item.importance,
            methods=split_multi(item.methods),
            subject=item.subject,
            legal_basis=item.legal_basis,
            ratio_cap=item.ratio_cap,
            active=item.active,
            checkpoints=tuple(
                CheckpointData(c.content, c.method_guide, c.materials) for c in item.checkpoints
            ),
        )
        return ItemDetail(item.id, item.uid, item.version, data)


def validate_item(session: Session, data: ItemData, own_id: int | None) -> None:
    """Check an item's fields; raise ValidationError listing every problem."""
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError("抽查事项", "名称不能为空"))
    if session.get(Department, data.department_id) is None:
        errors.append(FieldError("部门", "请选择编制部门"))
    # Imported lists carry their own wording (现场检查, 抽样检测 …), kept as they are: an item
    # may keep the methods it already has; only a new method must be one of the standard ones.
    stored = _stored_methods(session, own_id)
    unknown = [m for m in data.methods if m not in INSPECTION_METHODS and m not in stored]
    if unknown:
        errors.append(
            FieldError("检查方式", f"「{'，'.join(unknown)}」不在允许值内：{'，'.join(INSPECTION_METHODS)}")
        )
    if data.ratio_cap is not None:
        if not 0 < data.ratio_cap <= 1:
            errors.append(FieldError("比例上限", "应在 0% 到 100% 之间"))
        if data.importance == ItemImportance.KEY:
            errors.append(FieldError("比例上限", "重点检查事项不设比例上限"))
    for n, cp in enumerate(data.checkpoints, start=1):
        if not cp.content.strip():
            errors.append(FieldError(f"检查要点第 {n} 行", "检查内容不能为空"))
    if data.name.strip():
        query = select(CheckItem.id).where(
            CheckItem.department_id == data.department_id, CheckItem.name == data.name.strip()
        )
        if own_id is not None:
            query = query.where(CheckItem.id != own_id)
        if session.execute(query).first():
            errors.append(FieldError("抽查事项", "本部门已有同名事项"))
    if errors:
        raise ValidationError(errors)


def _stored_methods(session: Session, item_id: int | None) -> frozenset[str]:
    if item_id is None:
        return frozenset()
    stored = session.execute(select(CheckItem.methods).where(CheckItem.id == item_id)).scalar()
    return frozenset(split_multi(stored or ""))


def _apply(item: CheckItem, data: ItemData) -> None:
    item.department_id = data.department_id
    item.name = data.name.strip()
    item.category = data.category.strip()
    item.seq_no = data.seq_no.strip()
    item.target_scope = data.target_scope.strip()
    item.importance = data.importance
    item.methods = "，".join(data.methods)
    item.subject = data.subject.strip()
    item.legal_basis = data.legal_basis.strip()
    item.ratio_cap = data.ratio_cap
    item.active = data.active
    item.checkpoints = [
        Checkpoint(
            position=n, content=c.content.strip(), method_guide=c.method_guide.strip(), materials=c.materials
        )
        for n, c in enumerate(data.checkpoints, start=1)
    ]


def _audit_view(item: CheckItem) -> dict[str, object]:
    return snapshot(item) | {"checkpoints": [c.content for c in item.checkpoints]}


def create_item(ctx: ServiceContext, data: ItemData) -> int:
    """Add a check item with its checkpoints; returns the id."""
    ctx.require(Permission.EDIT_ITEMS, department_id=data.department_id)
    with ctx.write() as session:
        validate_item(session, data, None)
        item = CheckItem()
        session.add(item)
        _apply(item, data)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="check_items",
            entity_id=item.id,
            summary=f"新增抽查事项「{item.name}」",
            after=_audit_view(item),
        )
        return item.id


def update_item(ctx: ServiceContext, item_id: int, data: ItemData, *, expected_version: int | None) -> None:
    """Change an item (its checkpoints are replaced by the given ones, in order)."""
    ctx.require(Permission.EDIT_ITEMS, department_id=data.department_id)
    with ctx.write() as session:
        item: CheckItem = require(session, CheckItem, item_id, "抽查事项")
        ctx.require(Permission.EDIT_ITEMS, department_id=item.department_id)
        check_version(item, expected_version, "抽查事项")
        validate_item(session, data, item_id)
        before = _audit_view(item)
        _apply(item, data)
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="check_items",
            entity_id=item.id,
            summary=f"修改抽查事项「{item.name}」",
            before=before,
            after=_audit_view(item),
        )


def set_item_active(ctx: ServiceContext, item_id: int, active: bool, *, reason: str) -> None:
    """Withdraw an item from use (or restore it), with a reason; items are never deleted."""
    if not reason.strip():
        raise ValidationError([FieldError("原因", "停用或恢复抽查事项须填写原因")])
    with ctx.write() as session:
        item: CheckItem = require(session, CheckItem, item_id, "抽查事项")
        if item.active == active:
            return
        before = snapshot(item)
        item.active = active
        session.flush()
        ctx.audit(
            session,
            action="activate" if active else "deactivate",
            entity="check_items",
            entity_id=item.id,
            summary=f"{'恢复' if active else '停用'}抽查事项「{item.name}」",
            before=before,
            after=snapshot(item),
            reason=reason.strip(),
        )
