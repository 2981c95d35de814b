"""抽查任务 editor: departments, items or an 一业一查 scheme, scope, ratios, with a live population preview."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, QSignalBlocker, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import RiskClass, TargetKind, TaskMode
from app.services.departments import list_departments
from app.services.errors import FieldError, ValidationError
from app.services.items import list_items
from app.services.progress import Progress
from app.services.schemes import list_schemes
from app.services.targets import distinct_values, licence_names_in_use, target_tags_in_use
from app.services.tasks import (
    Population,
    StaffingLine,
    TaskData,
    TaskScope,
    create_task,
    get_task,
    preview_population,
    preview_staffing,
    update_task,
)
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog
from app.ui.operations import QueryOp
from app.ui.widgets import ChoiceCombo, DateEdit, char_width, fit_to_screen

PREVIEW_DEBOUNCE_MS = 300


class CheckList(QListWidget):
    """A list of checkable (label, value) entries."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumHeight(110)
        self.itemChanged.connect(lambda _i: self.changed.emit())

    def set_choices(self, choices: Sequence[tuple[str, object]], checked: Sequence[object] = ()) -> None:
        """Replace the entries; those whose value is in ``checked`` are ticked."""
        with QSignalBlocker(self):
            self.clear()
            for label, value in choices:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if value in checked else Qt.CheckState.Unchecked)
                self.addItem(item)

    def values(self) -> list[object]:
        """Values of the ticked entries, in list order."""
        return [
            self.item(n).data(Qt.ItemDataRole.UserRole)
            for n in range(self.count())
            if self.item(n).checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, value: object, checked: bool = True) -> None:
        """Tick (or untick) the entry with this value."""
        for n in range(self.count()):
            if self.item(n).data(Qt.ItemDataRole.UserRole) == value:
                self.item(n).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                if checked:
                    self.scrollToItem(self.item(n))  # a ticked entry out of sight reads as "none chosen"


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class TaskDialog(RecordDialog):
    """Create or edit a task; ``adjustment_reason`` is passed when the plan is already published."""

    changes = ("tasks", "plans", "plan_adjustments")
    preview_shown = Signal()

    def __init__(
        self,
        ui: UiContext,
        task_id: int | None,
        parent: QWidget | None = None,
        *,
        plan_id: int | None = None,
        year: int | None = None,
        adjustment_reason: str = "",
    ) -> None:
        super().__init__(ui, self.tr("编辑抽查任务") if task_id else self.tr("新建抽查任务"), parent)
        self.setObjectName("taskDialog")
        self.task_id = task_id
        self.plan_id = plan_id
        self.adjustment_reason = adjustment_reason
        self.version: int | None = None
        self.population: Population | None = None
        self.staffing: list[StaffingLine] = []
        services = ui.services
        departments = list_departments(services)
        self._items = [i for i in list_items(services) if i.active]
        schemes = [s for s in list_schemes(services, include_inactive=False)]

        self.name_edit = QLineEdit()
        self.mode_combo = ChoiceCombo()
        self.mode_combo.set_choices([(m.label, m.value) for m in TaskMode])  # Qt turns a StrEnum into str
        self.lead_combo = ChoiceCombo()
        self.lead_combo.set_choices([(d.name, d.id) for d in departments])
        self.joint_list = CheckList()
        self.joint_list.set_choices([(d.name, d.id) for d in departments])
        self.items_radio = QRadioButton(self.tr("按部门选择事项"))
        self.scheme_radio = QRadioButton(self.tr("使用一业一查方案"))
        self.items_radio.setChecked(True)
        self.items_list = CheckList()
        self.items_list.setMaximumHeight(140)
        self.scheme_combo = ChoiceCombo()
        self.scheme_combo.set_choices([(f"{s.industry}：{s.name}", s.id) for s in schemes])
        self.industries = CheckList()
        self.industries.set_choices([(v, v) for v in distinct_values(services, "industry")])
        self.regions = CheckList()
        self.regions.set_choices([(v, v) for v in distinct_values(services, "region")])
        self.risk_filter = CheckList()
        self.risk_filter.set_choices([(f"{r.value} 类", r.value) for r in RiskClass])
        self.kinds = CheckList()
        self.kinds.set_choices([(k.label, k.value) for k in TargetKind])
        self.tags = CheckList()
        self.tags.setObjectName("scopeTags")
        self.tags.set_choices(
            [(f"{kind}：{name}", tag_id) for tag_id, kind, name in target_tags_in_use(services)]
        )
        self.licences = CheckList()
        self.licences.setObjectName("scopeLicences")
        self.licences.set_choices([(v, v) for v in licence_names_in_use(services)])
        self.ratio_spins: dict[RiskClass, QDoubleSpinBox] = {}
        ratios_row = QHBoxLayout()
        for risk in RiskClass:
            spin = QDoubleSpinBox()
            spin.setDecimals(2)
            spin.setRange(0, 100)
            spin.setSuffix(" %")
            spin.setSpecialValueText(self.tr("不抽"))
            self.ratio_spins[risk] = spin
            ratios_row.addWidget(QLabel(f"{risk.value}"))
            ratios_row.addWidget(spin)
        self.ratios_box = QWidget()
        self.ratios_box.setLayout(ratios_row)
        self.fixed_check = QCheckBox(self.tr("改为固定数量"))
        self.fixed_spin = QSpinBox()
        self.fixed_spin.setRange(1, 100_000)
        self.fixed_spin.setEnabled(False)
        fixed_row = QHBoxLayout()
        fixed_row.addWidget(self.fixed_check)
        fixed_row.addWidget(self.fixed_spin)
        fixed_row.addStretch(1)
        # Tab leaves a date field (DateEdit) instead of walking its year, month and day.
        self.start_date = DateEdit()
        self.end_date = DateEdit()
        for edit in (self.start_date, self.end_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        this_year = year or date.today().year
        self.start_date.setDate(QDate(this_year, 5, 1))
        self.end_date.setDate(QDate(this_year, 6, 30))
        dates_row = QHBoxLayout()
        dates_row.addWidget(self.start_date)
        dates_row.addWidget(QLabel(self.tr("至")))
        dates_row.addWidget(self.end_date)
        dates_row.addStretch(1)
        self.team_spin = QSpinBox()
        self.team_spin.setRange(1, 200)
        self.team_spin.setSuffix(self.tr(" 组"))
        self.officers_spin = QSpinBox()
        self.officers_spin.setObjectName("officersPerDepartment")
        self.officers_spin.setRange(1, 10)
        self.officers_spin.setPrefix(self.tr("每部门每组 "))
        self.officers_spin.setSuffix(self.tr(" 名"))
        self.min_officers_spin = QSpinBox()
        self.min_officers_spin.setObjectName("minOfficersPerTeam")
        self.min_officers_spin.setRange(2, 30)
        self.min_officers_spin.setValue(2)
        self.min_officers_spin.setPrefix(self.tr("每组至少 "))
        self.min_officers_spin.setSuffix(self.tr(" 名执法人员"))
        self.min_officers_spin.setToolTip(self.tr("不足部分由牵头部门补足；行政处罚法要求不少于 2 名"))
        self.expert_check = QCheckBox(self.tr("每组从专家库随机抽派 1 名专家"))
        teams_row = QHBoxLayout()
        teams_row.addWidget(self.team_spin)
        teams_row.addWidget(self.officers_spin)
        teams_row.addWidget(self.min_officers_spin)
        teams_row.addStretch(1)
        self.override_check = QCheckBox(self.tr("本任务豁免抽查频次限制"))
        self.override_check.setObjectName("frequencyOverride")
        self.override_reason = QLineEdit()
        self.override_reason.setObjectName("frequencyOverrideReason")
        self.override_reason.setPlaceholderText(self.tr("须写明理由，例如：上级交办专项整治"))
        self.override_reason.setEnabled(False)
        self.override_check.toggled.connect(self.override_reason.setEnabled)
        override_row = QHBoxLayout()
        override_row.addWidget(self.override_check)
        override_row.addWidget(self.override_reason, 1)
        self.public_check = QCheckBox(self.tr("向社会公开"))
        self.public_check.setChecked(True)
        self.classified_check = QCheckBox(self.tr("涉密任务"))
        self.notice_check = QCheckBox(self.tr("提前告知检查对象"))
        self.notice_check.setChecked(True)
        flags_row = QHBoxLayout()
        for check in (self.public_check, self.classified_check, self.notice_check):
            flags_row.addWidget(check)
        flags_row.addStretch(1)
        self.responsibilities = QPlainTextEdit()
        self.responsibilities.setMaximumHeight(60)
        self.contact_edit = QLineEdit()

        form = QFormLayout()
        e = self.errors
        e.add_row(form, self.tr("任务名称"), self.name_edit, "任务名称")
        form.addRow(self.tr("抽查方式"), self.mode_combo)
        e.add_row(form, self.tr("牵头部门"), self.lead_combo, "牵头部门")
        e.add_row(form, self.tr("配合部门"), self.joint_list, "联合部门")
        source_row = QHBoxLayout()
        source_row.addWidget(self.items_radio)
        source_row.addWidget(self.scheme_radio)
        source_row.addWidget(self.scheme_combo, 1)
        form.addRow(self.tr("事项来源"), source_row)
        e.add_row(form, self.tr("抽查事项"), self.items_list, "抽查事项")
        form.addRow(self.tr("行业"), self.industries)
        form.addRow(self.tr("乡镇/街道"), self.regions)
        form.addRow(self.tr("风险类别"), self.risk_filter)
        form.addRow(self.tr("主体类型"), self.kinds)
        form.addRow(self.tr("对象标签"), self.tags)
        form.addRow(self.tr("持有许可证"), self.licences)
        e.add_row(form, self.tr("抽查比例"), self.ratios_box, "抽查比例")
        e.add_row(form, self.tr("固定数量"), _wrap(fixed_row), "固定数量")
        e.add_row(form, self.tr("检查时间"), _wrap(dates_row), "检查时间")
        e.add_row(form, self.tr("检查组"), _wrap(teams_row), "检查组数", "每部门人数", "每组执法人员")
        form.addRow(self.tr("专家"), self.expert_check)
        e.add_row(form, self.tr("抽查频次"), _wrap(override_row), "频次豁免理由")
        e.add_row(form, self.tr("公开与告知"), _wrap(flags_row), "公开")
        form.addRow(self.tr("职责分工"), self.responsibilities)
        form.addRow(self.tr("联系人及电话"), self.contact_edit)
        form_widget = QWidget()
        form_widget.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_widget)

        self.preview_label = QLabel(self.tr("填写事项和比例后，这里显示抽取范围"))
        self.preview_label.setObjectName("taskPreview")
        self.preview_label.setWordWrap(True)
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.preview_label.setTextFormat(Qt.TextFormat.RichText)
        preview_box = QWidget()
        preview_layout = QVBoxLayout(preview_box)
        title = QLabel(self.tr("<b>抽取范围预览</b>"))
        preview_layout.addWidget(title)
        preview_layout.addWidget(self.preview_label, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(preview_box)
        preview_box.setMinimumWidth(char_width(self) * 24)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.finish_layout(splitter)
        fit_to_screen(self, 1200, 820)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self.lead_combo.currentIndexChanged.connect(lambda _n: self._departments_changed())
        self.joint_list.changed.connect(self._departments_changed)
        self.fixed_check.toggled.connect(self._fixed_toggled)
        self.items_radio.toggled.connect(lambda _on: self._source_toggled())
        self._source_toggled()
        self._departments_changed()
        if task_id is not None:
            self._load(task_id)
        for signal in (
            self.items_list.changed,
            self.industries.changed,
            self.regions.changed,
            self.risk_filter.changed,
            self.kinds.changed,
            self.scheme_combo.currentIndexChanged,
            self.mode_combo.currentIndexChanged,
            self.fixed_spin.valueChanged,
            self.fixed_check.toggled,
            self.items_radio.toggled,
            self.start_date.dateChanged,
            self.end_date.dateChanged,
            self.tags.changed,
            self.licences.changed,
            self.lead_combo.currentIndexChanged,
            self.team_spin.valueChanged,
            self.officers_spin.valueChanged,
            self.min_officers_spin.valueChanged,
            self.expert_check.toggled,
            self.override_check.toggled,
            self.override_reason.textChanged,
        ):
            signal.connect(self.schedule_preview)
        for spin in self.ratio_spins.values():
            spin.valueChanged.connect(self.schedule_preview)
        self.schedule_preview()

    # --- form state ---------------------------------------------------------------------------
    def _departments_changed(self) -> None:
        lead = self.lead_combo.value()
        with QSignalBlocker(self.joint_list):
            for n in range(self.joint_list.count()):
                entry = self.joint_list.item(n)
                is_lead = entry.data(Qt.ItemDataRole.UserRole) == lead
                entry.setHidden(is_lead)  # the lead department is not also its own partner
                if is_lead:
                    entry.setCheckState(Qt.CheckState.Unchecked)
        allowed = {lead, *self.joint_list.values()}
        checked = set(self.items_list.values())
        self.items_list.set_choices(
            [(f"{i.department}｜{i.name}", i.id) for i in self._items if i.department_id in allowed],
            [v for v in checked],
        )
        self.schedule_preview()

    def _fixed_toggled(self, on: bool) -> None:
        self.fixed_spin.setEnabled(on)
        self.ratios_box.setEnabled(not on)

    def _source_toggled(self) -> None:
        by_items = self.items_radio.isChecked()
        self.items_list.setEnabled(by_items)
        self.scheme_combo.setEnabled(not by_items)

    def _load(self, task_id: int) -> None:
        detail = get_task(self.ui.services, task_id)
        data = detail.data
        self.version = detail.row.version
        self.plan_id = data.plan_id
        self.name_edit.setText(data.name)
        self.mode_combo.set_value(data.mode.value)
        self.lead_combo.set_value(data.lead_department_id)
        for dept in data.joint_department_ids:
            self.joint_list.set_checked(dept)
        self._departments_changed()
        if data.scheme_id is not None:
            self.scheme_radio.setChecked(True)
            self.scheme_combo.set_value(data.scheme_id)
        for item in data.item_ids:
            self.items_list.set_checked(item)
        for check_list, values in (
            (self.industries, data.scope.industries),
            (self.regions, data.scope.regions),
            (self.risk_filter, data.scope.risk_classes),
            (self.kinds, data.scope.kinds),
            (self.tags, data.scope.tag_ids),
            (self.licences, data.scope.licence_names),
        ):
            for value in values:
                check_list.set_checked(value.value if isinstance(value, RiskClass | TargetKind) else value)
        for risk, ratio in data.ratios.items():
            self.ratio_spins[risk].setValue(float(ratio * 100))
        if data.fixed_count is not None:
            self.fixed_check.setChecked(True)
            self.fixed_spin.setValue(data.fixed_count)
        self.start_date.setDate(_qdate(data.start_date))
        self.end_date.setDate(_qdate(data.end_date))
        self.team_spin.setValue(data.team_count)
        self.officers_spin.setValue(data.officers_per_department)
        self.min_officers_spin.setValue(data.min_officers_per_team)
        self.expert_check.setChecked(data.expert_per_team)
        self.override_check.setChecked(bool(data.frequency_override_reason))
        self.override_reason.setText(data.frequency_override_reason)
        self.public_check.setChecked(data.is_public)
        self.classified_check.setChecked(data.is_classified)
        self.notice_check.setChecked(data.advance_notice)
        self.responsibilities.setPlainText(data.responsibilities)
        self.contact_edit.setText(data.contact)

    def ratios(self) -> dict[RiskClass, Decimal]:
        """The ratios as exact decimals: the spin box's text, not its float, is converted."""
        result: dict[RiskClass, Decimal] = {}
        for risk, spin in self.ratio_spins.items():
            if spin.value() > 0:
                # Through the spin box's own 2-decimal text: 7.00 % becomes Decimal("0.07") exactly, not 0.07000000000000000666.
                result[risk] = Decimal(f"{spin.value():.{spin.decimals()}f}") / Decimal(100)
        return result

    def task_data(self) -> TaskData:
        """The form as a ``TaskData`` (plain values, safe to hand to a worker)."""
        by_items = self.items_radio.isChecked()
        lead = self.lead_combo.value()
        return TaskData(
            name=self.name_edit.text().strip(),
            mode=TaskMode(str(self.mode_combo.value() or TaskMode.SINGLE.value)),
            lead_department_id=int(lead) if lead is not None else 0,
            joint_department_ids=tuple(int(str(v)) for v in self.joint_list.values() if v != lead),
            item_ids=tuple(int(str(v)) for v in self.items_list.values()) if by_items else (),
            scheme_id=None if by_items else self.scheme_combo.value(),
            scope=TaskScope(
                kinds=tuple(TargetKind(str(v)) for v in self.kinds.values()),
                industries=tuple(str(v) for v in self.industries.values()),
                regions=tuple(str(v) for v in self.regions.values()),
                risk_classes=tuple(RiskClass(str(v)) for v in self.risk_filter.values()),
                tag_ids=tuple(int(str(v)) for v in self.tags.values()),
                licence_names=tuple(str(v) for v in self.licences.values()),
            ),
            ratios={} if self.fixed_check.isChecked() else self.ratios(),
            fixed_count=self.fixed_spin.value() if self.fixed_check.isChecked() else None,
            responsibilities=self.responsibilities.toPlainText().strip(),
            is_public=self.public_check.isChecked(),
            is_classified=self.classified_check.isChecked(),
            advance_notice=self.notice_check.isChecked(),
            team_count=self.team_spin.value(),
            officers_per_department=self.officers_spin.value(),
            min_officers_per_team=self.min_officers_spin.value(),
            expert_per_team=self.expert_check.isChecked(),
            frequency_override_reason=self.override_reason.text().strip()
            if self.override_check.isChecked()
            else "",
            contact=self.contact_edit.text().strip(),
            start_date=_pydate(self.start_date.date()),
            end_date=_pydate(self.end_date.date()),
            plan_id=self.plan_id,
        )

    # --- live preview -------------------------------------------------------------------------
    @Slot()
    def schedule_preview(self) -> None:
        """Recompute the preview once the user pauses (~300 ms)."""
        self._timer.start()

    def preview_pending(self) -> bool:
        """True while a preview is waiting for the pause."""
        return self._timer.isActive()

    @Slot()
    def refresh_preview(self) -> None:
        """Compute the population on a worker; only the latest request is shown."""
        data = self.task_data()
        if not data.item_ids and data.scheme_id is None:
            self.preview_label.setText(self.tr("请先选择抽查事项或一业一查方案"))
            return
        services, task_id = self.ui.services, self.task_id
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: (
                preview_population(services, data, task_id=task_id),
                preview_staffing(services, data),
            ),
            key=f"taskPreview.{id(self)}",
        ).success(self._show_preview).failure(self._preview_failed).run_in_background()

    def _show_preview(self, result: tuple[Population, list[StaffingLine]]) -> None:
        population, self.staffing = result
        self.population = population
        data = self.task_data()
        self.preview_label.setText(
            preview_html(population, self.tr)
            + "<br><br>"
            + task_notes_html(data, self.staffing, self.override_check.isChecked(), self.tr)
        )
        self.preview_shown.emit()

    def _preview_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.preview_label.setText(
                self.tr("暂不能预览：")
                + "<br>"
                + "<br>".join(f"• {e.field}：{e.message}" for e in exc.errors)
            )
            return
        from app.ui.errors import show_error

        show_error(self, exc)

    def done(self, result: int) -> None:
        # A preview scheduled after the dialog closed would query a database that may be gone.
        self._timer.stop()
        super().done(result)

    # --- save ---------------------------------------------------------------------------------
    def operation(self) -> Callable[[Progress], object]:
        if self.override_check.isChecked() and not self.override_reason.text().strip():
            raise ValidationError(
                [FieldError("频次豁免理由", "豁免抽查频次限制须写明理由；不豁免请取消勾选")]
            )
        data = self.task_data()
        services, task_id, version, reason = (
            self.ui.services,
            self.task_id,
            self.version,
            self.adjustment_reason,
        )
        if task_id is None:
            return lambda _p: create_task(services, data, adjustment_reason=reason)

        def save(_p: Progress) -> int:
            update_task(services, task_id, data, expected_version=version, adjustment_reason=reason)
            return task_id

        return save


