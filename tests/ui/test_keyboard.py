"""Keyboard use of the editors: Tab walks every field, multi-line ones included, to 保存."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.dialogs.item import ItemDialog
from tests.sample_county import SampleCounty


def test_tab_leaves_the_legal_basis_field(qtbot: QtBot, ui: UiContext, sample: SampleCounty) -> None:
    dialog = ItemDialog(ui, sample.items[0])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    before = dialog.legal_basis.toPlainText()
    dialog.legal_basis.setFocus()
    qtbot.waitUntil(dialog.legal_basis.hasFocus)
    qtbot.keyClick(dialog.legal_basis, Qt.Key.Key_Tab)
    assert dialog.legal_basis.toPlainText() == before  # no tab character typed into the law
    assert QApplication.focusWidget() is not dialog.legal_basis


def test_tab_from_the_reason_reaches_ok(qtbot: QtBot) -> None:
    dialog = ReasonDialog("停用", "请写明停用原因")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    dialog.text.setFocus()
    qtbot.waitUntil(dialog.text.hasFocus)
    dialog.text.setPlainText("已注销")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Tab)
    assert dialog.reason() == "已注销"
    assert QApplication.focusWidget() is dialog.ok_button


def test_a_new_record_opens_with_the_cursor_in_its_first_field(
    qtbot: QtBot, ui: UiContext, sample: SampleCounty
) -> None:
    from app.ui.dialogs.target import TargetDialog
    from tests.ui.helpers import type_text

    dialog = TargetDialog(ui, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name, timeout=5_000)
    focused = QApplication.focusWidget()
    assert focused is not None
    type_text(focused, "青川县开窗即录便利店")  # typing at once lands in 名称
    assert dialog.name.text() == "青川县开窗即录便利店"
