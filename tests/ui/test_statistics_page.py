"""工作台 tiles with their drill-down, the 统计分析 page (charts, tables, filters), the year-end summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from app.models.enums import TaskMode
from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets, drawn_targets
from app.services.results import approve_result, publish_results, submit_result
from app.services.statistics import (
    BAR,
    LINE,
    PIE,
    PLAN_PROGRESS,
    TARGETS_FUNNEL,
    VISITS_SAVED,
    compute_statistics,
)
from app.services.tasks import create_task
from app.ui.charts import ChartWidget, FigureTableModel
from app.ui.context import UiContext
from app.ui.pages.statistics import PAGE_KEYS, StatisticsPage
from app.ui.pages.workbench import WorkbenchPage
from tests.factories import build_mini_county, joint_task_data
from tests.unit.results.helpers import good_payload

SEED = SeedEntry("12345678901234567890")


@pytest.fixture
def county_with_results(ctx: ServiceContext) -> int:
    """This year's joint task with three targets, two of them inspected and one published."""
    year = date.today().year
    county = build_mini_county(ctx)
    task = create_task(
        ctx,
        joint_task_data(
            county,
            name=f"{year}年餐饮单位联合抽查",
            start_date=date(year, 1, 5),
            end_date=date(year, 1, 20),
            fixed_count=3,
            ratios={},
        ),
    )
    draw_task_targets(ctx, task, seed=SEED)
    draw_task_inspectors(ctx, task, seed=SEED)
    inspections = [t.inspection_id for t in drawn_targets(ctx, task)]
    for iid in inspections[:2]:
        payload = good_payload(ctx, iid, inspection_date=date(year, 1, 10))
        submit_result(ctx, iid, payload, today=date(year, 1, 10))
    approve_result(ctx, inspections[0])
    publish_results(ctx, task_id=task)
    return task


def _painted_colours(widget: ChartWidget) -> set[str]:
    image = widget.grab().toImage()
    return {
        QColor(image.pixel(x, y)).name()
        for x in range(0, image.width(), 4)
        for y in range(0, image.height(), 4)
    }


def test_chart_widget_draws_every_kind(qtbot: QtBot) -> None:
    chart = ChartWidget()
    qtbot.addWidget(chart)
    chart.resize(600, 260)
    chart.set_chart(BAR, [])
    assert "#2f6db5" not in _painted_colours(chart)  # 暂无数据: no bars
    for kind in (BAR, PIE, LINE):
        chart.set_chart(kind, [("餐饮", 3.0), ("药品零售", 1.0), ("加油站", 2.0)], "户数")
        assert "#2f6db5" in _painted_colours(chart), kind  # the first series colour is painted
    chart.set_chart(LINE, [("〔2026〕1号", 8.0), ("〔2026〕2号", 25.0)], "工作日", 20.0, "期限 20 个工作日")
    assert "#c0392b" in _painted_colours(chart)  # the dashed deadline line
    chart.set_chart(PIE, [("未发现问题", 4.0), ("发现问题", 1.0)])
    colours = _painted_colours(chart)
    assert {"#2f6db5", "#e07b39"} <= colours  # one colour per slice


def test_workbench_tiles_open_the_list_behind_them(
    qtbot: QtBot, qtmodeltester: object, ui: UiContext, ctx: ServiceContext, county_with_results: int
) -> None:
    page = WorkbenchPage(ui)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.stats is not None and page.deadlines is not None, timeout=15_000)
    funnel = page.tiles[TARGETS_FUNNEL]
    assert funnel.isEnabled() and "抽取 3 / 已检查 2 / 已公示 1" in funnel.text()
    assert "减少 2 次入户" in page.tiles[VISITS_SAVED].text()
    dialog = page.open_figure(PLAN_PROGRESS)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.panel.model.rowCount() == 1
    assert dialog.panel.model.index(0, 1).data().endswith("餐饮单位联合抽查")
    qtmodeltester.check(dialog.panel.model)  # type: ignore[attr-defined]
    funnel.click()  # the tile's own signal opens the funnel's list
    qtbot.waitUntil(
        lambda: any(d.windowTitle() == "抽取、检查与公示" for d in page.findChildren(type(dialog)))
    )
    # The deadline list is still there and filled.
    assert page.deadline_summary.text() != "…"


def test_statistics_page_shows_each_figure_and_filters(
    qtbot: QtBot, qtmodeltester: object, ui: UiContext, ctx: ServiceContext, county_with_results: int
) -> None:
    page = StatisticsPage(ui)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitUntil(lambda: page.stats is not None, timeout=15_000)
    assert page.figure_list.count() == len(PAGE_KEYS)
    expected = compute_statistics(ctx, page.current_filter())
    for n, key in enumerate(PAGE_KEYS):
        page.figure_list.setCurrentRow(n)
        figure = expected[key]
        assert page.panel.title.text().startswith(figure.title)
        assert page.panel.model.rowCount() == len(figure.rows)
        qtmodeltester.check(page.panel.model)  # type: ignore[attr-defined]
    page.show_figure(TARGETS_FUNNEL)
    assert page.panel.model.index(0, 2).data() == "3"
    # Filter to single-department tasks: none this year, so nothing drawn.
    page.stats = None
    page.mode_box.set_value(TaskMode.SINGLE)
    qtbot.waitUntil(lambda: page.stats is not None, timeout=15_000)
    assert page.stats is not None and page.stats[TARGETS_FUNNEL].value == 0
    assert page.stats.filter.mode == TaskMode.SINGLE


def test_year_report_from_the_page(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, county_with_results: int, tmp_path: Path
) -> None:
    page = StatisticsPage(ui)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.stats is not None, timeout=15_000)
    out = tmp_path / "总结.xlsx"
    page.export_report(out)
    qtbot.waitUntil(lambda: "已导出" in page.status.text(), timeout=30_000)
    cells = [
        str(c) for ws in load_workbook(out).worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert "抽取 3 / 已检查 2 / 已公示 1" in cells
    preview = page.preview_report()
    qtbot.addWidget(preview)
    qtbot.waitUntil(lambda: preview.page_count() > 0, timeout=30_000)
    assert preview.pdf_bytes is not None and preview.pdf_bytes.startswith(b"%PDF")


def test_figure_model_is_empty_without_a_figure(qtmodeltester: object) -> None:
    model = FigureTableModel()
    assert model.rowCount() == 0 and model.columnCount() == 0
    qtmodeltester.check(model)  # type: ignore[attr-defined]
