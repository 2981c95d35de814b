"""Bar, pie and line charts drawn with QPainter, and the table model behind a figure.

QtCharts would add PySide6-Addons (~150 MB) to an installer that must stay under 200 MB, and
these figures need no more than labelled bars, slices and a line with its values written on.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.services.statistics import BAR, LINE, PIE, Cell, Figure, chart_points

PALETTE = (
    "#2f6db5",
    "#e07b39",
    "#3a9e5c",
    "#c0392b",
    "#8e6bb8",
    "#8c6d46",
    "#d35d9b",
    "#7f8c8d",
    "#b5a82f",
    "#2fb5b0",
)
MAX_POINTS = 15  # the chart shows what chart_points keeps; the table under it lists every row


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value):,}"


class ChartWidget(QWidget):
    """One chart: ``set_chart(kind, series, value_label)``; kind is bar, pie or line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartWidget")
        self.kind = BAR
        self.series: tuple[tuple[str, float], ...] = ()
        self.value_label = ""
        self.reference: float | None = None
        self.reference_label = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(140)

    def set_chart(
        self,
        kind: str,
        series: Sequence[tuple[str, float]],
        value_label: str = "",
        reference: float | None = None,
        reference_label: str = "",
    ) -> None:
        """Show a chart; ``reference`` draws a dashed limit across a line chart (e.g. a deadline)."""
        self.kind = kind
        self.reference = reference
        self.reference_label = reference_label
        self.series = chart_points(kind, series, MAX_POINTS)
        self.value_label = value_label
        self.updateGeometry()
        self.update()

    def show_figure(self, figure: Figure) -> None:
        self.set_chart(
            figure.chart, figure.series, figure.value_label, figure.reference, figure.reference_label
        )

    def sizeHint(self) -> QSize:
        line = QFontMetrics(self.font()).height()
        if self.kind == BAR:
            return QSize(520, max(140, int(len(self.series) * line * 1.7) + 2 * line + 10))
        return QSize(520, 240)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillRect(self.rect(), QColor("white"))
            area = QRectF(self.rect()).adjusted(8, 8, -8, -8)
            if not self.series or all(v == 0 for _, v in self.series):
                painter.setPen(QColor("#666666"))
                painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.tr("暂无数据"))
                return
            if self.kind == PIE:
                self._pie(painter, area)
            elif self.kind == LINE:
                self._line(painter, area)
            else:
                self._bars(painter, area)
        finally:
            painter.end()

    def _bars(self, painter: QPainter, area: QRectF) -> None:
        metrics = QFontMetrics(painter.font())
        line = metrics.height()
        label_width = min(
            area.width() * 0.35, max(metrics.horizontalAdvance(label) for label, _ in self.series) + 8
        )
        value_width = max(metrics.horizontalAdvance(_number(v)) for _, v in self.series) + 10
        top = max(v for _, v in self.series) or 1.0
        step = (area.height() - line - 4) / len(self.series)
        bar_height = max(4.0, min(step * 0.7, line * 1.3))
        left = area.left() + label_width
        span = max(10.0, area.right() - value_width - left)
        for n, (label, value) in enumerate(self.series):
            y = area.top() + n * step
            painter.setPen(QColor("#222222"))
            text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(label_width - 8))
            painter.drawText(
                QRectF(area.left(), y, label_width - 8, step),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
            width = span * value / top
            painter.fillRect(
                QRectF(left, y + (step - bar_height) / 2, max(1.0, width), bar_height), QColor(PALETTE[0])
            )
            painter.drawText(
                QRectF(left + width + 4, y, value_width, step),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                _number(value),
            )
        painter.setPen(QColor("#666666"))
        painter.drawText(
            QRectF(left, area.bottom() - line, span, line), Qt.AlignmentFlag.AlignRight, self.value_label
        )

    def _pie(self, painter: QPainter, area: QRectF) -> None:
        metrics = QFontMetrics(painter.font())
        total = sum(v for _, v in self.series) or 1.0
        side = min(area.height(), area.width() * 0.4)
        circle = QRectF(area.left(), area.top() + (area.height() - side) / 2, side, side)
        start = 90 * 16
        painter.setPen(QPen(QColor("white"), 1))
        for n, (_label, value) in enumerate(self.series):
            span = round(-360 * 16 * value / total)
            painter.setBrush(QColor(PALETTE[n % len(PALETTE)]))
            painter.drawPie(circle, start, span)
            start += span
        line = metrics.height() + 4
        x = circle.right() + 20
        y = area.top() + max(0.0, (area.height() - line * len(self.series)) / 2)
        for n, (label, value) in enumerate(self.series):
            painter.fillRect(QRectF(x, y + 3, 12, 12), QColor(PALETTE[n % len(PALETTE)]))
            painter.setPen(QColor("#222222"))
            text = f"{label}  {_number(value)}（{100 * value / total:.1f}%）"
            painter.drawText(
                QRectF(x + 18, y, area.right() - x - 18, line),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, int(area.right() - x - 18)),
            )
            y += line

    def _line(self, painter: QPainter, area: QRectF) -> None:
        metrics = QFontMetrics(painter.font())
        line = metrics.height()
        plot = area.adjusted(10, line + 4, -10, -(line + 6))
        top = (
            max([v for _, v in self.series] + ([self.reference] if self.reference is not None else [])) or 1.0
        )
        top *= 1.1
        painter.setPen(QPen(QColor("#999999"), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        count = len(self.series)
        step = plot.width() / max(1, count)
        points = [
            QPointF(plot.left() + step * (n + 0.5), plot.bottom() - plot.height() * value / top)
            for n, (_, value) in enumerate(self.series)
        ]
        if self.reference is not None:
            y = plot.bottom() - plot.height() * self.reference / top
            painter.setPen(QPen(QColor(PALETTE[3]), 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.drawText(
                QRectF(plot.left(), y - line - 2, plot.width(), line),
                Qt.AlignmentFlag.AlignRight,
                self.reference_label,
            )
        painter.setPen(QPen(QColor(PALETTE[0]), 2))
        for a, b in itertools.pairwise(points):
            painter.drawLine(a, b)
        painter.setBrush(QColor(PALETTE[0]))
        for (label, value), point in zip(self.series, points, strict=True):
            painter.setPen(QPen(QColor(PALETTE[0]), 2))
            painter.drawEllipse(point, 3.5, 3.5)
            painter.setPen(QColor("#222222"))
            painter.drawText(
                QRectF(point.x() - step / 2, point.y() - line - 4, step, line),
                Qt.AlignmentFlag.AlignCenter,
                _number(value),
            )
            painter.drawText(
                QRectF(point.x() - step / 2, plot.bottom() + 4, step, line),
                Qt.AlignmentFlag.AlignCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, int(step - 4)),
            )
        painter.setPen(QColor("#666666"))
        painter.drawText(
            QRectF(area.left(), area.top(), area.width(), line), Qt.AlignmentFlag.AlignLeft, self.value_label
        )


class FigureTableModel(QAbstractTableModel):
    """The rows behind a figure (read-only)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.headers: tuple[str, ...] = ()
        self._rows: tuple[tuple[Cell, ...], ...] = ()

    def set_figure(self, figure: Figure | None) -> None:
        self.beginResetModel()
        self.headers = figure.headers if figure else ()
        self._rows = figure.rows if figure else ()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        value = self._rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if value is None:
                return ""
            return _number(value) if isinstance(value, (int, float)) else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return str(section + 1)
