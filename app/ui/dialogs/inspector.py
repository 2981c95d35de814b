"""Add or edit an inspector: person, department, certificates, tags, recusal conflicts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.departments import list_departments
from app.services.inspectors import (
    CertificateData,
    ConflictData,
    InspectorData,
    create_inspector,
    get_inspector,
    update_inspector,
)
from app.services.progress import Progress
from app.services.targets import get_target_rows
from app.ui.context import UiContext
from app.ui.dialogs.base import LONG_TERM, RecordDialog, collect_errors, format_date, parse_date
from app.ui.dialogs.target_picker import TargetPickerDialog
from app.ui.widgets import ChoiceCombo, ComboDelegate, EditableTable, error_label, fit_to_screen

CERTIFICATE_KINDS = ("执法证", "工商执法证", "省执法证")
INSPECTOR_TAG_KINDS = ("执法资质", "业务专长", "岗位")
RECUSAL_REASONS = ("亲属关系", "曾在该单位任职", "近期检查过该对象", "其他利害关系")


class InspectorDialog(RecordDialog):
    """Edits one inspector (or expert); ``inspector_id`` None adds a new one."""

    changes = ("inspectors", "tags")

    def __init__(self, ui: UiContext, inspector_id: int | None, parent: QWidget | None = None) -> None:
        title = self.tr("新增检查人员") if inspector_id is None else self.tr("编辑检查人员")
        super().__init__(ui, title, parent)
        self.setObjectName("inspectorDialog")
        self.inspector_id = inspector_id
        services = ui.services
        detail = get_inspector(services, inspector_id) if inspector_id is not None else None
        self.version = detail.version if detail else None
        departments = list_departments(services, include_inactive=True)
        data = (
            detail.data
            if detail
            else InspectorData(name="", department_id=departments[0].id if departments else 0)
        )
        self._active = data.active

        self.name = QLineEdit(data.name)
        self.department = ChoiceCombo()
        self.department.set_choices(
            [(d.name, d.id) for d in departments if d.active or d.id == data.department_id]
        )
        self.department.set_value(data.department_id)
        self.staff_no = QLineEdit(data.staff_no)
        self.gender = QComboBox()
        self.gender.addItems(["", "男", "女"])
        self.gender.setCurrentText(data.gender)
        self.id_number = QLineEdit(data.id_number)
        self.phone = QLineEdit(data.phone)
        self.education = QLineEdit(data.education)
        self.major = QLineEdit(data.major)
        self.post_category = QLineEdit(data.post_category)
        self.post_since = QLineEdit(format_date(data.post_since))
        self.post_since.setPlaceholderText("2020-07-01")
        self.qualifications = QLineEdit(data.qualifications)
        self.enforcement_scope = QLineEdit(data.enforcement_scope)
        self.enforcement_scope.setPlaceholderText(self.tr("多项用中文逗号分隔"))
        self.region = QLineEdit(data.region)
        self.level = QLineEdit(data.level)
        self.title = QLineEdit(data.title)
        self.unit = QLineEdit(data.unit)
        self.is_expert = QCheckBox(self.tr("专家库成员（参加检查组提供专业意见，不计入执法人员）"))
        self.is_expert.setChecked(data.is_expert)
        self.note = QPlainTextEdit(data.note)

        basics = QWidget()
        form = QFormLayout(basics)
        self.errors.add_row(form, self.tr("姓名 *"), self.name, "姓名")
        self.errors.add_row(form, self.tr("所属部门 *"), self.department, "部门")
        self.errors.add_row(form, self.tr("单位工号"), self.staff_no, "工号")
        form.addRow(self.tr("性别"), self.gender)
        form.addRow(self.tr("身份证号"), self.id_number)
        form.addRow(self.tr("手机号"), self.phone)
        form.addRow(self.tr("学历"), self.education)
        form.addRow(self.tr("学历专业"), self.major)
        form.addRow(self.tr("岗位大类"), self.post_category)
        self.errors.add_row(form, self.tr("从事本岗起始日期"), self.post_since, "从事本岗起始日期")
        form.addRow(self.tr("岗位资质资格"), self.qualifications)
        form.addRow(self.tr("执法事项范围"), self.enforcement_scope)
        form.addRow(self.tr("地区"), self.region)
        form.addRow(self.tr("层级"), self.level)
        form.addRow(self.tr("担任职务"), self.title)
        form.addRow(self.tr("所在业务部门（机构）"), self.unit)
        form.addRow("", self.is_expert)

        self.certificates = EditableTable(
            [
                self.tr("证件类型"),
                self.tr("执法证号"),
                self.tr("发证机关"),
                self.tr("起始日期"),
                self.tr("截止日期"),
            ],
            add_label=self.tr("添加执法证"),
        )
        self.certificates.table.setItemDelegateForColumn(
            0, ComboDelegate(CERTIFICATE_KINDS, parent=self.certificates.table)
        )
        self.certificates.set_column_widths([5, 8, 8, 6, 6])
        self.certificates.set_rows(
            [
                [
                    c.kind,
                    c.number,
                    c.issuer,
                    format_date(c.valid_from),
                    format_date(c.valid_to, empty=LONG_TERM),
                ]
                for c in data.certificates
            ]
        )
        self.certificates.add_button.clicked.connect(
            lambda: self.certificates.add_row(["执法证", "", "", "", LONG_TERM], edit=True)
        )
        certificate_errors = error_label()
        self.errors.register(self.certificates, certificate_errors, "执法证号", "执法证有效期")

        self.tags = EditableTable([self.tr("标签类别"), self.tr("标签名称")], add_label=self.tr("添加标签"))
        self.tags.table.setItemDelegateForColumn(
            0, ComboDelegate(INSPECTOR_TAG_KINDS, parent=self.tags.table)
        )
        self.tags.set_column_widths([8, 16])
        self.tags.set_rows([[kind, name] for kind, name in data.tags])
        self.tags.add_button.clicked.connect(lambda: self.tags.add_row(["执法资质", ""], edit=True))

        self.conflicts = EditableTable(
            [self.tr("检查对象"), self.tr("回避原因"), self.tr("申报日期")],
            read_only=(0,),
            add_label=self.tr("添加回避对象…"),
        )
        self.conflicts.table.setItemDelegateForColumn(
            1, ComboDelegate(RECUSAL_REASONS, parent=self.conflicts.table)
        )
        self.conflicts.set_column_widths([18, 10, 7])
        names = {r.id: r.name for r in get_target_rows(services, [c.target_id for c in data.conflicts])}
        self.conflicts.set_rows(
            [
                [names.get(c.target_id, f"#{c.target_id}"), c.reason, format_date(c.declared_on)]
                for c in data.conflicts
            ],
            data=[c.target_id for c in data.conflicts],
        )
        self.conflicts.add_button.clicked.connect(self.pick_conflict)
        conflict_errors = error_label()
        self.errors.register(self.conflicts, conflict_errors, "回避对象", "回避原因", "回避申报日期")
        self.picker: TargetPickerDialog | None = None

        def page(*widgets: QWidget) -> QWidget:
            holder = QWidget()
            box = QVBoxLayout(holder)
            for widget in widgets:
                box.addWidget(widget)
            return holder

        self.tabs = QTabWidget()
        self.tabs.addTab(basics, self.tr("基本信息"))
        self.tabs.addTab(page(self.certificates, certificate_errors), self.tr("执法证"))
        self.tabs.addTab(page(self.tags), self.tr("标签"))
        self.tabs.addTab(page(self.conflicts, conflict_errors), self.tr("回避关系"))
        self.tabs.addTab(self.note, self.tr("备注"))
        self.finish_layout(self.tabs)
        fit_to_screen(self, 780, 720)

    @Slot()
    def pick_conflict(self) -> TargetPickerDialog:
        """Search the registry for the target to add as a recusal conflict."""
        picker = TargetPickerDialog(self.ui, self)
        picker.accepted.connect(lambda: self._add_conflict(picker))
        picker.finished.connect(picker.deleteLater)
        self.picker = picker
        picker.open()
        return picker

    def _add_conflict(self, picker: TargetPickerDialog) -> None:
        row = picker.chosen()
        if row is None:
            return
        if row.id in self.conflicts.all_row_data():
            return
        self.conflicts.add_row([row.name, RECUSAL_REASONS[0], ""], data=row.id)

    def form_data(self) -> InspectorData:
        """The form as an ``InspectorData``; raises ``ValidationError`` for unreadable dates."""
        certificates: list[CertificateData] = []
        conflicts: list[ConflictData] = []
        post_since: list[date | None] = []

        def read_certificates() -> None:
            for kind, number, issuer, start, end in self.certificates.rows():
                field = "执法证有效期"
                certificates.append(
                    CertificateData(
                        number, kind or "执法证", issuer, parse_date(start, field), parse_date(end, field)
                    )
                )

        def read_conflicts() -> None:
            for n, (_name, reason, declared) in enumerate(self.conflicts.rows()):
                target_id = self.conflicts.row_data(n)
                conflicts.append(ConflictData(int(target_id), reason, parse_date(declared, "回避申报日期")))

        def read_post_since() -> None:
            post_since.append(parse_date(self.post_since.text(), "从事本岗起始日期"))

        collect_errors([read_certificates, read_conflicts, read_post_since])
        return InspectorData(
            name=self.name.text(),
            department_id=int(self.department.value() or 0),
            staff_no=self.staff_no.text(),
            gender=self.gender.currentText(),
            id_number=self.id_number.text(),
            phone=self.phone.text(),
            education=self.education.text(),
            major=self.major.text(),
            post_category=self.post_category.text(),
            post_since=post_since[0] if post_since else None,
            qualifications=self.qualifications.text(),
            enforcement_scope=self.enforcement_scope.text(),
            region=self.region.text(),
            level=self.level.text(),
            title=self.title.text(),
            unit=self.unit.text(),
            is_expert=self.is_expert.isChecked(),
            active=self._active,
            note=self.note.toPlainText(),
            certificates=tuple(certificates),
            tags=tuple((kind, name) for kind, name in self.tags.rows() if name),
            conflicts=tuple(conflicts),
        )

    def operation(self) -> Callable[[Progress], object]:
        """Create or update the inspector (a closure over the form's values)."""
        data = self.form_data()
        services, inspector_id, version = self.ui.services, self.inspector_id, self.version
        if inspector_id is None:
            return lambda _p: create_inspector(services, data)

        def update(_p: Progress) -> int:
            update_inspector(services, inspector_id, data, expected_version=version)
            return inspector_id

        return update
