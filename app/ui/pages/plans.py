"""抽查计划: the annual plan, its tasks and (once published) every adjustment with its reason."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.io.simple_xlsx import write_table
from app.services.plans import (
    AdjustmentRow,
    PlanRow,
    create_plan,
    list_adjustments,
    plan_for_year,
    publish_plan,
)
from app.services.tasks import TaskRow, cancel_task, list_tasks
from app.ui.context import UiContext
from app.ui.dialogs.base import ask_reason
from app.ui.dialogs.frequency import FrequencyDialog
from app.ui.dialogs.task import TaskDialog
from app.ui.errors import show_error, show_message
from app.ui.models import Column, RowTableModel
from app.ui.operations import CollectionOp, QueryOp, affects
from app.ui.widgets import configure_table

logger = logging.getLogger(__name__)

PlanView = tuple[PlanRow | None, list[TaskRow], list[AdjustmentRow]]


def _tr(text: str) -> str:
    return QCoreApplication.translate("PlanPage", text)


# Column width (in Chinese characters) that shows a whole task number such as 青山市监抽查〔2026〕12号.
TASK_NUMBER_CHARS = 15


def task_columns() -> list[Column[TaskRow]]:
    """Columns of the year's task table."""
    return [
        # Wide enough for a whole 青山市监抽查〔2026〕12号: elided, every row read the same.
        Column(_tr("任务编号"), lambda r: r.number, TASK_NUMBER_CHARS),
        Column(_tr("任务名称"), lambda r: r.name, 18),
        Column(_tr("抽查方式"), lambda r: r.mode, 7),
        Column(_tr("状态"), lambda r: r.status, 5),
        Column(_tr("参加部门"), lambda r: r.departments, 14),
        Column(_tr("检查时间"), lambda r: f"{r.start_date} 至 {r.end_date}", 12),
        Column(_tr("公开"), lambda r: r.is_public, 3),
        Column(_tr("涉密"), lambda r: r.is_classified, 3),
    ]


def adjustment_columns() -> list[Column[AdjustmentRow]]:
    """Columns of the plan adjustment list."""
    return [
        Column(_tr("时间"), lambda r: r.at.strftime("%Y-%m-%d %H:%M"), 8),
        Column(_tr("操作人"), lambda r: r.operator, 4),
        Column(_tr("任务编号"), lambda r: r.task_number, TASK_NUMBER_CHARS),
        Column(_tr("调整内容"), lambda r: r.description, 16),
        Column(_tr("调整原因"), lambda r: r.reason, 16),
    ]


