"""Add or edit a target (检查对象): identity, classification, tags and licences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import RiskClass, TargetKind, TargetStatus
from app.services.errors import FieldError, ValidationError
from app.services.progress import Progress
from app.services.targets import LicenceData, TargetData, create_target, get_target, update_target
from app.ui.context import UiContext
from app.ui.dialogs.base import LONG_TERM, RecordDialog, collect_errors, format_date, parse_date
from app.ui.widgets import ChoiceCombo, ComboDelegate, EditableTable, error_label, fit_to_screen

TARGET_TAG_KINDS = ("许可类别", "行业", "地域", "重点监管", "其他")


@dataclass(frozen=True)
class TargetSuggestions:
    """Values already in the registry, offered in the editable drop-downs."""

    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    tag_names: tuple[str, ...] = ()


def _editable_combo(values: tuple[str, ...], current: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(list(values))
    combo.setCurrentText(current)
    return combo


class TargetDialog(RecordDialog):
    """Edits one target; ``target_id`` None adds a new one."""

    changes = ("targets", "tags")

    def __init__(
        self,
        ui: UiContext,
        target_id: int | None,
        *,
        suggestions: TargetSuggestions | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = self.tr("新增检查对象") if target_id is None else self.tr("编辑检查对象")
        super().__init__(ui, title, parent)
        self.setObjectName("targetDialog")
        self.target_id = target_id
        hints = suggestions or TargetSuggestions()
        # One row, by primary key: fast enough to read here rather than in the background.
        detail = get_target(ui.services, target_id) if target_id is not None else None
        self.version = detail.version if detail else None
        data = detail.data if detail else TargetData(name="")

        self.name = QLineEdit(data.name)
        self.code = QLineEdit(data.code)
        self.code.setPlaceholderText(self.tr("18 位统一社会信用代码或 15 位注册号"))
        self.kind = ChoiceCombo()
        self.kind.set_choices([(k.label, k) for k in TargetKind])
        self.kind.set_value(data.kind)
        self.legal_rep = QLineEdit(data.legal_rep)
        self.phone = QLineEdit(data.phone)
        self.address = QLineEdit(data.address)
        self.reg_authority = QLineEdit(data.reg_authority)
        self.jurisdiction = _editable_combo(hints.jurisdictions, data.jurisdiction)
        self.region = _editable_combo(hints.regions, data.region)
        self.industry = _editable_combo(hints.industries, data.industry)
        self.risk = ChoiceCombo()
        self.risk.set_choices([(r.label, r) for r in RiskClass])
        self.risk.set_value(data.risk_class)
        self.status = ChoiceCombo()
        self.status.set_choices([(s.label, s) for s in TargetStatus])
        self.status.set_value(data.status)
        self.note = QPlainTextEdit(data.note)

        basics = QWidget()
        form = QFormLayout(basics)
        self.errors.add_row(form, self.tr("名称 *"), self.name, "名称")
        self.errors.add_row(form, self.tr("统一社会信用代码/注册号"), self.code, "统一社会信用代码/注册号")
        form.addRow(self.tr("主体类型"), self.kind)
        form.addRow(self.tr("法定代表人/负责人"), self.legal_rep)
        form.addRow(self.tr("联系电话"), self.phone)
        form.addRow(self.tr("地址"), self.address)
        form.addRow(self.tr("登记机关"), self.reg_authority)
        form.addRow(self.tr("管辖单位"), self.jurisdiction)
        form.addRow(self.tr("乡镇/街道"), self.region)
        form.addRow(self.tr("行业"), self.industry)
        form.addRow(self.tr("信用风险分类"), self.risk)
        form.addRow(self.tr("登记状态"), self.status)

        self.tags = EditableTable([self.tr("标签类别"), self.tr("标签名称")], add_label=self.tr("添加标签"))
        self.tags.table.setItemDelegateForColumn(0, ComboDelegate(TARGET_TAG_KINDS, parent=self.tags.table))
        self.tags.table.setItemDelegateForColumn(1, ComboDelegate(hints.tag_names, parent=self.tags.table))
        self.tags.set_column_widths([8, 14])
        self.tags.set_rows([[kind, name] for kind, name in data.tags])
        self.tags.add_button.clicked.connect(lambda: self.tags.add_row(["许可类别", ""], edit=True))

        self.licences = EditableTable(
            [
                self.tr("许可名称"),
                self.tr("许可证编号"),
                self.tr("起始日期"),
                self.tr("截止日期"),
                self.tr("发证机关"),
            ],
            add_label=self.tr("添加许可证"),
        )
        self.licences.set_column_widths([10, 11, 7, 7, 9])
        self.licences.set_rows(
            [
                [
                    lic.name,
                    lic.number,
                    format_date(lic.valid_from),
                    format_date(lic.valid_to, empty=LONG_TERM),
                    lic.authority,
                ]
                for lic in data.licences
            ]
        )
        self.licences.add_button.clicked.connect(
            lambda: self.licences.add_row(["", "", "", LONG_TERM, ""], edit=True)
        )
        licence_errors = error_label()
        self.errors.register(self.licences, licence_errors, "许可证", "许可证有效期")

        tags_page = QWidget()
        tags_layout = QVBoxLayout(tags_page)
        tags_layout.addWidget(self.tags)
        tags_layout.addWidget(self.licences)
        tags_layout.addWidget(licence_errors)

        self.tabs = QTabWidget()
        self.tabs.addTab(basics, self.tr("基本信息"))
        self.tabs.addTab(tags_page, self.tr("标签与许可"))
        self.tabs.addTab(self.note, self.tr("备注"))
        self.finish_layout(self.tabs)
        fit_to_screen(self, 640, 680)

    def form_data(self) -> TargetData:
        """The form as a ``TargetData``; raises ``ValidationError`` for unreadable dates."""
        licences: list[LicenceData] = []

        def read_licences() -> None:
            for n, (name, number, start, end, authority) in enumerate(self.licences.rows(), start=1):
                field = "许可证有效期"
                licences.append(
                    LicenceData(name, number, parse_date(start, field), parse_date(end, field), authority)
                )
                if not name:
                    raise ValidationError([FieldError("许可证", f"第 {n} 行未填写许可名称")])

        collect_errors([read_licences])
        return TargetData(
            name=self.name.text(),
            code=self.code.text(),
            kind=TargetKind(self.kind.value()),
            legal_rep=self.legal_rep.text(),
            phone=self.phone.text(),
            address=self.address.text(),
            reg_authority=self.reg_authority.text(),
            jurisdiction=self.jurisdiction.currentText(),
            region=self.region.currentText(),
            industry=self.industry.currentText(),
            risk_class=RiskClass(self.risk.value()),
            status=TargetStatus(self.status.value()),
            note=self.note.toPlainText(),
            tags=tuple((kind, name) for kind, name in self.tags.rows() if name),
            licences=tuple(licences),
        )

    def operation(self) -> Callable[[Progress], object]:
        """Create or update the target (a closure over the form's values)."""
        data = self.form_data()
        services, target_id, version = self.ui.services, self.target_id, self.version
        if target_id is None:
            return lambda _p: create_target(services, data)

        def update(_p: Progress) -> int:
            update_target(services, target_id, data, expected_version=version)
            return target_id

        return update
