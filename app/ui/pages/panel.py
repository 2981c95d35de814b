"""Common shape of a registry tab: filters on top, buttons, a table, optionally a detail pane."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.io import RegistryKind
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.dialogs.base import ReasonDialog, RecordDialog, ask_reason
from app.ui.models import Column, RowTableModel
from app.ui.operations import CollectionOp, QueryOp, affects
from app.ui.widgets import configure_table

R = TypeVar("R")
D = TypeVar("D", bound=RecordDialog)


class RegistryPanel(QWidget):
    """Reads its data when first shown, and again whenever one of its ``tables`` changes."""

    tables: tuple[str, ...] = ()
    loaded = Signal()  # a reload has been delivered and shown

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self._stale = True
        self.filter_bar = QHBoxLayout()
        self.button_bar = QHBoxLayout()
        self.count_label = QLabel()
        self.busy_label = QLabel(self.tr("正在查询…"))
        self.busy_label.hide()
        ui.runner.changed.connect(self._on_changed)

    def add_button(self, text: str, slot: Callable[[], object], *, name: str = "") -> QPushButton:
        """Add a push button to the button bar, calling ``slot`` when clicked."""
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        self.button_bar.addWidget(button)
        return button

    def add_import_export(self, kind: RegistryKind) -> tuple[QPushButton, QPushButton]:
        """Add 导入… (the import wizard) and 导出… buttons for the registry ``kind``."""
        from app.ui.dialogs.import_wizard import export_registry, open_import_wizard

        import_button = self.add_button(
            self.tr("导入…"), lambda: open_import_wizard(self.ui, kind, self), name=f"import_{kind.value}"
        )
        export_button = self.add_button(
            self.tr("导出…"), lambda: export_registry(self.ui, kind, self), name=f"export_{kind.value}"
        )
        return import_button, export_button

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()

    @Slot(object)
    def _on_changed(self, changes: frozenset[str]) -> None:
        if not affects(changes, *self.tables):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def reload(self) -> None:
        raise NotImplementedError


class ListPanel(RegistryPanel, Generic[R]):
    """A registry small enough to hold in memory (departments, inspectors, items, schemes)."""

    def __init__(
        self,
        ui: UiContext,
        columns: Sequence[Column[R]],
        *,
        is_inactive: Callable[[R], bool] | None = None,
        detail: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ui, parent)
        self.model: RowTableModel[R] = RowTableModel(columns, is_inactive=is_inactive, parent=self)
        self.view = QTableView()
        self.view.setModel(self.model)
        configure_table(self.view, [c.width_chars for c in columns])
        header = self.view.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # keep the service's order until asked
        self.view.setSortingEnabled(True)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed())
        self._select_after: int | None = None

        self.filter_bar.addStretch(1)
        self.filter_bar.addWidget(self.busy_label)
        self.filter_bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(self.filter_bar)
        layout.addLayout(self.button_bar)
        if detail is None:
            layout.addWidget(self.view, 1)
        else:
            splitter = QSplitter(Qt.Orientation.Vertical)
            splitter.addWidget(self.view)
            splitter.addWidget(detail)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 2)
            layout.addWidget(splitter, 1)

    # --- subclasses -----------------------------------------------------------------------
    def fetch(self) -> Callable[[Progress], list[R]]:
        """The query for the current filters, as a closure over plain values (runs on a worker)."""
        raise NotImplementedError

    def open_selected(self) -> QDialog | None:
        """Double-click / 编辑: open the selected record's editor."""
        return None

    def selection_changed(self) -> None:
        """Update buttons and the detail pane."""

    def row_id(self, row: R) -> int:
        """The record id of a row (rows carry an ``id`` field)."""
        return int(getattr(row, "id"))  # noqa: B009 - rows are dataclasses with an id field

    # --- loading --------------------------------------------------------------------------
    def reload(self) -> None:
        selected = self.selected()
        if selected is not None and self._select_after is None:
            self._select_after = self.row_id(selected)
        self.busy_label.show()
        QueryOp(
            parent=self, runner=self.ui.runner, op=self.fetch(), key=f"{type(self).__name__}.load"
        ).success(self._show_rows).run_in_background()

    def _show_rows(self, rows: list[R]) -> None:
        self.busy_label.hide()
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("共 {n} 条").format(n=f"{len(rows):,}"))
        if self._select_after is not None:
            self.select_id(self._select_after)
            self._select_after = None
        self.selection_changed()
        self.loaded.emit()

    # --- selection ------------------------------------------------------------------------
    def selected(self) -> R | None:
        """The selected row, if any."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_id(self, record_id: int) -> bool:
        """Select and show the row of this record; False if it is not listed."""
        row = self.model.find(lambda r: self.row_id(r) == record_id)
        if row < 0:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def select_after_reload(self, record_id: int) -> None:
        """Select this record when the next reload arrives (e.g. one just added)."""
        self._select_after = record_id

    # --- editing ----------------------------------------------------------------------------
    def show_editor(self, dialog: D) -> D:
        """Open a record editor without blocking; the record it saves is selected after reload."""
        dialog.saved.connect(lambda new_id: self.select_after_reload(int(new_id)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def change_active(
        self,
        record_id: int,
        *,
        title: str,
        prompt: str,
        change: Callable[[str], object],
        changes: tuple[str, ...],
    ) -> ReasonDialog:
        """Ask why a record is withdrawn or restored, then run ``change(reason)`` in the background.

        Registries never delete: withdrawing keeps the record and the reason goes to the audit
        trail, so every page asks the same way.
        """

        def apply(reason: str) -> None:
            self.select_after_reload(record_id)
            CollectionOp(
                parent=self, runner=self.ui.runner, op=lambda _p: change(reason), changes=changes
            ).run_in_background()

        return ask_reason(self, title=title, prompt=prompt, on_reason=apply)

    @Slot(QModelIndex)
    def _on_double_click(self, _index: QModelIndex | QPersistentModelIndex) -> None:
        self.open_selected()
