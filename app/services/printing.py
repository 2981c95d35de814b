"""Print a task's papers: map the database onto the printing module's documents and build one PDF.

Every form carries the task's uid and its own record id (the inspection's uid, the team's or
the draw's) in its QR code, so a returned paper form finds its record at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.draw import record as draw_record
from app.models import Draw, Inspection, Target, Task, Team
from app.models.enums import DrawKind, TeamRole
from app.printing import build_pdf, team_packet
from app.printing import data as doc
from app.printing.build import BuildResult
from app.services.context import ServiceContext
from app.services.errors import RuleViolation
from app.services.records import require
from app.services.settings import get_setting

OFFICE_NAME_KEY = "office.name"
DEFAULT_OFFICE = "县“双随机、一公开”监管工作联席会议办公室"


class PrintKind(StrEnum):
    NOTICES = "notices"
    CHECKLISTS = "checklists"
    RECORDS = "records"
    DISPATCH = "dispatch"
    DRAW_RECORD = "draw-record"
    PACKET = "packet"

    @property
    def label(self) -> str:
        return {
            "notices": "检查通知书",
            "checklists": "联合检查单",
            "records": "随机抽查情况记录表",
            "dispatch": "检查组派单",
            "draw-record": "随机抽取记录",
            "packet": "检查组资料包",
        }[self.value]


def _task_info(task: Task) -> doc.TaskInfo:
    return doc.TaskInfo(
        task_id=task.uid,
        number=task.number,
        name=task.name,
        lead_department=task.lead_department.name,
        joint_departments=tuple(d.name for d in task.joint_departments),
        start_date=task.start_date,
        end_date=task.end_date,
        advance_notice_allowed=task.advance_notice,
        security_mark="涉密" if task.is_classified else "",
    )


def _target_info(target: Target) -> doc.TargetInfo:
    return doc.TargetInfo(
        target_id=target.uid,
        name=target.name,
        code=target.code or "",
        address=target.address,
        legal_representative=target.legal_rep,
        phone=target.phone,
    )


def _sections(task: Task) -> tuple[doc.ItemSection, ...]:
    sections = []
    for ti in task.task_items:
        item = ti.item
        sections.append(
            doc.ItemSection(
                department=item.department.name,
                item_name=item.name,
                checkpoints=tuple(doc.Checkpoint(c.content, c.method_guide) for c in item.checkpoints),
                basis=item.legal_basis,
                check_methods=item.methods,
                materials=tuple(c.materials for c in item.checkpoints if c.materials.strip()),
            )
        )
    # Grouped by department (lead first) as the unified checklist prints them.
    order = [task.lead_department.name, *(d.name for d in task.joint_departments)]
    return tuple(
        sorted(sections, key=lambda s: order.index(s.department) if s.department in order else len(order))
    )


_ROLE = {
    TeamRole.LEADER: doc.MemberRole.LEADER,
    TeamRole.OFFICER: doc.MemberRole.MEMBER,
    TeamRole.EXPERT: doc.MemberRole.EXPERT,
}


def _members(team: Team | None) -> tuple[doc.TeamMember, ...]:
    if team is None:
        return ()
    return tuple(
        doc.TeamMember(
            name=m.inspector.name,
            department=m.inspector.department.short_name or m.inspector.department.name,
            certificate_number=m.certificate_number,
            role=_ROLE[m.role],
            phone=m.inspector.phone,
        )
        for m in team.members
    )


def _inspections(
    session: Session, task: Task, team_number: int | None
) -> list[tuple[Inspection, Team | None]]:
    rows = session.execute(
        select(Inspection, Team)
        .outerjoin(Team, Inspection.team_id == Team.id)
        .where(Inspection.task_id == task.id, Inspection.voided.is_(False))
        .order_by(Team.number, Inspection.visit_order, Inspection.stratum, Inspection.rank)
    ).all()
    if team_number is not None:
        rows = [r for r in rows if r[1] is not None and r[1].number == team_number]
        if not rows:
            raise RuleViolation(f"任务 {task.number} 没有第 {team_number} 检查组（或尚未选派人员）")
    if not rows:
        raise RuleViolation(f"任务 {task.number} 尚未抽取检查对象，没有可打印的表单")
    return [(i, t) for i, t in rows]


def _notice(task: Task, inspection: Inspection, sections: tuple[doc.ItemSection, ...]) -> doc.NoticeDoc:
    methods = sorted({m for s in sections for m in s.check_methods.split("，") if m})
    materials = tuple(dict.fromkeys(m for s in sections for m in s.materials))
    contacts = (doc.Contact(task.contact, "", task.lead_department.name),) if task.contact else ()
    return doc.NoticeDoc(
        task=_task_info(task),
        target=_target_info(inspection.target),
        record_id=inspection.uid,
        items=sections,
        issuers=(task.lead_department.name, *(d.name for d in task.joint_departments)),
        issue_date=date.today(),
        visit_start=task.start_date,
        visit_end=task.end_date,
        methods=tuple(methods),
        materials=materials,
        contacts=contacts,
    )


def _checklist(
    task: Task, inspection: Inspection, team: Team | None, sections: tuple[doc.ItemSection, ...]
) -> doc.ChecklistDoc:
    return doc.ChecklistDoc(
        task=_task_info(task),
        target=_target_info(inspection.target),
        record_id=inspection.uid,
        sections=sections,
        members=_members(team),
        team_name=f"第{team.number}检查组" if team else "",
    )


def _record(
    task: Task, inspection: Inspection, team: Team | None, sections: tuple[doc.ItemSection, ...]
) -> doc.RecordDoc:
    return doc.RecordDoc(
        task=_task_info(task),
        target=_target_info(inspection.target),
        record_id=inspection.uid,
        entries=tuple(doc.RecordEntry(s.item_name, s.department) for s in sections),
        members=_members(team),
    )


def _dispatch(
    session: Session,
    task: Task,
    team: Team,
    inspections: list[Inspection],
    sections: tuple[doc.ItemSection, ...],
) -> doc.DispatchDoc:
    office = str(get_setting(session, OFFICE_NAME_KEY, DEFAULT_OFFICE))
    per_dept: dict[str, int] = {}
    for s in sections:
        per_dept[s.department] = per_dept.get(s.department, 0) + 1
    summary = "；".join(f"{d} {n} 项" for d, n in per_dept.items())
    return doc.DispatchDoc(
        task=_task_info(task),
        team_id=f"{task.uid}/team-{team.number}",
        team_name=f"第{team.number}检查组",
        members=_members(team),
        stops=tuple(doc.DispatchStop(_target_info(i.target), items_summary=summary) for i in inspections),
        issuer=office,
        issue_date=date.today(),
    )


def _draw_record_doc(session: Session, task: Task, draw: Draw) -> doc.DrawRecordDoc:
    record = draw_record.record_from_json(json.loads(draw.record_json))
    strata: list[doc.DrawStratum] = []
    selections: list[doc.DrawSelection] = []
    exclusions: list[doc.DrawExclusion] = []
    names: dict[str, str] = {}
    if record.targets is not None:
        ids = [t.id for s in record.targets.strata for t in s.selection] + [
            e.id for e in record.targets.exclusions
        ]
        for code, uid, name in session.execute(select(Target.code, Target.uid, Target.name)).all():
            names[code or uid] = name
        position = 0
        for s in record.targets.strata:
            rule = f"比例 {s.ratio}" if s.ratio is not None else f"固定 {s.fixed_count} 户"
            strata.append(
                doc.DrawStratum(
                    s.stratum,
                    s.population_size,
                    s.population_hash,
                    s.sample_size,
                    f"{rule}；{s.rounding_note}",
                )
            )
            for t in s.selection:
                position += 1
                selections.append(
                    doc.DrawSelection(
                        position, t.id, names.get(t.id, ""), stratum=s.stratum, ticket=t.ticket[:14]
                    )
                )
        exclusions = [
            doc.DrawExclusion(e.id, names.get(e.id, ""), e.reason) for e in record.targets.exclusions
        ]
        del ids
    if record.teams is not None:
        from app.models import Inspector

        people = {i.draw_id: i for i in session.execute(select(Inspector)).scalars()}
        strata.append(
            doc.DrawStratum(
                "检查人员",
                len(record.teams.inspectors),
                record.teams.inspector_hash,
                sum(len(t.members) for t in record.teams.teams),
                "按部门逐组选派",
            )
        )
        position = 0
        for team in record.teams.teams:
            for m in team.members:
                position += 1
                person = people.get(m.id)
                selections.append(
                    doc.DrawSelection(
                        position,
                        m.id,
                        person.name if person else "",
                        team=f"第{team.number}组",
                        detail=f"{m.department} {m.role.value}",
                        ticket=m.ticket[:14],
                    )
                )
    void = None
    if draw.voided_at is not None:
        void = doc.DrawVoid(draw.void_reason, draw.voided_at, draw.voided_by)
    parameters = [doc.DrawParameter("记录指纹（SHA-256）", draw.record_sha256)]
    return doc.DrawRecordDoc(
        task=_task_info(task),
        draw_id=draw.uid,
        draw_kind=doc.DrawKind.TARGETS if draw.kind == DrawKind.TARGETS else doc.DrawKind.INSPECTORS,
        drawn_at=draw.drawn_at,
        operator=draw.operator,
        witnesses=tuple(doc.Witness(w.name, w.role) for w in record.witnesses),
        algorithm=draw.algorithm,
        algorithm_version=draw.algorithm_version,
        seed=draw.seed,
        seed_source=draw.seed_source,
        strata=tuple(strata),
        parameters=tuple(parameters),
        exclusions=tuple(exclusions),
        selections=tuple(selections),
        void=void,
        record_file=f"draw-{draw.uid[:8]}.json",
    )


def task_documents(
    ctx: ServiceContext, task_id: int, kind: PrintKind, *, team: int | None = None
) -> list[doc.Document]:
    """The documents of one print job, in printing order."""
    with ctx.read() as session:
        task: Task = require(session, Task, task_id, "抽查任务")
        sections = _sections(task)
        if kind == PrintKind.DRAW_RECORD:
            draws = (
                session.execute(select(Draw).where(Draw.task_id == task.id).order_by(Draw.id)).scalars().all()
            )
            if not draws:
                raise RuleViolation(f"任务 {task.number} 还没有抽取记录")
            return [_draw_record_doc(session, task, d) for d in draws]
        if kind == PrintKind.NOTICES and not task.advance_notice:
            raise RuleViolation(f"任务 {task.number} 规定不得事先通知检查对象，不打印检查通知书")
        rows = _inspections(session, task, team)
        if kind == PrintKind.NOTICES:
            return [_notice(task, i, sections) for i, _ in rows]
        if kind == PrintKind.CHECKLISTS:
            return [_checklist(task, i, t, sections) for i, t in rows]
        if kind == PrintKind.RECORDS:
            return [_record(task, i, t, sections) for i, t in rows]
        teams: dict[int, tuple[Team, list[Inspection]]] = {}
        for i, t in rows:
            if t is None:
                raise RuleViolation(f"任务 {task.number} 尚未选派检查人员，不能打印派单")
            teams.setdefault(t.number, (t, []))[1].append(i)
        documents: list[doc.Document] = []
        for t, inspections in teams.values():
            dispatch = _dispatch(session, task, t, inspections, sections)
            if kind == PrintKind.DISPATCH:
                documents.append(dispatch)
                continue
            notices = [_notice(task, i, sections) for i in inspections] if task.advance_notice else []
            documents.extend(
                team_packet(
                    dispatch,
                    notices=notices,
                    checklists=[_checklist(task, i, t, sections) for i in inspections],
                    records=[_record(task, i, t, sections) for i in inspections],
                )
            )
        return documents


def print_task(
    ctx: ServiceContext,
    task_id: int,
    kind: PrintKind,
    out: Path | BinaryIO,
    *,
    team: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> BuildResult:
    """Build one PDF of a task's papers (all notices, all checklists, a team's packet …)."""
    documents = task_documents(ctx, task_id, kind, team=team)
    return build_pdf(documents, out, progress=progress, is_cancelled=is_cancelled, title=f"{kind.label}")


def print_kinds() -> Sequence[PrintKind]:
    return list(PrintKind)
