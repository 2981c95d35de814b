"""Small widgets shared by pages and dialogs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QDate,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QGuiApplication, QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

SEARCH_DEBOUNCE_MS = 250
ERROR_STYLE = "color: #b00020;"
INVALID_FIELD_STYLE = "border: 1px solid #b00020;"


class DebouncedLineEdit(QLineEdit):
    """A search box that reports its text once typing pauses (or at once on Enter)."""

    debounced = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, delay_ms: int = SEARCH_DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._fire)
        self.textEdited.connect(self._timer.start)
        # The clear button changes the text without textEdited; treat it as typing too.
        self.textChanged.connect(self._on_changed)
        self.returnPressed.connect(self._fire)

    @Slot(str)
    def _on_changed(self, text: str) -> None:
        if not text:
            self._timer.start()

    @Slot()
    def _fire(self) -> None:
        self._timer.stop()
        self.debounced.emit(self.text())

    def pending(self) -> bool:
        """True while a report is waiting for typing to pause."""
        return self._timer.isActive()


class ChoiceCombo(QComboBox):
    """A combo box of (label, value) choices; the first one may be "全部" (value None)."""

    def __init__(self, parent: QWidget | None = None, *, all_label: str | None = None) -> None:
        super().__init__(parent)
        self._all_label = all_label
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.set_choices([])

    def set_choices(self, choices: Sequence[tuple[str, object]]) -> None:
        """Replace the choices, keeping the current value when it is still offered."""
        current = self.value()
        with QSignalBlocker(self):
            self.clear()
            if self._all_label is not None:
                self.addItem(self._all_label, None)
            for label, value in choices:
                self.addItem(label, value)
            self.set_value(current)

    def value(self) -> Any:
        """The value of the current choice (None for "全部")."""
        return self.currentData() if self.currentIndex() >= 0 else None

    def set_value(self, value: object) -> None:
        """Choose the entry with this value (the first entry if none has it)."""
        for n in range(self.count()):
            if self.itemData(n) == value:
                self.setCurrentIndex(n)
                return
        if self.count():
            self.setCurrentIndex(0)


class DateEdit(QDateEdit):
    """A date field that Tab and Shift+Tab leave, as they leave every other field.

    QDateEdit's own Tab walks its sections (year → month → day) and leaves only from the last
    one: after typing 2026-03-31 the user pressed Tab to go on and was put back in the year,
    and Shift+Tab from the day went to the month instead of the previous field. Typing is
    unchanged: a section moves on by itself when it is full or when - / . is typed, and the
    arrow keys still move between sections.
    """

    def __init__(self, date: QDate | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if date is not None:
            self.setDate(date)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Skip QDateTimeEdit's section stepping: the plain widget's move to the next field.
        return QWidget.focusNextPrevChild(self, next)


class ElidedTipDelegate(QStyledItemDelegate):
    """Shows a cell's tooltip (the model's ToolTipRole) when the cell cannot show all its text.

    Table models give every text cell its full text as the tooltip (tags, 检查方式 … elide in
    their columns, and a user may narrow any column); repeating text that is already in full
    view would only cover the rows below, so such a tooltip is not shown.
    """

    def is_elided(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> bool:
        """Whether the cell's text is wider than the room its cell gives it."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, opt, widget) + 1
        text = opt.text
        return opt.fontMetrics.horizontalAdvance(text) > rect.width() - 2 * margin

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event is not None and event.type() == QEvent.Type.ToolTip and index.isValid():
            tip = index.data(Qt.ItemDataRole.ToolTipRole)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if tip is not None and str(tip) == str(text or "") and not self.is_elided(option, index):
                QToolTip.hideText()
                event.ignore()
                return True
        return super().helpEvent(event, view, option, index)


def configure_table(view: QTableView, widths_chars: Sequence[int] | None = None) -> None:
    """Row selection, no row header, fixed row height (needed for 500,000 rows), column widths.

    Cut-off text can be read in full in its tooltip (``ElidedTipDelegate``).
    """
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setItemDelegate(ElidedTipDelegate(view))
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if widths_chars:
        set_column_widths(view, widths_chars)


# What the window manager adds around a top-level window (title bar, borders); Qt learns it only
# once the window is shown. Windows 10/11 at 100 %: about 31 px high, 16 px wide; rounded up.
FRAME_ALLOWANCE = QSize(16, 40)


