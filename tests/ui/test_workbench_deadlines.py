"""工作台: results overdue for 公示 are listed, with the holiday-table warning shown plainly."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets
from app.services.tasks import create_task
from app.ui.context import UiContext
from app.ui.pages.workbench import WorkbenchPage
from tests.factories import build_mini_county, joint_task_data

SEED = SeedEntry("12345678901234567890")


def test_workbench_lists_overdue_results(
    qtbot: QtBot, qtmodeltester: object, ui: UiContext, ctx: ServiceContext
) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county, start_date=date(2025, 5, 1), end_date=date(2025, 6, 30)))
    draw_task_targets(ctx, task, seed=SEED)
    draw_task_inspectors(ctx, task, seed=SEED)

    page = WorkbenchPage(ui)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.deadlines is not None, timeout=10_000)
    board = page.deadlines
    assert board is not None and board.overdue
    assert page.deadline_model.rowCount() == len(board.overdue) + len(board.due_soon)
    first = page.deadline_model.index(0, 0).data()
    assert first.startswith("逾期")
    assert "已逾期" in page.deadline_summary.text()
    assert page.deadline_warning.isVisible() == bool(board.warnings)
    for warning in board.warnings:
        assert warning in page.deadline_warning.text()
    qtmodeltester.check(page.deadline_model)  # type: ignore[attr-defined]
