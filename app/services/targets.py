"""Target registry (检查对象名录库): search, read, create, edit, deactivate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, lazyload

from app.models import Tag, Target, TargetLicence
from app.models.enums import CodeKind, RiskClass, TagScope, TargetKind, TargetStatus
from app.models.registry import target_tags
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.identifiers import classify_code
from app.services.permissions import Permission
from app.services.pinyin import initials
from app.services.records import check_version, require, resolve_tags, snapshot, tag_text
from app.services.sqlite_search import fts_text_condition

LICENCE_AUTHORITY_LIMIT = 100


@dataclass(frozen=True)
class LicenceData:
    """A licence as entered: valid_to None means 长期."""

    name: str
    number: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    authority: str = ""  # 许可发证机关


@dataclass(frozen=True)
class TargetData:
    """Everything an operator can enter for a target."""

    name: str
    code: str = ""
    kind: TargetKind = TargetKind.ENTERPRISE
    legal_rep: str = ""
    phone: str = ""
    address: str = ""
    reg_authority: str = ""
    jurisdiction: str = ""
    region: str = ""
    industry: str = ""
    risk_class: RiskClass = RiskClass.B
    status: TargetStatus = TargetStatus.ACTIVE
    note: str = ""
    tags: tuple[tuple[str, str], ...] = ()  # (kind, name)
    licences: tuple[LicenceData, ...] = ()


@dataclass(frozen=True)
class TargetRow:
    """One line of the target table."""

    id: int
    uid: str
    code: str
    name: str
    kind: TargetKind
    legal_rep: str
    phone: str
    address: str
    region: str
    industry: str
    risk_class: RiskClass
    status: TargetStatus
    active: bool
    tags: str
    version: int


@dataclass(frozen=True)
class TargetDetail:
    """A target with everything the edit dialog shows."""

    id: int
    uid: str
    version: int
    code_kind: CodeKind
    active: bool
    data: TargetData


@dataclass(frozen=True)
class TargetFilter:
    """What the target table is narrowed to. Empty fields do not filter."""

    text: str = ""  # substring of the name, the code or the pinyin initials
    regions: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()  # 管辖单位
    industries: tuple[str, ...] = ()
    risk_classes: tuple[RiskClass, ...] = ()
    statuses: tuple[TargetStatus, ...] = ()
    kinds: tuple[TargetKind, ...] = ()
    tag_ids: tuple[int, ...] = ()
    include_inactive: bool = False
    extra: tuple[Any, ...] = field(default=(), compare=False)


SORT_COLUMNS = {
    "name": Target.name,
    "code": Target.code,
    "region": Target.region,
    "industry": Target.industry,
    "risk_class": Target.risk_class,
    "status": Target.status,
    "legal_rep": Target.legal_rep,
    "kind": Target.kind,
    "id": Target.id,
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_condition(text: str) -> ColumnElement[bool]:
    """Portable search: a case-insensitive substring of the name, the code or the pinyin initials.

    ``app.services.sqlite_search`` answers the same question from an index on SQLite.
    """
    raw = text.strip()
    if not raw:
        return ~false()
    like = _escape_like(raw)
    conditions: list[ColumnElement[bool]] = [
        # ILIKE, not LIKE: PostgreSQL's LIKE is case-sensitive, SQLite's is not (for ASCII), and
        # names like "ABC超市" must be found by "abc" on both. SQLite renders it as lower() LIKE lower().
        Target.name.ilike(f"%{like}%", escape="\\"),
        Target.code.like(f"%{like.upper()}%", escape="\\"),
    ]
    if raw.isascii():
        conditions.append(Target.name_initials.like(f"%{like.lower()}%", escape="\\"))
    return or_(*conditions)


def filter_conditions(flt: TargetFilter, session: Session | None = None) -> list[ColumnElement[bool]]:
    """SQL conditions for a filter; shared by searches, counts and the draw's population.

    Given the session that will run them, the text condition uses the SQLite search index
    where there is one (same results as the portable conditions, much faster).
    """
    conds: list[ColumnElement[bool]] = []
    if flt.text.strip():
        fast = fts_text_condition(session, flt.text) if session is not None else None
        conds.append(fast if fast is not None else text_condition(flt.text))
    if flt.regions:
        conds.append(Target.region.in_(flt.regions))
    if flt.jurisdictions:
        conds.append(Target.jurisdiction.in_(flt.jurisdictions))
    if flt.industries:
        conds.append(Target.industry.in_(flt.industries))
    if flt.risk_classes:
        conds.append(Target.risk_class.in_(flt.risk_classes))
    if flt.statuses:
        conds.append(Target.status.in_(flt.statuses))
    if flt.kinds:
        conds.append(Target.kind.in_(flt.kinds))
    for tag_id in flt.tag_ids:
        conds.append(
            exists().where(and_(target_tags.c.target_id == Target.id, target_tags.c.tag_id == tag_id))
        )
    if not flt.include_inactive:
        conds.append(Target.active.is_(True))
    return conds


def _id_query(flt: TargetFilter, sort: str, descending: bool, session: Session) -> Select[int]:
    column = SORT_COLUMNS.get(sort, Target.name)
    order = column.desc() if descending else column.asc()
    tiebreak = Target.id.desc() if descending else Target.id.asc()
    return select(Target.id).where(*filter_conditions(flt, session)).order_by(order, tiebreak)


def search_target_ids(
    ctx: ServiceContext, flt: TargetFilter, *, sort: str = "name", descending: bool = False
) -> list[int]:
    """Ids of the matching targets in display order (the table then fetches rows lazily).

    Args:
        ctx: the service context.
        flt: what to match; the text is a substring of the name, the code or the pinyin initials.
        sort: a key of ``SORT_COLUMNS``; ties are broken by id so the order is stable.
        descending: reverse the order.
    """
    with ctx.read() as session:
        result = session.connection().execute(_id_query(flt, sort, descending, session))
        try:
            # Straight from the DBAPI cursor: 500,000 ids through SQLAlchemy Row objects cost ~250 ms more.
            return [row[0] for row in result.cursor.fetchall()]
        finally:
            result.close()


def count_targets(ctx: ServiceContext, flt: TargetFilter | None = None) -> int:
    """How many targets match."""
    with ctx.read() as session:
        query = select(func.count(Target.id)).where(*filter_conditions(flt or TargetFilter(), session))
        return int(session.execute(query).scalar_one())


def _row(target: Target) -> TargetRow:
    return TargetRow(
        id=target.id,
        uid=target.uid,
        code=target.code or "",
        name=target.name,
        kind=target.kind,
        legal_rep=target.legal_rep,
        phone=target.phone,
        address=target.address,
        region=target.region,
        industry=target.industry,
        risk_class=target.risk_class,
        status=target.status,
        active=target.active,
        tags=tag_text(target.tags),
        version=target.version,
    )


def get_target_rows(ctx: ServiceContext, ids: Sequence[int]) -> list[TargetRow]:
    """Rows for the given ids, in the given order (missing ids are skipped)."""
    if not ids:
        return []
    with ctx.read() as session:
        # The table shows no licences: skip loading them (a page of 200 rows, fetched while scrolling).
        query = select(Target).where(Target.id.in_(list(ids))).options(lazyload(Target.licences))
        found = {t.id: t for t in session.execute(query).scalars()}
        return [_row(found[i]) for i in ids if i in found]


def get_target(ctx: ServiceContext, target_id: int) -> TargetDetail:
    """Everything about one target, for the edit dialog."""
    with ctx.read() as session:
        target: Target = require(session, Target, target_id, "检查对象")
        data = TargetData(
            name=target.name,
            code=target.code or "",
            kind=target.kind,
            legal_rep=target.legal_rep,
            phone=target.phone,
            address=target.address,
            reg_authority=target.reg_authority,
            jurisdiction=target.jurisdiction,
            region=target.region,
            industry=target.industry,
            risk_class=target.risk_class,
            status=target.status,
            note=target.note,
            tags=tuple((t.kind, t.name) for t in target.tags),
            licences=tuple(
                LicenceData(lic.name, lic.number, lic.valid_from, lic.valid_to, lic.authority)
                for lic in target.licences
            ),
        )
        return TargetDetail(target.id, target.uid, target.version, target.code_kind, target.active, data)


def validate_target(data: TargetData) -> tuple[str | None, CodeKind, list[str]]:
    """Check a target's fields; return (normalised code, code kind, warnings) or raise ValidationError."""
    errors: list[FieldError] = []
    warnings: list[str] = []
    if not data.name.strip():
        errors.append(FieldError("名称", "不能为空"))
    elif len(data.name.strip()) > 200:
        errors.append(FieldError("名称", "超过 200 个字"))
    code: str | None = None
    kind = CodeKind.NONE
    if data.code.strip():
        info = classify_code(data.code)
        code = info.normalized
        kind = CodeKind(info.kind)
        # Legacy numbers cannot be checked at all: accepted with a warning, as on import.
        if not info.valid and info.kind != "legacy":
            errors.append(FieldError("统一社会信用代码/注册号", info.message or "编号不正确"))
        elif info.message:
            warnings.append(info.message)
    for lic in data.licences:
        if not lic.name.strip():
            errors.append(FieldError("许可证", "许可名称不能为空"))
        if lic.valid_from and lic.valid_to and lic.valid_to < lic.valid_from:
            errors.append(FieldError("许可证有效期", f"{lic.name} 的截止日期早于起始日期"))
        if len(lic.authority.strip()) > LICENCE_AUTHORITY_LIMIT:
            errors.append(FieldError("许可证", f"{lic.name} 的发证机关超过 {LICENCE_AUTHORITY_LIMIT} 个字"))
    if errors:
        raise ValidationError(errors)
    return code, kind, warnings


