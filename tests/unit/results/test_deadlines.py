"""公示期限 on the 工作台: overdue, due soon, done, and the missing-holiday-table warning across 2026→2027."""

from __future__ import annotations

from datetime import date, timedelta

from app.draw.record import SeedMethod
from app.services.draws import SeedEntry, draw_task_targets, drawn_targets
from app.services.result_deadlines import DONE, DUE_SOON, OPEN, OVERDUE, result_deadlines
from app.services.results import approve_result, publish_results, submit_result
from app.services.tasks import create_task
from app.services.workdays import (
    RESULTS_DUE_DAYS,
    add_working_days,
    office_calendar,
    parse_holiday_file,
    save_holiday_table,
)
from tests.factories import joint_task_data
from tests.unit.results.helpers import TODAY, ResultsEnv, good_payload


def test_overdue_and_done(env: ResultsEnv) -> None:
    ctx = env.ctx
    for iid in env.drawn.private_inspections:
        submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
        approve_result(ctx, iid)
    publish_results(ctx, task_id=env.drawn.private_task)
    board = result_deadlines(ctx, TODAY)
    by_task = {t.task_id: t for t in board.tasks}
    public = by_task[env.drawn.public_task]
    expected = add_working_days(date(2026, 6, 30), RESULTS_DUE_DAYS, office_calendar(ctx))
    assert public.due_date == expected.due and public.covered and public.warning == ""
    assert public.status == OVERDUE and public.status_label == "已逾期" and public.working_days_left < 0
    assert public.total == len(env.drawn.public_inspections) and public.published == 0
    private = by_task[env.drawn.private_task]
    assert private.status == DONE and private.open_inspections == ()
    assert private.published == private.total
    overdue_ids = {i.inspection_id for i in board.overdue}
    assert set(env.drawn.public_inspections) <= overdue_ids
    assert not overdue_ids & set(env.drawn.private_inspections)
    assert env.drawn.undrawn_task not in by_task  # nothing drawn, nothing to publish yet


def test_deadline_across_new_year_warns_about_missing_holidays(env: ResultsEnv) -> None:
    ctx = env.ctx
    december = create_task(
        ctx,
        joint_task_data(
            env.drawn.county,
            name="2026年岁末节前专项检查",
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 20),
            fixed_count=3,
            ratios={},
        ),
    )
    draw_task_targets(ctx, december, seed=SeedEntry("31415926535897932384", SeedMethod.DICE))
    inspections = {t.inspection_id for t in drawn_targets(ctx, december)}
    board = result_deadlines(ctx, date(2026, 12, 21))
    task = next(t for t in board.tasks if t.task_id == december)
    assert task.due_date.year == 2027
    assert not task.covered and "2027" in task.warning and "节假日" in task.warning
    assert task.warning in board.warnings
    assert task.status == OPEN and task.working_days_left > 5
    # Five working days or fewer before the due date: due soon.
    soon = result_deadlines(ctx, task.due_date - timedelta(days=3))
    soon_task = next(t for t in soon.tasks if t.task_id == december)
    assert soon_task.status == DUE_SOON and 0 <= soon_task.working_days_left <= 5
    assert inspections <= {i.inspection_id for i in soon.due_soon}
    late = result_deadlines(ctx, date(2027, 3, 1))
    assert next(t for t in late.tasks if t.task_id == december).status == OVERDUE


def test_entering_the_2027_holiday_table_recomputes_the_board(env: ResultsEnv) -> None:
    ctx = env.ctx
    december = create_task(
        ctx,
        joint_task_data(
            env.drawn.county,
            name="2026年岁末专项检查",
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 15),
            fixed_count=2,
            ratios={},
        ),
    )
    draw_task_targets(ctx, december, seed=SeedEntry("27182818284590452353", SeedMethod.DICE))
    before = next(t for t in result_deadlines(ctx, date(2026, 12, 16)).tasks if t.task_id == december)
    # Without a 2027 table: weekends only, so Friday 2027-01-01 counts as a working day.
    assert not before.covered and before.due_date == date(2027, 1, 12)
    holidays, workdays = parse_holiday_file("2027-01-01 休\n2027-02-06~2027-02-12 休\n2027-02-14 班\n")
    save_holiday_table(
        ctx, year=2027, holidays=holidays, workdays=workdays, source="国务院办公厅通知（测试）"
    )
    after = next(t for t in result_deadlines(ctx, date(2026, 12, 16)).tasks if t.task_id == december)
    assert after.covered and not after.warning
    assert after.due_date == date(2027, 1, 13)  # 元旦 2027 no longer counted
    # Still the same number of working days to go; only the calendar date moved.
    assert after.working_days_left == before.working_days_left
