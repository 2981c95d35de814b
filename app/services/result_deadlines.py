"""公示期限 for the 工作台: results are published within 20 working days of the task's end.

For each task with drawn inspections: the end date, the due date (``add_working_days(end,
RESULTS_DUE_DAYS)``, with the warning when a year's holiday table is missing), and the
inspections whose result is not yet through 公示审批 — overdue ones, and those due within
``DUE_SOON_WORKING_DAYS`` working days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.models import Inspection, Target, Task
from app.models.enums import InspectionState, TaskStatus
from app.services.context import ServiceContext
from app.services.workdays import RESULTS_DUE_DAYS, add_working_days, load_calendar, working_days_between

logger = logging.getLogger(__name__)

DUE_SOON_WORKING_DAYS = 5

OVERDUE, DUE_SOON, OPEN, DONE = "overdue", "due_soon", "open", "done"
_STATUS_LABELS = {OVERDUE: "已逾期", DUE_SOON: "即将到期", OPEN: "未到期", DONE: "已完成"}


@dataclass(frozen=True)
class _Open:
    id: int
    uid: str
    state: InspectionState


@dataclass(frozen=True)
class _TaskInfo:
    id: int
    number: str
    name: str
    end_date: date


@dataclass(frozen=True)
class OpenInspection:
    """An inspection whose result is not yet published (or approved not to be)."""

    inspection_id: int
    inspection_uid: str
    task_id: int
    task_number: str
    target_name: str
    target_code: str
    state: InspectionState
    state_label: str
    due_date: date
    working_days_left: int  # negative: working days overdue


@dataclass(frozen=True)
class TaskDeadline:
    task_id: int
    task_number: str
    task_name: str
    end_date: date
    due_date: date
    covered: bool  # every day counted was covered by a holiday table
    warning: str  # what to do when it was not (Deadline.warning)
    working_days_left: int
    status: str  # overdue / due_soon / open / done
    status_label: str
    total: int
    published: int
    open_inspections: tuple[OpenInspection, ...]


@dataclass(frozen=True)
class DeadlineBoard:
    today: date
    tasks: tuple[TaskDeadline, ...]
    overdue: tuple[OpenInspection, ...]
    due_soon: tuple[OpenInspection, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        """Distinct holiday-table warnings, to show once above the list."""
        return tuple(dict.fromkeys(t.warning for t in self.tasks if t.warning))


def result_deadlines(ctx: ServiceContext, today: date) -> DeadlineBoard:
    """The 公示 deadlines of every task that has drawn inspections (cancelled tasks left out).

    A task is *overdue* when today is past its due date with results still unpublished, *due soon*
    when at most ``DUE_SOON_WORKING_DAYS`` working days remain.
    """
    with ctx.read() as session:
        calendar = load_calendar(session)
        rows = [
            (
                _Open(i.id, i.uid, i.state),
                _TaskInfo(t.id, t.number, t.name, t.end_date),
                target.name,
                target.code or "",
            )
            for i, t, target in session.execute(
                select(Inspection, Task, Target)
                .join(Task, Inspection.task_id == Task.id)
                .join(Target, Inspection.target_id == Target.id)
                .where(Inspection.voided.is_(False), Task.status != TaskStatus.CANCELLED)
                .order_by(Task.end_date, Task.id, Inspection.team_id, Inspection.visit_order, Inspection.id)
            ).all()
        ]
    by_task: dict[int, tuple[_TaskInfo, list[tuple[_Open, str, str]]]] = {}
    for inspection, task, name, code in rows:
        by_task.setdefault(task.id, (task, []))[1].append((inspection, name, code))
    tasks: list[TaskDeadline] = []
    overdue: list[OpenInspection] = []
    due_soon: list[OpenInspection] = []
    for task, inspections in by_task.values():
        deadline = add_working_days(task.end_date, RESULTS_DUE_DAYS, calendar)
        left = working_days_between(today, deadline.due, calendar)
        pending = [
            OpenInspection(
                inspection_id=i.id,
                inspection_uid=i.uid,
                task_id=task.id,
                task_number=task.number,
                target_name=name,
                target_code=code,
                state=i.state,
                state_label=i.state.label,
                due_date=deadline.due,
                working_days_left=left,
            )
            for i, name, code in inspections
            if i.state != InspectionState.PUBLISHED
        ]
        if not pending:
            status = DONE
        elif today > deadline.due:
            status = OVERDUE
            overdue.extend(pending)
        elif left <= DUE_SOON_WORKING_DAYS:
            status = DUE_SOON
            due_soon.extend(pending)
        else:
            status = OPEN
        tasks.append(
            TaskDeadline(
                task_id=task.id,
                task_number=task.number,
                task_name=task.name,
                end_date=task.end_date,
                due_date=deadline.due,
                covered=deadline.covered,
                warning=deadline.warning,
                working_days_left=left,
                status=status,
                status_label=_STATUS_LABELS[status],
                total=len(inspections),
                published=len(inspections) - len(pending),
                open_inspections=tuple(pending),
            )
        )
    return DeadlineBoard(today, tuple(tasks), tuple(overdue), tuple(due_soon))