def _duplicate_code(session: Session, code: str | None, own_id: int | None) -> None:
    if code is None:
        return
    query = select(Target.id, Target.name).where(Target.code == code)
    if own_id is not None:
        query = query.where(Target.id != own_id)
    other = session.execute(query).first()
    if other is not None:
        raise ValidationError(
            [FieldError("统一社会信用代码/注册号", f"{code} 已属于另一个检查对象「{other.name}」，请核对")]
        )


def _apply(session: Session, target: Target, data: TargetData, code: str | None, code_kind: CodeKind) -> None:
    target.name = data.name.strip()
    target.name_initials = initials(target.name)
    target.code = code
    target.code_kind = code_kind
    target.kind = data.kind
    target.legal_rep = data.legal_rep.strip()
    target.phone = data.phone.strip()
    target.address = data.address.strip()
    target.reg_authority = data.reg_authority.strip()
    target.jurisdiction = data.jurisdiction.strip()
    target.region = data.region.strip()
    target.industry = data.industry.strip()
    target.risk_class = data.risk_class
    target.status = data.status
    target.note = data.note
    target.tags = resolve_tags(session, TagScope.TARGET, data.tags)
    target.licences = [
        TargetLicence(
            name=lic.name.strip(),
            number=lic.number.strip(),
            valid_from=lic.valid_from,
            valid_to=lic.valid_to,
            authority=lic.authority.strip(),
        )
        for lic in data.licences
    ]


