"""检查对象: the target registry, up to 500,000 rows, searched and sorted in the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from app.io import RegistryKind
from app.models.enums import RiskClass, TargetStatus
from app.services.targets import (
    TargetFilter,
    distinct_values,
    get_target_rows,
    search_target_ids,
    set_target_active,
    target_tags_in_use,
)
from app.ui.context import UiContext
from app.ui.dialogs.base import ask_reason
from app.ui.dialogs.target import TargetDialog, TargetSuggestions
from app.ui.models import TargetTableModel
from app.ui.operations import CollectionOp, QueryOp
from app.ui.pages.panel import RegistryPanel
from app.ui.widgets import ChoiceCombo, DebouncedLineEdit, configure_table


@dataclass(frozen=True)
class FilterOptions:
    """What the filter drop-downs offer, read from the registry."""

    regions: list[str]
    industries: list[str]
    jurisdictions: list[str]
    tags: list[tuple[int, str, str]]


class TargetsPanel(RegistryPanel):
    """Filter bar, count, buttons and the lazily fetched target table."""

    tables = ("targets", "tags")

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, parent)
        self.setObjectName("targetsPanel")
        services = ui.services
        self.model = TargetTableModel(lambda ids: get_target_rows(services, ids), parent=self)
        self.model.sort_requested.connect(lambda _key, _desc: self.search())
        self.options = FilterOptions([], [], [], [])
        self._select_after: int | None = None
        self.searches_started = 0

        self.search_box = DebouncedLineEdit()
        self.search_box.setObjectName("targetSearch")
        self.search_box.setPlaceholderText(self.tr("搜索名称、统一社会信用代码或拼音首字母（如 hscs）"))
        self.search_box.setMinimumWidth(self.fontMetrics().horizontalAdvance("字") * 24)
        self.search_box.debounced.connect(lambda _text: self.search())
        self.tag_filter = ChoiceCombo(all_label=self.tr("全部标签"))
        self.region_filter = ChoiceCombo(all_label=self.tr("全部乡镇/街道"))
        self.industry_filter = ChoiceCombo(all_label=self.tr("全部行业"))
        self.jurisdiction_filter = ChoiceCombo(all_label=self.tr("全部管辖单位"))
        self.risk_filter = ChoiceCombo(all_label=self.tr("全部风险分类"))
        self.risk_filter.set_choices([(r.label, r) for r in RiskClass])
        self.status_filter = ChoiceCombo(all_label=self.tr("全部登记状态"))
        self.status_filter.set_choices([(s.label, s) for s in TargetStatus])
        self.include_inactive = QCheckBox(self.tr("含已停用"))
        for combo in (
            self.tag_filter,
            self.region_filter,
            self.industry_filter,
            self.jurisdiction_filter,
            self.risk_filter,
            self.status_filter,
        ):
            combo.currentIndexChanged.connect(lambda _n: self.search())
        self.include_inactive.toggled.connect(lambda _on: self.search())

        self.filter_bar.addWidget(self.search_box, 1)
        self.filter_bar.addWidget(self.busy_label)
        self.filter_bar.addWidget(self.count_label)
        second = QHBoxLayout()
        second.addWidget(QLabel(self.tr("筛选：")))
        for widget in (
            self.region_filter,
            self.industry_filter,
            self.jurisdiction_filter,
            self.risk_filter,
            self.status_filter,
            self.tag_filter,
            self.include_inactive,
        ):
            second.addWidget(widget)
        second.addStretch(1)

        self.add_button(self.tr("新增检查对象"), self.add_target, name="addTarget")
        self.edit_button = self.add_button(self.tr("编辑"), self.edit_selected, name="editTarget")
        self.active_button = self.add_button(self.tr("停用"), self.toggle_active, name="toggleTarget")
        self.add_import_export(RegistryKind.TARGETS)
        self.button_bar.addStretch(1)

        self.view = QTableView()
        self.view.setObjectName("targetTable")
        self.view.setModel(self.model)
        configure_table(self.view, [c.width_chars for c in self.model.columns])
        header = self.view.horizontalHeader()
        header.setSortIndicator(self.model.sort_column(), Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        self.view.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._keep_indicator_on_sortable)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        layout = QVBoxLayout(self)
        layout.addLayout(self.filter_bar)
        layout.addLayout(second)
        layout.addLayout(self.button_bar)
        layout.addWidget(self.view, 1)
        self._update_buttons()

    # --- filters and search ----------------------------------------------------------------
    def current_filter(self) -> TargetFilter:
        """The filter bar as a ``TargetFilter``."""

        def one(value: Any) -> tuple[Any, ...]:
            return () if value is None else (value,)

        return TargetFilter(
            text=self.search_box.text(),
            regions=one(self.region_filter.value()),
            industries=one(self.industry_filter.value()),
            jurisdictions=one(self.jurisdiction_filter.value()),
            risk_classes=one(self.risk_filter.value()),
            statuses=one(self.status_filter.value()),
            tag_ids=one(self.tag_filter.value()),
            include_inactive=self.include_inactive.isChecked(),
        )

    def reload(self) -> None:
        self.load_options()
        self.search()

    @Slot()
    def search(self) -> None:
        """Query the ids off the UI thread; a newer search makes an older result be dropped."""
        services = self.ui.services
        flt = self.current_filter()
        sort, descending = self.model.sort_key, self.model.descending
        if self._select_after is None:
            current = self.selected_id()
            if current is not None:
                self._select_after = current
        self.busy_label.show()
        self.searches_started += 1
        QueryOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: search_target_ids(services, flt, sort=sort, descending=descending),
            key="targets.search",
        ).success(self._show_ids).run_in_background()

    def _show_ids(self, ids: list[int]) -> None:
        self.busy_label.hide()
        self.model.set_ids(ids)
        self.count_label.setText(self.tr("共 {n} 条").format(n=f"{len(ids):,}"))
        if self._select_after is not None:
            self.select_id(self._select_after)
            self._select_after = None
        self._update_buttons()
        self.loaded.emit()

    def load_options(self) -> None:
        """Read the values the filter drop-downs offer, in the background."""
        services = self.ui.services

        def read(_progress: object) -> FilterOptions:
            return FilterOptions(
                regions=distinct_values(services, "region"),
                industries=distinct_values(services, "industry"),
                jurisdictions=distinct_values(services, "jurisdiction"),
                tags=target_tags_in_use(services),
            )

        QueryOp(parent=self, runner=self.ui.runner, op=read, key="targets.options").success(
            self._show_options
        ).run_in_background()

    def _show_options(self, options: FilterOptions) -> None:
        self.options = options
        self.region_filter.set_choices([(v, v) for v in options.regions])
        self.industry_filter.set_choices([(v, v) for v in options.industries])
        self.jurisdiction_filter.set_choices([(v, v) for v in options.jurisdictions])
        self.tag_filter.set_choices([(f"{kind}：{name}", tag_id) for tag_id, kind, name in options.tags])

    @Slot(int, Qt.SortOrder)
    def _keep_indicator_on_sortable(self, column: int, order: Qt.SortOrder) -> None:
        # Tags and 名录状态 are not sortable in the database: put the arrow back where the order is.
        if self.model.columns[column].sort is None:
            current = Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder
            self.view.horizontalHeader().setSortIndicator(self.model.sort_column(), current)

    # --- selection -------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        """The selected target's id, if any."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.id_at(rows[0].row()) if rows else None

    def select_id(self, target_id: int) -> bool:
        """Select and centre the row of this target; False if it is not listed."""
        row = self.model.row_of(target_id)
        if row < 0:
            return False
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0), QTableView.ScrollHint.PositionAtCenter)
        return True

    def _update_buttons(self) -> None:
        target_id = self.selected_id()
        self.edit_button.setEnabled(target_id is not None)
        self.active_button.setEnabled(target_id is not None)
        row = self.model.row_at(self.model.row_of(target_id)) if target_id is not None else None
        self.active_button.setText(self.tr("恢复") if row is not None and not row.active else self.tr("停用"))

    @Slot(QModelIndex)
    def _on_double_click(self, _index: QModelIndex | QPersistentModelIndex) -> None:
        self.edit_selected()

    # --- actions ---------------------------------------------------------------------------
    def _suggestions(self) -> TargetSuggestions:
        return TargetSuggestions(
            regions=tuple(self.options.regions),
            industries=tuple(self.options.industries),
            jurisdictions=tuple(self.options.jurisdictions),
            tag_names=tuple(name for _id, _kind, name in self.options.tags),
        )

    def add_target(self) -> TargetDialog:
        """Open the editor for a new target."""
        dialog = TargetDialog(self.ui, None, suggestions=self._suggestions(), parent=self)
        dialog.saved.connect(self._after_save)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def edit_selected(self) -> TargetDialog | None:
        """Open the editor for the selected target."""
        target_id = self.selected_id()
        if target_id is None:
            return None
        dialog = TargetDialog(self.ui, target_id, suggestions=self._suggestions(), parent=self)
        dialog.saved.connect(self._after_save)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _after_save(self, target_id: object) -> None:
        if isinstance(target_id, int):
            self._select_after = target_id

    def toggle_active(self) -> QWidget | None:
        """Ask for a reason, then deactivate (or reactivate) the selected target."""
        target_id = self.selected_id()
        row = self.model.row_at(self.model.row_of(target_id)) if target_id is not None else None
        if target_id is None or row is None:
            return None
        activate = not row.active
        services = self.ui.services
        title = self.tr("恢复检查对象") if activate else self.tr("停用检查对象")
        prompt = (
            self.tr("恢复「{name}」，使其重新参加随机抽取。请写明原因：")
            if activate
            else self.tr("停用「{name}」后，它不再参加随机抽取（记录保留，可以恢复）。请写明原因：")
        ).format(name=row.name)

        def apply(reason: str) -> None:
            self._select_after = target_id
            CollectionOp(
                parent=self,
                runner=self.ui.runner,
                op=lambda _p: set_target_active(services, target_id, activate, reason=reason),
                changes=("targets",),
            ).run_in_background()

        return ask_reason(self, title=title, prompt=prompt, on_reason=apply)
