"""结果公示: the three disclosure tables of a task, 公示审批, publication deadlines; follow-up and credit.

Only tasks that may be disclosed are listed here (public, not classified, not cancelled), and
results marked 依法不予公开 never show: the services decide it (``app.services.disclosure``) and
the page only shows what they return. The approval *not* to disclose a classified, non-public or
withheld result is given on the 检查实施 page, where those results are visible to whoever may see them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QDate, QSignalBlocker, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import FollowUpKind, InspectionState, TaskStatus
from app.services.credit import (
    JointPunishmentRow,
    RiskProposalRow,
    add_joint_punishment,
    confirm_risk_proposal,
    list_joint_punishments,
    list_risk_proposals,
    reject_risk_proposal,
    remove_joint_punishment,
)
from app.services.departments import list_departments
from app.services.disclosure import (
    DisclosureTable,
    DisclosureTaskRow,
    awaiting_publication,
    build_disclosure,
    disclosure_overview,
    disclosure_pdf,
    export_disclosure,
    publication_due,
)
from app.services.errors import FieldError, ValidationError
from app.services.followups import (
    FollowUpData,
    FollowUpRow,
    close_follow_up,
    create_follow_up,
    list_follow_ups,
    suggest_follow_ups,
    update_follow_up,
)
from app.services.permissions import Permission
from app.services.progress import Progress
from app.services.result_deadlines import OpenInspection
from app.services.results import PublishOutcome, ResultRow, list_results, publish_results
from app.services.tasks import TaskRow, list_tasks
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog, RecordDialog, ask_reason
from app.ui.dialogs.print_preview import PrintPreviewDialog
from app.ui.models import Column, RowTableModel
from app.ui.operations import CollectionOp, QueryOp, affects
from app.ui.widgets import DateEdit, configure_table, error_label

logger = logging.getLogger(__name__)

# (kind for the service, label) in the order they are published.
DISCLOSURE_KINDS: tuple[tuple[str, str], ...] = (
    ("task", "抽查任务公告"),
    ("list", "抽查名单"),
    ("results", "抽查结果公告"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("DisclosurePage", text)


def _days_left(n: int) -> str:
    return _tr("逾期 {n} 个工作日").format(n=-n) if n < 0 else _tr("还剩 {n} 个工作日").format(n=n)


def task_columns() -> list[Column[DisclosureTaskRow]]:
    return [
        Column(_tr("任务编号"), lambda r: r.task_number, 15),
        Column(_tr("任务名称"), lambda r: r.task_name, 22),
        Column(_tr("检查结束"), lambda r: r.end_date, 6),
        Column(_tr("应公示日期"), lambda r: r.due_date, 6),
        Column(
            _tr("期限"), lambda r: _days_left(r.working_days_left), 8, sort_key=lambda r: r.working_days_left
        ),
        Column(_tr("公示状态"), lambda r: r.status_label, 5),
        Column(_tr("抽取"), lambda r: r.total, 3, align_right=True),
        Column(_tr("已公示"), lambda r: r.published, 3, align_right=True),
        Column(_tr("待公示审批"), lambda r: r.awaiting, 5, align_right=True),
    ]


def awaiting_columns() -> list[Column[ResultRow]]:
    return [
        Column(_tr("组"), lambda r: r.team_number, 3, sort_key=lambda r: r.team_number or 0),
        Column(_tr("检查对象"), lambda r: r.target_name, 16),
        Column(_tr("统一社会信用代码"), lambda r: r.target_code, 12),
        Column(_tr("检查日期"), lambda r: r.inspection_date, 6, sort_key=lambda r: r.inspection_date or ""),
        Column(_tr("检查结果"), lambda r: r.result_text, 16),
        Column(_tr("状态"), lambda r: r.status_label, 8),
    ]


def due_columns() -> list[Column[OpenInspection]]:
    return [
        Column(
            _tr("期限"), lambda r: _days_left(r.working_days_left), 8, sort_key=lambda r: r.working_days_left
        ),
        Column(_tr("应公示日期"), lambda r: r.due_date, 6),
        Column(_tr("检查对象"), lambda r: r.target_name, 14),
        Column(_tr("结果状态"), lambda r: r.state_label, 5),
        Column(_tr("任务编号"), lambda r: r.task_number, 15),
    ]


def follow_up_columns() -> list[Column[FollowUpRow]]:
    return [
        Column(_tr("处置"), lambda r: r.kind_label, 6),
        Column(_tr("状态"), lambda r: _tr("已逾期") if r.overdue else r.state_label, 4),
        Column(_tr("检查对象"), lambda r: r.target_name, 14),
        Column(_tr("任务编号"), lambda r: r.task_number, 15),
        Column(_tr("接收部门"), lambda r: r.department, 9),
        Column(_tr("情况"), lambda r: r.description, 14),
        Column(_tr("整改期限"), lambda r: r.due_date, 6, sort_key=lambda r: r.due_date or date.max),
        Column(_tr("复查日期"), lambda r: r.recheck_on, 6, sort_key=lambda r: r.recheck_on or date.max),
        Column(_tr("登记"), lambda r: f"{r.created_by} {r.created_at.astimezone():%Y-%m-%d}", 10),
        Column(
            _tr("办结"),
            lambda r: f"{r.closed_by} {r.closed_on}：{r.outcome}" if r.closed_on else "",
            14,
        ),
    ]


def proposal_columns() -> list[Column[RiskProposalRow]]:
    return [
        Column(_tr("检查对象"), lambda r: r.target_name, 14),
        Column(_tr("统一社会信用代码"), lambda r: r.target_code, 11),
        Column(_tr("建议"), lambda r: f"{r.from_class.value} → {r.to_class.value}", 5),
        Column(_tr("现风险等级"), lambda r: r.current_class.value, 4),
        Column(_tr("理由"), lambda r: r.reason, 18),
        Column(_tr("提出"), lambda r: f"{r.proposed_by} {r.proposed_at.astimezone():%Y-%m-%d}", 10),
    ]


def punishment_columns() -> list[Column[JointPunishmentRow]]:
    return [
        Column(_tr("检查对象"), lambda r: r.target_name, 14),
        Column(_tr("统一社会信用代码"), lambda r: r.target_code, 11),
        Column(_tr("列入理由"), lambda r: r.reason, 18),
        Column(_tr("列入"), lambda r: f"{r.added_by} {r.added_on}", 10),
        Column(
            _tr("移出"),
            lambda r: f"{r.removed_by} {r.removed_on}：{r.removal_reason}" if r.removed_on else "",
            12,
        ),
    ]


def _table(model: RowTableModel[Any], name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    configure_table(view, [c.width_chars for c in model.columns])
    return view


def _selected(view: QTableView, model: RowTableModel[Any]) -> Any:
    rows = view.selectionModel().selectedRows()
    return model.row_at(rows[0].row()) if rows else None


class FollowUpDialog(RecordDialog):
    """登记 or 修改 a follow-up of a submitted result: which inspection, what measure, deadlines.

    Saved like every editor: in the background, the dialog staying open with the service's
    refusal next to the field it names (整改期限, 接收部门, 说明 …) instead of closing first and
    losing the input.
    """

    changes = ("follow_ups",)

    def __init__(
        self,
        ui: UiContext,
        parent: QWidget | None = None,
        *,
        tasks: Sequence[TaskRow] = (),
        task_id: int | None = None,
        follow_up: FollowUpRow | None = None,
    ) -> None:
        title = self.tr("登记后续处置") if follow_up is None else self.tr("修改后续处置")
        super().__init__(ui, title, parent)
        self.setObjectName("followUpDialog")
        self.follow_up = follow_up
        self._names: dict[int, str] = {}  # inspection id → target name, of the offered results
        services = ui.services
        today = QDate.currentDate()

        self.task_box = QComboBox()
        self.task_box.setObjectName("followUpTask")
        self.result_box = QComboBox()
        self.result_box.setObjectName("followUpInspection")
        self.result_box.setPlaceholderText(self.tr("该任务还没有已提交的检查结果"))
        self.kind_box = QComboBox()
        self.kind_box.setObjectName("followUpKind")
        for kind in FollowUpKind:
            self.kind_box.addItem(kind.label, kind)
        self.department_box = QComboBox()
        self.department_box.setObjectName("followUpDepartment")
        self.department_box.addItem(self.tr("（不涉及）"), None)
        for d in list_departments(services):
            self.department_box.addItem(d.name, d.id)
        self.description = QLineEdit()
        self.description.setObjectName("followUpDescription")
        self.due_check = QCheckBox(self.tr("整改期限"))
        self.due = DateEdit(today.addDays(15))
        self.recheck_check = QCheckBox(self.tr("复查日期"))
        self.recheck = DateEdit(today.addDays(20))
        for check, edit in ((self.due_check, self.due), (self.recheck_check, self.recheck)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            # A date that is not ticked is not saved: greyed out, so nobody sets it in vain.
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)

        body = QWidget()
        form = QFormLayout(body)
        form.addRow(self.tr("抽查任务"), self.task_box)
        self.errors.add_row(form, self.tr("检查记录"), self.result_box, "检查记录")
        form.addRow(self.tr("处置措施"), self.kind_box)
        self.errors.add_row(form, self.tr("接收部门"), self.department_box, "接收部门")
        self.errors.add_row(form, self.tr("情况说明"), self.description, "说明", "情况说明")
        for check, edit, name in (
            (self.due_check, self.due, "整改期限"),
            (self.recheck_check, self.recheck, "复查日期"),
        ):
            form.addRow(check, edit)
            error = error_label()
            form.addRow("", error)
            self.errors.register(edit, error, name)
        self.finish_layout(body)

        if follow_up is None:
            for t in tasks:
                self.task_box.addItem(f"{t.number}　{t.name}", t.id)
            if task_id is not None and self.task_box.findData(task_id) >= 0:
                self.task_box.setCurrentIndex(self.task_box.findData(task_id))
            self.task_box.currentIndexChanged.connect(lambda _i: self._load_results())
            self.result_box.currentIndexChanged.connect(lambda _i: self._prefill())
            self._load_results()
        else:
            self.task_box.addItem(follow_up.task_number, follow_up.task_id)
            self.result_box.addItem(follow_up.target_name, follow_up.inspection_id)
            self.result_box.setCurrentIndex(0)  # with a placeholder set, Qt does not choose it itself
            self.task_box.setEnabled(False)  # a follow-up stays with its inspection
            self.result_box.setEnabled(False)
            self.kind_box.setCurrentIndex(self.kind_box.findData(follow_up.kind))
            found = self.department_box.findData(follow_up.department_id)
            self.department_box.setCurrentIndex(max(found, 0))
            self.description.setText(follow_up.description)
            for check, edit, value in (
                (self.due_check, self.due, follow_up.due_date),
                (self.recheck_check, self.recheck, follow_up.recheck_on),
            ):
                check.setChecked(value is not None)
                if value is not None:
                    edit.setDate(QDate(value.year, value.month, value.day))
        self.kind_box.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.resize(560, self.sizeHint().height())

    def _load_results(self) -> None:
        """The chosen task's inspections that have a submitted result (follow-ups start there)."""
        task_id = self.task_box.currentData()
        results: list[ResultRow] = []
        if isinstance(task_id, int):
            results = [
                r for r in list_results(self.ui.services, task_id) if r.state != InspectionState.NOT_ENTERED
            ]
        self._names = {r.inspection_id: r.target_name for r in results}
        with QSignalBlocker(self.result_box):
            self.result_box.clear()
            for r in results:
                self.result_box.addItem(
                    f"{r.target_name}（{r.result_text or r.status_label}）", r.inspection_id
                )
            # Results with problems first in mind: choose the first one that has any.
            first = next((n for n, r in enumerate(results) if r.has_problems), 0 if results else -1)
            self.result_box.setCurrentIndex(first)
        self._prefill()

    def _prefill(self) -> None:
        """Start from what the result's 后续处置措施 call for (责令改正 → a deadline)."""
        iid = self.inspection_id()
        if iid is None:
            return
        suggestions = suggest_follow_ups(self.ui.services, iid)
        if suggestions:
            first = suggestions[0]
            with QSignalBlocker(self.kind_box):
                self.kind_box.setCurrentIndex(self.kind_box.findData(first.kind))
            self.description.setText(first.description)
            self._kind_changed()

    def _kind_changed(self) -> None:
        # 责令改正 has a deadline and a re-check (the service insists on the deadline); the other
        # measures usually have neither: the ticks follow the measure (and can still be changed),
        # so that a 抄告 chosen after the prefilled 责令改正 is not saved with its dates.
        rectify = self.kind_box.currentData() == FollowUpKind.RECTIFY
        self.due_check.setChecked(rectify)
        self.recheck_check.setChecked(rectify)

    def target_name(self) -> str:
        """The name of the chosen inspection's target (for the page's confirmation)."""
        if self.follow_up is not None:
            return self.follow_up.target_name
        return self._names.get(self.inspection_id() or 0, "")

    def inspection_id(self) -> int | None:
        iid = self.result_box.currentData()
        return iid if isinstance(iid, int) else None

    def data(self) -> FollowUpData:
        department = self.department_box.currentData()
        return FollowUpData(
            kind=FollowUpKind(self.kind_box.currentData()),
            description=self.description.text(),
            department_id=department if isinstance(department, int) else None,
            due_date=self.due.date().toPython() if self.due_check.isChecked() else None,  # type: ignore[arg-type]
            recheck_on=self.recheck.date().toPython() if self.recheck_check.isChecked() else None,  # type: ignore[arg-type]
        )

    def operation(self) -> Callable[[Progress], object]:
        """Create the follow-up (or change it) with the form's values."""
        services, data, row = self.ui.services, self.data(), self.follow_up
        if row is not None:
            return lambda _p: update_follow_up(services, row.id, data, expected_version=row.version)
        inspection_id = self.inspection_id()
        if inspection_id is None:
            message = self.tr("该任务还没有已提交的检查结果，不能登记后续处置。请选择其他任务。")
            raise ValidationError([FieldError("检查记录", message)])
        return lambda _p: create_follow_up(services, inspection_id, data)


