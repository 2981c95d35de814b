"""Keyboard use of the editors: Tab walks every field, multi-line ones included, to 保存."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QDialog, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog
from app.ui.dialogs.item import ItemDialog
from app.ui.widgets import DateEdit
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


def _focused_in(widget: QWidget) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))


def test_tab_leaves_a_date_field_and_typing_the_date_still_works(qtbot: QtBot) -> None:
    form = QWidget()
    before = QLineEdit(form)  # created in this order: the focus chain's order
    day = DateEdit(QDate(2026, 1, 1), form)
    after = QLineEdit(form)
    day.setDisplayFormat("yyyy-MM-dd")
    layout = QVBoxLayout(form)
    for widget in (before, day, after):
        layout.addWidget(widget)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    day.setFocus()
    qtbot.waitUntil(lambda: _focused_in(day))
    day.setSelectedSection(QDateTimeEdit.Section.YearSection)
    qtbot.keyClicks(day, "2027")  # a full section moves on by itself …
    qtbot.keyClicks(day, "3.")  # … and so does a separator
    qtbot.keyClicks(day, "31")
    assert day.date() == QDate(2027, 3, 31)
    day.setSelectedSection(QDateTimeEdit.Section.MonthSection)  # Tab from the middle of the date
    qtbot.keyClick(day, Qt.Key.Key_Tab)
    assert _focused_in(after)  # on to the next field, not into the day
    assert day.date() == QDate(2027, 3, 31)
    day.setFocus()
    qtbot.waitUntil(lambda: _focused_in(day))
    day.setSelectedSection(QDateTimeEdit.Section.DaySection)
    qtbot.keyClick(day, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert _focused_in(before)  # back to the previous field, not into the month


def test_tab_leaves_the_task_dates(qtbot: QtBot, ui: UiContext, sample: SampleCounty) -> None:
    from app.ui.dialogs.task import TaskDialog

    dialog = TaskDialog(ui, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    for edit in (dialog.start_date, dialog.end_date):
        assert isinstance(edit, DateEdit)
        edit.setFocus()
        qtbot.waitUntil(lambda edit=edit: _focused_in(edit))  # type: ignore[misc]
        edit.setSelectedSection(QDateTimeEdit.Section.YearSection)
        qtbot.keyClick(edit, Qt.Key.Key_Tab)
        assert not _focused_in(edit)
    QDialog.reject(dialog)
