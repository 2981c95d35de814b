"""An exception nobody caught in a slot: logged, and shown once in the 程序错误 dialog."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtWidgets import QMainWindow, QPushButton
from pytestqt.qtbot import QtBot

from app.ui.crash import UncaughtErrorReporter


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_opens_one_error_dialog_and_is_logged(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    button = QPushButton("打印", window)
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("坏了")

    button.clicked.connect(broken)
    before = sys.excepthook
    reporter = UncaughtErrorReporter(window)
    reporter.install()
    try:
        with caplog.at_level(logging.ERROR):
            button.click()
            qtbot.waitUntil(lambda: reporter.dialog is not None)
            box = reporter.dialog
            assert box is not None and box.isVisible()
            assert box.windowTitle() == "程序错误"
            assert "本次操作没有完成" in box.text()
            assert "ValueError: 坏了" in box.detailedText()
            # The same fault again (a paint handler repeats it): logged, no second dialog.
            button.click()
            assert len(calls) == 2 and reporter.repeated == 1 and reporter.dialog is box
        assert sum("ValueError: 坏了" in r.getMessage() for r in caplog.records) == 2
        box.accept()
        qtbot.waitUntil(lambda: reporter.dialog is None)
        # The window still works: the next fault opens a new dialog.
        button.click()
        qtbot.waitUntil(lambda: reporter.dialog is not None)
        assert reporter.dialog is not box
        reporter.dialog.accept()
    finally:
        reporter.uninstall()
    assert sys.excepthook is before
