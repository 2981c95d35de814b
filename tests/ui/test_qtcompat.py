"""The signal-emit work-around keeps ``True`` alive whatever the PySide6 version."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.ui.qtcompat import emit


class _Source(QObject):
    fired = Signal(object)


def test_emit_helper_keeps_reference_counts() -> None:
    source = _Source()
    received: list[object] = []
    source.fired.connect(received.append)
    before = sys.getrefcount(True)
    for n in range(500):
        emit(source.fired, n)
    # Without the work-around PySide6 6.12.0 loses one reference per emit (500 here).
    assert abs(sys.getrefcount(True) - before) <= 2
    assert received == list(range(500))


def test_app_ui_emits_only_through_the_helper() -> None:
    root = Path(__file__).resolve().parents[2] / "app" / "ui"
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if path.name != "qtcompat.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\.emit\(", line)
    ]
    assert offenders == []
