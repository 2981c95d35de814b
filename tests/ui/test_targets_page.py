"""The target registry page: search, filters, sorting in SQL, add/edit/deactivate through dialogs."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.models.enums import RiskClass
from app.services.context import ServiceContext
from app.services.targets import (
    LicenceData,
    TargetData,
    TargetFilter,
    count_targets,
    create_target,
    get_target,
    get_target_rows,
    search_target_ids,
    update_target,
)
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.dialogs.target import TargetDialog
from app.ui.errors import ERROR_DIALOG_NAME
from app.ui.pages.targets import TargetsPanel
from tests.sample_county import make_uscc
from tests.ui.helpers import type_text

BAD_CODE = "91510822MA6ABCDE1X"  # 18 characters, wrong check character


def _names(targets_panel: TargetsPanel) -> list[str]:
    return [
        str(targets_panel.model.data(targets_panel.model.index(r, 0)))
        for r in range(targets_panel.model.rowCount())
    ]


def _search(qtbot: QtBot, targets_panel: TargetsPanel, text: str) -> None:
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        targets_panel.search_box.clear()
        type_text(targets_panel.search_box, text)  # then the debounce fires once


def test_shows_every_active_target_with_count(targets_panel: TargetsPanel, ctx: ServiceContext) -> None:
    expected = count_targets(ctx, TargetFilter())
    assert targets_panel.model.rowCount() == expected
    assert targets_panel.count_label.text() == f"共 {expected} 条"
    assert targets_panel.model.ids() == search_target_ids(ctx, TargetFilter())


def test_search_box_filters_by_name_code_and_initials(
    qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext
) -> None:
    _search(qtbot, targets_panel, "超市")
    names = _names(targets_panel)
    assert names and all("超市" in n for n in names)
    assert targets_panel.count_label.text() == f"共 {len(names)} 条"

    row = get_target_rows(ctx, [targets_panel.model.ids()[0]])[0]
    _search(qtbot, targets_panel, row.code[-8:])
    assert row.id in targets_panel.model.ids()

    initials = _initials(ctx, targets_panel.model.ids())[row.id]
    _search(qtbot, targets_panel, initials[3:7])
    assert row.id in targets_panel.model.ids()
    assert all(initials[3:7] in value for value in _initials(ctx, targets_panel.model.ids()).values())


def _initials(ctx: ServiceContext, ids: list[int]) -> dict[int, str]:
    from sqlalchemy import select

    from app.models import Target

    with ctx.read() as session:
        rows = session.execute(select(Target.id, Target.name_initials).where(Target.id.in_(ids)))
        return {r.id: r.name_initials for r in rows}


def test_typing_fast_queries_once_after_the_pause(qtbot: QtBot, targets_panel: TargetsPanel) -> None:
    before = targets_panel.searches_started
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        for char in "qcx":  # three keystrokes inside the debounce interval
            qtbot.keyClick(targets_panel.search_box, char)
    assert targets_panel.searches_started == before + 1


def test_filters_narrow_the_rows(qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext) -> None:
    qtbot.waitUntil(lambda: targets_panel.region_filter.count() > 1)
    region = str(targets_panel.region_filter.itemData(1))
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        targets_panel.region_filter.setCurrentIndex(1)
    assert targets_panel.model.ids() == search_target_ids(ctx, TargetFilter(regions=(region,)))
    assert {r.region for r in get_target_rows(ctx, targets_panel.model.ids())} == {region}

    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        targets_panel.risk_filter.set_value(RiskClass.D)
        targets_panel.search()
    rows = get_target_rows(ctx, targets_panel.model.ids())
    assert all(r.risk_class == RiskClass.D and r.region == region for r in rows)

    qtbot.waitUntil(lambda: targets_panel.tag_filter.count() > 1)
    tag_index = targets_panel.tag_filter.findText("重点监管：重点监管对象")
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        targets_panel.region_filter.setCurrentIndex(0)
        targets_panel.risk_filter.setCurrentIndex(0)
        targets_panel.tag_filter.setCurrentIndex(tag_index)
    rows = get_target_rows(ctx, targets_panel.model.ids())
    assert rows and all("重点监管对象" in r.tags for r in rows)


def test_clicking_a_header_sorts_in_the_database(
    qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext
) -> None:
    region_column = [c.key for c in targets_panel.model.columns].index("region")
    header = targets_panel.view.horizontalHeader()
    x = header.sectionViewportPosition(region_column) + header.sectionSize(region_column) // 2
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert targets_panel.model.sort_key == "region"
    assert targets_panel.model.ids() == search_target_ids(
        ctx, TargetFilter(), sort="region", descending=False
    )
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert targets_panel.model.descending
    regions = [r.region for r in get_target_rows(ctx, targets_panel.model.ids())]
    assert regions == sorted(regions, reverse=True)


def _open_add_dialog(qtbot: QtBot, targets_panel: TargetsPanel) -> TargetDialog:
    dialog = targets_panel.add_target()
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_dialog_adds_a_target_and_the_row_appears_selected(
    qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext
) -> None:
    dialog = _open_add_dialog(qtbot, targets_panel)
    type_text(dialog.name, "青川县测试新增便利店")
    qtbot.keyClicks(dialog.code, make_uscc(9999))
    dialog.region.setCurrentText("城关镇")
    with qtbot.waitSignals([dialog.accepted, targets_panel.loaded], timeout=10_000):
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
    new_id = search_target_ids(ctx, TargetFilter(text="测试新增便利店"))[0]
    assert new_id in targets_panel.model.ids()
    assert targets_panel.selected_id() == new_id
    assert get_target(ctx, new_id).data.region == "城关镇"


def test_bad_code_is_shown_next_to_the_field_and_nothing_is_saved(
    qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext
) -> None:
    before = count_targets(ctx, TargetFilter(include_inactive=True))
    dialog = _open_add_dialog(qtbot, targets_panel)
    type_text(dialog.name, "青川县校验失败超市")
    qtbot.keyClicks(dialog.code, BAD_CODE)
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors.message_for("统一社会信用代码/注册号")))
    assert "校验位" in dialog.errors.message_for("统一社会信用代码/注册号")
    assert dialog.isVisible() and not dialog.saving
    assert count_targets(ctx, TargetFilter(include_inactive=True)) == before
    dialog.reject()


def test_unreadable_licence_date_is_named(qtbot: QtBot, targets_panel: TargetsPanel) -> None:
    dialog = _open_add_dialog(qtbot, targets_panel)
    type_text(dialog.name, "青川县日期错误饭店")
    dialog.licences.add_row(["食品经营许可证", "JY1", "2024-13-45", "长期"])
    dialog.save()
    assert "不是日期" in dialog.errors.message_for("许可证有效期")
    dialog.reject()


def test_deactivate_needs_a_reason(qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext) -> None:
    target_id = targets_panel.model.ids()[0]
    targets_panel.select_id(target_id)
    dialog = targets_panel.toggle_active()
    assert isinstance(dialog, ReasonDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # no reason: refused
    assert dialog.isVisible()
    type_text(dialog.text, "已迁出本县")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert get_target(ctx, target_id).active is False
    assert target_id not in targets_panel.model.ids()  # inactive ones are hidden unless asked for
    with qtbot.waitSignal(targets_panel.loaded, timeout=10_000):
        targets_panel.include_inactive.setChecked(True)
    assert target_id in targets_panel.model.ids()


def test_someone_elses_edit_is_reported_plainly(
    qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext
) -> None:
    target_id = targets_panel.model.ids()[0]
    targets_panel.select_id(target_id)
    dialog = targets_panel.edit_selected()
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    detail = get_target(ctx, target_id)
    another_desk = replace(detail.data, phone="0839-1234567")
    update_target(ctx, target_id, another_desk, expected_version=detail.version)  # saved first elsewhere
    dialog.name.setText(detail.data.name + "（改）")
    dialog.save()

    def conflict_box() -> QMessageBox | None:
        for widget in QApplication.topLevelWidgets():
            if (
                isinstance(widget, QMessageBox)
                and widget.objectName() == ERROR_DIALOG_NAME
                and widget.isVisible()
            ):
                return widget
        return None

    qtbot.waitUntil(lambda: conflict_box() is not None)
    box = conflict_box()
    assert box is not None and box.windowTitle() == "记录已被修改" and "其他人修改" in box.text()
    assert dialog.isVisible()  # the user's input is kept
    box.close()
    dialog.reject()


def test_dialog_edits_the_licence_issuer(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> None:
    target_id = create_target(
        ctx,
        TargetData(
            name="青川县发证机关药房", licences=(LicenceData("药品经营许可证", "YP1", authority="县局"),)
        ),
    )
    dialog = TargetDialog(ui, target_id)
    qtbot.addWidget(dialog)
    assert dialog.licences.rows() == [["药品经营许可证", "YP1", "", "长期", "县局"]]
    dialog.licences.table.item(0, 4).setText("市市场监管局")  # type: ignore[union-attr]
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save()
    assert get_target(ctx, target_id).data.licences == (
        LicenceData("药品经营许可证", "YP1", authority="市市场监管局"),
    )
