"""Inspector registry (执法检查人员名录库) and expert pool (专家库, ``is_expert``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from app.models import Department, Inspector, InspectorCertificate, RecusalConflict, Target
from app.models.enums import TagScope
from app.models.registry import inspector_tags
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.permissions import Permission
from app.services.pinyin import initials
from app.services.records import check_version, require, resolve_tags, snapshot, tag_text


@dataclass(frozen=True)
class CertificateData:
    """An enforcement certificate; valid_to None means 长期."""

    number: str
    kind: str = "执法证"
    issuer: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class ConflictData:
    """A declared recusal conflict with a target (by target id)."""

    target_id: int
    reason: str
    declared_on: date | None = None


@dataclass(frozen=True)
class InspectorData:
    """Everything an operator can enter for an inspector."""

    name: str
    department_id: int
    staff_no: str = ""
    gender: str = ""
    id_number: str = ""
    phone: str = ""
    education: str = ""
    major: str = ""
    post_category: str = ""
    post_since: date | None = None
    qualifications: str = ""
    enforcement_scope: str = ""
    region: str = ""
    level: str = ""
    title: str = ""
    unit: str = ""
    is_expert: bool = False
    active: bool = True
    note: str = ""
    certificates: tuple[CertificateData, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()  # (kind, name): 执法资质, 业务专长, 岗位
    conflicts: tuple[ConflictData, ...] = ()


@dataclass(frozen=True)
class InspectorRow:
    """One line of the inspector table."""

    id: int
    name: str
    department: str
    department_id: int
    staff_no: str
    certificate: str
    certificate_valid_to: date | None
    post_category: str
    tags: str
    is_expert: bool
    active: bool
    conflicts: int
    version: int


@dataclass(frozen=True)
class InspectorDetail:
    id: int
    uid: str
    version: int
    data: InspectorData


@dataclass(frozen=True)
class InspectorFilter:
    text: str = ""  # name substring, pinyin-initials prefix, 工号 or 执法证号 prefix
    department_ids: tuple[int, ...] = ()
    tag_ids: tuple[int, ...] = ()
    experts_only: bool = False
    include_inactive: bool = True
    valid_on: date | None = None  # only holders of a certificate valid on this date


def _conditions(flt: InspectorFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    text = flt.text.strip()
    if text:
        cert_match = exists().where(
            and_(
                InspectorCertificate.inspector_id == Inspector.id,
                InspectorCertificate.number.like(f"{text}%"),
            )
        )
        options = [Inspector.name.like(f"%{text}%"), Inspector.staff_no.like(f"{text}%"), cert_match]
        if text.isascii() and text.isalpha():
            options.append(Inspector.name_initials.like(f"{text.lower()}%"))
        conds.append(or_(*options))
    if flt.department_ids:
        conds.append(Inspector.department_id.in_(flt.department_ids))
    for tag_id in flt.tag_ids:
        conds.append(
            exists().where(
                and_(inspector_tags.c.inspector_id == Inspector.id, inspector_tags.c.tag_id == tag_id)
            )
        )
    if flt.experts_only:
        conds.append(Inspector.is_expert.is_(True))
    if not flt.include_inactive:
        conds.append(Inspector.active.is_(True))
    if flt.valid_on is not None:
        day = flt.valid_on
        conds.append(
            exists().where(
                and_(
                    InspectorCertificate.inspector_id == Inspector.id,
                    or_(InspectorCertificate.valid_from.is_(None), InspectorCertificate.valid_from <= day),
                    or_(InspectorCertificate.valid_to.is_(None), InspectorCertificate.valid_to >= day),
                )
            )
        )
    return conds


def _row(ins: Inspector) -> InspectorRow:
    cert = ins.certificates[0] if ins.certificates else None
    return InspectorRow(
        id=ins.id,
        name=ins.name,
        department=ins.department.name,
        department_id=ins.department_id,
        staff_no=ins.staff_no,
        certificate=cert.number if cert else "",
        certificate_valid_to=cert.valid_to if cert else None,
        post_category=ins.post_category,
        tags=tag_text(ins.tags),
        is_expert=ins.is_expert,
        active=ins.active,
        conflicts=len(ins.conflicts),
        version=ins.version,
    )


def list_inspectors(ctx: ServiceContext, flt: InspectorFilter | None = None) -> list[InspectorRow]:
    """Inspectors matching the filter, by department then name (a county has a few hundred)."""
    with ctx.read() as session:
        query = (
            select(Inspector)
            .join(Department, Inspector.department_id == Department.id)
            .where(*_conditions(flt or InspectorFilter()))
            .order_by(Department.sort_order, Inspector.name, Inspector.id)
        )
        return [_row(i) for i in session.execute(query).unique().scalars()]


def get_inspector(ctx: ServiceContext, inspector_id: int) -> InspectorDetail:
    """Everything about one inspector, for the edit dialog."""
    with ctx.read() as session:
        ins: Inspector = require(session, Inspector, inspector_id, "检查人员")
        data = InspectorData(
            name=ins.name,
            department_id=ins.department_id,
            staff_no=ins.staff_no,
            gender=ins.gender,
            id_number=ins.id_number,
            phone=ins.phone,
            education=ins.education,
            major=ins.major,
            post_category=ins.post_category,
            post_since=ins.post_since,
            qualifications=ins.qualifications,
            enforcement_scope=ins.enforcement_scope,
            region=ins.region,
            level=ins.level,
            title=ins.title,
            unit=ins.unit,
            is_expert=ins.is_expert,
            active=ins.active,
            note=ins.note,
            certificates=tuple(
                CertificateData(c.number, c.kind, c.issuer, c.valid_from, c.valid_to)
                for c in ins.certificates
            ),
            tags=tuple((t.kind, t.name) for t in ins.tags),
            conflicts=tuple(ConflictData(c.target_id, c.reason, c.declared_on) for c in ins.conflicts),
        )
        return InspectorDetail(ins.id, ins.uid, ins.version, data)


def validate_inspector(session: Session, data: InspectorData, own_id: int | None) -> None:
    """Check an inspector's fields against the rules and the registry; raise ValidationError."""
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError("姓名", "不能为空"))
    if session.get(Department, data.department_id) is None:
        errors.append(FieldError("部门", "请选择所属部门"))
    numbers = [c.number.strip() for c in data.certificates]
    for cert in data.certificates:
        if not cert.number.strip():
            errors.append(FieldError("执法证号", "不能为空（没有执法证的人员不要添加证件行）"))
        if cert.valid_from and cert.valid_to and cert.valid_to < cert.valid_from:
            errors.append(FieldError("执法证有效期", f"{cert.number} 的截止日期早于起始日期"))
    if len(set(numbers)) != len(numbers):
        errors.append(FieldError("执法证号", "同一人员的证号重复"))
    for number in {n for n in numbers if n}:
        query = select(Inspector.name).join(InspectorCertificate).where(InspectorCertificate.number == number)
        if own_id is not None:
            query = query.where(Inspector.id != own_id)
        other = session.execute(query).first()
        if other is not None:
            errors.append(FieldError("执法证号", f"{number} 已登记在「{other.name}」名下"))
    for conflict in data.conflicts:
        if session.get(Target, conflict.target_id) is None:
            errors.append(FieldError("回避对象", f"检查对象（编号 {conflict.target_id}）不存在"))
        if not conflict.reason.strip():
            errors.append(FieldError("回避原因", "每条回避关系须写明原因（亲属、曾任职等）"))
    if not data.certificates and not data.staff_no.strip():
        errors.append(FieldError("工号", "没有执法证时须填写单位工号，以便唯一识别"))
    if errors:
        raise ValidationError(errors)


