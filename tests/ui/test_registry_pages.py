"""Inspectors, items, schemes and departments: lists, filters and their editors."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QTableView, QToolTip
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.models.enums import INSPECTION_METHODS
from app.services.context import ServiceContext
from app.services.departments import list_departments
from app.services.imports import import_registry
from app.services.inspectors import get_inspector, list_inspectors
from app.services.items import get_item, list_items
from app.services.schemes import get_scheme, list_schemes
from app.services.targets import TargetFilter, search_target_ids
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.dialogs.item import ItemDialog
from app.ui.pages.departments import DepartmentsPanel
from app.ui.pages.inspectors import InspectorsPanel
from app.ui.pages.items import ItemsPanel
from app.ui.pages.panel import RegistryPanel
from app.ui.pages.registry import REGISTRY_TABS, RegistryPage
from app.ui.pages.schemes import SchemesPanel
from app.ui.widgets import ElidedTipDelegate, char_width
from tests.sample_county import SampleCounty
from tests.ui.helpers import type_text


def _show(qtbot: QtBot, panel: RegistryPanel) -> None:
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.show()


def _save(qtbot: QtBot, dialog: QDialogButtonBox) -> None:
    qtbot.mouseClick(dialog.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)


def test_registry_page_has_a_tab_per_registry(qtbot: QtBot, ui: UiContext, sample: SampleCounty) -> None:
    page = RegistryPage(ui)
    qtbot.addWidget(page)
    assert [page.tabs.tabText(n) for n in range(page.tabs.count())] == [t.title for t in REGISTRY_TABS]
    panel = page.show_tab("departments")
    assert isinstance(panel, DepartmentsPanel)


def test_inspectors_list_marks_experts_and_filters(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = InspectorsPanel(ui)
    _show(qtbot, panel)
    assert panel.model.rowCount() == len(sample.inspectors)
    identity = [c.header for c in panel.model.columns].index("身份")
    marks = {str(panel.model.data(panel.model.index(r, identity))) for r in range(panel.model.rowCount())}
    assert marks == {"专家", "执法人员"}
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.experts_only.setChecked(True)
    assert panel.model.rowCount() == len([r for r in list_inspectors(ctx) if r.is_expert]) == 3
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.experts_only.setChecked(False)
        panel.department_filter.set_value(sample.departments[0])
        panel.reload()
    assert {r.department_id for r in panel.model.rows()} == {sample.departments[0]}


def test_inspector_dialog_adds_certificate_tag_and_recusal_conflict(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = InspectorsPanel(ui)
    _show(qtbot, panel)
    dialog = panel.add()
    qtbot.waitUntil(dialog.isVisible)
    type_text(dialog.name, "周新民")
    dialog.certificates.add_row(["执法证", "51082099001", "青川县人民政府", "2024-01-01", "长期"])
    dialog.tags.add_row(["业务专长", "药品监管"])

    picker = dialog.pick_conflict()
    qtbot.waitUntil(lambda: picker.model.rowCount() > 0)
    with qtbot.waitSignal(picker.model.modelReset, timeout=10_000):
        type_text(picker.search_box, "超市")
    wanted = picker.model.id_at(0)
    assert wanted is not None
    picker.view.selectRow(0)
    picker.accept()
    assert dialog.conflicts.all_row_data() == [wanted]

    with qtbot.waitSignals([dialog.accepted, panel.loaded], timeout=10_000):
        _save(qtbot, dialog.buttons)
    created = panel.selected()
    assert created is not None and created.name == "周新民"
    detail = get_inspector(ctx, created.id)
    assert [c.number for c in detail.data.certificates] == ["51082099001"]
    assert detail.data.certificates[0].valid_to is None  # 长期
    assert ("业务专长", "药品监管") in detail.data.tags
    assert [c.target_id for c in detail.data.conflicts] == [wanted]
    assert wanted in search_target_ids(ctx, TargetFilter(text="超市"))


def test_inspector_without_certificate_needs_staff_number(
    qtbot: QtBot, ui: UiContext, sample: SampleCounty
) -> None:
    panel = InspectorsPanel(ui)
    _show(qtbot, panel)
    dialog = panel.add()
    type_text(dialog.name, "无证人员")
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.message_for("工号")))
    assert "单位工号" in dialog.errors.message_for("工号")
    dialog.reject()


def test_inspector_deactivation_needs_a_reason(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = InspectorsPanel(ui)
    _show(qtbot, panel)
    panel.view.selectRow(0)
    row = panel.selected()
    assert row is not None and row.active
    dialog = panel.toggle_active()
    assert isinstance(dialog, ReasonDialog) and not dialog.ok_button.isEnabled()
    type_text(dialog.text, "调离本单位")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        dialog.accept()
    assert get_inspector(ctx, row.id).data.active is False
    assert panel.selected() is not None and panel.selected().id == row.id  # type: ignore[union-attr]


def test_items_show_checkpoints_and_the_editor_reorders_them(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = ItemsPanel(ui)
    _show(qtbot, panel)
    assert panel.model.rowCount() == len(sample.items)
    assert panel.select_id(sample.items[2])
    detail = get_item(ctx, sample.items[2])
    assert panel.checkpoints.rowCount() == len(detail.data.checkpoints)
    assert panel.checkpoints.item(0, 1).text() == detail.data.checkpoints[0].content  # type: ignore[union-attr]

    dialog = panel.open_selected()
    assert dialog is not None
    dialog.checkpoints.add_row(["是否建立药品追溯制度", "查看追溯系统记录", "追溯记录"])
    dialog.checkpoints.move_selected(-1)  # the new line goes up one place
    expected = [c.content for c in detail.data.checkpoints]
    expected.insert(len(expected) - 1, "是否建立药品追溯制度")
    with qtbot.waitSignals([dialog.accepted, panel.loaded], timeout=10_000):
        _save(qtbot, dialog.buttons)
    assert [c.content for c in get_item(ctx, sample.items[2]).data.checkpoints] == expected


def test_item_checkpoint_errors_are_shown_by_line(qtbot: QtBot, ui: UiContext, sample: SampleCounty) -> None:
    panel = ItemsPanel(ui)
    _show(qtbot, panel)
    dialog = panel.add()
    type_text(dialog.name, "新的抽查事项")
    dialog.checkpoints.add_row(["", "", ""])
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.message_for("检查要点")))
    assert "检查要点第 1 行" in dialog.errors.message_for("检查要点")
    dialog.reject()


def test_item_deactivation_needs_a_reason(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = ItemsPanel(ui)
    _show(qtbot, panel)
    panel.select_id(sample.items[0])
    dialog = panel.toggle_active()
    assert isinstance(dialog, ReasonDialog)
    dialog.accept()
    assert dialog.isVisible()  # refused without a reason
    type_text(dialog.text, "事项清单调整")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        dialog.accept()
    assert get_item(ctx, sample.items[0]).data.active is False


def test_scheme_editor_orders_the_checklist(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = SchemesPanel(ui)
    _show(qtbot, panel)
    assert panel.model.rowCount() == len(list_schemes(ctx)) == 2
    dialog = panel.add()
    type_text(dialog.industry, "宾馆")
    type_text(dialog.name, "宾馆行业一业一查方案")
    dialog.lead.set_value(sample.departments[1])  # 卫健 leads
    allowed = {sample.departments[1]}
    offered = {
        int(dialog.available.item(n).data(Qt.ItemDataRole.UserRole)) for n in range(dialog.available.count())
    }  # type: ignore[union-attr]
    assert offered and {i.department_id for i in list_items(ctx) if i.id in offered} == allowed
    dialog.cooperating.item(3).setCheckState(Qt.CheckState.Checked)  # type: ignore[union-attr]  # 消防 cooperates
    fire_items = [i.id for i in list_items(ctx) if i.department_id == sample.departments[3]]
    health_items = [i.id for i in list_items(ctx) if i.department_id == sample.departments[1]]
    dialog.add_item(health_items[0])
    dialog.add_item(fire_items[0])
    dialog.add_item(health_items[1])
    dialog.checklist.table.selectRow(2)
    dialog.checklist.move_selected(-1)  # second health item before the fire item
    dialog.checklist.table.selectRow(0)
    dialog.checklist.move_selected(1)
    assert dialog.checklist_ids() == [health_items[1], health_items[0], fire_items[0]]
    dialog.checklist.table.selectRow(1)
    dialog.checklist.remove_selected()
    with qtbot.waitSignals([dialog.accepted, panel.loaded], timeout=10_000):
        _save(qtbot, dialog.buttons)
    created = panel.selected()
    assert created is not None and created.name == "宾馆行业一业一查方案"
    scheme = get_scheme(ctx, created.id)
    assert scheme.data.item_ids == (health_items[1], fire_items[0])
    assert scheme.data.cooperating_department_ids == (sample.departments[3],)
    assert panel.checklist.rowCount() == 2


def test_scheme_refuses_items_of_other_departments(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = SchemesPanel(ui)
    _show(qtbot, panel)
    panel.select_id(sample.schemes[0])
    dialog = panel.open_selected()
    assert dialog is not None
    for n in range(dialog.cooperating.count()):  # drop every cooperating department: their items stay listed
        dialog.cooperating.item(n).setCheckState(Qt.CheckState.Unchecked)  # type: ignore[union-attr]
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.message_for("抽查事项")))
    assert "不是本方案的牵头或配合部门" in dialog.errors.message_for("抽查事项")
    dialog.reject()


def test_departments_add_and_rename(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = DepartmentsPanel(ui)
    _show(qtbot, panel)
    assert panel.model.rowCount() == len(sample.departments)
    dialog = panel.add()
    type_text(dialog.name, "青川县文化广播电视和旅游局")
    type_text(dialog.short_name, "县文旅局")
    with qtbot.waitSignals([dialog.accepted, panel.loaded], timeout=10_000):
        _save(qtbot, dialog.buttons)
    assert panel.selected() is not None and panel.selected().short_name == "县文旅局"  # type: ignore[union-attr]
    duplicate = panel.add()
    type_text(duplicate.name, "青川县文化广播电视和旅游局")
    duplicate.save()
    qtbot.waitUntil(lambda: bool(duplicate.errors.message_for("部门名称")))
    assert "已存在" in duplicate.errors.message_for("部门名称")
    duplicate.reject()
    assert len(list_departments(ctx, include_inactive=True)) == len(sample.departments) + 1


def test_scheme_withdrawal_needs_a_reason_and_can_be_undone(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    panel = SchemesPanel(ui)
    _show(qtbot, panel)
    panel.view.selectRow(0)
    row = panel.selected()
    assert row is not None and row.active
    dialog = panel.toggle_active()
    assert isinstance(dialog, ReasonDialog) and not dialog.ok_button.isEnabled()
    type_text(dialog.text, "行业方案合并")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        dialog.accept()
    assert get_scheme(ctx, row.id).data.active is False
    assert panel.selected() is not None and panel.selected().id == row.id  # type: ignore[union-attr]
    assert panel.active_button.text() == "恢复"

    again = panel.toggle_active()
    assert isinstance(again, ReasonDialog)
    type_text(again.text, "合并撤回")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        again.accept()
    assert get_scheme(ctx, row.id).data.active is True


def test_item_editor_keeps_imported_methods(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, sample: SampleCounty, tmp_path: Path
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(
        "编制单位,抽查事项,检查对象,事项类别,检查方式\n县市场监管局,广告发布检查,广告经营者,一般检查事项,现场检查、实地核查\n",
        encoding="utf-8",
    )
    report = import_registry(ctx, "items", path, presets=())
    assert report.added == 1 and report.warning_count == 1
    item_id = next(row.id for row in list_items(ctx) if row.name == "广告发布检查")
    dialog = ItemDialog(ui, item_id)
    qtbot.addWidget(dialog)
    assert list(dialog.methods) == [*INSPECTION_METHODS, "现场检查"]
    assert [m for m, box in dialog.methods.items() if box.isChecked()] == ["实地核查", "现场检查"]
    assert dialog.methods["现场检查"].toolTip()
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        _save(qtbot, dialog.buttons)  # unchanged: saved although 现场检查 is not a standard method
    dialog = ItemDialog(ui, item_id)
    qtbot.addWidget(dialog)
    dialog.methods["现场检查"].setChecked(False)
    dialog.methods["书面检查"].setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        _save(qtbot, dialog.buttons)
    assert get_item(ctx, item_id).data.methods == ("实地核查", "书面检查")


def _tooltip_over(qtbot: QtBot, view: QTableView, index: QModelIndex) -> str:
    """Hover a cell as a user does and read the tooltip that comes up ('' when none)."""
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=2_000)
    center = view.visualRect(index).center()
    event = QHelpEvent(QEvent.Type.ToolTip, center, view.viewport().mapToGlobal(center))
    QApplication.sendEvent(view.viewport(), event)
    return QToolTip.text() if QToolTip.isVisible() else ""


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the tooltip window, offscreen
def test_tags_and_inspection_methods_can_be_read_in_full_in_their_tooltip(
    qtbot: QtBot, qtmodeltester: ModelTester, ui: UiContext, ctx: ServiceContext, sample: SampleCounty
) -> None:
    items = ItemsPanel(ui)
    _show(qtbot, items)
    inspectors = InspectorsPanel(ui)
    _show(qtbot, inspectors)
    for panel, header in ((items, "检查方式"), (inspectors, "标签")):
        model, view = panel.model, panel.view
        qtmodeltester.check(model)
        assert isinstance(view.itemDelegate(), ElidedTipDelegate)
        column = [c.header for c in model.columns].index(header)
        row = max(range(model.rowCount()), key=lambda r: len(str(model.index(r, column).data())))
        index = model.index(row, column)
        text = str(index.data())
        assert len(text) >= 4  # 实地核查，书面检查 / 食品安全：more than the narrowed column shows
        assert index.data(Qt.ItemDataRole.ToolTipRole) == text  # the full text, whatever the width
        view.scrollTo(index)
        view.setColumnWidth(column, view.fontMetrics().horizontalAdvance(text[:2]) + 8)
        assert _tooltip_over(qtbot, view, index) == text  # cut off: the tooltip reads it whole
        view.setColumnWidth(column, view.fontMetrics().horizontalAdvance(text) + 40)
        assert _tooltip_over(qtbot, view, index) == ""  # all in view: no tooltip over the next rows
    methods = [c.header for c in items.model.columns].index("检查方式")
    # The usual 实地核查，书面检查 fits in the column as it opens.
    items.view.setColumnWidth(methods, items.model.columns[methods].width_chars * char_width(items.view) + 16)
    assert items.view.fontMetrics().horizontalAdvance("实地核查，书面检查") + 8 <= items.view.columnWidth(
        methods
    )