def screen_room(window: QWidget) -> QSize | None:
    """The room for a window's frame on the screen it opens on (less the taskbar), None if unknown."""
    anchor = window.parentWidget() or window
    screen = anchor.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return None
    return screen.availableGeometry().size()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize a top-level window to ``width``×``height``, or smaller if the screen is smaller.

    The office laptops have 1366×768 screens (728 px above the taskbar): a dialog taller than
    that puts its 保存/取消 buttons out of reach, so the size asked for is only an upper bound.
    """
    room = screen_room(window)
    if room is not None:
        width = min(width, room.width() - FRAME_ALLOWANCE.width())
        height = min(height, room.height() - FRAME_ALLOWANCE.height())
    window.resize(width, height)


def char_width(widget: QWidget) -> int:
    """Width of one Chinese character in the widget's font."""
    return widget.fontMetrics().horizontalAdvance("字")


def set_column_widths(view: QTableView, widths_chars: Sequence[int]) -> None:
    """Set column widths in Chinese characters (never measured over the rows: they may be 500,000)."""
    unit = char_width(view)
    for n, chars in enumerate(widths_chars):
        view.setColumnWidth(n, chars * unit + 16)


class ComboDelegate(QStyledItemDelegate):
    """Edits a table cell with a combo box of suggestions (editable: other text allowed)."""

    def __init__(
        self, options: Sequence[str], *, editable: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._options = list(options)
        self._editable = editable

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setEditable(self._editable)
        combo.addItems(self._options)
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        found = editor.findText(text)
        if found >= 0:
            editor.setCurrentIndex(found)
        else:
            editor.setEditText(text)

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


class EditableTable(QWidget):
    """A small editable table with add / remove (and optionally up / down) buttons.

    Each row may carry hidden data (e.g. the id of a target picked for a recusal conflict)
    in the first cell's ``UserRole``; columns listed in ``read_only`` are not editable.
    """

    rows_changed = Signal()

    def __init__(
        self,
        headers: Sequence[str],
        *,
        reorderable: bool = False,
        read_only: Sequence[int] = (),
        add_label: str | None = None,
        wrap: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._read_only = set(read_only)
        self._wrap = wrap
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(wrap)
        self.add_button = QPushButton(add_label or self.tr("添加"))
        self.remove_button = QPushButton(self.tr("删除"))
        self.up_button = QPushButton(self.tr("上移"))
        self.down_button = QPushButton(self.tr("下移"))
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        if reorderable:
            buttons.addWidget(self.up_button)
            buttons.addWidget(self.down_button)
        else:
            self.up_button.hide()
            self.down_button.hide()
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemChanged.connect(lambda _item: self.rows_changed.emit())
        if wrap:
            # Long checklist lines are read whole, not behind an ellipsis.
            self.rows_changed.connect(self.table.resizeRowsToContents)
        self._update_buttons()

    def set_column_widths(self, widths_chars: Sequence[int]) -> None:
        """Set column widths in Chinese characters."""
        unit = char_width(self.table)
        for n, chars in enumerate(widths_chars):
            self.table.setColumnWidth(n, chars * unit + 16)

    def _item(self, text: str, column: int) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        if column in self._read_only:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        return item

    def add_row(self, values: Sequence[str], data: object = None, *, edit: bool = False) -> int:
        """Append a row (and start editing its first editable cell if ``edit``)."""
        row = self.table.rowCount()
        with QSignalBlocker(self.table):
            self.table.insertRow(row)
            for column in range(self.table.columnCount()):
                text = values[column] if column < len(values) else ""
                self.table.setItem(row, column, self._item(text, column))
            first = self.table.item(row, 0)
            if data is not None and first is not None:
                first.setData(Qt.ItemDataRole.UserRole, data)
        self.table.selectRow(row)
        if edit:
            editable = [c for c in range(self.table.columnCount()) if c not in self._read_only]
            item = self.table.item(row, editable[0]) if editable else None
            if item is not None:
                self.table.editItem(item)
        self.rows_changed.emit()
        return row

    def set_rows(self, rows: Sequence[Sequence[str]], data: Sequence[object] | None = None) -> None:
        """Replace every row, with optional hidden data per row."""
        with QSignalBlocker(self.table):
            self.table.setRowCount(0)
        for n, values in enumerate(rows):
            self.add_row(values, data[n] if data is not None else None)
        self.table.clearSelection()
        self._update_buttons()

    def rows(self) -> list[list[str]]:
        """Every row's cell texts, stripped."""
        out: list[list[str]] = []
        for row in range(self.table.rowCount()):
            cells = []
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                cells.append(item.text().strip() if item is not None else "")
            out.append(cells)
        return out

    def row_data(self, row: int) -> Any:
        """The hidden data of a row."""
        item = self.table.item(row, 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def all_row_data(self) -> list[Any]:
        """The hidden data of every row, in order."""
        return [self.row_data(r) for r in range(self.table.rowCount())]

    def selected_row(self) -> int:
        """The selected row index, or -1."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    @Slot()
    def remove_selected(self) -> None:
        """Delete the selected row."""
        row = self.selected_row()
        if row >= 0:
            self.table.removeRow(row)
            self.rows_changed.emit()
            self._update_buttons()

    def move_selected(self, delta: int) -> None:
        """Move the selected row up (-1) or down (+1), keeping it selected."""
        row = self.selected_row()
        target = row + delta
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        with QSignalBlocker(self.table):
            taken = [self.table.takeItem(row, c) for c in range(self.table.columnCount())]
            self.table.removeRow(row)
            self.table.insertRow(target)
            for column, item in enumerate(taken):
                if item is not None:
                    self.table.setItem(target, column, item)
        self.table.selectRow(target)
        self.rows_changed.emit()

    @Slot()
    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.table.rowCount() - 1)


class FieldErrors:
    """Shows validation messages under the fields they concern (by the service's field names)."""

    def __init__(self, summary: QLabel) -> None:
        self._summary = summary
        self._summary.setStyleSheet(ERROR_STYLE)
        self._summary.setWordWrap(True)
        self._summary.hide()
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self._prefixes: list[tuple[str, QWidget, QLabel]] = []

    def add_row(self, form: QFormLayout, label: str, widget: QWidget, *names: str) -> QLabel:
        """Add ``widget`` to ``form`` with an (initially hidden) error line below it.

        ``names`` are the field names a ``ValidationError`` may use for it (default: ``label``).
        """
        form.addRow(label, widget)
        error = QLabel()
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        form.addRow("", error)
        self.register(widget, error, *(names or (label,)))
        return error

    def register(self, widget: QWidget, error: QLabel, *names: str) -> None:
        """Route the field ``names`` to ``widget``, with ``error`` as its message line."""
        for name in names:
            self._fields[name] = (widget, error)

    def register_prefix(self, prefix: str, widget: QWidget, error: QLabel) -> None:
        """Route fields named like ``检查要点第 3 行`` (prefix ``检查要点``) to one widget."""
        self._prefixes.append((prefix, widget, error))

    def _lookup(self, field: str) -> tuple[QWidget, QLabel, str] | None:
        found = self._fields.get(field)
        if found is not None:
            return found[0], found[1], ""
        for prefix, widget, error in self._prefixes:
            if field.startswith(prefix):
                return widget, error, f"{field}："
        return None

    def clear(self) -> None:
        """Hide every message and un-mark every field."""
        self._summary.hide()
        self._summary.clear()
        for widget, error in [*self._fields.values(), *((w, e) for _p, w, e in self._prefixes)]:
            error.hide()
            error.clear()
            widget.setStyleSheet("")

    def show(self, errors: Sequence[tuple[str, str]]) -> list[str]:
        """Show ``(field, message)`` pairs; returns the messages that have no field of their own."""
        self.clear()
        loose: list[str] = []
        for field, message in errors:
            found = self._lookup(field)
            if found is None:
                loose.append(f"{field}：{message}")
                continue
            widget, error, lead = found
            error.setText((error.text() + "\n" if error.text() else "") + lead + message)
            error.show()
            widget.setStyleSheet(INVALID_FIELD_STYLE)
        header = (
            QCoreApplication.translate("FieldErrors", "请修改标红的内容后再保存。")
            if len(loose) < len(errors)
            else ""
        )
        lines = [header] if header else []
        lines += [f"• {m}" for m in loose]
        self._summary.setText("\n".join(lines))
        self._summary.setVisible(bool(lines))
        return loose

    def message_for(self, field: str) -> str:
        """The message shown for a field (empty when none)."""
        found = self._lookup(field)
        return found[1].text() if found else ""


def error_label() -> QLabel:
    """A hidden red label to place under a widget that is not in a form (a table, a list)."""
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label
