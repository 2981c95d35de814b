"""What a page not built yet shows: plainly that, and what it will offer. No fake content."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderPage(QWidget):
    """ "本页面尚在建设中" with the page's title and what it will offer."""

    def __init__(self, title: str, pending: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("placeholderPage")
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        text = self.tr("本页面尚在建设中：{title}将在后续版本提供。").format(title=title)
        if pending:
            text += "\n" + self.tr("届时包括：{pending}。").format(pending=pending)
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.addWidget(heading)
        layout.addSpacing(12)
        layout.addWidget(self.message)
        layout.addStretch(1)
