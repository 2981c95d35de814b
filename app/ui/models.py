"""Table models over the registries.

``RowTableModel`` holds a small list of row dataclasses (departments, inspectors, items,
schemes: hundreds of rows) and sorts them itself. ``TargetTableModel`` is for the target
registry, which may hold 500,000 rows: like Anki's browser it keeps only the ordered list
of ids, fetches rows a page at a time when the view asks for them, and keeps a bounded
cache; sorting is asked of the database (``sort_requested``), never done over the rows.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.models.enums import LabeledEnum
from app.services.targets import TargetRow

logger = logging.getLogger(__name__)

R = TypeVar("R")
AnyIndex = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row dataclass itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a native value to sort by
INACTIVE_BRUSH = QBrush(QColor(128, 128, 128))
_ROOT = QModelIndex()


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, LabeledEnum):
        return value.label
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return QCoreApplication.translate("Models", "是") if value else ""
    return str(value)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: header text, how to get the cell from a row, and how to sort by it."""

    header: str
    value: Callable[[R], object]
    width_chars: int = 8  # initial width in Chinese characters
    sort_key: Callable[[R], Any] | None = None  # default: the value itself
    align_right: bool = False


class RowTableModel(QAbstractTableModel, Generic[R]):
    """A read-only table over a list of row dataclasses, sortable in memory (small lists only)."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        *,
        is_inactive: Callable[[R], bool] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[R] = []
        self._is_inactive = is_inactive

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace every row (a model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[R]:
        """A copy of the rows in display order."""
        return list(self._rows)

    def row_at(self, row: int) -> R | None:
        """The row dataclass at a display row, or None."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def find(self, predicate: Callable[[R], bool]) -> int:
        """The first row satisfying ``predicate``, or -1."""
        for n, row in enumerate(self._rows):
            if predicate(row):
                return n
        return -1

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.columns):
            return self.columns[section].header
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self.columns):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(column.value(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            # The full text of every cell: a cell's width in characters says nothing about a
            # column the user narrowed or a larger font. The view shows it only when cut off.
            text = _display(column.value(row))
            return text or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._is_inactive is not None and self._is_inactive(row):
                return INACTIVE_BRUSH
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return (column.sort_key or column.value)(row)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        spec = self.columns[column]
        key = spec.sort_key or spec.value

        def safe(row: R) -> tuple[int, Any]:
            value = key(row)
            # None sorts last and never meets a value of another type.
            return (1, "") if value is None else (0, value)

        self.layoutAboutToBeChanged.emit()
        old = list(self._rows)
        self._rows.sort(key=safe, reverse=order == Qt.SortOrder.DescendingOrder)
        position = {id(r): n for n, r in enumerate(self._rows)}
        for persistent in self.persistentIndexList():
            if persistent.isValid():
                moved = position[id(old[persistent.row()])]
                self.changePersistentIndex(persistent, self.index(moved, persistent.column()))
        self.layoutChanged.emit()


@dataclass(frozen=True)
class TargetColumn:
    """A column of the target table: key of ``TargetRow``, header, SQL sort key, width."""

    key: str
    header: str
    sort: str | None  # key of ``app.services.targets.SORT_COLUMNS``; None = not sortable
    width_chars: int


def _tr(text: str) -> str:
    return QCoreApplication.translate("TargetTableModel", text)


def target_columns() -> tuple[TargetColumn, ...]:
    """The target table's columns (translated when called)."""
    return (
        TargetColumn("name", _tr("名称"), "name", 20),
        TargetColumn("code", _tr("统一社会信用代码/注册号"), "code", 12),
        TargetColumn("kind", _tr("类型"), "kind", 6),
        TargetColumn("legal_rep", _tr("法定代表人"), "legal_rep", 5),
        TargetColumn("region", _tr("乡镇/街道"), "region", 6),
        TargetColumn("industry", _tr("行业"), "industry", 5),
        TargetColumn("risk_class", _tr("风险分类"), "risk_class", 6),
        TargetColumn("status", _tr("登记状态"), "status", 4),
        TargetColumn("tags", _tr("标签"), None, 9),
        TargetColumn("active", _tr("名录状态"), None, 4),
    )


class TargetTableModel(QAbstractTableModel):
    """Ordered target ids, with rows fetched a page at a time and cached (Anki's browser model).

    ``fetch_rows(ids)`` returns the rows of those ids in that order; it runs on the UI
    thread, so a page must stay small (a page of 100 rows reads in about 10 ms at 500,000).
    """

    PAGE_SIZE = 100
    CACHE_ROWS = 5000

    sort_requested = Signal(str, bool)  # (sort key, descending)

    def __init__(self, fetch_rows: Callable[[Sequence[int]], list[TargetRow]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = target_columns()
        self._fetch_rows = fetch_rows
        self._ids: list[int] = []
        self._cache: OrderedDict[int, TargetRow] = OrderedDict()
        self.sort_key = "name"
        self.descending = False
        self.fetch_count = 0  # how many pages were read: tests check rows are fetched lazily

    # --- ids and rows -------------------------------------------------------------------
    def set_ids(self, ids: Sequence[int]) -> None:
        """Show exactly these targets, in this order (the cache is dropped)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._cache.clear()
        self.endResetModel()

    def ids(self) -> list[int]:
        """A copy of the ids in display order."""
        return list(self._ids)

    def id_at(self, row: int) -> int | None:
        """The target id at a display row, or None."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, target_id: int) -> int:
        """The row showing ``target_id``, or -1."""
        try:
            return self._ids.index(target_id)
        except ValueError:
            return -1

    def invalidate_rows(self) -> None:
        """Re-read every row from the database (after an edit that kept the same ids)."""
        self._cache.clear()
        if self._ids:
            last = self.index(len(self._ids) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def row_at(self, row: int) -> TargetRow | None:
        """The row's data, reading its page from the database if it is not cached."""
        if not 0 <= row < len(self._ids):
            return None
        target_id = self._ids[row]
        cached = self._cache.get(target_id)
        if cached is not None:
            self._cache.move_to_end(target_id)
            return cached
        self._load_page(row)
        return self._cache.get(target_id)

    def _load_page(self, row: int) -> None:
        start = row - row % self.PAGE_SIZE
        wanted = [i for i in self._ids[start : start + self.PAGE_SIZE] if i not in self._cache]
        self.fetch_count += 1
        for fetched in self._fetch_rows(wanted):
            self._cache[fetched.id] = fetched
        while len(self._cache) > self.CACHE_ROWS:
            self._cache.popitem(last=False)

    # --- Qt model -----------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.columns):
            return self.columns[section].header
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(self.columns):
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
            ROW_ROLE,
        ):
            return None
        row = self.row_at(index.row())
        if row is None:  # deleted since the ids were read
            return None
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole:
            return INACTIVE_BRUSH if not row.active else None
        key = self.columns[index.column()].key
        if key == "active":
            text = _tr("在册") if row.active else _tr("已停用")
        else:
            text = _display(getattr(row, key))
        if role == Qt.ItemDataRole.ToolTipRole:
            return text or None  # shown only when the cell cuts it off (ElidedTipDelegate)
        return text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask for the ids again in another order; the page re-queries the database."""
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending):
            return
        self.sort_key, self.descending = key, descending
        self.sort_requested.emit(key, descending)

    def sort_column(self) -> int:
        """The column currently sorted by (for the header's indicator)."""
        for n, column in enumerate(self.columns):
            if column.sort == self.sort_key:
                return n
        return 0
