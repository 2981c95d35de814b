"""检查实施: a task's teams and papers (打印), result entry, and review (组长审核, 公示审批)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.draws import TeamRow, list_teams
from app.services.printing import PrintKind
from app.services.progress import Progress
from app.services.results import (
    PublishOutcome,
    ResultRow,
    approve_result,
    list_results,
    publish_results,
    return_result,
)
from app.services.tasks import TaskRow, list_tasks
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog, ask_reason
from app.ui.dialogs.print_preview import PrintPreviewDialog
from app.ui.models import Column, RowTableModel
from app.ui.operations import CollectionOp, QueryOp, affects
from app.ui.pages.result_entry import ResultEntryWidget
from app.ui.widgets import configure_table

logger = logging.getLogger(__name__)

# The print menu: what the office prints, in the order of the work.
PRINT_CHOICES: tuple[tuple[str, PrintKind, bool], ...] = (
    ("检查通知书", PrintKind.NOTICES, False),
    ("联合检查单", PrintKind.CHECKLISTS, False),
    ("随机抽查情况记录表", PrintKind.RECORDS, False),
    ("检查组派单", PrintKind.DISPATCH, False),
    ("检查组资料包（所选检查组）", PrintKind.PACKET, True),
    ("随机抽取记录", PrintKind.DRAW_RECORD, False),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("InspectionPage", text)


def team_columns() -> list[Column[TeamRow]]:
    """Columns of the team table."""
    return [
        Column(_tr("检查组"), lambda r: f"第 {r.number} 组", 6, sort_key=lambda r: r.number),
        Column(_tr("检查对象数"), lambda r: r.target_count, 6, align_right=True),
        # Last, so it takes the stretch: a joint team's members with departments are long.
        Column(_tr("成员"), lambda r: "、".join(f"{m.name}（{m.department}）" for m in r.members), 40),
    ]


def result_columns() -> list[Column[ResultRow]]:
    """Columns of the results list."""
    return [
        Column(_tr("组"), lambda r: r.team_number, 3, sort_key=lambda r: r.team_number or 0),
        Column(_tr("检查对象"), lambda r: r.target_name, 16),
        Column(_tr("统一社会信用代码"), lambda r: r.target_code, 12),
        Column(_tr("状态"), lambda r: r.status_label, 8),
        Column(_tr("检查日期"), lambda r: r.inspection_date, 7, sort_key=lambda r: r.inspection_date or ""),
        Column(_tr("检查结果"), lambda r: r.result_text, 14),
        Column(_tr("草稿"), lambda r: r.has_draft, 3),
        Column(_tr("记录号"), lambda r: r.inspection_uid, 12),
    ]


class InspectionPage(QWidget):
    """The 检查实施 step of one task at a time."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspectionPage")
        self.ui = ui
        self.task_box = QComboBox()
        self.task_box.setObjectName("taskBox")
        self.task_box.setMinimumContentsLength(40)
        self.task_box.currentIndexChanged.connect(lambda _i: self.reload_task())
        self.hint = QLabel()
        self.hint.setWordWrap(True)

        # 任务与打印
        self.team_model: RowTableModel[TeamRow] = RowTableModel(team_columns(), parent=self)
        self.team_view = QTableView()
        self.team_view.setObjectName("teamView")
        self.team_view.setModel(self.team_model)
        configure_table(self.team_view, [c.width_chars for c in self.team_model.columns])
        self.kind_box = QComboBox()
        self.kind_box.setObjectName("printKind")
        for label, kind, _per_team in PRINT_CHOICES:
            self.kind_box.addItem(_tr(label), kind)
        self.print_button = QPushButton(self.tr("打印预览…"))
        self.print_button.setObjectName("printPreview")
        self.print_button.clicked.connect(self.open_print)
        print_bar = QHBoxLayout()
        print_bar.addWidget(QLabel(self.tr("打印")))
        print_bar.addWidget(self.kind_box)
        print_bar.addWidget(self.print_button)
        print_bar.addStretch(1)
        papers = QWidget()
        papers_layout = QVBoxLayout(papers)
        papers_layout.addLayout(print_bar)
        papers_layout.addWidget(QLabel(self.tr("检查组（打印资料包时先选中一组）")))
        papers_layout.addWidget(self.team_view, 1)

        # 结果录入
        self.entry = ResultEntryWidget(ui, self)

        # 审核与公示
        self.result_model: RowTableModel[ResultRow] = RowTableModel(result_columns(), parent=self)
        self.result_view = QTableView()
        self.result_view.setObjectName("resultView")
        self.result_view.setModel(self.result_model)
        self.result_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        configure_table(self.result_view, [c.width_chars for c in self.result_model.columns])
        self.result_view.doubleClicked.connect(lambda _i: self.enter_selected())
        self.enter_button = QPushButton(self.tr("录入/查看"))
        self.approve_button = QPushButton(self.tr("组长审核通过"))
        self.approve_button.setObjectName("approveButton")
        self.return_button = QPushButton(self.tr("退回…"))
        self.return_button.setObjectName("returnButton")
        self.publish_button = QPushButton(self.tr("公示审批（本任务已审核的结果）"))
        self.publish_button.setObjectName("publishButton")
        self.enter_button.clicked.connect(self.enter_selected)
        self.approve_button.clicked.connect(self.approve_selected)
        self.return_button.clicked.connect(self.ask_return)
        self.publish_button.clicked.connect(self.publish_task)
        self.review_status = QLabel()
        self.review_status.setWordWrap(True)
        review_bar = QHBoxLayout()
        for b in (self.enter_button, self.approve_button, self.return_button, self.publish_button):
            review_bar.addWidget(b)
        review_bar.addStretch(1)
        review = QWidget()
        review_layout = QVBoxLayout(review)
        review_layout.addLayout(review_bar)
        review_layout.addWidget(self.review_status)
        review_layout.addWidget(self.result_view, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(papers, self.tr("检查组与打印"))
        self.tabs.addTab(self.entry, self.tr("结果录入"))
        self.tabs.addTab(review, self.tr("审核与公示"))

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("抽查任务")))
        top.addWidget(self.task_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.tabs, 1)

        self.entry.submitted.connect(lambda _i: self.reload_task())
        ui.runner.changed.connect(self._on_changed)
        self.tasks_loaded = False
        self.reload_tasks()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if affects(changes, "tasks"):
            self.reload_tasks()
        elif affects(changes, "inspections", "teams", "draws"):
            self.reload_task()

    def current_task(self) -> TaskRow | None:
        """The chosen task."""
        row = self.task_box.currentData()
        return row if isinstance(row, TaskRow) else None

    @Slot()
    def reload_tasks(self) -> None:
        """Read the task list in the background."""
        services = self.ui.services
        QueryOp(
            parent=self, runner=self.ui.runner, op=lambda _p: list_tasks(services), key="inspection.tasks"
        ).success(self._show_tasks).run_in_background()

    def _show_tasks(self, rows: list[TaskRow]) -> None:
        current = self.current_task()
        self.task_box.blockSignals(True)
        self.task_box.clear()
        for row in rows:
            self.task_box.addItem(f"{row.number}　{row.name}（{row.status.label}）", row)
        if current is not None:
            index = next((n for n, r in enumerate(rows) if r.id == current.id), 0)
            self.task_box.setCurrentIndex(index)
        self.task_box.blockSignals(False)
        if not rows:
            self.hint.setText(
                self.tr("还没有抽查任务：请先在「抽查计划」中建立任务，再抽取检查对象和检查人员。")
            )
        self.tasks_loaded = True
        self.reload_task()

    def select_task(self, task_id: int) -> None:
        """Choose a task by id (when it is in the list)."""
        for n in range(self.task_box.count()):
            row = self.task_box.itemData(n)
            if isinstance(row, TaskRow) and row.id == task_id:
                self.task_box.setCurrentIndex(n)
                return

    @Slot()
    def reload_task(self) -> None:
        """Read the chosen task's teams and results in the background."""
        task = self.current_task()
        if task is None:
            self.team_model.set_rows([])
            self.result_model.set_rows([])
            return
        services = self.ui.services

        def load(_p: object) -> tuple[list[TeamRow], list[ResultRow]]:
            return list_teams(services, task.id), list_results(services, task.id)

        QueryOp(parent=self, runner=self.ui.runner, op=load, key="inspection.task").success(
            self._show_task
        ).run_in_background()

    def _show_task(self, loaded: tuple[list[TeamRow], list[ResultRow]]) -> None:
        teams, results = loaded
        self.team_model.set_rows(teams)
        self.result_model.set_rows(results)
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status_label] = counts.get(r.status_label, 0) + 1
        summary = "，".join(f"{k} {v}" for k, v in counts.items())
        if not results:
            self.hint.setText(self.tr("本任务还没有抽取检查对象：请先在「随机抽取」中抽取。"))
        else:
            self.hint.setText(
                self.tr("{teams} 个检查组，{n} 户检查对象：{summary}。").format(
                    teams=len(teams), n=len(results), summary=summary
                )
            )

    # -- printing ------------------------------------------------------------------------------

    def selected_team(self) -> TeamRow | None:
        """The team selected in the team table."""
        rows = self.team_view.selectionModel().selectedRows()
        return self.team_model.row_at(rows[0].row()) if rows else None

    @Slot()
    def open_print(self) -> PrintPreviewDialog | None:
        """Open the print preview of the chosen kind for the chosen task (and team)."""
        task = self.current_task()
        if task is None:
            return None
        label, kind, per_team = PRINT_CHOICES[self.kind_box.currentIndex()]
        team = self.selected_team()
        if per_team and team is None and self.team_model.rowCount() > 0:
            team = self.team_model.row_at(0)
        number = team.number if (team is not None and per_team) else None
        title = f"{task.number} {label}" + (f" 第 {number} 组" if number is not None else "")
        dialog = PrintPreviewDialog(self.ui, self, task_id=task.id, kind=kind, team=number, title=title)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        dialog.build()
        return dialog

    # -- review --------------------------------------------------------------------------------

    def selected_result(self) -> ResultRow | None:
        """The inspection selected in the results list."""
        rows = self.result_view.selectionModel().selectedRows()
        return self.result_model.row_at(rows[0].row()) if rows else None

    @Slot()
    def enter_selected(self) -> None:
        """Open the selected inspection in the entry form."""
        row = self.selected_result()
        if row is not None:
            self.tabs.setCurrentWidget(self.entry)
            self.entry.record_field.setText(row.inspection_uid)
            self.entry.open_inspection(row.inspection_id)

    def _review(self, label: str, op: Callable[[Progress], None]) -> None:
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=op,
            changes=("inspections", "result_versions"),
        ).success(lambda _r: self.review_status.setText(label)).run_in_background()

    @Slot()
    def approve_selected(self) -> None:
        """组长审核 通过 for the selected inspection."""
        row = self.selected_result()
        if row is None:
            return
        services = self.ui.services
        self._review(
            self.tr("{target}：组长审核通过。").format(target=row.target_name),
            lambda _p: approve_result(services, row.inspection_id, expected_version=row.inspection_version),
        )

    @Slot()
    def ask_return(self) -> ReasonDialog | None:
        """退回 the selected inspection, with a comment (required)."""
        row = self.selected_result()
        if row is None:
            return None
        # The reason prompt keeps 确定 greyed out until a reason is written: the one-line input box
        # it replaces accepted an empty 确定 and then silently did nothing.
        return ask_reason(
            self,
            title=self.tr("退回"),
            prompt=self.tr("退回「{target}」的检查结果。退回原因（必填，录入人员会看到）：").format(
                target=row.target_name
            ),
            on_reason=self.return_selected,
        )

    def return_selected(self, comment: str) -> None:
        """退回 the selected inspection with ``comment``."""
        row = self.selected_result()
        if row is None:
            return
        services = self.ui.services
        self._review(
            self.tr("{target}：已退回。").format(target=row.target_name),
            lambda _p: return_result(
                services, row.inspection_id, comment=comment, expected_version=row.inspection_version
            ),
        )

    @Slot()
    def publish_task(self) -> None:
        """公示审批: publish the chosen task's approved results."""
        task = self.current_task()
        if task is None:
            return
        services = self.ui.services

        def done(outcome: PublishOutcome) -> None:
            text = self.tr("已公示 {n} 条。").format(n=len(outcome.published))
            if outcome.skipped:
                text += self.tr("未公示 {n} 条（尚未审核通过等）。").format(n=len(outcome.skipped))
            self.review_status.setText(text)

        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: publish_results(services, task_id=task.id),
            changes=("inspections", "result_versions"),
        ).success(done).run_in_background()