def _apply(session: Session, ins: Inspector, data: InspectorData) -> None:
    for name in (
        "department_id",
        "gender",
        "id_number",
        "phone",
        "education",
        "major",
        "post_category",
        "post_since",
        "qualifications",
        "enforcement_scope",
        "region",
        "level",
        "title",
        "unit",
        "is_expert",
        "active",
        "note",
    ):
        value = getattr(data, name)
        setattr(ins, name, value.strip() if isinstance(value, str) else value)
    ins.name = data.name.strip()
    ins.name_initials = initials(ins.name)
    ins.staff_no = data.staff_no.strip()
    ins.certificates = [
        InspectorCertificate(
            number=c.number.strip(),
            kind=c.kind,
            issuer=c.issuer.strip(),
            valid_from=c.valid_from,
            valid_to=c.valid_to,
        )
        for c in data.certificates
    ]
    ins.tags = resolve_tags(session, TagScope.INSPECTOR, data.tags)
    if ins.conflicts:
        # Remove the old pairs first: the unit of work inserts before it deletes, and (inspector, target) is unique.
        ins.conflicts = []
        session.flush()
    ins.conflicts = [
        RecusalConflict(target_id=c.target_id, reason=c.reason.strip(), declared_on=c.declared_on)
        for c in data.conflicts
    ]


