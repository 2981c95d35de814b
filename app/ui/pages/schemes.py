"""一业一查方案: each industry's joint scheme, with its ordered checklist below."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QTableWidget, QTableWidgetItem, QWidget

from app.io import RegistryKind
from app.services.progress import Progress
from app.services.schemes import SchemeRow, get_scheme, list_schemes, set_scheme_active
from app.ui.context import UiContext
from app.ui.dialogs.scheme import SchemeDialog
from app.ui.models import Column
from app.ui.pages.panel import ListPanel
from app.ui.widgets import DebouncedLineEdit, char_width


def _tr(text: str) -> str:
    return QCoreApplication.translate("SchemesPanel", text)


def scheme_columns() -> list[Column[SchemeRow]]:
    """Columns of the scheme table."""
    return [
        Column(_tr("行业"), lambda r: r.industry, 6),
        Column(_tr("方案名称"), lambda r: r.name, 16),
        Column(_tr("牵头部门"), lambda r: r.lead_department, 10),
        Column(_tr("配合部门"), lambda r: r.cooperating, 18),
        Column(_tr("事项数"), lambda r: r.items, 3, align_right=True),
        Column(_tr("要点数"), lambda r: r.checkpoints, 3, align_right=True),
        Column(_tr("状态"), lambda r: _tr("使用中") if r.active else _tr("已停用"), 3),
    ]


class SchemesPanel(ListPanel[SchemeRow]):
    """一业一查 schemes; the selected scheme's ordered checklist below."""

    tables = ("industry_schemes", "check_items", "departments")

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        detail = QTableWidget(0, 4)
        super().__init__(
            ui, scheme_columns(), is_inactive=lambda r: not r.active, detail=detail, parent=parent
        )
        self.checklist = detail
        self.setObjectName("schemesPanel")
        self.checklist.setHorizontalHeaderLabels(
            [self.tr("顺序"), self.tr("部门"), self.tr("抽查事项"), self.tr("要点数")]
        )
        self.checklist.verticalHeader().setVisible(False)
        self.checklist.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.checklist.horizontalHeader().setStretchLastSection(True)
        unit = char_width(self.checklist)
        for column, chars in enumerate((3, 10, 24)):
            self.checklist.setColumnWidth(column, chars * unit)

        self.search_box = DebouncedLineEdit()
        self.search_box.setPlaceholderText(self.tr("搜索行业或方案名称"))
        self.search_box.debounced.connect(lambda _t: self.reload())
        self.include_inactive = QCheckBox(self.tr("含已停用"))
        self.include_inactive.setChecked(True)
        self.include_inactive.toggled.connect(lambda _on: self.reload())
        self.filter_bar.insertWidget(0, self.search_box, 1)
        self.filter_bar.insertWidget(1, self.include_inactive)
        self.add_button(self.tr("新增方案"), self.add, name="addScheme")
        self.edit_button = self.add_button(self.tr("编辑方案与检查单"), self.open_selected, name="editScheme")
        self.active_button = self.add_button(self.tr("停用"), self.toggle_active, name="toggleScheme")
        self.add_import_export(RegistryKind.SCHEMES)
        self.button_bar.addStretch(1)

    def fetch(self) -> Callable[[Progress], list[SchemeRow]]:
        services = self.ui.services
        text, include_inactive = self.search_box.text(), self.include_inactive.isChecked()
        return lambda _p: list_schemes(services, text=text, include_inactive=include_inactive)

    def selection_changed(self) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        self.active_button.setText(self.tr("恢复") if row is not None and not row.active else self.tr("停用"))
        self.checklist.setRowCount(0)
        if row is None:
            return
        detail = get_scheme(self.ui.services, row.id)
        for n, item in enumerate(detail.items):
            self.checklist.insertRow(n)
            for column, text in enumerate((str(n + 1), item.department, item.name, str(item.checkpoints))):
                self.checklist.setItem(n, column, QTableWidgetItem(text))

    def _open(self, scheme_id: int | None) -> SchemeDialog:
        return self.show_editor(SchemeDialog(self.ui, scheme_id, self))

    def add(self) -> SchemeDialog:
        """Open the editor for a new scheme."""
        return self._open(None)

    def open_selected(self) -> SchemeDialog | None:
        """Open the scheme editor for the selected scheme."""
        row = self.selected()
        return self._open(row.id) if row is not None else None

    def toggle_active(self) -> Any:
        """Ask for a reason, then withdraw (or restore) the selected scheme."""
        row = self.selected()
        if row is None:
            return None
        services, activate = self.ui.services, not row.active
        return self.change_active(
            row.id,
            title=self.tr("恢复方案") if activate else self.tr("停用方案"),
            prompt=self.tr("请写明{what}「{name}」的原因：").format(
                what=self.tr("恢复") if activate else self.tr("停用"), name=row.name
            ),
            change=lambda reason: set_scheme_active(services, row.id, activate, reason=reason),
            changes=("industry_schemes",),
        )
