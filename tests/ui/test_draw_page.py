"""随机抽取 page: announce, draw with witnesses' seed, refuse a second draw, void, teams, record export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.models.enums import DrawKind
from app.services.context import ServiceContext
from app.services.draws import list_draws
from app.services.inspectors import InspectorData, create_inspector
from app.services.printing import PrintKind
from app.services.tasks import create_task
from app.ui.application import load_cjk_font
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.pages.draw import DrawPage
from tests.factories import build_mini_county, joint_task_data
from tests.ui.helpers import type_text, visible_message_box

SEED = "31415926535897932384"


def _page(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> tuple[DrawPage, int]:
    county = build_mini_county(ctx)
    task_id = create_task(ctx, joint_task_data(county))
    page = DrawPage(ui)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    assert page.task_id() == task_id
    return page, task_id


def _announce_and_draw(qtbot: QtBot, page: DrawPage) -> None:
    assert not page.draw_button.isEnabled()  # no seed before the population is announced
    with qtbot.waitSignal(page.announced, timeout=10_000):
        page.announce()
    assert page.draw_button.isEnabled()
    page.witnesses.add_row(["王五", "县人大代表"])
    page.seed_edit.setText(SEED)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.draw()


def test_announce_then_draw_eight_targets(
    qtbot: QtBot, qtmodeltester: ModelTester, ui: UiContext, ctx: ServiceContext, tmp_path: Path
) -> None:
    page, task_id = _page(qtbot, ui, ctx)
    with qtbot.waitSignal(page.announced, timeout=10_000):
        page.announce()
    lines = page.strata_model.rows()
    assert [(line.stratum, line.size, line.sample_size) for line in lines] == [
        ("A 类", 20, 1),
        ("B 类", 40, 4),
        ("C 类", 10, 2),
        ("D 类", 4, 1),
    ]
    assert all(len(line.sha256) == 64 for line in lines)
    qtmodeltester.check(page.strata_model)
    page.witnesses.add_row(["王五", "县人大代表"])
    page.seed_edit.setText(SEED)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.draw()
    assert page.targets_model.rowCount() == 8
    assert all(row.ticket for row in page.targets_model.rows())
    qtmodeltester.check(page.targets_model)
    draws = list_draws(ctx, task_id)
    assert len(draws) == 1 and draws[0].seed == SEED and "王五" in draws[0].witnesses
    assert SEED in page.draw_label.text()
    out = page.export_record(tmp_path / "record.json")
    assert out is not None
    assert json.loads(out.read_text(encoding="utf-8"))  # the stored record, as JSON


def test_second_draw_is_refused_with_a_message(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> None:
    page, task_id = _page(qtbot, ui, ctx)
    _announce_and_draw(qtbot, page)
    page.draw()
    qtbot.waitUntil(lambda: visible_message_box() is not None, timeout=10_000)
    box = visible_message_box()
    assert box is not None and "作废" in box.text()
    box.close()
    assert len(list_draws(ctx, task_id)) == 1


def test_short_dice_seed_is_refused_in_the_error_dialog(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext
) -> None:
    page, task_id = _page(qtbot, ui, ctx)
    with qtbot.waitSignal(page.announced, timeout=10_000):
        page.announce()
    page.seed_edit.setText("1234")
    page.draw()
    qtbot.waitUntil(lambda: visible_message_box() is not None, timeout=10_000)
    box = visible_message_box()
    assert box is not None and "20 位" in box.text()
    box.close()
    assert list_draws(ctx, task_id) == []


def test_void_requires_a_reason(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> None:
    page, task_id = _page(qtbot, ui, ctx)
    _announce_and_draw(qtbot, page)
    dialog = page.void()
    assert isinstance(dialog, ReasonDialog) and not dialog.ok_button.isEnabled()
    dialog.accept()  # refused without a reason
    assert dialog.isVisible()
    type_text(dialog.text, "见证人未到场，重新组织抽取")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        dialog.accept()
    draws = list_draws(ctx, task_id)
    assert draws[0].voided and draws[0].void_reason == "见证人未到场，重新组织抽取"
    assert page.targets_model.rowCount() == 0
    assert not page.void_button.isEnabled()


def test_inspectors_drawn_then_teams_shown(
    qtbot: QtBot, qtmodeltester: ModelTester, ui: UiContext, ctx: ServiceContext
) -> None:
    page, _task_id = _page(qtbot, ui, ctx)
    _announce_and_draw(qtbot, page)
    assert page.teams_button.isEnabled()
    page.seed_edit.setText("27182818284590452353")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.draw_inspectors()
    assert page.active_draw(DrawKind.INSPECTORS) is not None
    lines = page.teams_model.rows()
    assert {line.team for line in lines} == {1, 2}
    assert sum({line.team: line.targets for line in lines}.values()) == 8
    assert all(line.certificate for line in lines)
    qtmodeltester.check(page.teams_model)
    assert not page.teams_button.isEnabled()
    page.set_projector(True)
    assert page.font().pointSizeF() > page._base_font.pointSizeF()
    page.set_projector(False)


def test_team_constraint_is_shown_in_the_error_dialog(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext
) -> None:
    county = build_mini_county(ctx, inspectors_per_department=1)  # 2 officers cannot make 2 teams of 2
    task_id = create_task(ctx, joint_task_data(county))
    page = DrawPage(ui)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    _announce_and_draw(qtbot, page)
    page.seed_edit.setText("27182818284590452353")
    page.draw_inspectors()
    qtbot.waitUntil(lambda: visible_message_box() is not None, timeout=10_000)
    box = visible_message_box()
    assert box is not None and box.windowTitle() == "无法完成操作" and box.text()
    box.close()
    assert [d.kind for d in list_draws(ctx, task_id)] == [DrawKind.TARGETS]
    assert page.teams_model.rowCount() == 0


def test_teams_tab_shows_members_expert_targets_and_prints(
    qtbot: QtBot, qtmodeltester: ModelTester, ui: UiContext, ctx: ServiceContext
) -> None:
    county = build_mini_county(ctx)
    for n in (1, 2):
        create_inspector(
            ctx,
            InspectorData(
                name=f"食品专家{n}",
                department_id=county.departments["青山市监"],
                staff_no=f"ZJ-{n}",
                is_expert=True,
            ),
        )
    task_id = create_task(ctx, joint_task_data(county, expert_per_team=True))
    page = DrawPage(ui)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    assert page.task_id() == task_id
    assert not page.print_dispatch_button.isEnabled()  # no teams yet
    _announce_and_draw(qtbot, page)
    page.seed_edit.setText("27182818284590452353")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.draw_inspectors()
    assert page.results_tabs.tabText(1) == "检查组（2）"
    page.results_tabs.setCurrentIndex(1)
    teams = page.team_summary_model.rows()
    assert [t.number for t in teams] == [1, 2]
    leaders = {
        (line.team, line.name, line.department) for line in page.teams_model.rows() if line.role == "组长"
    }
    assert {
        (t.number, t.leader, "青山县市场监督管理局") for t in teams
    } == leaders  # the lead department leads
    assert all("（青山县消防救援大队）" in t.officers for t in teams)
    assert sorted(t.experts for t in teams) == ["食品专家1", "食品专家2"]
    assert (
        sum(t.targets for t in teams) == 8
        and max(t.targets for t in teams) - min(t.targets for t in teams) <= 1
    )
    qtmodeltester.check(page.team_summary_model)
    assert not page.print_packet_button.isEnabled()  # a packet is per team: choose one first
    page.select_team(2)
    rows = page.team_targets_model.rows()
    assert len(rows) == teams[1].targets
    assert {r.team_number for r in rows} == {2}
    assert [r.visit_order for r in rows] == sorted(r.visit_order or 0 for r in rows)
    assert "第 2 组" in page.team_targets_label.text()
    qtmodeltester.check(page.team_targets_model)
    assert page.print_packet_button.isEnabled()
    dispatch = page.print_teams(PrintKind.DISPATCH)
    assert dispatch is not None and dispatch.team is None
    qtbot.waitUntil(lambda: dispatch.page_count() > 0, timeout=30_000)
    dispatch.reject()
    packet = page.print_teams(PrintKind.PACKET)
    assert packet is not None and packet.team == 2
    qtbot.waitUntil(lambda: packet.page_count() > 0, timeout=30_000)
    packet.reject()


def test_the_page_says_what_to_do_first(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> None:
    empty = DrawPage(ui)
    qtbot.addWidget(empty)
    with qtbot.waitSignal(empty.loaded, timeout=10_000):
        empty.show()
    assert empty.task_id() is None
    assert "抽查计划" in empty.draw_label.text() and "新建任务" in empty.draw_label.text()

    page, _task = _page(qtbot, ui, ctx)
    assert "公布名录" in page.draw_label.text()  # the first step, while 抽取 is still greyed out
    _announce_and_draw(qtbot, page)
    assert page.draw_label.text().startswith("已于")


@pytest.fixture
def shipped_font(qapp: QApplication) -> Iterator[str]:
    """The application's shipped font at 10 pt, as on an office PC: its widths matter to these tests."""
    family = load_cjk_font()
    assert family is not None
    old = qapp.font()
    qapp.setFont(QFont(family, 10))
    yield family
    qapp.setFont(old)