def _audit_view(ins: Inspector) -> dict[str, object]:
    return snapshot(ins) | {
        "certificates": [(c.number, c.valid_to) for c in ins.certificates],
        "tags": tag_text(ins.tags),
        "conflicts": [(c.target_id, c.reason) for c in ins.conflicts],
    }


def create_inspector(ctx: ServiceContext, data: InspectorData) -> int:
    """Add an inspector; returns the id. Bad input raises ValidationError and changes nothing."""
    ctx.require(Permission.EDIT_INSPECTORS, department_id=data.department_id)
    with ctx.write() as session:
        validate_inspector(session, data, None)
        ins = Inspector()
        session.add(ins)
        _apply(session, ins, data)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="inspectors",
            entity_id=ins.id,
            summary=f"新增检查人员「{ins.name}」",
            after=_audit_view(ins),
        )
        return ins.id


def update_inspector(
    ctx: ServiceContext, inspector_id: int, data: InspectorData, *, expected_version: int | None
) -> None:
    """Change an inspector (certificates, tags and conflicts replaced by the given ones)."""
    ctx.require(Permission.EDIT_INSPECTORS, department_id=data.department_id)
    with ctx.write() as session:
        ins: Inspector = require(session, Inspector, inspector_id, "检查人员")
        ctx.require(Permission.EDIT_INSPECTORS, department_id=ins.department_id)
        check_version(ins, expected_version, "检查人员")
        validate_inspector(session, data, inspector_id)
        before = _audit_view(ins)
        _apply(session, ins, data)
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="inspectors",
            entity_id=ins.id,
            summary=f"修改检查人员「{ins.name}」",
            before=before,
            after=_audit_view(ins),
        )


def set_inspector_active(ctx: ServiceContext, inspector_id: int, active: bool, *, reason: str) -> None:
    """Mark an inspector 失效 (never drawn) or 有效 again, with a reason."""
    if not reason.strip():
        raise ValidationError([FieldError("原因", "停用或恢复人员须填写原因")])
    with ctx.write() as session:
        ins: Inspector = require(session, Inspector, inspector_id, "检查人员")
        ctx.require(Permission.EDIT_INSPECTORS, department_id=ins.department_id)
        if ins.active == active:
            return
        before = snapshot(ins)
        ins.active = active
        session.flush()
        ctx.audit(
            session,
            action="activate" if active else "deactivate",
            entity="inspectors",
            entity_id=ins.id,
            summary=f"{'恢复' if active else '停用'}检查人员「{ins.name}」",
            before=before,
            after=snapshot(ins),
            reason=reason.strip(),
        )


def inspector_rows_by_ids(ctx: ServiceContext, ids: Sequence[int]) -> list[InspectorRow]:
    """Rows for the given ids in the given order."""
    with ctx.read() as session:
        found = {
            i.id: i for i in session.execute(select(Inspector).where(Inspector.id.in_(list(ids)))).scalars()
        }
        return [_row(found[i]) for i in ids if i in found]