def create_target(ctx: ServiceContext, data: TargetData) -> int:
    """Add a target to the registry; returns its id. Raises ValidationError and changes nothing on bad input."""
    ctx.require(Permission.EDIT_TARGETS)
    code, code_kind, _ = validate_target(data)
    with ctx.write() as session:
        _duplicate_code(session, code, None)
        target = Target()
        session.add(target)
        _apply(session, target, data, code, code_kind)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="targets",
            entity_id=target.id,
            summary=f"新增检查对象「{target.name}」",
            after=snapshot(target) | {"tags": tag_text(target.tags)},
        )
        return target.id


def update_target(
    ctx: ServiceContext, target_id: int, data: TargetData, *, expected_version: int | None
) -> None:
    """Change a target; refused with ConflictError if someone else changed it since ``expected_version``."""
    ctx.require(Permission.EDIT_TARGETS)
    code, code_kind, _ = validate_target(data)
    with ctx.write() as session:
        target: Target = require(session, Target, target_id, "检查对象")
        check_version(target, expected_version, "检查对象")
        before = snapshot(target) | {"tags": tag_text(target.tags)}
        _duplicate_code(session, code, target_id)
        _apply(session, target, data, code, code_kind)
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="targets",
            entity_id=target.id,
            summary=f"修改检查对象「{target.name}」",
            before=before,
            after=snapshot(target) | {"tags": tag_text(target.tags)},
        )


def set_target_active(ctx: ServiceContext, target_id: int, active: bool, *, reason: str) -> None:
    """Deactivate (or reactivate) a target. Targets are never deleted: results point at them."""
    ctx.require(Permission.EDIT_TARGETS)
    if not reason.strip():
        raise ValidationError([FieldError("原因", "停用或恢复检查对象须填写原因")])
    with ctx.write() as session:
        target: Target = require(session, Target, target_id, "检查对象")
        if target.active == active:
            return
        before = snapshot(target)
        target.active = active
        session.flush()
        ctx.audit(
            session,
            action="activate" if active else "deactivate",
            entity="targets",
            entity_id=target.id,
            summary=f"{'恢复' if active else '停用'}检查对象「{target.name}」",
            before=before,
            after=snapshot(target),
            reason=reason.strip(),
        )


def distinct_values(ctx: ServiceContext, column: str) -> list[str]:
    """Values present in a column (region, industry …) for filter drop-downs."""
    col = {"region": Target.region, "industry": Target.industry, "jurisdiction": Target.jurisdiction}[column]
    with ctx.read() as session:
        return [v for v in session.execute(select(col).distinct().order_by(col)).scalars() if v]


def target_tags_in_use(ctx: ServiceContext) -> list[tuple[int, str, str]]:
    """(id, kind, name) of target tags, for the tag filter."""
    with ctx.read() as session:
        rows = session.execute(
            select(Tag.id, Tag.kind, Tag.name)
            .where(Tag.scope == TagScope.TARGET)
            .order_by(Tag.kind, Tag.name)
        )
        return [(r.id, r.kind, r.name) for r in rows]


def licence_names_in_use(ctx: ServiceContext) -> list[str]:
    """Licence names held by targets (食品经营许可证 …), for directing a task's scope by licence."""
    with ctx.read() as session:
        query = select(TargetLicence.name).distinct().order_by(TargetLicence.name)
        return [v for v in session.execute(query).scalars() if v]
