"""统计分析: every figure as a chart with the table behind it, filters, and the year-end summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import TaskMode
from app.services.departments import list_departments
from app.services.permissions import can_see_classified
from app.services.printing import PrintKind
from app.services.progress import Progress
from app.services.statistics import (
    ANALYSIS_KEYS,
    PROBLEMS_HANDLED,
    Statistics,
    StatsFilter,
    compute_statistics,
)
from app.services.year_report import export_year_report, year_report_pdf_bytes
from app.ui.context import UiContext
from app.ui.dialogs.figure import FigurePanel
from app.ui.dialogs.print_preview import PrintPreviewDialog
from app.ui.errors import show_error
from app.ui.operations import CollectionOp, QueryOp
from app.ui.widgets import ChoiceCombo

PAGE_KEYS = (*ANALYSIS_KEYS, PROBLEMS_HANDLED)


class YearReportPreview(PrintPreviewDialog):
    """The print preview of the year-end summary (print, save as PDF)."""

    def __init__(self, ui: UiContext, parent: QWidget | None, *, year: int, classified: bool) -> None:
        title = f"{year}年度工作总结" + ("（涉密）" if classified else "")
        super().__init__(ui, parent, task_id=0, kind=PrintKind.RECORDS, title=title)
        self.year = year
        self.classified = classified
        self.file_title = title

    def build(self) -> Progress:
        ui, year, classified = self.ui, self.year, self.classified
        self.progress = (
            CollectionOp(
                parent=self,
                runner=ui.runner,
                op=lambda _p: year_report_pdf_bytes(ui.services, year, classified=classified),
                changes=(),
            )
            .with_progress(self.tr("正在生成年度工作总结…"), cancellable=False)
            .success(self._loaded)
            .cancelled(self._cancelled)
            .failure(self._failed)
            .run_in_background()
        )
        return self.progress

    @Slot()
    def ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("另存为 PDF"), f"{self.file_title}.pdf", self.tr("PDF 文件 (*.pdf)")
        )
        if path:
            self.save_to(Path(path))


class StatisticsPage(QWidget):
    """Filters on top; the figures listed on the left; the chosen one's chart and table on the right."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statisticsPage")
        self.ui = ui
        self.stats: Statistics | None = None
        heading = QLabel(self.tr("统计分析"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)

        this_year = date.today().year
        self.year_box = ChoiceCombo(all_label=self.tr("全部年度"))
        self.year_box.setObjectName("yearFilter")
        self.year_box.set_choices([(f"{y} 年", y) for y in range(this_year + 1, this_year - 6, -1)])
        self.year_box.set_value(this_year)
        self.department_box = ChoiceCombo(all_label=self.tr("全部部门"))
        self.department_box.setObjectName("departmentFilter")
        self.mode_box = ChoiceCombo(all_label=self.tr("全部抽查类型"))
        self.mode_box.setObjectName("modeFilter")
        self.mode_box.set_choices([(m.label, m) for m in TaskMode])
        for box in (self.year_box, self.department_box, self.mode_box):
            box.currentIndexChanged.connect(self.reload)
        self.classified_box = QCheckBox(self.tr("涉密报告（含涉密任务）"))
        self.classified_box.setObjectName("classifiedReport")
        self.classified_box.setToolTip(self.tr("仅对有涉密权限的用户开放；生成的文件按涉密材料管理"))
        self.preview_button = QPushButton(self.tr("年度总结预览…"))
        self.preview_button.setObjectName("previewReport")
        self.export_button = QPushButton(self.tr("导出年度总结…"))
        self.export_button.setObjectName("exportReport")
        self.preview_button.clicked.connect(self.preview_report)
        self.export_button.clicked.connect(self.ask_export)

        filters = QHBoxLayout()
        for label, box in (
            (self.tr("年度"), self.year_box),
            (self.tr("部门"), self.department_box),
            (self.tr("抽查类型"), self.mode_box),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(box)
            filters.addSpacing(12)
        filters.addStretch(1)
        filters.addWidget(self.classified_box)
        filters.addWidget(self.preview_button)
        filters.addWidget(self.export_button)

        self.status = QLabel(self.tr("正在统计…"))
        self.status.setObjectName("statisticsStatus")
        self.status.setWordWrap(True)
        self.figure_list = QListWidget()
        self.figure_list.setObjectName("figureList")
        self.figure_list.setSpacing(3)
        self.figure_list.currentRowChanged.connect(self._show_current)
        self.panel = FigurePanel()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.figure_list)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 900])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(heading)
        layout.addLayout(filters)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        self._load_departments()
        ui.runner.changed.connect(lambda _changes: self.reload())
        self.reload()

    def _load_departments(self) -> None:
        services = self.ui.services
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: list_departments(services),
            key="statistics.depts",
        ).success(
            lambda rows: self.department_box.set_choices([(d.short_name or d.name, d.id) for d in rows])
        ).run_in_background()
        cleared = can_see_classified(services)
        self.classified_box.setEnabled(cleared)
        self.classified_box.setVisible(cleared)

    def current_filter(self) -> StatsFilter:
        return StatsFilter(
            year=self.year_box.value(), department_id=self.department_box.value(), mode=self.mode_box.value()
        )

    @Slot()
    def reload(self) -> None:
        services = self.ui.services
        flt = self.current_filter()
        self.status.setText(self.tr("正在统计…"))
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: compute_statistics(services, flt),
            key="statistics.figures",
        ).success(self._show).failure(self._failed).run_in_background()

    def _failed(self, error: BaseException) -> None:
        self.status.setText(self.tr("无法统计：{error}").format(error=error))

    def _show(self, stats: Statistics) -> None:
        self.stats = stats
        current = max(0, self.figure_list.currentRow())
        self.figure_list.blockSignals(True)
        self.figure_list.clear()
        for key in PAGE_KEYS:
            figure = stats[key]
            item = QListWidgetItem(f"{figure.title}\n{figure.headline}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.figure_list.addItem(item)
        self.figure_list.blockSignals(False)
        self.figure_list.setCurrentRow(min(current, len(PAGE_KEYS) - 1))
        self._show_current(self.figure_list.currentRow())
        scope = self.tr("含涉密任务") if stats.includes_classified else self.tr("不含涉密任务")
        self.status.setText(
            self.tr("统计截至 {day}，{scope}。点选左侧指标查看图表和明细。").format(
                day=f"{stats.today:%Y-%m-%d}", scope=scope
            )
        )

    @Slot(int)
    def _show_current(self, row: int) -> None:
        if self.stats is None or not 0 <= row < len(PAGE_KEYS):
            return
        self.panel.show_figure(self.stats[PAGE_KEYS[row]])

    def show_figure(self, key: str) -> None:
        """Select a figure by key (used by the 工作台's tiles and by tests)."""
        if key in PAGE_KEYS:
            self.figure_list.setCurrentRow(PAGE_KEYS.index(key))

    def _report_year(self) -> int:
        year = self.year_box.value()
        return int(year) if year is not None else date.today().year

    @Slot()
    def preview_report(self) -> YearReportPreview:
        dialog = YearReportPreview(
            self.ui, self, year=self._report_year(), classified=self.classified_box.isChecked()
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        dialog.build()
        return dialog

    @Slot()
    def ask_export(self) -> None:
        year = self._report_year()
        mark = "（涉密）" if self.classified_box.isChecked() else ""
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("导出年度工作总结"),
            f"{year}年度工作总结{mark}.pdf",
            self.tr("PDF 文件 (*.pdf);;Excel 工作簿 (*.xlsx)"),
        )
        if path:
            self.export_report(Path(path))

    def export_report(self, path: Path) -> Progress | None:
        """Write the summary of the chosen year to ``path`` (.pdf or .xlsx) in the background."""
        if path.suffix.lower() not in (".pdf", ".xlsx"):
            path = path.with_suffix(".pdf")
        services, year, classified = self.ui.services, self._report_year(), self.classified_box.isChecked()

        def write(_progress: Progress) -> Path:
            export_year_report(services, year, path, classified=classified)
            return path

        return (
            CollectionOp(parent=self, runner=self.ui.runner, op=write, changes=())
            .with_progress(self.tr("正在导出年度工作总结…"), cancellable=False)
            .success(lambda p: self.status.setText(self.tr("已导出年度工作总结：{path}").format(path=p)))
            .failure(lambda exc: show_error(self, exc))
            .run_in_background()
        )
