"""检查结果录入: one inspection's result form, built for fast keyboard entry.

The 记录号/二维码 field has the focus at the start: scan the form's QR code (the scanner types
the payload and Enter) or type the record id. Tab walks through the form in reading order;
Space ticks; Ctrl+Enter submits and opens the next record still to enter. Every change is
autosaved as a draft (debounced), so a power cut loses at most the field being typed.
"""

from __future__ import annotations

import itertools
import logging
from datetime import date
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import InspectionState
from app.printing.errors import InvalidPayload
from app.printing.qr import parse_payload
from app.services.attachments import AttachmentRow, add_attachment, list_attachments
from app.services.errors import ServiceError, ValidationError
from app.services.inspectors import InspectorRow, list_inspectors
from app.services.local_drafts import discard_local_draft, keep_local_draft, local_draft
from app.services.results import (
    EntryForm,
    VersionRow,
    entry_form,
    find_inspection,
    get_result,
    list_results,
    load_draft,
    save_draft,
    submit_result,
)
from app.ui.context import UiContext
from app.ui.operations import CollectionOp, QueryOp
from app.ui.widgets import DateEdit

logger = logging.getLogger(__name__)

AUTOSAVE_MS = 400
# With the draft kept on this PC for want of the database, try the database again this often.
LOCAL_RETRY_MS = 15_000
ERROR_STYLE = "color: #b00020"
CODE_ROLE = Qt.ItemDataRole.UserRole + 1
# Which error label shows a FieldError, by the start of its field name.
_SECTIONS = (
    "检查日期",
    "检查要点",
    "核查方式",
    "检查结果",
    "发现问题情况",
    "后续处置措施",
    "检查人员",
    "依法不予公开",
    "附件",
)


def record_reference(text: str) -> str:
    """The record id in what was scanned or typed: a form's QR payload or the record id itself."""
    text = text.strip()
    if text.startswith("liancha:"):
        return parse_payload(text).record_id
    return text


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


