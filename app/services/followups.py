"""后续处置: follow-ups of a result, tracked to closure.

责令改正 carries a rectification deadline (整改期限) and a re-check date (复查日期); 移交线索 and
抄告 name the competent department; 移送司法机关 and 立案查处 are recorded with their description.
A follow-up is open until someone closes it with the outcome, the date and their name; a closed
follow-up is not edited again (a new one is created if the matter reopens).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Department, FollowUp, Inspection, ResultVersion, Target, Task
from app.models.enums import FollowUpKind, FollowUpState, InspectionState
from app.services.context import ServiceContext
from app.services.errors import FieldError, RuleViolation, ValidationError
from app.services.permissions import Permission, visible_task_condition
from app.services.records import check_version, require, snapshot
from app.services.results import require_on_inspection, require_some

logger = logging.getLogger(__name__)

# 后续处置措施 code (result_codes) → the follow-up it usually starts.
_MEASURE_KINDS: dict[str, FollowUpKind] = {
    "2": FollowUpKind.REFER,  # 停止检查，反馈至日常监管部门依法依规处理
    "3": FollowUpKind.RECTIFY,  # 责令改正；后续跟踪由日常监管部门负责
    "4": FollowUpKind.CASE,  # 发现案件线索，移送办案机构
    "5": FollowUpKind.COPY,  # 违反其他部门相关规定，抄告相关部门
    "6": FollowUpKind.OTHER,
}


@dataclass(frozen=True)
class FollowUpData:
    """What the follow-up editor sets."""

    kind: FollowUpKind
    description: str = ""
    department_id: int | None = None  # the competent department (移交线索 / 抄告 / 移送)
    due_date: date | None = None  # 整改期限
    recheck_on: date | None = None  # 复查日期


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    uid: str
    inspection_id: int
    task_id: int
    task_number: str
    target_name: str
    target_code: str
    kind: FollowUpKind
    kind_label: str
    department: str
    department_id: int | None
    description: str
    due_date: date | None
    recheck_on: date | None
    state: FollowUpState
    state_label: str
    overdue: bool  # open and past its deadline on the day asked about
    created_at: datetime
    created_by: str
    closed_on: date | None
    closed_by: str
    outcome: str
    version: int


def _validate(session: Session, data: FollowUpData, inspection_date: date | None) -> None:
    errors: list[FieldError] = []
    if data.kind == FollowUpKind.RECTIFY:
        if data.due_date is None:
            errors.append(FieldError("整改期限", "责令改正须写明整改期限"))
        elif inspection_date is not None and data.due_date < inspection_date:
            errors.append(FieldError("整改期限", "整改期限不能早于检查日期"))
        if data.recheck_on is not None and data.due_date is not None and data.recheck_on < data.due_date:
            errors.append(FieldError("复查日期", "复查日期应在整改期限之后"))
    if data.kind in (FollowUpKind.REFER, FollowUpKind.COPY) and data.department_id is None:
        errors.append(FieldError("接收部门", f"{data.kind.label}须选择接收的主管部门"))
    if (
        data.kind in (FollowUpKind.JUDICIAL, FollowUpKind.CASE, FollowUpKind.OTHER)
        and not data.description.strip()
    ):
        errors.append(FieldError("说明", f"{data.kind.label}请写明情况（案由、移送机关或具体措施）"))
    if data.department_id is not None and session.get(Department, data.department_id) is None:
        errors.append(FieldError("接收部门", f"部门（编号 {data.department_id}）不存在"))
    if errors:
        raise ValidationError(errors)


def _current_result(session: Session, inspection_id: int) -> dict[str, object] | None:
    version = session.execute(
        select(ResultVersion).where(
            ResultVersion.inspection_id == inspection_id, ResultVersion.is_current.is_(True)
        )
    ).scalar_one_or_none()
    if version is None:
        return None
    result: dict[str, object] = json.loads(version.payload_json)["result"]
    return result


def _inspection_date(result: dict[str, object] | None) -> date | None:
    raw = result.get("inspection_date") if result else None
    return date.fromisoformat(raw) if isinstance(raw, str) else None


def suggest_follow_ups(ctx: ServiceContext, inspection_id: int) -> list[FollowUpData]:
    """Follow-ups the result's 后续处置措施 call for (to prefill the editor); none for 无需后续处置."""
    with ctx.read() as session:
        result = _current_result(session, inspection_id)
        if result is None:
            return []
        measures = result.get("measures", [])
        assert isinstance(measures, list)
        suggestions: list[FollowUpData] = []
        for m in measures:
            kind = _MEASURE_KINDS.get(m["code"])
            if kind is not None:
                text = (
                    result.get("measure_other", "")
                    if kind == FollowUpKind.OTHER
                    else result.get("problems", "")
                )
                suggestions.append(FollowUpData(kind=kind, description=str(text)))
        return suggestions


def create_follow_up(ctx: ServiceContext, inspection_id: int, data: FollowUpData) -> int:
    """Start a follow-up from an inspection's submitted result."""
    require_some(ctx, Permission.ENTER_RESULTS)
    with ctx.write() as session:
        inspection: Inspection = require(session, Inspection, inspection_id, "检查记录")
        require_on_inspection(ctx, session, inspection, Permission.ENTER_RESULTS)
        if inspection.state == InspectionState.NOT_ENTERED:
            raise RuleViolation(f"「{inspection.target.name}」尚未录入检查结果，不能登记后续处置")
        _validate(session, data, _inspection_date(_current_result(session, inspection_id)))
        row = FollowUp(
            inspection_id=inspection_id,
            kind=data.kind,
            department_id=data.department_id,
            description=data.description.strip(),
            due_date=data.due_date,
            recheck_on=data.recheck_on,
            state=FollowUpState.OPEN,
            created_by=ctx.operator,
        )
        session.add(row)
        session.flush()
        ctx.audit(
            session,
            action="create",
            entity="follow_ups",
            entity_id=row.id,
            summary=f"登记后续处置（{data.kind.label}）：「{inspection.target.name}」",
            after=snapshot(row),
        )
        return row.id


