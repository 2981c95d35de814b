"""Departments (部门) participating in the county's joint random inspections."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.models import Department
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.permissions import Permission
from app.services.records import require, snapshot


@dataclass(frozen=True)
class DepartmentRow:
    id: int
    name: str
    short_name: str
    code: str
    active: bool


def list_departments(ctx: ServiceContext, *, include_inactive: bool = False) -> list[DepartmentRow]:
    """All departments in their configured order."""
    with ctx.read() as session:
        query = select(Department).order_by(Department.sort_order, Department.id)
        if not include_inactive:
            query = query.where(Department.active.is_(True))
        return [
            DepartmentRow(d.id, d.name, d.short_name, d.code or "", d.active)
            for d in session.execute(query).scalars()
        ]


def _validate(name: str, short_name: str) -> None:
    errors = []
    if not name.strip():
        errors.append(FieldError("部门名称", "不能为空"))
    if len(short_name.strip()) > 30:
        errors.append(FieldError("简称", "不超过 30 个字"))
    if errors:
        raise ValidationError(errors)


def create_department(ctx: ServiceContext, *, name: str, short_name: str = "", code: str = "") -> int:
    """Add a department; its short name is used in task numbers (<简称>抽查〔年〕号)."""
    ctx.require(Permission.EDIT_DEPARTMENTS)
    _validate(name, short_name)
    with ctx.write() as session:
        if session.execute(select(Department.id).where(Department.name == name.strip())).first():
            raise ValidationError([FieldError("部门名称", f"「{name.strip()}」已存在")])
        count = len(session.execute(select(Department.id)).all())
        dept = Department(
            name=name.strip(), short_name=short_name.strip(), code=code.strip() or None, sort_order=count + 1
        )
        session.add(dept)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="departments",
            entity_id=dept.id,
            summary=f"新增部门「{dept.name}」",
            after=snapshot(dept),
        )
        return dept.id


def update_department(
    ctx: ServiceContext, department_id: int, *, name: str, short_name: str, active: bool = True
) -> None:
    """Rename a department or change its short name / active flag."""
    ctx.require(Permission.EDIT_DEPARTMENTS)
    _validate(name, short_name)
    with ctx.write() as session:
        dept: Department = require(session, Department, department_id, "部门")
        clash = session.execute(
            select(Department.id).where(Department.name == name.strip(), Department.id != department_id)
        ).first()
        if clash:
            raise ValidationError([FieldError("部门名称", f"「{name.strip()}」已存在")])
        before = snapshot(dept)
        dept.name, dept.short_name, dept.active = name.strip(), short_name.strip(), active
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="departments",
            entity_id=dept.id,
            summary=f"修改部门「{dept.name}」",
            before=before,
            after=snapshot(dept),
        )


def department_by_name(ctx: ServiceContext, name: str) -> DepartmentRow | None:
    """Find a department by its exact name or short name."""
    for row in list_departments(ctx, include_inactive=True):
        if name.strip() in (row.name, row.short_name):
            return row
    return None
