"""Add or edit a department (部门)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from app.services.departments import DepartmentRow, create_department, update_department
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog


class DepartmentDialog(RecordDialog):
    """Name, short name (used in task numbers), code; active on edit."""

    changes = ("departments",)

    def __init__(
        self, ui: UiContext, department: DepartmentRow | None, parent: QWidget | None = None
    ) -> None:
        title = self.tr("新增部门") if department is None else self.tr("编辑部门")
        super().__init__(ui, title, parent)
        self.setObjectName("departmentDialog")
        self.department = department
        self.name = QLineEdit(department.name if department else "")
        self.short_name = QLineEdit(department.short_name if department else "")
        self.short_name.setPlaceholderText(self.tr("用于任务编号，如“县市场监管局抽查〔2026〕3号”"))
        self.code = QLineEdit(department.code if department else "")
        self.code.setEnabled(department is None)  # the code identifies the department on the platform
        self.active = QCheckBox(self.tr("参加联合抽查"))
        self.active.setChecked(department.active if department else True)
        self.active.setVisible(department is not None)
        body = QWidget()
        form = QFormLayout(body)
        self.errors.add_row(form, self.tr("部门名称 *"), self.name, "部门名称")
        self.errors.add_row(form, self.tr("简称"), self.short_name, "简称")
        form.addRow(self.tr("部门编码"), self.code)
        form.addRow("", self.active)
        self.finish_layout(body)
        self.resize(480, self.sizeHint().height())

    def operation(self) -> Callable[[Progress], object]:
        """Create or update the department (a closure over the form's values)."""
        services = self.ui.services
        name, short, code, active = (
            self.name.text(),
            self.short_name.text(),
            self.code.text(),
            self.active.isChecked(),
        )
        department = self.department
        if department is None:
            return lambda _p: create_department(services, name=name, short_name=short, code=code)

        def update(_p: Progress) -> int:
            update_department(services, department.id, name=name, short_name=short, active=active)
            return department.id

        return update