def test_seed_hint_is_readable_on_a_laptop(
    qtbot: QtBot, shipped_font: str, ui: UiContext, ctx: ServiceContext
) -> None:
    page, _task = _page(qtbot, ui, ctx)
    page.resize(1366 - 16 - 116, 640)  # a 1366-wide window less the navigation
    qtbot.wait(50)
    edit = page.seed_edit
    shown = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
    assert shown <= edit.width() - 12, (shown, edit.width())  # not elided
    assert "至少 20 位" in edit.placeholderText()


def test_all_four_strata_are_in_sight_on_a_laptop(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> None:
    page, _task = _page(qtbot, ui, ctx)
    page.resize(1366 - 16 - 116, 728 - 40 - 60)  # the page's share of a 1366×768 window
    with qtbot.waitSignal(page.announced, timeout=10_000):
        page.announce()
    view = page.strata_view
    rows = page.strata_model.rowCount()
    assert rows >= 1
    qtbot.wait(50)
    four = 4 * view.verticalHeader().defaultSectionSize()
    assert view.viewport().height() >= four  # room for A, B, C and D without scrolling


def test_projector_mode_fits_a_laptop_and_recounts_column_widths(
    qtbot: QtBot, shipped_font: str, ui: UiContext, ctx: ServiceContext
) -> None:
    page, _task = _page(qtbot, ui, ctx)
    with qtbot.waitSignal(page.announced, timeout=10_000):
        page.announce()
    ratio = next(n for n, c in enumerate(page.strata_model.columns) if c.header == "比例")
    page.set_projector(True)
    # The window is at most 1366 wide, less the navigation: the page must fit in what is left.
    assert page.minimumSizeHint().width() <= 1366 - 16 - 116
    view = page.strata_view
    assert view.fontMetrics().horizontalAdvance("100.00%") + 8 <= view.columnWidth(ratio)
    assert view.minimumHeight() >= 4 * view.verticalHeader().defaultSectionSize()
    page.set_projector(False)


def test_projector_mode_on_a_laptop_keeps_the_seed_method_and_all_four_strata_readable(
    qtbot: QtBot, shipped_font: str, ui: UiContext, ctx: ServiceContext
) -> None:
    page, _task = _page(qtbot, ui, ctx)
    with qtbot.waitSignal(page.announced, timeout=10_000):
        page.announce()
    page.set_projector(True)
    # What the main window leaves the page on a 1366×768 laptop (navigation, menu, status bar).
    page.resize(1366 - 16 - 116, 728 - 40 - 60)
    qtbot.waitUntil(lambda: page.method_combo.width() > 0)
    qtbot.wait(50)
    combo = page.method_combo
    assert combo.currentText() == "现场掷骰"
    assert combo.width() >= combo.sizeHint().width()  # 现场掷骰 whole, not 现场掷…
    view = page.strata_view
    four = 4 * view.verticalHeader().defaultSectionSize()
    assert view.viewport().height() >= four  # D 类 not half under the hash column's scroll bar
    page.set_projector(False)
    assert combo.width() >= combo.sizeHint().width()
