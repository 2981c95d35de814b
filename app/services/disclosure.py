"""一公开: the three disclosure tables of a task, as xlsx (openpyxl) or PDF (reportlab, embedded font).

- 抽查任务公告: the task itself, when it is announced.
- 抽查名单: the drawn market entities.
- 抽查结果公告: the results that passed 公示审批, as published (a pending correction is not shown
  until it is published itself; a published correction is noted in 备注).

What never appears: anything of a classified (涉密) task or of a task marked not public — asking
for it raises ``RuleViolation`` — and any record whose result is withheld (依法不予公开), which is
left out of the name list as well as the results, so it leaves no trace in a disclosure. The
number of entities drawn (抽查市场主体数量) stays the number drawn: it is a fact of the draw and
names no one.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.io.simple_xlsx import write_table
from app.models import Inspection, ResultVersion, Target, Task, Team
from app.models.enums import InspectionState, ResultVersionKind, TaskStatus
from app.services.context import ServiceContext
from app.services.errors import FieldError, NotFoundError, RuleViolation, ValidationError
from app.services.permissions import Permission
from app.services.result_deadlines import OpenInspection, result_deadlines
from app.services.results import STREAM_PUBLIC, CorrectionState, ResultRow, list_results
from app.services.tasks import TaskScope, resolve_items, task_data

logger = logging.getLogger(__name__)

KINDS = ("task", "list", "results")

TASK_HEADERS = (
    "抽查计划编号",
    "抽查计划名称",
    "抽查任务编号",
    "抽查任务名称",
    "抽查类型",
    "抽查事项",
    "抽查对象范围",
    "检查日期自",
    "检查日期至",
    "检查机关",
    "抽查市场主体数量",
)
LIST_HEADERS = ("序号", "市场主体名称", "统一社会信用代码/注册号", "登记机关")
RESULT_HEADERS = (
    "序号",
    "抽查计划编号",
    "抽查计划名称",
    "抽查任务编号",
    "抽查任务名称",
    "抽查类型",
    "检查机关",
    "抽查市场主体名称",
    "统一社会信用代码/注册号",
    "检查完成日期",
    "检查结果",
    "备注",
)


@dataclass(frozen=True)
class DisclosureTable:
    """One disclosure table, ready to be written or shown."""

    kind: str  # task / list / results
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    col_widths: tuple[float, ...]
    task_id: int
    task_number: str


def _disclosable_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"抽查任务（编号 {task_id}）不存在")
    if task.is_classified:
        raise RuleViolation(
            f"任务 {task.number} 为涉密任务，其任务信息、名单和检查结果一律不得公示，不能生成公示文件。"
        )
    if not task.is_public:
        raise RuleViolation(
            f"任务 {task.number} 设定为不公开，不能生成公示文件。如需公示，请先在任务中改为公开并说明理由。"
        )
    if task.status == TaskStatus.CANCELLED:
        raise RuleViolation(f"任务 {task.number} 已取消，不能生成公示文件")
    return task


def _check_type(task: Task) -> str:
    kind = "定向抽查" if TaskScope.from_json(task.scope_json).directed else "不定向抽查"
    return kind + ("（部门联合抽查）" if task.mode.is_joint else "")


def _authorities(task: Task) -> str:
    return "、".join([task.lead_department.name, *(d.name for d in task.joint_departments)])


def _plan_fields(task: Task) -> tuple[str, str]:
    return (task.plan.number, task.plan.title) if task.plan is not None else ("", "")


def _inspections(session: Session, task: Task) -> list[tuple[Inspection, Target]]:
    rows = session.execute(
        select(Inspection, Target)
        .join(Target, Inspection.target_id == Target.id)
        .outerjoin(Team, Inspection.team_id == Team.id)
        .where(Inspection.task_id == task.id, Inspection.voided.is_(False))
        .order_by(Team.number, Inspection.visit_order, Inspection.stratum, Inspection.rank)
    ).all()
    if not rows:
        raise RuleViolation(f"任务 {task.number} 尚未抽取检查对象，没有可公示的内容")
    return [(i, t) for i, t in rows]


def _withheld_ids(session: Session, inspection_ids: list[int]) -> set[int]:
    """Inspections with a withheld current or published version: kept out of every disclosure."""
    rows = session.execute(
        select(ResultVersion.inspection_id, ResultVersion.uid, ResultVersion.is_current).where(
            ResultVersion.inspection_id.in_(inspection_ids), ResultVersion.withheld.is_(True)
        )
    ).all()
    published = {
        uid
        for uid in session.execute(
            select(Inspection.published_version_uid).where(Inspection.id.in_(inspection_ids))
        ).scalars()
        if uid
    }
    return {iid for iid, uid, current in rows if current or uid in published}


def task_announcement(ctx: ServiceContext, task_id: int) -> DisclosureTable:
    """抽查任务公告 of one task."""
    with ctx.read() as session:
        task = _disclosable_task(session, task_id)
        count = len(_inspections(session, task))
        plan_number, plan_title = _plan_fields(task)
        items = "、".join(i.name for i in resolve_items(session, task_data(task)))
        row = (
            plan_number,
            plan_title,
            task.number,
            task.name,
            _check_type(task),
            items,
            TaskScope.from_json(task.scope_json).describe(),
            f"{task.start_date:%Y-%m-%d}",
            f"{task.end_date:%Y-%m-%d}",
            _authorities(task),
            str(count),
        )
        return DisclosureTable(
            "task",
            f"{task.name} 抽查任务公告",
            TASK_HEADERS,
            (row,),
            (1.2, 1.6, 1.4, 1.8, 1, 2, 1.8, 1, 1, 1.6, 0.8),
            task.id,
            task.number,
        )


def target_list(ctx: ServiceContext, task_id: int) -> DisclosureTable:
    """抽查名单: the drawn entities of one task (withheld records left out)."""
    with ctx.read() as session:
        task = _disclosable_task(session, task_id)
        pairs = _inspections(session, task)
        hidden = _withheld_ids(session, [i.id for i, _ in pairs])
        visible = [(i, t) for i, t in pairs if i.id not in hidden]
        rows = tuple(
            (str(n), t.name, t.code or "", t.reg_authority) for n, (_, t) in enumerate(visible, start=1)
        )
        return DisclosureTable(
            "list", f"{task.name} 抽查名单", LIST_HEADERS, rows, (0.6, 3, 2, 2), task.id, task.number
        )


def result_announcement(ctx: ServiceContext, task_id: int) -> DisclosureTable:
    """抽查结果公告: the published results of one task, as published."""
    with ctx.read() as session:
        task = _disclosable_task(session, task_id)
        pairs = _inspections(session, task)
        hidden = _withheld_ids(session, [i.id for i, _ in pairs])
        uids = [i.published_version_uid for i, _ in pairs if i.published_version_uid]
        versions = {
            v.uid: v
            for v in session.execute(select(ResultVersion).where(ResultVersion.uid.in_(uids))).scalars()
        }
        plan_number, plan_title = _plan_fields(task)
        rows: list[tuple[str, ...]] = []
        for inspection, target in pairs:
            if inspection.state != InspectionState.PUBLISHED or inspection.id in hidden:
                continue
            version = versions.get(inspection.published_version_uid or "")
            # Checked again per row: a version of the classified stream never reaches a public file.
            if version is None or version.withheld or version.stream != STREAM_PUBLIC:
                continue
            result = json.loads(version.payload_json)["result"]
            note = ""
            if version.kind == ResultVersionKind.CORRECTION and version.published_at is not None:
                note = f"该结果已于 {version.published_at.astimezone():%Y-%m-%d} 更正"
            rows.append(
                (
                    str(len(rows) + 1),
                    plan_number,
                    plan_title,
                    task.number,
                    task.name,
                    _check_type(task),
                    _authorities(task),
                    target.name,
                    target.code or "",
                    result.get("inspection_date") or "",
                    "；".join(c["label"] for c in result.get("categories", [])),
                    note,
                )
            )
        return DisclosureTable(
            "results",
            f"{task.name} 抽查结果公告",
            RESULT_HEADERS,
            tuple(rows),
            (0.5, 1, 1.2, 1.2, 1.5, 0.9, 1.3, 1.8, 1.5, 0.9, 1.8, 1),
            task.id,
            task.number,
        )


def build_disclosure(ctx: ServiceContext, kind: str, task_id: int) -> DisclosureTable:
    """One of the three tables by kind: ``task``, ``list`` or ``results``."""
    if kind == "task":
        return task_announcement(ctx, task_id)
    if kind == "list":
        return target_list(ctx, task_id)
    if kind == "results":
        return result_announcement(ctx, task_id)
    raise ValidationError([FieldError("公示类型", f"「{kind}」不是公示类型，应为 task、list 或 results")])


def write_disclosure(table: DisclosureTable, path: Path, *, issued_on: date | None = None) -> Path:
    """Write the table as ``.xlsx`` or ``.pdf`` (by the file's suffix)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_table(path, title=table.title, headers=table.headers, rows=table.rows)
    elif suffix == ".pdf":
        from app.printing.table_pdf import write_table_pdf

        write_table_pdf(
            path,
            title=table.title,
            headers=table.headers,
            rows=table.rows,
            col_widths=table.col_widths,
            subtitle=f"任务编号：{table.task_number}　　公示日期：{(issued_on or date.today()):%Y年%m月%d日}",
        )
    else:
        raise ValidationError([FieldError("输出文件", f"「{path.name}」的类型不支持，请用 .xlsx 或 .pdf")])
    return path


def export_disclosure(ctx: ServiceContext, kind: str, task_id: int, path: Path) -> DisclosureTable:
    """Build a disclosure table, write it, and record the publication in the audit trail."""
    ctx.require(Permission.PUBLISH)
    table = build_disclosure(ctx, kind, task_id)
    write_disclosure(table, path)
    with ctx.write() as session:
        ctx.audit(
            session,
            action="disclose",
            entity="tasks",
            entity_id=task_id,
            summary=f"生成公示文件：{table.title}（{len(table.rows)} 行）→ {path.name}",
        )
    return table


# ---------------------------------------------------------------------------------------------
# The 结果公示 page: which tasks can be disclosed, what awaits 公示审批, what is due


@dataclass(frozen=True)
class DisclosureTaskRow:
    """A task that may be disclosed, with where its publication stands."""

    task_id: int
    task_number: str
    task_name: str
    end_date: date
    due_date: date
    covered: bool  # the holiday tables covered every day of the count
    warning: str
    working_days_left: int
    status_label: str  # 已逾期 / 即将到期 / 未到期 / 已完成
    total: int  # inspections drawn
    published: int  # through 公示审批
    awaiting: int  # 已审核, waiting for 公示审批 (withheld ones not counted: they are never disclosed)


def _disclosable_task_ids(session: Session) -> set[int]:
    return set(
        session.execute(
            select(Task.id).where(
                Task.is_public.is_(True), Task.is_classified.is_(False), Task.status != TaskStatus.CANCELLED
            )
        ).scalars()
    )


def _withheld_current(session: Session, inspection_ids: list[int]) -> set[int]:
    return set(
        session.execute(
            select(ResultVersion.inspection_id).where(
                ResultVersion.inspection_id.in_(inspection_ids),
                ResultVersion.is_current.is_(True),
                ResultVersion.withheld.is_(True),
            )
        ).scalars()
    )


def awaiting_publication(ctx: ServiceContext, task_id: int) -> list[ResultRow]:
    """Results of a disclosable task that passed 组长审核 and wait for 公示审批 (withheld left out).

    Raises ``RuleViolation`` for a classified or non-public task: their results are approved not
    to be disclosed on the 检查实施 page, never here.
    """
    with ctx.read() as session:
        _disclosable_task(session, task_id)
    return [
        r
        for r in list_results(ctx, task_id)
        if not r.withheld
        and (
            r.state == InspectionState.APPROVED
            or (r.state == InspectionState.PUBLISHED and r.correction_state == CorrectionState.APPROVED)
        )
    ]


def disclosure_overview(ctx: ServiceContext, today: date) -> list[DisclosureTaskRow]:
    """Every task that may be disclosed and has drawn inspections, by due date."""
    board = result_deadlines(ctx, today)
    with ctx.read() as session:
        allowed = _disclosable_task_ids(session)
    rows: list[DisclosureTaskRow] = []
    for t in board.tasks:
        if t.task_id not in allowed:
            continue
        rows.append(
            DisclosureTaskRow(
                task_id=t.task_id,
                task_number=t.task_number,
                task_name=t.task_name,
                end_date=t.end_date,
                due_date=t.due_date,
                covered=t.covered,
                warning=t.warning,
                working_days_left=t.working_days_left,
                status_label=t.status_label,
                total=t.total,
                published=t.published,
                awaiting=len(awaiting_publication(ctx, t.task_id)),
            )
        )
    return sorted(rows, key=lambda r: (r.due_date, r.task_number))


def publication_due(ctx: ServiceContext, today: date) -> list[OpenInspection]:
    """Results of disclosable tasks not yet through 公示审批 whose deadline is past or near.

    Withheld results are left out: they are approved not to be disclosed, and naming them on a
    disclosure screen would defeat the point.
    """
    board = result_deadlines(ctx, today)
    pending = [*board.overdue, *board.due_soon]
    with ctx.read() as session:
        allowed = _disclosable_task_ids(session)
        hidden = _withheld_current(session, [o.inspection_id for o in pending])
    return [o for o in pending if o.task_id in allowed and o.inspection_id not in hidden]


def disclosure_pdf(table: DisclosureTable, *, issued_on: date | None = None) -> bytes:
    """The table as PDF bytes (for the preview; saving goes through ``export_disclosure``)."""
    with tempfile.TemporaryDirectory(prefix="liancha-disclosure-") as folder:
        path = Path(folder) / "preview.pdf"
        write_disclosure(table, path, issued_on=issued_on)
        return path.read_bytes()
