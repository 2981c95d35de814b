"""Windows fit a 1366×768 office laptop: no dialog puts its buttons below the taskbar."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.services.tasks import create_task
from app.ui import widgets
from app.ui.context import UiContext
from app.ui.dialogs.print_preview import PrintPreviewDialog
from app.ui.dialogs.task import TaskDialog
from app.ui.main_window import MainWindow
from tests.factories import build_mini_county, joint_task_data

# 1366×768 less a 40 px taskbar: what Windows reports as the available geometry.
LAPTOP = QSize(1366, 728)


@pytest.fixture
def laptop(monkeypatch: pytest.MonkeyPatch) -> QSize:
    monkeypatch.setattr(widgets, "screen_room", lambda _window: LAPTOP)
    return LAPTOP


def fits(window: QWidget, room: QSize) -> bool:
    """The window plus its title bar and borders stays inside the room."""
    frame = widgets.FRAME_ALLOWANCE
    return (
        window.width() + frame.width() <= room.width() and window.height() + frame.height() <= room.height()
    )


def test_main_window_fits_the_laptop_screen(qtbot: QtBot, laptop: QSize) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert fits(window, laptop), window.size()
    assert window.size() == QSize(1366 - 16, 728 - 40)  # as much as the screen has


def test_task_editor_and_print_preview_fit_the_laptop_screen(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, laptop: QSize
) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    editor = TaskDialog(ui, task)
    qtbot.addWidget(editor)
    assert fits(editor, laptop), editor.size()
    assert editor.minimumSizeHint().height() + widgets.FRAME_ALLOWANCE.height() <= laptop.height()
    preview = PrintPreviewDialog(ui, None, task_id=task, title="检查通知书", builder=lambda _p: b"")
    qtbot.addWidget(preview)
    assert fits(preview, laptop), preview.size()


def test_fit_keeps_the_asked_size_on_a_big_screen(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widgets, "screen_room", lambda _window: QSize(1920, 1040))
    window = QWidget()
    qtbot.addWidget(window)
    widgets.fit_to_screen(window, 1200, 820)
    assert window.size() == QSize(1200, 820)