class PlanPage(QWidget):
    """Plan of a year: create / publish; its tasks; its adjustments (exportable)."""

    loaded = Signal()

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planPage")
        self.ui = ui
        self.plan: PlanRow | None = None
        self._stale = True
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(date.today().year)
        self.year_spin.setPrefix(self.tr("年度 "))
        self.year_spin.valueChanged.connect(lambda _v: self.reload())
        self.plan_label = QLabel()
        self.plan_label.setObjectName("planStatus")
        self.create_plan_button = QPushButton(self.tr("建立年度计划"))
        self.create_plan_button.clicked.connect(lambda: self.create_plan())
        self.publish_button = QPushButton(self.tr("公布计划"))
        self.publish_button.clicked.connect(lambda: self.publish())
        self.frequency_button = QPushButton(self.tr("抽查频次设置"))
        self.frequency_button.setObjectName("frequencyButton")
        self.frequency_button.setToolTip(self.tr("各风险类别每年最多抽中次数和最短间隔"))
        self.frequency_button.clicked.connect(lambda: self.open_frequency())
        top = QHBoxLayout()
        top.addWidget(self.year_spin)
        top.addWidget(self.plan_label, 1)
        top.addWidget(self.create_plan_button)
        top.addWidget(self.publish_button)
        top.addWidget(self.frequency_button)

        self.tasks_model: RowTableModel[TaskRow] = RowTableModel(
            task_columns(), is_inactive=lambda r: r.status.value == "cancelled", parent=self
        )
        self.tasks_view = QTableView()
        self.tasks_view.setObjectName("tasksView")
        self.tasks_view.setModel(self.tasks_model)
        configure_table(self.tasks_view, [c.width_chars for c in self.tasks_model.columns])
        self.tasks_view.doubleClicked.connect(lambda _i: self.edit_task())
        self.tasks_view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.new_button = QPushButton(self.tr("新建任务"))
        self.new_button.clicked.connect(lambda: self.new_task())
        self.edit_button = QPushButton(self.tr("编辑"))
        self.edit_button.clicked.connect(lambda: self.edit_task())
        self.cancel_button = QPushButton(self.tr("取消任务"))
        self.cancel_button.clicked.connect(lambda: self.cancel_selected())
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.adjust_model: RowTableModel[AdjustmentRow] = RowTableModel(adjustment_columns(), parent=self)
        self.adjust_view = QTableView()
        self.adjust_view.setModel(self.adjust_model)
        configure_table(self.adjust_view, [c.width_chars for c in self.adjust_model.columns])
        self.export_button = QPushButton(self.tr("导出调整记录…"))
        self.export_button.clicked.connect(lambda: self.export_adjustments())
        adjust_box = QWidget()
        adjust_layout = QVBoxLayout(adjust_box)
        adjust_layout.setContentsMargins(0, 0, 0, 0)
        adjust_head = QHBoxLayout()
        adjust_head.addWidget(
            QLabel(self.tr("<b>计划调整记录</b>（计划公布后，每次新建、修改、取消任务都须写明原因）"))
        )
        adjust_head.addStretch(1)
        adjust_head.addWidget(self.export_button)
        adjust_layout.addLayout(adjust_head)
        adjust_layout.addWidget(self.adjust_view, 1)

        tasks_box = QWidget()
        tasks_layout = QVBoxLayout(tasks_box)
        tasks_layout.setContentsMargins(0, 0, 0, 0)
        tasks_layout.addLayout(buttons)
        tasks_layout.addWidget(self.tasks_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(tasks_box)
        splitter.addWidget(adjust_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        ui.runner.changed.connect(self._on_changed)
        self._update_buttons()

    # --- loading ------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if not affects(changes, "tasks", "plans", "plan_adjustments", "annual_plans"):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def reload(self) -> None:
        """Read the year's plan, tasks and adjustments on a worker."""
        services, year = self.ui.services, self.year_spin.value()

        def fetch(_p: object) -> PlanView:
            plan = plan_for_year(services, year)
            adjustments = list_adjustments(services, plan.id) if plan is not None else []
            return plan, list_tasks(services, year=year), adjustments

        QueryOp(parent=self, runner=self.ui.runner, op=fetch, key="PlanPage.load").success(
            self._show
        ).run_in_background()

    def _show(self, view: PlanView) -> None:
        self.plan, tasks, adjustments = view
        self.tasks_model.set_rows(tasks)
        self.adjust_model.set_rows(adjustments)
        if self.plan is None:
            self.plan_label.setText(self.tr("本年度尚未建立抽查计划；可先建立计划，也可直接新建任务"))
        elif self.plan.published_at is None:
            self.plan_label.setText(
                self.tr("{title}（未公布，{n} 项任务）").format(title=self.plan.title, n=len(tasks))
            )
        else:
            self.plan_label.setText(
                self.tr("{title}（已于 {at} 公布；调整须写明原因）").format(
                    title=self.plan.title, at=self.plan.published_at.strftime("%Y-%m-%d")
                )
            )
        self._update_buttons()
        self.loaded.emit()

    def published(self) -> bool:
        """Whether the shown year's plan has been published (changes are then adjustments)."""
        return self.plan is not None and self.plan.published_at is not None

    def selected(self) -> TaskRow | None:
        """The selected task row."""
        rows = self.tasks_view.selectionModel().selectedRows()
        return self.tasks_model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        self.create_plan_button.setVisible(self.plan is None)
        self.publish_button.setVisible(self.plan is not None and not self.published())
        editable = row is not None and row.status.value != "cancelled"
        self.edit_button.setEnabled(editable)
        self.cancel_button.setEnabled(editable)
        self.export_button.setEnabled(self.adjust_model.rowCount() > 0)

    # --- plan ---------------------------------------------------------------------------------
    def create_plan(self) -> None:
        """Create the shown year's plan."""
        services, year = self.ui.services, self.year_spin.value()
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: create_plan(services, year=year),
            changes=("plans", "tasks"),
        ).run_in_background()

    def publish(self) -> QMessageBox | None:
        """Ask for confirmation, then publish the plan (after that every change needs a reason)."""
        if self.plan is None:
            return None
        plan_id = self.plan.id
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("公布计划"),
            self.tr(
                "公布后，计划中任务的新增、修改和取消都将作为计划调整记录并须写明原因。确定公布「{t}」吗？"
            ).format(t=self.plan.title),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("publishConfirm")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        services = self.ui.services

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                CollectionOp(
                    parent=self,
                    runner=self.ui.runner,
                    op=lambda _p: publish_plan(services, plan_id),
                    changes=("plans",),
                ).run_in_background()

        box.finished.connect(answered)
        box.open()
        return box

    def open_frequency(self) -> FrequencyDialog | None:
        """Open the frequency settings (the service refuses users who may not change them)."""
        try:
            dialog = FrequencyDialog(self.ui, self)
        except Exception as exc:  # the database went away: say so, keep the page
            show_error(self, exc)
            return None
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # --- tasks --------------------------------------------------------------------------------
    def _with_reason(self, title: str, then: Any) -> Any:
        """Call ``then(reason)``: at once with "" before publication, after asking once published."""
        if not self.published():
            return then("")
        return ask_reason(
            self,
            title=title,
            prompt=self.tr("本年度计划已公布，此项修改将记入计划调整记录。请写明调整原因："),
            on_reason=then,
        )

    def _open_dialog(self, task_id: int | None, reason: str) -> TaskDialog:
        dialog = TaskDialog(
            self.ui,
            task_id,
            self,
            plan_id=self.plan.id if self.plan is not None else None,
            year=self.year_spin.value(),
            adjustment_reason=reason,
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def new_task(self) -> Any:
        """Open the task editor for a new task (asking the adjustment reason first if published)."""
        return self._with_reason(self.tr("新增任务"), lambda reason: self._open_dialog(None, reason))

    def edit_task(self) -> Any:
        """Open the selected task in the editor."""
        row = self.selected()
        if row is None or row.status.value == "cancelled":
            return None
        return self._with_reason(self.tr("修改任务"), lambda reason: self._open_dialog(row.id, reason))

    def cancel_selected(self) -> Any:
        """Cancel the selected task; a reason is always required."""
        row = self.selected()
        if row is None:
            return None
        services = self.ui.services

        def apply(reason: str) -> None:
            CollectionOp(
                parent=self,
                runner=self.ui.runner,
                op=lambda _p: cancel_task(services, row.id, reason=reason),
                changes=("tasks", "plans", "plan_adjustments"),
            ).run_in_background()

        return ask_reason(
            self,
            title=self.tr("取消任务"),
            prompt=self.tr("取消任务「{name}」（记录保留）。请写明原因：").format(name=row.name),
            on_reason=apply,
        )

    def export_adjustments(self, path: Path | None = None) -> Path | None:
        """Write the adjustments to an xlsx file (asks where unless ``path`` is given)."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("导出计划调整记录"),
                f"{self.year_spin.value()}年度抽查计划调整记录.xlsx",
                self.tr("Excel 工作簿 (*.xlsx)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
        columns = self.adjust_model.columns
        try:
            write_table(
                path,
                title=self.tr("{y}年度抽查计划调整记录").format(y=self.year_spin.value()),
                headers=[c.header for c in columns],
                rows=[[str(c.value(r)) for c in columns] for r in self.adjust_model.rows()],
            )
        except OSError as exc:
            show_error(self, exc)
            return None
        show_message(self, self.tr("导出完成"), self.tr("已导出到 {p}").format(p=path))
        return path