class CloseFollowUpDialog(RecordDialog):
    """复查/办结 a follow-up: the outcome and the day; refused input stays in the dialog."""

    changes = ("follow_ups",)

    def __init__(self, ui: UiContext, follow_up: FollowUpRow, parent: QWidget | None = None) -> None:
        super().__init__(ui, self.tr("复查/办结"), parent)
        self.setObjectName("closeFollowUpDialog")
        self.follow_up = follow_up
        deadline = follow_up.recheck_on or follow_up.due_date
        about = QLabel(
            self.tr("「{target}」的{kind}").format(target=follow_up.target_name, kind=follow_up.kind_label)
            + (self.tr("（复查/整改期限 {day}）").format(day=deadline) if deadline else "")
        )
        about.setWordWrap(True)
        self.outcome = QPlainTextEdit()
        self.outcome.setObjectName("followUpOutcome")
        self.outcome.setPlaceholderText(self.tr("如：复查合格，已整改到位；已移交某局并收到回函"))
        self.outcome.setFixedHeight(self.fontMetrics().height() * 5)
        self.closed_on = DateEdit(QDate.currentDate())
        self.closed_on.setObjectName("followUpClosedOn")
        self.closed_on.setCalendarPopup(True)
        self.closed_on.setDisplayFormat("yyyy-MM-dd")
        self.closed_on.setMaximumDate(QDate.currentDate())  # the service refuses a future day
        body = QWidget()
        form = QFormLayout(body)
        form.addRow(about)
        self.errors.add_row(form, self.tr("办理结果"), self.outcome, "办理结果")
        self.errors.add_row(form, self.tr("办结日期"), self.closed_on, "办结日期")
        self.finish_layout(body)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("办结"))
        self.resize(480, self.sizeHint().height())

    def operation(self) -> Callable[[Progress], object]:
        """Close the follow-up with the outcome and day written."""
        services, row = self.ui.services, self.follow_up
        outcome = self.outcome.toPlainText()
        day: date = self.closed_on.date().toPython()  # type: ignore[assignment]
        return lambda _p: close_follow_up(
            services, row.id, outcome=outcome, closed_on=day, expected_version=row.version
        )


