"""Closing an editor with unsaved input asks first; an untouched editor closes at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.services.targets import TargetFilter, count_targets
from app.ui.dialogs.target import TargetDialog
from app.ui.pages.targets import TargetsPanel
from tests.sample_county import make_uscc
from tests.ui.helpers import type_text, visible_message_box


def _add(qtbot: QtBot, targets_panel: TargetsPanel) -> TargetDialog:
    dialog = targets_panel.add_target()
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _click(box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text() == text)
    button.click()


def test_esc_with_typed_input_asks_and_keep_editing_keeps_it(
    qtbot: QtBot, targets_panel: TargetsPanel
) -> None:
    dialog = _add(qtbot, targets_panel)
    type_text(dialog.name, "青川县未保存的便利店")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Escape)
    box = visible_message_box("discardChanges")
    assert box is not None and "尚未保存" in box.text()
    assert dialog.isVisible()
    _click(box, "继续编辑")
    assert dialog.isVisible() and dialog.name.text() == "青川县未保存的便利店"


def test_discard_closes_without_saving(
    qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext
) -> None:
    before = count_targets(ctx, TargetFilter(include_inactive=True))
    dialog = _add(qtbot, targets_panel)
    type_text(dialog.name, "青川县放弃的便利店")
    dialog.reject()  # 取消, Esc and the title bar's × all come here
    box = visible_message_box("discardChanges")
    assert box is not None
    _click(box, "放弃修改")
    assert not dialog.isVisible()
    assert count_targets(ctx, TargetFilter(include_inactive=True)) == before


def test_save_from_the_question_saves_and_closes(
    qtbot: QtBot, targets_panel: TargetsPanel, ctx: ServiceContext
) -> None:
    before = count_targets(ctx, TargetFilter(include_inactive=True))
    dialog = _add(qtbot, targets_panel)
    type_text(dialog.name, "青川县从提示中保存的便利店")
    qtbot.keyClicks(dialog.code, make_uscc(9998))
    dialog.reject()
    box = visible_message_box("discardChanges")
    assert box is not None
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        _click(box, "保存")
    assert count_targets(ctx, TargetFilter(include_inactive=True)) == before + 1


def test_untouched_or_restored_input_closes_at_once(qtbot: QtBot, targets_panel: TargetsPanel) -> None:
    dialog = _add(qtbot, targets_panel)
    dialog.reject()
    assert not dialog.isVisible() and visible_message_box("discardChanges") is None

    targets_panel.view.selectRow(0)
    editor = targets_panel.edit_selected()
    assert isinstance(editor, TargetDialog)
    qtbot.waitUntil(editor.isVisible)
    name = editor.name.text()
    type_text(editor.name, "改")
    assert editor.has_unsaved_input()
    editor.name.setText(name)  # typed back as it was: nothing would be lost
    editor.reject()
    assert not editor.isVisible() and visible_message_box("discardChanges") is None