def _wrap(layout: QHBoxLayout) -> QWidget:
    layout.setContentsMargins(0, 0, 0, 0)
    widget = QWidget()
    widget.setLayout(layout)
    return widget


def preview_html(population: Population, tr: Callable[[str], str]) -> str:
    """The preview as rich text: strata with sizes and sample sizes, exclusions, cap."""
    rows = "".join(
        f"<tr><td style='white-space: nowrap'>{s.risk_class.value} 类</td><td align='right'>{s.size:,}</td>"
        f"<td align='right'>{'' if s.ratio is None else f'{s.ratio * 100:.2f}%'}</td>"
        f"<td align='right'><b>{s.sample_size:,}</b></td></tr>"
        for s in population.strata
    )
    parts = [
        f"<table cellspacing='0' cellpadding='4' border='1'><tr><th>{tr('层')}</th><th>{tr('名录数')}</th>"
        f"<th>{tr('比例')}</th><th>{tr('抽取数')}</th></tr>{rows}</table>",
        tr("合计抽取 <b>{n}</b> 户").format(n=f"{population.total_sample:,}"),
    ]
    if population.not_drawn_classes:
        parts.append(
            tr("范围内但未设比例（不抽取）：")
            + "，".join(f"{r.value} 类 {n} 户" for r, n in sorted(population.not_drawn_classes.items()))
        )
    counts = population.exclusion_counts()
    if counts:
        parts.append(
            tr("排除：")
            + "<br>"
            + "<br>".join(
                f"• {reason}：{n} 户" for reason, n in sorted(counts.items(), key=lambda kv: -kv[1])
            )
        )
    if population.cap is not None:
        parts.append(tr("含一般检查事项，比例上限 {cap}").format(cap=f"{population.cap:.1%}"))
    return "<br><br>".join(parts)