_Editor = TypeVar("_Editor", FollowUpDialog, CloseFollowUpDialog)


class DisclosurePage(QWidget):
    """结果公示: 公示文件 and 公示审批 per task; 后续处置 and 信用 (风险等级, 联合惩戒)."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("disclosurePage")
        self.ui = ui
        self.fixed_today = today  # tests and screenshots pin the day; otherwise the real date
        self.last_error = ""

        # -- 公示 ----------------------------------------------------------------------------
        self.task_model: RowTableModel[DisclosureTaskRow] = RowTableModel(task_columns(), parent=self)
        self.task_view = _table(self.task_model, "disclosureTasks")
        self.task_view.selectionModel().selectionChanged.connect(lambda *_: self.reload_awaiting())
        self.calendar_warning = QLabel()
        self.calendar_warning.setObjectName("calendarWarning")
        self.calendar_warning.setWordWrap(True)
        self.calendar_warning.setStyleSheet("color: #8a5a00")
        self.calendar_warning.hide()

        files = QHBoxLayout()
        files.addWidget(QLabel(self.tr("公示文件")))
        self.kind_box = QComboBox()
        self.kind_box.setObjectName("disclosureKind")
        for kind, label in DISCLOSURE_KINDS:
            self.kind_box.addItem(_tr(label), kind)
        self.preview_button = QPushButton(self.tr("预览…"))
        self.preview_button.setObjectName("previewDisclosure")
        self.xlsx_button = QPushButton(self.tr("保存为 Excel…"))
        self.xlsx_button.setObjectName("saveXlsx")
        self.pdf_button = QPushButton(self.tr("保存为 PDF…"))
        self.pdf_button.setObjectName("savePdf")
        self.preview_button.clicked.connect(self.open_preview)
        self.xlsx_button.clicked.connect(lambda: self.ask_save(".xlsx"))
        self.pdf_button.clicked.connect(lambda: self.ask_save(".pdf"))
        for w in (self.kind_box, self.preview_button, self.xlsx_button, self.pdf_button):
            files.addWidget(w)
        files.addStretch(1)

        self.awaiting_model: RowTableModel[ResultRow] = RowTableModel(awaiting_columns(), parent=self)
        self.awaiting_view = _table(self.awaiting_model, "awaitingView")
        self.awaiting_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.publish_selected_button = QPushButton(self.tr("公示审批（所选）"))
        self.publish_selected_button.setObjectName("publishSelected")
        self.publish_all_button = QPushButton(self.tr("公示审批（本任务全部待审批）"))
        self.publish_all_button.setObjectName("publishAll")
        self.publish_selected_button.clicked.connect(lambda: self.approve_publication(selected_only=True))
        self.publish_all_button.clicked.connect(lambda: self.approve_publication(selected_only=False))
        approve_bar = QHBoxLayout()
        approve_bar.addWidget(self.publish_selected_button)
        approve_bar.addWidget(self.publish_all_button)
        approve_bar.addStretch(1)
        approve_box = QGroupBox(self.tr("公示审批：已通过组长审核、等待公示的结果"))
        approve_layout = QVBoxLayout(approve_box)
        approve_layout.addLayout(approve_bar)
        approve_layout.addWidget(self.awaiting_view, 1)

        self.due_model: RowTableModel[OpenInspection] = RowTableModel(due_columns(), parent=self)
        self.due_view = _table(self.due_model, "dueView")
        due_box = QGroupBox(self.tr("公示期限：已逾期和即将到期的结果"))
        due_layout = QVBoxLayout(due_box)
        due_layout.addWidget(self.due_view)

        self.status = QLabel()
        self.status.setObjectName("disclosureStatus")
        self.status.setWordWrap(True)

        lower = QSplitter()
        lower.addWidget(approve_box)
        lower.addWidget(due_box)
        lower.setSizes([600, 400])
        publish_tab = QWidget()
        publish_layout = QVBoxLayout(publish_tab)
        publish_layout.addWidget(QLabel(self.tr("可公示的抽查任务（涉密、不公开和已取消的任务不在此列）")))
        publish_layout.addWidget(self.task_view, 1)
        publish_layout.addWidget(self.calendar_warning)
        publish_layout.addLayout(files)
        publish_layout.addWidget(self.status)
        publish_layout.addWidget(lower, 2)

        # -- 后续处置与信用 ------------------------------------------------------------------
        self.open_only = QCheckBox(self.tr("只看未办结"))
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(lambda _c: self.reload_followups())
        self.follow_model: RowTableModel[FollowUpRow] = RowTableModel(follow_up_columns(), parent=self)
        self.follow_view = _table(self.follow_model, "followUpView")
        self.follow_view.selectionModel().selectionChanged.connect(lambda *_: self._enable_by_permission())
        self.follow_model.modelReset.connect(self._enable_by_permission)
        self.follow_view.doubleClicked.connect(lambda _i: self.ask_edit_follow_up())
        self.new_follow_button = QPushButton(self.tr("登记后续处置…"))
        self.new_follow_button.setObjectName("newFollowUp")
        self.reschedule_button = QPushButton(self.tr("修改/改期…"))
        self.reschedule_button.setObjectName("editFollowUp")
        self.close_follow_button = QPushButton(self.tr("复查/办结…"))
        self.close_follow_button.setObjectName("closeFollowUp")
        self.punish_button = QPushButton(self.tr("列入联合惩戒…"))
        self.new_follow_button.clicked.connect(self.ask_new_follow_up)
        self.reschedule_button.clicked.connect(self.ask_edit_follow_up)
        self.close_follow_button.clicked.connect(self.ask_close)
        self.punish_button.clicked.connect(self.ask_punish)
        follow_bar = QHBoxLayout()
        for control in (
            self.open_only,
            self.new_follow_button,
            self.reschedule_button,
            self.close_follow_button,
            self.punish_button,
        ):
            follow_bar.addWidget(control)
        follow_bar.addStretch(1)
        follow_box = QGroupBox(self.tr("后续处置（责令改正、移交线索/抄告、移送司法机关……）"))
        follow_layout = QVBoxLayout(follow_box)
        follow_layout.addLayout(follow_bar)
        follow_layout.addWidget(self.follow_view)

        self.proposal_model: RowTableModel[RiskProposalRow] = RowTableModel(proposal_columns(), parent=self)
        self.proposal_view = _table(self.proposal_model, "proposalView")
        self.confirm_button = QPushButton(self.tr("确认调高"))
        self.confirm_button.setObjectName("confirmProposal")
        self.reject_button = QPushButton(self.tr("不予调整…"))
        self.confirm_button.clicked.connect(self.confirm_selected_proposal)
        self.reject_button.clicked.connect(self.ask_reject_proposal)
        proposal_box = QGroupBox(self.tr("风险等级调整建议（由人确认，留痕）"))
        proposal_layout = QVBoxLayout(proposal_box)
        bar = QHBoxLayout()
        bar.addWidget(self.confirm_button)
        bar.addWidget(self.reject_button)
        bar.addStretch(1)
        proposal_layout.addLayout(bar)
        proposal_layout.addWidget(self.proposal_view)

        self.punish_model: RowTableModel[JointPunishmentRow] = RowTableModel(
            punishment_columns(), parent=self
        )
        self.punish_view = _table(self.punish_model, "punishmentView")
        self.remove_punish_button = QPushButton(self.tr("移出名单…"))
        self.remove_punish_button.clicked.connect(self.ask_remove_punishment)
        punish_box = QGroupBox(self.tr("联合惩戒名单"))
        punish_layout = QVBoxLayout(punish_box)
        bar2 = QHBoxLayout()
        bar2.addWidget(self.remove_punish_button)
        bar2.addStretch(1)
        punish_layout.addLayout(bar2)
        punish_layout.addWidget(self.punish_view)

        self.credit_status = QLabel()
        self.credit_status.setObjectName("creditStatus")
        self.credit_status.setWordWrap(True)
        credit_lower = QSplitter()
        credit_lower.addWidget(proposal_box)
        credit_lower.addWidget(punish_box)
        follow_tab = QWidget()
        follow_tab_layout = QVBoxLayout(follow_tab)
        follow_tab_layout.addWidget(follow_box, 3)
        follow_tab_layout.addWidget(self.credit_status)
        follow_tab_layout.addWidget(credit_lower, 2)

        self.tabs = QTabWidget()
        self.tabs.addTab(publish_tab, self.tr("公示"))
        self.tabs.addTab(follow_tab, self.tr("后续处置与信用"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

        self._enable_by_permission()
        ui.runner.changed.connect(self._on_changed)
        self.loaded = False
        self.reload()

    def _enable_by_permission(self) -> None:
        """Grey out what the user may not do (the services refuse it anyway, with the reason)."""
        actor = self.ui.services.actor()
        publish = actor.may(Permission.PUBLISH)
        for button in (
            self.xlsx_button,
            self.pdf_button,
            self.publish_selected_button,
            self.publish_all_button,
        ):
            button.setEnabled(publish)
        enter = actor.may(Permission.ENTER_RESULTS)
        self.new_follow_button.setEnabled(enter)
        # 修改 and 办结 need an open follow-up chosen (a closed one is not edited again).
        chosen = self.selected_follow_up() if hasattr(self, "follow_view") else None
        is_open = chosen is not None and chosen.closed_on is None
        for button in (self.reschedule_button, self.close_follow_button):
            button.setEnabled(enter and is_open)
        review = actor.may(Permission.REVIEW_RESULTS)
        for button in (
            self.confirm_button,
            self.reject_button,
            self.punish_button,
            self.remove_punish_button,
        ):
            button.setEnabled(review)

    def today(self) -> date:
        return self.fixed_today or date.today()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if affects(changes, "tasks", "inspections", "result_versions", "draws", "holidays"):
            self.reload()
        elif affects(changes, "follow_ups", "risk_proposals", "joint_punishments", "targets"):
            self.reload_followups()

    # -- loading -------------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Read the task overview and the due list, then the follow-up tab, in the background."""
        services, today = self.ui.services, self.today()

        def load(_p: Progress) -> tuple[list[DisclosureTaskRow], list[OpenInspection]]:
            return disclosure_overview(services, today), publication_due(services, today)

        QueryOp(parent=self, runner=self.ui.runner, op=load, key="disclosure.overview").success(
            self._show_overview
        ).run_in_background()
        self.reload_followups()

    def _show_overview(self, loaded: tuple[list[DisclosureTaskRow], list[OpenInspection]]) -> None:
        tasks, due = loaded
        current = self.current_task()
        self.task_model.set_rows(tasks)
        self.due_model.set_rows(due)
        warnings = list(dict.fromkeys(t.warning for t in tasks if t.warning))
        self.calendar_warning.setText("\n".join(warnings))
        self.calendar_warning.setVisible(bool(warnings))
        if tasks:
            index = self.task_model.find(lambda r: current is not None and r.task_id == current.task_id)
            self.task_view.selectRow(max(index, 0))
        else:
            self.awaiting_model.set_rows([])
            self.status.setText(
                self.tr("没有可公示的抽查任务：公开任务完成随机抽取后会列在这里。涉密和不公开的任务不公示。")
            )
        self.loaded = True

    def current_task(self) -> DisclosureTaskRow | None:
        row = _selected(self.task_view, self.task_model)
        return row if isinstance(row, DisclosureTaskRow) else None

    def select_task(self, task_id: int) -> None:
        index = self.task_model.find(lambda r: r.task_id == task_id)
        if index >= 0:
            self.task_view.selectRow(index)

    @Slot()
    def reload_awaiting(self) -> None:
        task = self.current_task()
        if task is None:
            self.awaiting_model.set_rows([])
            return
        services = self.ui.services
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: awaiting_publication(services, task.task_id),
            key="disclosure.awaiting",
        ).success(self.awaiting_model.set_rows).failure(self._failed).run_in_background()

    @Slot()
    def reload_followups(self) -> None:
        services, today, open_only = self.ui.services, self.today(), self.open_only.isChecked()

        def load(_p: Progress) -> tuple[list[FollowUpRow], list[RiskProposalRow], list[JointPunishmentRow]]:
            return (
                list_follow_ups(services, open_only=open_only, today=today),
                list_risk_proposals(services),
                list_joint_punishments(services),
            )

        def show(loaded: tuple[list[FollowUpRow], list[RiskProposalRow], list[JointPunishmentRow]]) -> None:
            self.follow_model.set_rows(loaded[0])
            self.proposal_model.set_rows(loaded[1])
            self.punish_model.set_rows(loaded[2])

        QueryOp(parent=self, runner=self.ui.runner, op=load, key="disclosure.followups").success(
            show
        ).run_in_background()

    def _failed(self, error: BaseException) -> None:
        self.last_error = str(error)
        self.status.setText(str(error))
        self.status.setStyleSheet("color: #b00020")

    def _done(self, label: QLabel, text: str) -> Callable[[object], None]:
        def show(_result: object) -> None:
            self.last_error = ""
            label.setStyleSheet("")
            label.setText(text)

        return show

    def _run(
        self, op: Callable[[Progress], object], changes: tuple[str, ...], label: QLabel, text: str
    ) -> None:
        def failed(error: BaseException) -> None:
            self.last_error = str(error)
            label.setText(str(error))
            label.setStyleSheet("color: #b00020")

        CollectionOp(parent=self, runner=self.ui.runner, op=op, changes=changes).success(
            self._done(label, text)
        ).failure(failed).run_in_background()

    # -- disclosure files ----------------------------------------------------------------------

    def current_kind(self) -> tuple[str, str]:
        return DISCLOSURE_KINDS[self.kind_box.currentIndex()]

    @Slot()
    def open_preview(self) -> PrintPreviewDialog | None:
        """Preview the chosen table of the chosen task; 另存为 PDF in it records the publication."""
        task = self.current_task()
        if task is None:
            return None
        kind, label = self.current_kind()
        services = self.ui.services

        def build(_progress: Progress) -> bytes:
            table: DisclosureTable = build_disclosure(services, kind, task.task_id)
            return disclosure_pdf(table)

        def save(path: Path) -> None:
            export_disclosure(services, kind, task.task_id, path)

        dialog = PrintPreviewDialog(
            self.ui,
            self,
            task_id=task.task_id,
            title=f"{task.task_number} {label}",
            builder=build,
            saver=save,
            file_name=f"{task.task_number}{label}.pdf",
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        dialog.build()
        return dialog

    def ask_save(self, suffix: str) -> None:
        task = self.current_task()
        if task is None:
            return
        _kind, label = self.current_kind()
        pattern = self.tr("Excel 工作簿 (*.xlsx)") if suffix == ".xlsx" else self.tr("PDF 文件 (*.pdf)")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存{what}").format(what=label), f"{task.task_number}{label}{suffix}", pattern
        )
        if path:
            target = Path(path)
            self.save_disclosure(target if target.suffix.lower() == suffix else target.with_suffix(suffix))

    def save_disclosure(self, path: Path) -> None:
        """Write the chosen table of the chosen task to ``path`` (.xlsx or .pdf), audited."""
        task = self.current_task()
        if task is None:
            return
        kind, label = self.current_kind()
        services = self.ui.services
        self._run(
            lambda _p: export_disclosure(services, kind, task.task_id, path),
            ("audit_log",),
            self.status,
            self.tr("已保存{what}：{path}").format(what=label, path=path),
        )

    # -- 公示审批 ------------------------------------------------------------------------------

    def approve_publication(self, *, selected_only: bool, comment: str = "") -> None:
        """公示审批 of the selected (or all listed) results awaiting it."""
        rows: Sequence[ResultRow | None]
        if selected_only:
            rows = [
                self.awaiting_model.row_at(i.row())
                for i in self.awaiting_view.selectionModel().selectedRows()
            ]
        else:
            rows = self.awaiting_model.rows()
        ids = [r.inspection_id for r in rows if r is not None]
        if not ids:
            self.status.setText(self.tr("没有选中待公示审批的结果。"))
            return
        services = self.ui.services

        def op(_p: Progress) -> PublishOutcome:
            return publish_results(services, inspection_ids=ids, comment=comment)

        self._run(
            op,
            ("inspections", "result_versions"),
            self.status,
            self.tr("公示审批通过 {n} 条结果。请生成并发布抽查结果公告。").format(n=len(ids)),
        )

    # -- follow-up -----------------------------------------------------------------------------

    def selected_follow_up(self) -> FollowUpRow | None:
        row = _selected(self.follow_view, self.follow_model)
        return row if isinstance(row, FollowUpRow) else None

    @Slot()
    def ask_new_follow_up(self) -> FollowUpDialog | None:
        """登记: choose the task and its submitted result in the editor, then the measure."""
        tasks = [t for t in list_tasks(self.ui.services) if t.status != TaskStatus.CANCELLED]
        if not tasks:
            self.credit_status.setText(self.tr("还没有抽查任务：检查结果提交后才能登记后续处置。"))
            return None
        current = self.current_task()
        dialog = FollowUpDialog(
            self.ui, self, tasks=tasks, task_id=current.task_id if current is not None else None
        )
        return self._open_editor(
            dialog,
            lambda: self.tr("已登记「{target}」的后续处置（{kind}）。").format(
                target=dialog.target_name(), kind=dialog.kind_box.currentText()
            ),
        )

    def _open_editor(self, dialog: _Editor, saved: Callable[[], str]) -> _Editor:
        """Open a follow-up editor without blocking; once it has saved, the page says ``saved()``."""
        dialog.saved.connect(lambda _result: self._say(saved()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _say(self, text: str) -> None:
        self.last_error = ""
        self.credit_status.setStyleSheet("")
        self.credit_status.setText(text)

    @Slot()
    def ask_edit_follow_up(self) -> FollowUpDialog | None:
        """修改/改期 the chosen open follow-up in the editor (dates picked, not typed as text)."""
        row = self.selected_follow_up()
        if row is None or row.closed_on is not None:
            return None
        return self._open_editor(
            FollowUpDialog(self.ui, self, follow_up=row),
            lambda: self.tr("已修改「{target}」的{kind}。").format(
                target=row.target_name, kind=row.kind_label
            ),
        )

    @Slot()
    def ask_close(self) -> CloseFollowUpDialog | None:
        """复查/办结 the chosen open follow-up: outcome and day in one dialog."""
        row = self.selected_follow_up()
        if row is None or row.closed_on is not None:
            return None
        return self._open_editor(
            CloseFollowUpDialog(self.ui, row, self),
            lambda: self.tr("「{target}」的{kind}已办结。").format(
                target=row.target_name, kind=row.kind_label
            ),
        )

    @Slot()
    def ask_punish(self) -> ReasonDialog | None:
        row = self.selected_follow_up()
        if row is None:
            self.credit_status.setText(self.tr("请先在后续处置中选中一条，列入其检查对象。"))
            return None
        return ask_reason(
            self,
            title=self.tr("列入联合惩戒"),
            prompt=self.tr("将「{target}」列入联合惩戒名单。列入理由和依据（必填）：").format(
                target=row.target_name
            ),
            text=row.description,
            on_reason=lambda reason: self.add_punishment(row, reason),
        )

    def add_punishment(self, row: FollowUpRow, reason: str) -> None:
        services = self.ui.services

        def op(_p: Progress) -> int:
            target_id = next(
                r.target_id
                for r in list_results(services, row.task_id)
                if r.inspection_id == row.inspection_id
            )
            return add_joint_punishment(services, target_id, reason=reason, inspection_id=row.inspection_id)

        self._run(
            op,
            ("joint_punishments",),
            self.credit_status,
            self.tr("「{target}」已列入联合惩戒名单。").format(target=row.target_name),
        )

    @Slot()
    def ask_remove_punishment(self) -> ReasonDialog | None:
        row = _selected(self.punish_view, self.punish_model)
        if not isinstance(row, JointPunishmentRow):
            return None
        services = self.ui.services

        def remove(reason: str) -> None:
            self._run(
                lambda _p: remove_joint_punishment(services, row.id, reason=reason),
                ("joint_punishments",),
                self.credit_status,
                self.tr("「{target}」已移出联合惩戒名单。").format(target=row.target_name),
            )

        return ask_reason(
            self,
            title=self.tr("移出联合惩戒名单"),
            prompt=self.tr("将「{target}」移出联合惩戒名单。移出理由和依据（必填）：").format(
                target=row.target_name
            ),
            on_reason=remove,
        )

    # -- risk proposals ------------------------------------------------------------------------

    def selected_proposal(self) -> RiskProposalRow | None:
        row = _selected(self.proposal_view, self.proposal_model)
        return row if isinstance(row, RiskProposalRow) else None

    @Slot()
    def confirm_selected_proposal(self) -> None:
        row = self.selected_proposal()
        if row is None:
            return
        services = self.ui.services
        self._run(
            lambda _p: confirm_risk_proposal(services, row.id),
            ("risk_proposals", "targets"),
            self.credit_status,
            self.tr("「{target}」的风险等级已调为 {cls}。").format(
                target=row.target_name, cls=row.to_class.value
            ),
        )

    @Slot()
    def ask_reject_proposal(self) -> ReasonDialog | None:
        row = self.selected_proposal()
        if row is None:
            return None
        return ask_reason(
            self,
            title=self.tr("不予调整"),
            prompt=self.tr("不调整「{target}」的风险等级。不予调整的理由（必填）：").format(
                target=row.target_name
            ),
            on_reason=lambda reason: self.reject_proposal(row, reason),
        )

    def reject_proposal(self, row: RiskProposalRow, reason: str) -> None:
        services = self.ui.services
        self._run(
            lambda _p: reject_risk_proposal(services, row.id, reason=reason),
            ("risk_proposals",),
            self.credit_status,
            self.tr("「{target}」的风险等级调整建议已驳回。").format(target=row.target_name),
        )
