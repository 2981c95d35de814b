"""部门: the departments taking part in joint random inspections."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app.services.departments import DepartmentRow, list_departments
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.dialogs.department import DepartmentDialog
from app.ui.models import Column
from app.ui.pages.panel import ListPanel


def _tr(text: str) -> str:
    return QCoreApplication.translate("DepartmentsPanel", text)


def department_columns() -> list[Column[DepartmentRow]]:
    """Columns of the department table."""
    return [
        Column(_tr("部门名称"), lambda r: r.name, 14),
        Column(_tr("简称"), lambda r: r.short_name, 8),
        Column(_tr("部门编码"), lambda r: r.code, 8),
        Column(_tr("状态"), lambda r: _tr("参加联合抽查") if r.active else _tr("已停用"), 6),
    ]


class DepartmentsPanel(ListPanel[DepartmentRow]):
    """The departments taking part, with add and edit."""

    tables = ("departments",)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, department_columns(), is_inactive=lambda r: not r.active, parent=parent)
        self.setObjectName("departmentsPanel")
        self.add_button(self.tr("新增部门"), self.add, name="addDepartment")
        self.edit_button = self.add_button(self.tr("编辑"), self.open_selected, name="editDepartment")
        self.button_bar.addStretch(1)

    def fetch(self) -> Callable[[Progress], list[DepartmentRow]]:
        services = self.ui.services
        return lambda _p: list_departments(services, include_inactive=True)

    def selection_changed(self) -> None:
        self.edit_button.setEnabled(self.selected() is not None)

    def _open(self, row: DepartmentRow | None) -> DepartmentDialog:
        return self.show_editor(DepartmentDialog(self.ui, row, self))

    def add(self) -> DepartmentDialog:
        """Open the editor for a new department."""
        return self._open(None)

    def open_selected(self) -> DepartmentDialog | None:
        """Open the editor for the selected department."""
        row = self.selected()
        return self._open(row) if row is not None else None
