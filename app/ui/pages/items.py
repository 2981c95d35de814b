"""抽查事项: each department's items, with the selected item's checkpoints below."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from app.io import RegistryKind
from app.models.enums import ItemImportance
from app.services.departments import list_departments
from app.services.items import ItemFilter, ItemRow, get_item, list_items, set_item_active
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.dialogs.item import ItemDialog
from app.ui.models import Column
from app.ui.pages.panel import ListPanel
from app.ui.widgets import ChoiceCombo, DebouncedLineEdit, char_width


def _tr(text: str) -> str:
    return QCoreApplication.translate("ItemsPanel", text)


def item_columns() -> list[Column[ItemRow]]:
    """Columns of the item table."""
    return [
        Column(_tr("编制部门"), lambda r: r.department, 10),
        Column(_tr("序号"), lambda r: r.seq_no, 3, sort_key=lambda r: (len(r.seq_no), r.seq_no)),
        Column(_tr("抽查类别"), lambda r: r.category, 6),
        Column(_tr("抽查事项"), lambda r: r.name, 18),
        Column(_tr("检查对象"), lambda r: r.target_scope, 8),
        Column(_tr("事项类别"), lambda r: r.importance, 6),
        Column(_tr("检查方式"), lambda r: r.methods, 10),  # 实地核查，书面检查 whole
        Column(
            _tr("比例上限"),
            lambda r: f"{r.ratio_cap:.0%}" if r.ratio_cap is not None else "",
            4,
            sort_key=lambda r: r.ratio_cap if r.ratio_cap is not None else 2.0,
            align_right=True,
        ),
        Column(_tr("要点数"), lambda r: r.checkpoints, 3, align_right=True),
        Column(_tr("状态"), lambda r: _tr("使用中") if r.active else _tr("已停用"), 3),
    ]


class ItemsPanel(ListPanel[ItemRow]):
    """Check items with search and filters; the selected item's checkpoints below."""

    tables = ("check_items", "departments")

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        detail = QTableWidget(0, 4)
        super().__init__(ui, item_columns(), is_inactive=lambda r: not r.active, detail=detail, parent=parent)
        self.checkpoints = detail
        self.setObjectName("itemsPanel")
        self.checkpoints.setHorizontalHeaderLabels(
            [self.tr("序号"), self.tr("检查内容"), self.tr("操作方法与要领"), self.tr("要求提供材料")]
        )
        self.checkpoints.verticalHeader().setVisible(False)
        self.checkpoints.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.checkpoints.horizontalHeader().setStretchLastSection(True)
        self.checkpoints.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        unit = char_width(self.checkpoints)
        for column, chars in enumerate((3, 30, 18)):
            self.checkpoints.setColumnWidth(column, chars * unit)

        self.search_box = DebouncedLineEdit()
        self.search_box.setPlaceholderText(self.tr("搜索事项名称或类别"))
        self.search_box.debounced.connect(lambda _t: self.reload())
        self.department_filter = ChoiceCombo(all_label=self.tr("全部部门"))
        self.department_filter.currentIndexChanged.connect(lambda _n: self.reload())
        self.importance_filter = ChoiceCombo(all_label=self.tr("全部事项类别"))
        self.importance_filter.set_choices([(i.label, i) for i in ItemImportance])
        self.importance_filter.currentIndexChanged.connect(lambda _n: self.reload())
        self.include_inactive = QCheckBox(self.tr("含已停用"))
        self.include_inactive.setChecked(True)
        self.include_inactive.toggled.connect(lambda _on: self.reload())
        widgets = (self.search_box, self.department_filter, self.importance_filter, self.include_inactive)
        for n, widget in enumerate(widgets):
            self.filter_bar.insertWidget(n, widget, 1 if n == 0 else 0)
        self.add_button(self.tr("新增事项"), self.add, name="addItem")
        self.edit_button = self.add_button(self.tr("编辑"), self.open_selected, name="editItem")
        self.active_button = self.add_button(self.tr("停用"), self.toggle_active, name="toggleItem")
        self.add_import_export(RegistryKind.ITEMS)
        self.button_bar.addStretch(1)

    def reload(self) -> None:
        departments = list_departments(self.ui.services, include_inactive=True)
        self.department_filter.set_choices([(d.name, d.id) for d in departments])
        super().reload()

    def fetch(self) -> Callable[[Progress], list[ItemRow]]:
        services = self.ui.services
        department = self.department_filter.value()
        flt = ItemFilter(
            text=self.search_box.text(),
            department_ids=(department,) if department is not None else (),
            importance=self.importance_filter.value(),
            include_inactive=self.include_inactive.isChecked(),
        )
        return lambda _p: list_items(services, flt)

    def selection_changed(self) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        self.active_button.setText(self.tr("恢复") if row is not None and not row.active else self.tr("停用"))
        self.show_checkpoints(row)

    def show_checkpoints(self, row: ItemRow | None) -> None:
        """The selected item's checklist (one item: read here, it is a single small query)."""
        self.checkpoints.setRowCount(0)
        if row is None:
            return
        detail = get_item(self.ui.services, row.id)
        for n, cp in enumerate(detail.data.checkpoints):
            self.checkpoints.insertRow(n)
            for column, text in enumerate((str(n + 1), cp.content, cp.method_guide, cp.materials)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.checkpoints.setItem(n, column, cell)

    def _open(self, item_id: int | None) -> ItemDialog:
        department = self.department_filter.value()
        return self.show_editor(ItemDialog(self.ui, item_id, department_id=department, parent=self))

    def add(self) -> ItemDialog:
        """Open the editor for a new item (in the filtered department, if any)."""
        return self._open(None)

    def open_selected(self) -> ItemDialog | None:
        """Open the editor for the selected item."""
        row = self.selected()
        return self._open(row.id) if row is not None else None

    def toggle_active(self) -> Any:
        """Ask for a reason, then withdraw (or restore) the selected item."""
        row = self.selected()
        if row is None:
            return None
        services, activate = self.ui.services, not row.active
        return self.change_active(
            row.id,
            title=self.tr("恢复事项") if activate else self.tr("停用事项"),
            prompt=(
                self.tr("恢复「{name}」。请写明原因：")
                if activate
                else self.tr("停用后「{name}」不能再用于新的抽查任务（已有记录不变）。请写明原因：")
            ).format(name=row.name),
            change=lambda reason: set_item_active(services, row.id, activate, reason=reason),
            changes=("check_items",),
        )
