"""A figure with its chart and the rows behind it: the 工作台 tiles' drill-down and the 统计分析 panel."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTableView, QVBoxLayout, QWidget

from app.services.statistics import NONE, Figure
from app.ui.charts import ChartWidget, FigureTableModel
from app.ui.widgets import configure_table, fit_to_screen


class FigurePanel(QWidget):
    """Title and headline, the definition, the chart (if the figure has one) and its table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure: Figure | None = None
        self.title = QLabel()
        self.title.setObjectName("figureTitle")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.note = QLabel()
        self.note.setObjectName("figureNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555555")
        self.chart = ChartWidget()
        self.model = FigureTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("figureTable")
        self.table.setModel(self.model)
        configure_table(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.chart, 2)
        layout.addWidget(self.table, 3)

    def show_figure(self, figure: Figure) -> None:
        self.figure = figure
        self.title.setText(f"{figure.title}：{figure.headline}")
        self.note.setText(figure.note)
        self.chart.show_figure(figure)
        self.chart.setVisible(figure.chart != NONE)
        self.model.set_figure(figure)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 320))


class FigureDialog(QDialog):
    """The list behind a 工作台 tile."""

    def __init__(self, figure: Figure, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figureDialog")
        self.setWindowTitle(figure.title)
        fit_to_screen(self, 960, 680)
        self.panel = FigurePanel(self)
        self.panel.show_figure(figure)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
