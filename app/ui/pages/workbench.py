"""工作台: what the database holds, and which steps of the flow this version offers."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from app.services.info import COUNTED, DatabaseInfo, database_info
from app.ui.context import UiContext
from app.ui.navigation import PAGES
from app.ui.operations import QueryOp


class WorkbenchPage(QWidget):
    """Counts of the registries (read in the background) and the flow's available steps."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workbenchPage")
        self.ui = ui
        heading = QLabel(self.tr("工作台"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        services = ui.services
        self.where = QLabel(
            self.tr("数据库：{db}　　操作人：{who}").format(
                db=services.db.display_name(), who=services.operator
            )
        )
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(box)
        self.count_labels: dict[str, QLabel] = {}
        for n, (label, _model) in enumerate(COUNTED):
            name = QLabel(label)
            value = QLabel("…")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            big = value.font()
            big.setPointSizeF(big.pointSizeF() * 1.4)
            value.setFont(big)
            grid.addWidget(name, n // 3, (n % 3) * 2)
            grid.addWidget(value, n // 3, (n % 3) * 2 + 1)
            self.count_labels[label] = value
        grid.setHorizontalSpacing(24)

        ready = [p.display_title() for p in PAGES if p.factory is not None and p.key != "workbench"]
        pending = [p.display_title() for p in PAGES if p.factory is None]
        steps = self.tr("本版本可以使用：{ready}。").format(ready="、".join(ready))
        if pending:
            steps += "\n" + self.tr("尚在建设中：{pending}。").format(pending="、".join(pending))
        self.steps = QLabel(steps)
        self.steps.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.addWidget(heading)
        layout.addWidget(self.where)
        layout.addSpacing(16)
        layout.addWidget(box)
        layout.addSpacing(16)
        layout.addWidget(self.steps)
        layout.addStretch(1)
        self.loaded = False
        ui.runner.changed.connect(lambda _changes: self.reload())
        self.reload()

    @Slot()
    def reload(self) -> None:
        """Count the registries again, in the background."""
        services = self.ui.services
        QueryOp(
            parent=self, runner=self.ui.runner, op=lambda _p: database_info(services), key="workbench.counts"
        ).success(self._show).run_in_background()

    def _show(self, info: DatabaseInfo) -> None:
        for label, value in self.count_labels.items():
            value.setText(f"{info.counts.get(label, 0):,}")
        self.loaded = True