class ResultEntryWidget(QWidget):
    """The entry form of one inspection (opened by record id / QR code)."""

    submitted = Signal(int)  # inspection id
    draft_saved = Signal(int)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultEntry")
        self.ui = ui
        self.form: EntryForm | None = None
        self._filling = False
        self.drafts_saved = 0
        self._restoring_local = False  # the draft on show came from this PC, not yet in the database
        self._just_submitted = ""  # the confirmation to keep showing while the next record opens
        self.attachment_hashes: list[str] = []
        self.candidates: list[InspectorRow] = []

        self.record_field = QLineEdit()
        self.record_field.setObjectName("recordField")
        self.record_field.setPlaceholderText(self.tr("扫描表单二维码或输入记录号，按 Enter 打开"))
        self.record_field.returnPressed.connect(self.open_typed)
        self.header = QLabel(self.tr("尚未打开检查记录。"))
        self.header.setObjectName("entryHeader")
        self.header.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("entryStatus")
        self.status.setWordWrap(True)
        self.general_error = _error_label()
        self.general_error.setObjectName("generalError")
        self.errors: dict[str, QLabel] = {name: _error_label() for name in _SECTIONS}

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.form_scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.submit_button = QPushButton(self.tr("提交审核 (Ctrl+Enter)"))
        self.submit_button.setObjectName("submitButton")
        self.submit_button.clicked.connect(self.submit)
        self.submit_button.setEnabled(False)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.submit)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("记录号/二维码")))
        top.addWidget(self.record_field, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(self.general_error)
        layout.addWidget(scroll, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.submit_button)
        layout.addLayout(bottom)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.save_now)
        self._clear_form()
        self.setFocusProxy(self.record_field)
        self.tab_chain: list[QWidget] = [self.record_field, self.submit_button]

    # -- opening ---------------------------------------------------------------------------

    @Slot()
    def open_typed(self) -> None:
        """Open the record named in the 记录号/二维码 field."""
        try:
            reference = record_reference(self.record_field.text())
        except InvalidPayload as error:
            self._show_general(str(error))
            return
        if not reference:
            return
        services = self.ui.services
        QueryOp(
            parent=self, runner=self.ui.runner, op=lambda _p: find_inspection(services, reference)
        ).success(self.open_inspection).failure(lambda e: self._show_general(str(e))).run_in_background()

    def open_inspection(self, inspection_id: int) -> None:
        """Load the form (and its draft, if any) of one inspection in the background."""
        services = self.ui.services

        # (form, what to show in it, inspectors, whether it is a draft, whether the draft is this PC's)
        def load(_p: object) -> tuple[EntryForm, dict[str, Any] | None, list[InspectorRow], bool, bool]:
            form = entry_form(services, inspection_id)
            # A draft kept on this PC is newer than the database's: it exists only because saving
            # it there failed (the server was out of reach).
            kept = local_draft(services.db, inspection_id)
            draft = load_draft(services, inspection_id) if kept is None else None
            candidates = [r for r in list_inspectors(services) if r.active]
            if kept is not None:
                return form, kept.payload, candidates, True, True
            if draft is not None:
                return form, draft.payload, candidates, True, False
            # No draft: show what was recorded (a returned result to rework, a published one to
            # read) rather than an empty form that looks as if nothing had been entered.
            payload = get_result(services, inspection_id).payload
            return form, (payload.to_dict() if payload is not None else None), candidates, False, False

        QueryOp(parent=self, runner=self.ui.runner, op=load, key="entry.open").success(self._fill).failure(
            lambda e: self._show_general(str(e))
        ).run_in_background()

    def _show_general(self, message: str) -> None:
        self.general_error.setText(message)
        self.general_error.setVisible(bool(message))

    def _clear_form(self) -> None:
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.date_edit: DateEdit | None = None
        self.findings: list[tuple[int, QCheckBox, QCheckBox, QLineEdit]] = []
        self.methods: dict[str, QCheckBox] = {}
        self.categories: QTreeWidget | None = None
        self.problems: QPlainTextEdit | None = None
        self.measures: dict[str, QCheckBox] = {}
        self.measure_other: QLineEdit | None = None
        self.inspectors: dict[int, tuple[QCheckBox, QComboBox, QLineEdit]] = {}
        self.withheld: QCheckBox | None = None
        self.withheld_reason: QLineEdit | None = None
        self.attach_button: QPushButton | None = None
        self.attach_label: QLabel | None = None

    def _section(self, title: str, key: str) -> tuple[QGroupBox, QVBoxLayout]:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        self.body_layout.addWidget(box)
        layout.addWidget(self.errors[key])
        return box, layout

    def _fill(self, loaded: tuple[EntryForm, dict[str, Any] | None, list[InspectorRow], bool, bool]) -> None:
        form, draft, self.candidates, from_draft, restored_local = loaded
        self._filling = True
        try:
            self._build(form, draft or {})
        finally:
            self._filling = False
        self._show_general("")
        for label in self.errors.values():
            label.hide()
        editable = form.mode == "entry"
        self.body.setEnabled(editable)
        self.submit_button.setEnabled(editable)
        self.status.setText(
            self.tr("已恢复上次自动保存的草稿。")
            if from_draft
            else self.tr("状态：{state}").format(state=form.state.label)
        )
        if not editable:
            self.status.setText(self.tr("本记录为「{state}」，不能在此录入。").format(state=form.state.label))
        elif restored_local:
            self.status.setText(
                self.tr("已恢复暂存在本机的草稿（上次未能保存到数据库的内容），正在保存到数据库…")
            )
            self._restoring_local = True
            self.save_now()
        if self._just_submitted:
            # The confirmation of the record just submitted stays in sight beside the next one's
            # state: it was replaced at once, and the operator could not tell the submit had worked.
            self.status.setText(
                self.tr("{done}已打开下一户。{state}").format(
                    done=self._just_submitted, state=self.status.text()
                )
            )
            self._just_submitted = ""
        if self.date_edit is not None and editable:
            self.date_edit.setFocus()

    def _build(self, form: EntryForm, draft: dict[str, Any]) -> None:
        self._clear_form()
        self.form = form
        self.header.setText(
            self.tr("{task}　{target}（{code}）　第 {team} 组　记录号 {uid}").format(
                task=form.task_number,
                target=form.target_name,
                code=form.target_code or "—",
                team=form.team_number if form.team_number is not None else "—",
                uid=form.record_uid,
            )
        )
        chain: list[QWidget] = [self.record_field]

        _box, lay = self._section(self.tr("检查日期"), "检查日期")
        self.date_edit = DateEdit()  # Tab goes on to 检查人员, not into the month
        self.date_edit.setObjectName("inspectionDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumWidth(180)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMinimumDate(QDate(form.task_start.year, form.task_start.month, form.task_start.day))
        default = min(max(date.today(), form.task_start), form.task_end)
        raw = draft.get("inspection_date")
        start = date.fromisoformat(raw) if isinstance(raw, str) and raw else default
        self.date_edit.setDate(QDate(start.year, start.month, start.day))
        self.date_edit.dateChanged.connect(self.changed)
        lay.addWidget(self.date_edit)
        chain.append(self.date_edit)

        _box, lay = self._section(self.tr("检查要点（是否检查 / 发现问题）"), "检查要点")
        grid = QGridLayout()
        lay.addLayout(grid)
        drafted = {f.get("checkpoint_id"): f for f in draft.get("findings") or [] if isinstance(f, dict)}
        for row, cp in enumerate(form.checkpoints):
            prior = drafted.get(cp.id, {})
            text = QLabel(f"{cp.item_name}：{cp.content}")
            text.setWordWrap(True)
            checked = QCheckBox(self.tr("已检查"))
            checked.setObjectName(f"checked_{cp.id}")
            checked.setChecked(bool(prior.get("checked")))
            found = QCheckBox(self.tr("发现问题"))
            found.setObjectName(f"found_{cp.id}")
            found.setChecked(bool(prior.get("problem_found")))
            detail = QLineEdit(str(prior.get("problem_text") or ""))
            detail.setObjectName(f"finding_{cp.id}")
            detail.setPlaceholderText(self.tr("发现的问题"))
            for w in (checked, found):
                w.toggled.connect(self.changed)
            detail.textChanged.connect(self.changed)
            grid.addWidget(text, row, 0)
            grid.addWidget(checked, row, 1)
            grid.addWidget(found, row, 2)
            grid.addWidget(detail, row, 3)
            grid.setColumnStretch(0, 3)
            grid.setColumnStretch(3, 2)
            self.findings.append((cp.id, checked, found, detail))
            chain += [checked, found, detail]

        _box, lay = self._section(self.tr("核查方式（可多选）"), "核查方式")
        choice_grid = QGridLayout()
        lay.addLayout(choice_grid)
        chosen = set(draft.get("methods") or [])
        for n, m in enumerate(form.codes.methods):
            box = QCheckBox(m.label)
            box.setObjectName(f"method_{m.code}")
            box.setChecked(m.code in chosen)
            box.toggled.connect(self.changed)
            choice_grid.addWidget(box, n // 3, n % 3)
            self.methods[m.code] = box
            chain.append(box)

        _box, lay = self._section(self.tr("检查结果"), "检查结果")
        self.categories = QTreeWidget()
        self.categories.setObjectName("categoryTree")
        self.categories.setHeaderHidden(True)
        self.categories.setMinimumHeight(180)
        chosen = set(draft.get("categories") or [])
        items: dict[str, QTreeWidgetItem] = {}
        for cat in form.codes.categories:
            parent_item = items.get(cat.parent) if cat.parent else None
            item = QTreeWidgetItem([cat.label])
            item.setData(0, CODE_ROLE, cat.code)
            if not cat.children:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                state = Qt.CheckState.Checked if cat.code in chosen else Qt.CheckState.Unchecked
                item.setCheckState(0, state)
            if parent_item is None:
                self.categories.addTopLevelItem(item)
            else:
                parent_item.addChild(item)
            items[cat.code] = item
        self.categories.expandAll()
        self.categories.itemChanged.connect(lambda *_a: self.changed())
        lay.addWidget(self.categories)
        chain.append(self.categories)

        _box, lay = self._section(self.tr("发现问题情况"), "发现问题情况")
        self.problems = QPlainTextEdit(str(draft.get("problems") or ""))
        self.problems.setObjectName("problems")
        self.problems.setTabChangesFocus(True)
        self.problems.setFixedHeight(70)
        self.problems.textChanged.connect(self.changed)
        lay.addWidget(self.problems)
        chain.append(self.problems)

        _box, lay = self._section(self.tr("后续处置措施"), "后续处置措施")
        choice_grid = QGridLayout()
        lay.addLayout(choice_grid)
        chosen = set(draft.get("measures") or [])
        for n, m in enumerate(form.codes.measures):
            box = QCheckBox(m.label)
            box.setObjectName(f"measure_{m.code}")
            box.setChecked(m.code in chosen)
            box.toggled.connect(self.changed)
            choice_grid.addWidget(box, n // 2, n % 2)
            self.measures[m.code] = box
            chain.append(box)
        self.measure_other = QLineEdit(str(draft.get("measure_other") or ""))
        self.measure_other.setObjectName("measureOther")
        self.measure_other.setPlaceholderText(self.tr("选择「其他」时写明具体措施"))
        self.measure_other.textChanged.connect(self.changed)
        lay.addWidget(self.measure_other)
        chain.append(self.measure_other)

        _box, lay = self._section(self.tr("到场检查人员（默认为本组成员）"), "检查人员")
        drafted_people = [p for p in draft.get("inspectors") or [] if isinstance(p, dict)]
        present = (
            {p.get("inspector_id") for p in drafted_people if not p.get("substitute_for")}
            if "inspectors" in draft
            else {m.inspector_id for m in form.team}
        )
        substitutes = {p.get("substitute_for"): p for p in drafted_people if p.get("substitute_for")}
        team_ids = {m.inspector_id for m in form.team}
        people = QGridLayout()
        lay.addLayout(people)
        for row, member in enumerate(form.team):
            box = QCheckBox(
                f"{member.name}（{member.department}，{member.role.label}，证号 {member.certificate_number}）"
            )
            box.setObjectName(f"inspector_{member.inspector_id}")
            box.setChecked(member.inspector_id in present)
            swap = QComboBox()
            swap.setObjectName(f"substitute_{member.inspector_id}")
            swap.addItem(self.tr("未到场，不替换"), None)
            for candidate in self.candidates:
                if candidate.department == member.department and candidate.id not in team_ids:
                    swap.addItem(f"由 {candidate.name}（证号 {candidate.certificate}）替换", candidate.id)
            reason = QLineEdit()
            reason.setObjectName(f"substituteReason_{member.inspector_id}")
            reason.setPlaceholderText(self.tr("替换理由（替换时必填）"))
            earlier = substitutes.get(member.inspector_id)
            if earlier is not None:
                swap.setCurrentIndex(max(0, swap.findData(earlier.get("inspector_id"))))
                reason.setText(str(earlier.get("reason") or ""))
            for field in (swap, reason):
                field.setEnabled(not box.isChecked())
                box.toggled.connect(lambda on, field=field: field.setEnabled(not on))
            box.toggled.connect(self.changed)
            swap.currentIndexChanged.connect(lambda _i: self.changed())
            reason.textChanged.connect(self.changed)
            people.addWidget(box, row, 0)
            people.addWidget(swap, row, 1)
            people.addWidget(reason, row, 2)
            self.inspectors[member.inspector_id] = (box, swap, reason)
            chain += [box, swap, reason]
        if not form.team:
            lay.addWidget(QLabel(self.tr("本任务尚未选派检查人员：请先在「随机抽取」中抽取检查人员。")))

        _box, lay = self._section(self.tr("公开"), "依法不予公开")
        self.withheld = QCheckBox(self.tr("依法不予公开"))
        self.withheld.setObjectName("withheld")
        self.withheld.setChecked(bool(draft.get("withheld")))
        self.withheld_reason = QLineEdit(str(draft.get("withheld_reason") or ""))
        self.withheld_reason.setObjectName("withheldReason")
        self.withheld_reason.setPlaceholderText(self.tr("不予公开的法律依据或理由"))
        self.withheld.toggled.connect(self.changed)
        self.withheld_reason.textChanged.connect(self.changed)
        lay.addWidget(self.withheld)
        lay.addWidget(self.withheld_reason)
        chain += [self.withheld, self.withheld_reason]

        _box, lay = self._section(self.tr("附件"), "附件")
        self.attachment_hashes = [str(a) for a in draft.get("attachments") or []]
        self.attach_label = QLabel()
        self.attach_button = QPushButton(self.tr("添加附件…"))
        self.attach_button.setObjectName("attachButton")
        self.attach_button.clicked.connect(self.ask_attachment)
        lay.addWidget(self.attach_label)
        lay.addWidget(self.attach_button)
        chain.append(self.attach_button)
        self._refresh_attachments()
        self.body_layout.addStretch(1)

        chain.append(self.submit_button)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.tab_chain = chain
        # Show the new sections now rather than on the layout's queued show: a scanner's Tab
        # may arrive before that, and Qt skips widgets not yet visible.
        for n in range(self.body_layout.count()):
            layout_item = self.body_layout.itemAt(n)
            section = layout_item.widget() if layout_item is not None else None
            if section is not None:
                section.show()

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab walks the form in reading order (the chain is rebuilt with each record's form)."""
        focused = QApplication.focusWidget()
        chain = [w for w in self.tab_chain if shiboken6.isValid(w)]
        index = next_index = -1
        for n, widget in enumerate(chain):
            if focused is not None and (widget is focused or widget.isAncestorOf(focused)):
                index = n
                break
        if index < 0:
            return super().focusNextPrevChild(next)
        step = 1 if next else -1
        next_index = index
        for _ in chain:
            next_index = (next_index + step) % len(chain)
            candidate = chain[next_index]
            if candidate.isEnabled() and candidate.isVisibleTo(self):
                candidate.setFocus(
                    Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
                )
                return True
        return super().focusNextPrevChild(next)

    # -- the payload -----------------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        """The form as the dict ``save_draft``/``submit_result`` take."""
        categories: list[str] = []
        if self.categories is not None:
            stack = [self.categories.topLevelItem(i) for i in range(self.categories.topLevelItemCount())]
            while stack:
                item = stack.pop(0)
                if item is None:
                    continue
                if item.checkState(0) == Qt.CheckState.Checked:
                    categories.append(str(item.data(0, CODE_ROLE)))
                stack.extend(item.child(i) for i in range(item.childCount()))
        return {
            "inspection_date": self.date_edit.date().toString("yyyy-MM-dd") if self.date_edit else None,
            "methods": [code for code, box in self.methods.items() if box.isChecked()],
            "categories": categories,
            "problems": self.problems.toPlainText() if self.problems else "",
            "measures": [code for code, box in self.measures.items() if box.isChecked()],
            "measure_other": self.measure_other.text() if self.measure_other else "",
            "findings": [
                {
                    "checkpoint_id": cid,
                    "checked": checked.isChecked(),
                    "problem_found": found.isChecked(),
                    "problem_text": detail.text(),
                }
                for cid, checked, found, detail in self.findings
            ],
            "inspectors": self._people(),
            "withheld": self.withheld.isChecked() if self.withheld else False,
            "withheld_reason": self.withheld_reason.text() if self.withheld_reason else "",
            "attachments": list(self.attachment_hashes),
            "remarks": "",
        }

    def _people(self) -> list[dict[str, Any]]:
        people: list[dict[str, Any]] = []
        for iid, (box, swap, reason) in self.inspectors.items():
            if box.isChecked():
                people.append({"inspector_id": iid, "substitute_for": None, "reason": ""})
            elif swap.currentData() is not None:
                people.append(
                    {"inspector_id": int(swap.currentData()), "substitute_for": iid, "reason": reason.text()}
                )
        return people

    @Slot()
    def changed(self) -> None:
        """A field changed: autosave soon (debounced)."""
        if not self._filling and self.form is not None:
            self.autosave_timer.start()

    @Slot()
    def save_now(self) -> None:
        """Save the draft now, in the background."""
        self.autosave_timer.stop()
        if self.form is None:
            return
        services, inspection_id, data = self.ui.services, self.form.inspection_id, self.payload()

        def save(_p: object) -> object:
            try:
                at = save_draft(services, inspection_id, data)
            except ServiceError:
                raise  # the database answered and refused: a local copy would not help
            except Exception:
                # The database cannot take it (server out of reach): keep it on this PC instead.
                keep_local_draft(services.db, inspection_id, data)
                raise
            discard_local_draft(services.db, inspection_id)
            return at

        def saved(_at: object) -> None:
            self.drafts_saved += 1
            if self._restoring_local:
                self.status.setText(self.tr("已恢复暂存在本机的草稿，并已保存到数据库。"))
            else:
                self.status.setText(self.tr("草稿已自动保存。"))
            self._restoring_local = False
            self.draft_saved.emit(inspection_id)

        def not_saved(error: BaseException) -> None:
            # Shown in the status line, not as a dialog: autosave runs after every pause in typing.
            if local_draft(services.db, inspection_id) is not None and not isinstance(error, ServiceError):
                self.status.setText(
                    self.tr("无法连接数据库，草稿已暂存在本机，不会丢失；连接恢复后会自动保存到数据库。")
                )
                self.autosave_timer.setInterval(LOCAL_RETRY_MS)
                self.autosave_timer.start()
                return
            self.status.setText(self.tr("草稿未能保存：{error}").format(error=error))

        self.autosave_timer.setInterval(AUTOSAVE_MS)
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=save,
            changes=(),
        ).success(saved).failure(not_saved).run_in_background()

    @Slot()
    def submit(self) -> None:
        """Submit for review (Ctrl+Enter); on success open the next record to enter."""
        if self.form is None or not self.submit_button.isEnabled():
            return
        self.autosave_timer.stop()
        form, services, data = self.form, self.ui.services, self.payload()
        self.submit_button.setEnabled(False)

        def run(_p: object) -> tuple[VersionRow, int | None]:
            try:
                version = submit_result(
                    services, form.inspection_id, data, expected_version=form.inspection_version
                )
            except ServiceError:
                raise
            except Exception:
                keep_local_draft(services.db, form.inspection_id, data)  # the server is out of reach
                raise
            discard_local_draft(services.db, form.inspection_id)
            todo = list_results(
                services, form.task_id, states=(InspectionState.NOT_ENTERED, InspectionState.RETURNED)
            )
            following = [r.inspection_id for r in todo if r.inspection_id != form.inspection_id]
            return version, (following[0] if following else None)

        CollectionOp(
            parent=self, runner=self.ui.runner, op=run, changes=("inspections", "result_versions")
        ).success(self._submitted).failure(self._rejected).run_in_background()

    def _submitted(self, outcome: tuple[VersionRow, int | None]) -> None:
        version, following = outcome
        assert self.form is not None
        done = self.form
        self.submitted.emit(done.inspection_id)
        message = self.tr("{target} 已提交审核（第 {n} 版）。").format(
            target=done.target_name, n=version.number
        )
        self.record_field.clear()
        self.status.setText(message)
        if following is None:
            self._clear_form()
            self.form = None
            self.header.setText(message + self.tr("本任务已没有待录入的记录。"))
            self.record_field.setFocus()
        else:
            self._just_submitted = message
            self.open_inspection(following)

    def _rejected(self, error: BaseException) -> None:
        self.submit_button.setEnabled(True)
        for label in self.errors.values():
            label.hide()
        if not isinstance(error, ValidationError):
            self._show_general(str(error))
            return
        general: list[str] = []
        shown: dict[str, list[str]] = {}
        for e in error.errors:
            key = next((k for k in _SECTIONS if e.field.startswith(k)), None)
            if key is None:
                general.append(f"{e.field}：{e.message}")
            else:
                shown.setdefault(key, []).append(e.message if e.field == key else f"{e.field}：{e.message}")
        for key, messages in shown.items():
            self.errors[key].setText("；".join(messages))
            self.errors[key].show()
        where = "、".join(shown)
        self._show_general(
            self.tr("请按红字提示修改后再提交（{where}）。").format(where=where) + "；".join(general)
        )
        # The form is long (30 checkpoints and more): bring the first red message into view, or
        # the operator sees only the summary line and has to hunt for it.
        first = next((self.errors[key] for key in _SECTIONS if key in shown), None)
        if first is not None:
            self.body_layout.activate()  # the labels just shown need their place before scrolling
            self.form_scroll.ensureWidgetVisible(first, 0, first.fontMetrics().height() * 2)

    # -- attachments -------------------------------------------------------------------------

    @Slot()
    def ask_attachment(self) -> None:
        """Choose a file (photo, scan) to attach to this inspection."""
        if self.form is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, self.tr("添加附件"))
        if path:
            self.attach(Path(path))

    def attach(self, path: Path) -> None:
        """Store a file as an attachment of this inspection and list it on the form."""
        assert self.form is not None
        services, inspection_id = self.ui.services, self.form.inspection_id

        def added(row: AttachmentRow) -> None:
            if row.sha256 not in self.attachment_hashes:
                self.attachment_hashes.append(row.sha256)
            self._refresh_attachments()
            self.changed()

        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: add_attachment(services, inspection_id, path),
            changes=("attachments",),
        ).success(added).run_in_background()

    def _refresh_attachments(self) -> None:
        if self.form is None or self.attach_label is None:
            return
        services, inspection_id = self.ui.services, self.form.inspection_id
        label = self.attach_label

        def show(rows: list[AttachmentRow]) -> None:
            names = [f"{r.original_name}（{r.size:,} 字节）" for r in rows]
            label.setText("、".join(names) if names else self.tr("无附件"))

        QueryOp(
            parent=self, runner=self.ui.runner, op=lambda _p: list_attachments(services, inspection_id)
        ).success(show).run_in_background()