def update_follow_up(
    ctx: ServiceContext, follow_up_id: int, data: FollowUpData, *, expected_version: int | None = None
) -> None:
    """Change an open follow-up (e.g. extend the deadline); the change is audited."""
    require_some(ctx, Permission.ENTER_RESULTS)
    with ctx.write() as session:
        row: FollowUp = require(session, FollowUp, follow_up_id, "后续处置")
        require_on_inspection(
            ctx,
            session,
            require(session, Inspection, row.inspection_id, "检查记录"),
            Permission.ENTER_RESULTS,
        )
        check_version(row, expected_version, "该后续处置")
        if row.state == FollowUpState.CLOSED:
            raise RuleViolation("该后续处置已办结，不能再修改。如事项重新发生，请另行登记。")
        _validate(session, data, _inspection_date(_current_result(session, row.inspection_id)))
        before = snapshot(row)
        row.kind, row.department_id, row.description = data.kind, data.department_id, data.description.strip()
        row.due_date, row.recheck_on = data.due_date, data.recheck_on
        session.flush()
        ctx.audit(
            session,
            action="update",
            entity="follow_ups",
            entity_id=row.id,
            summary=f"修改后续处置（{data.kind.label}）",
            before=before,
            after=snapshot(row),
        )


def close_follow_up(
    ctx: ServiceContext,
    follow_up_id: int,
    *,
    outcome: str,
    closed_on: date | None = None,
    expected_version: int | None = None,
) -> None:
    """办结: record the outcome, the date and who closed it."""
    require_some(ctx, Permission.ENTER_RESULTS)
    if not outcome.strip():
        raise ValidationError([FieldError("办理结果", "办结时请写明办理结果（如：已整改到位，复查合格）")])
    with ctx.write() as session:
        row: FollowUp = require(session, FollowUp, follow_up_id, "后续处置")
        require_on_inspection(
            ctx,
            session,
            require(session, Inspection, row.inspection_id, "检查记录"),
            Permission.ENTER_RESULTS,
        )
        check_version(row, expected_version, "该后续处置")
        if row.state == FollowUpState.CLOSED:
            raise RuleViolation(f"该后续处置已于 {row.closed_on} 由 {row.closed_by} 办结")
        day = closed_on or date.today()
        if day > date.today():
            raise ValidationError([FieldError("办结日期", "办结日期不能是将来的日期")])
        before = snapshot(row)
        row.state, row.closed_on, row.closed_by, row.outcome = (
            FollowUpState.CLOSED,
            day,
            ctx.operator,
            outcome.strip(),
        )
        session.flush()
        ctx.audit(
            session,
            action="close",
            entity="follow_ups",
            entity_id=row.id,
            summary=f"办结后续处置（{row.kind.label}）",
            before=before,
            after=snapshot(row),
        )


def _overdue(row: FollowUp, today: date) -> bool:
    if row.state != FollowUpState.OPEN:
        return False
    deadline = row.recheck_on or row.due_date
    return deadline is not None and deadline < today


def list_follow_ups(
    ctx: ServiceContext,
    *,
    task_id: int | None = None,
    inspection_id: int | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[FollowUpRow]:
    """Follow-ups, oldest first; ``overdue`` means open past its re-check date (or its deadline)."""
    day = today or date.today()
    with ctx.read() as session:
        query = (
            select(FollowUp, Inspection, Task, Target, Department.name)
            .join(Inspection, FollowUp.inspection_id == Inspection.id)
            .join(Task, Inspection.task_id == Task.id)
            .join(Target, Inspection.target_id == Target.id)
            .outerjoin(Department, FollowUp.department_id == Department.id)
            .where(visible_task_condition(ctx))
            .order_by(FollowUp.id)
        )
        if task_id is not None:
            query = query.where(Inspection.task_id == task_id)
        if inspection_id is not None:
            query = query.where(FollowUp.inspection_id == inspection_id)
        if open_only or overdue_only:
            query = query.where(FollowUp.state == FollowUpState.OPEN)
        rows = []
        for f, i, task, target, dept in session.execute(query).all():
            overdue = _overdue(f, day)
            if overdue_only and not overdue:
                continue
            rows.append(
                FollowUpRow(
                    id=f.id,
                    uid=f.uid,
                    inspection_id=i.id,
                    task_id=task.id,
                    task_number=task.number,
                    target_name=target.name,
                    target_code=target.code or "",
                    kind=f.kind,
                    kind_label=f.kind.label,
                    department=dept or "",
                    department_id=f.department_id,
                    description=f.description,
                    due_date=f.due_date,
                    recheck_on=f.recheck_on,
                    state=f.state,
                    state_label=f.state.label,
                    overdue=overdue,
                    created_at=f.created_at,
                    created_by=f.created_by,
                    closed_on=f.closed_on,
                    closed_by=f.closed_by,
                    outcome=f.outcome,
                    version=f.version,
                )
            )
        return rows