def task_notes_html(
    data: TaskData, staffing: list[StaffingLine], override_asked: bool, tr: Callable[[str], str]
) -> str:
    """Scope, team staffing against who could be drawn, and the frequency override, as rich text."""
    parts = [tr("抽查范围：") + _esc(data.scope.describe())]
    if staffing:
        rows = "".join(
            f"<tr><td>{_esc(line.source)}</td><td align='right'>{line.per_team}</td>"
            f"<td align='right'>{line.needed}</td><td align='right'>"
            + (f"<b style='color:#b00020'>{line.available}</b>" if line.short else f"{line.available}")
            + "</td></tr>"
            for line in staffing
        )
        parts.append(
            tr("检查组 {n} 组：").format(n=data.team_count)
            + f"<table cellspacing='0' cellpadding='4' border='1'><tr><th>{tr('来源')}</th>"
            f"<th>{tr('每组')}</th><th>{tr('共需')}</th><th>{tr('可抽')}</th></tr>{rows}</table>"
        )
        short = [line for line in staffing if line.short]
        if short:
            parts.append(
                "<span style='color:#b00020'>"
                + "<br>".join(
                    tr("{s}可抽 {a} 人，少于所需 {n} 人：选派人员时将被拒绝").format(
                        s=_esc(line.source), a=line.available, n=line.needed
                    )
                    for line in short
                )
                + "</span>"
            )
        else:
            parts.append(tr("可抽人员为在岗且执法证在检查期间有效者（回避关系在选派时另行排除）"))
    if data.frequency_override_reason:
        parts.append(
            tr("<b>已豁免抽查频次限制</b>，理由：{r}（将记入任务）").format(
                r=_esc(data.frequency_override_reason)
            )
        )
    elif override_asked:
        parts.append(
            "<span style='color:#b00020'>" + tr("勾选了豁免抽查频次限制，但尚未写明理由") + "</span>"
        )
    return "<br><br>".join(parts)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)
