"""工作台: what the database holds, and which steps of the flow this version offers."""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QCoreApplication, Qt, Slot
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from app.services.info import COUNTED, DatabaseInfo, database_info
from app.services.result_deadlines import DeadlineBoard, OpenInspection
from app.services.statistics import (
    DASHBOARD_KEYS,
    Statistics,
    StatsFilter,
    compute_statistics,
    visible_deadlines,
)
from app.ui.context import UiContext
from app.ui.dialogs.figure import FigureDialog
from app.ui.models import Column, RowTableModel
from app.ui.navigation import PAGES
from app.ui.operations import QueryOp
from app.ui.widgets import configure_table

logger = logging.getLogger(__name__)

# The pages one inspection passes through, in the navigation's order.
_FLOW = frozenset({"registry", "plan", "draw", "inspection", "disclosure", "sync"})


def _tr(text: str) -> str:
    return QCoreApplication.translate("WorkbenchPage", text)


def deadline_columns() -> list[Column[OpenInspection]]:
    """Columns of the 公示期限 list (overdue first, then due soon)."""
    return [
        Column(
            _tr("期限"),
            lambda r: (
                _tr("逾期 {n} 个工作日").format(n=-r.working_days_left)
                if r.working_days_left < 0
                else _tr("还剩 {n} 个工作日").format(n=r.working_days_left)
            ),
            9,
            sort_key=lambda r: r.working_days_left,
        ),
        Column(_tr("应公示日期"), lambda r: r.due_date, 7),
        Column(_tr("任务编号"), lambda r: r.task_number, 15),
        Column(_tr("检查对象"), lambda r: r.target_name, 16),
        Column(_tr("统一社会信用代码"), lambda r: r.target_code, 12),
        Column(_tr("结果状态"), lambda r: r.state_label, 6),
    ]


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

        # 本年度工作概况: one tile per figure; a click opens the list behind it.
        tiles_box = QFrame()
        tiles_box.setObjectName("figureTiles")
        tiles = QGridLayout(tiles_box)
        tiles.setContentsMargins(0, 0, 0, 0)
        self.tiles: dict[str, QPushButton] = {}
        for n, key in enumerate(DASHBOARD_KEYS):
            tile = QPushButton("…")
            tile.setObjectName(f"tile_{key}")
            tile.setMinimumHeight(64)
            tile.setEnabled(False)
            tile.setStyleSheet("QPushButton { text-align: left; padding: 8px 12px; }")
            tile.clicked.connect(lambda _checked=False, k=key: self.open_figure(k))
            tiles.addWidget(tile, n // 3, n % 3)
            self.tiles[key] = tile
        self.stats: Statistics | None = None

        # The order of one inspection's work, for an operator new to the program (it used to
        # list the pages "this version can use", a leftover of the first builds).
        flow = [p.display_title() for p in PAGES if p.factory is not None and p.key in _FLOW]
        pending = [p.display_title() for p in PAGES if p.factory is None]
        steps = self.tr("一次抽查的工作顺序（左侧菜单自上而下）：{flow}。").format(flow=" → ".join(flow))
        if pending:
            steps += "\n" + self.tr("尚在建设中：{pending}。").format(pending="、".join(pending))
        self.steps = QLabel(steps)
        self.steps.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.addWidget(heading)
        layout.addWidget(self.where)
        layout.addSpacing(12)
        overview = QLabel(self.tr("本年度工作概况（点击查看明细）"))
        overview_font = overview.font()
        overview_font.setBold(True)
        overview.setFont(overview_font)
        layout.addWidget(overview)
        layout.addWidget(tiles_box)
        layout.addSpacing(12)
        layout.addWidget(box)
        layout.addSpacing(16)
        layout.addWidget(self.steps)
        layout.addSpacing(16)
        deadlines_heading = QLabel(self.tr("检查结果公示期限（任务结束后 20 个工作日内公示）"))
        bold = deadlines_heading.font()
        bold.setBold(True)
        deadlines_heading.setFont(bold)
        layout.addWidget(deadlines_heading)
        self.deadline_warning = QLabel()
        self.deadline_warning.setObjectName("deadlineWarning")
        self.deadline_warning.setWordWrap(True)
        self.deadline_warning.setStyleSheet("color: #b00020; font-weight: bold")
        self.deadline_warning.hide()
        layout.addWidget(self.deadline_warning)
        self.deadline_summary = QLabel("…")
        self.deadline_summary.setObjectName("deadlineSummary")
        layout.addWidget(self.deadline_summary)
        self.deadline_model: RowTableModel[OpenInspection] = RowTableModel(deadline_columns(), parent=self)
        self.deadline_view = QTableView()
        self.deadline_view.setObjectName("deadlineView")
        self.deadline_view.setModel(self.deadline_model)
        configure_table(self.deadline_view, [c.width_chars for c in self.deadline_model.columns])
        layout.addWidget(self.deadline_view, 1)
        self.loaded = False
        self.deadlines: DeadlineBoard | None = None
        ui.runner.changed.connect(lambda _changes: self.reload())
        self.reload()

    @Slot()
    def reload(self) -> None:
        """Count the registries again, in the background."""
        services = self.ui.services
        QueryOp(
            parent=self, runner=self.ui.runner, op=lambda _p: database_info(services), key="workbench.counts"
        ).success(self._show).run_in_background()
        today = date.today()
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: visible_deadlines(services, today),
            key="workbench.deadlines",
        ).success(self._show_deadlines).run_in_background()
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: compute_statistics(services, StatsFilter(year=today.year), today=today),
            key="workbench.figures",
        ).success(self._show_figures).failure(self._figures_failed).run_in_background()

    def _figures_failed(self, error: BaseException) -> None:
        logger.warning("workbench figures failed: %r", error)
        for tile in self.tiles.values():
            tile.setText(self.tr("无法统计：{error}").format(error=error))
            tile.setEnabled(False)

    def _show_figures(self, stats: Statistics) -> None:
        self.stats = stats
        for key, tile in self.tiles.items():
            figure = stats[key]
            tile.setText(f"{figure.title}\n{figure.headline}")
            tile.setToolTip(figure.note)
            tile.setEnabled(True)

    def open_figure(self, key: str) -> FigureDialog | None:
        """Show the list behind a tile (non-modal, so the 工作台 stays usable)."""
        if self.stats is None:
            return None
        dialog = FigureDialog(self.stats[key], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _show_deadlines(self, board: DeadlineBoard) -> None:
        self.deadlines = board
        self.deadline_model.set_rows([*board.overdue, *board.due_soon])
        warnings = board.warnings
        self.deadline_warning.setText("\n".join(warnings))
        self.deadline_warning.setVisible(bool(warnings))
        if board.overdue or board.due_soon:
            self.deadline_summary.setText(
                self.tr("已逾期 {over} 户、即将到期 {soon} 户尚未公示：请督促录入、审核并公示。").format(
                    over=len(board.overdue), soon=len(board.due_soon)
                )
            )
        else:
            self.deadline_summary.setText(self.tr("没有逾期或即将到期未公示的检查结果。"))

    def _show(self, info: DatabaseInfo) -> None:
        for label, value in self.count_labels.items():
            value.setText(f"{info.counts.get(label, 0):,}")
        self.loaded = True
