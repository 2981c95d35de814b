"""Pick one target by searching the registry (for recusal conflicts and, later, directed draws)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from app.services.targets import TargetFilter, TargetRow, get_target_rows, search_target_ids
from app.ui.context import UiContext
from app.ui.models import TargetTableModel
from app.ui.operations import QueryOp
from app.ui.widgets import DebouncedLineEdit, configure_table, fit_to_screen


class TargetPickerDialog(QDialog):
    """Search box and result table; ``chosen()`` is the selected target once accepted."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("targetPicker")
        self.setWindowTitle(self.tr("选择检查对象"))
        self.ui = ui
        services = ui.services
        self.model = TargetTableModel(lambda ids: get_target_rows(services, ids), parent=self)
        self.search_box = DebouncedLineEdit()
        self.search_box.setPlaceholderText(self.tr("输入名称、统一社会信用代码或拼音首字母"))
        self.search_box.debounced.connect(lambda _text: self.search())
        self.count_label = QLabel()
        self.view = QTableView()
        self.view.setModel(self.model)
        configure_table(self.view, [c.width_chars for c in self.model.columns])
        for column in range(3, len(self.model.columns)):
            self.view.hideColumn(column)
        self.view.doubleClicked.connect(self._on_double_click)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("选择"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update())
        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.buttons)
        fit_to_screen(self, 720, 520)
        self._update()
        self.search()

    @Slot()
    def search(self) -> None:
        """Query matching ids in the background (newer searches supersede older ones)."""
        services = self.ui.services
        flt = TargetFilter(text=self.search_box.text())
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: search_target_ids(services, flt),
            key="picker.search",
        ).success(self._show).run_in_background()

    def _show(self, ids: list[int]) -> None:
        self.model.set_ids(ids)
        self.count_label.setText(self.tr("共 {n} 条").format(n=f"{len(ids):,}"))
        if ids:
            self.view.selectRow(0)
        self._update()

    def chosen(self) -> TargetRow | None:
        """The selected target row, if any."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen() is not None)

    @Slot(QModelIndex)
    def _on_double_click(self, _index: QModelIndex | QPersistentModelIndex) -> None:
        if self.chosen() is not None:
            self.accept()
