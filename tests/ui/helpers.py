"""Helpers for UI tests: typing Chinese, finding the dialogs a test expects."""

from __future__ import annotations

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.ui.errors import ERROR_DIALOG_NAME


def type_text(widget: QWidget, text: str) -> None:
    """Type as a user does: Chinese arrives from the input method as one committed string."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def visible_message_box(name: str = ERROR_DIALOG_NAME) -> QMessageBox | None:
    """The visible message box with this object name (the error dialog by default), if any."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == name and widget.isVisible():
            return widget
    return None
