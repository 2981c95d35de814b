"""The guard keeps None and True alive whatever the PySide6 version does with them."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.ui import qtcompat


class _Source(QObject):
    fired = Signal(object)


def test_many_void_calls_and_emits_do_not_exhaust_none_or_true(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    source = _Source()
    received: list[object] = []
    source.fired.connect(received.append)
    for n in range(20_000):
        label.setText(str(n))
        source.fired.emit(n)
    assert len(received) == 20_000
    if qtcompat.GUARDED:  # PySide6 6.12.0 on Python 3.11: the counts went down, but stay huge
        assert sys.getrefcount(None) > 1 << 39 and sys.getrefcount(True) > 1 << 39
