"""检查人员: inspectors and experts (专家库), filtered by department, searched by name or 证号."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QWidget

from app.io import RegistryKind
from app.services.departments import list_departments
from app.services.inspectors import InspectorFilter, InspectorRow, list_inspectors, set_inspector_active
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.dialogs.inspector import InspectorDialog
from app.ui.models import Column
from app.ui.pages.panel import ListPanel
from app.ui.widgets import ChoiceCombo, DebouncedLineEdit


def _tr(text: str) -> str:
    return QCoreApplication.translate("InspectorsPanel", text)


def inspector_columns() -> list[Column[InspectorRow]]:
    """Columns of the inspector table (experts marked in 身份)."""
    return [
        Column(_tr("姓名"), lambda r: r.name, 5),
        Column(_tr("所属部门"), lambda r: r.department, 11),
        Column(_tr("单位工号"), lambda r: r.staff_no, 6),
        Column(_tr("执法证号"), lambda r: r.certificate, 8),
        Column(
            _tr("证件有效期至"),
            lambda r: r.certificate_valid_to or (_tr("长期") if r.certificate else ""),
            6,
            sort_key=lambda r: str(r.certificate_valid_to or "9999"),
        ),
        Column(_tr("岗位大类"), lambda r: r.post_category, 5),
        Column(_tr("身份"), lambda r: _tr("专家") if r.is_expert else _tr("执法人员"), 4),
        Column(_tr("状态"), lambda r: _tr("有效") if r.active else _tr("失效"), 3),
        Column(
            _tr("回避对象"), lambda r: r.conflicts or "", 4, sort_key=lambda r: r.conflicts, align_right=True
        ),
        Column(_tr("标签"), lambda r: r.tags, 12),
    ]


class InspectorsPanel(ListPanel[InspectorRow]):
    """Inspectors and experts with search, department and expert filters."""

    tables = ("inspectors", "departments", "tags")

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, inspector_columns(), is_inactive=lambda r: not r.active, parent=parent)
        self.setObjectName("inspectorsPanel")
        self.search_box = DebouncedLineEdit()
        self.search_box.setPlaceholderText(self.tr("搜索姓名、拼音首字母、工号或执法证号"))
        self.search_box.debounced.connect(lambda _t: self.reload())
        self.department_filter = ChoiceCombo(all_label=self.tr("全部部门"))
        self.department_filter.currentIndexChanged.connect(lambda _n: self.reload())
        self.experts_only = QCheckBox(self.tr("只看专家"))
        self.experts_only.toggled.connect(lambda _on: self.reload())
        self.include_inactive = QCheckBox(self.tr("含失效人员"))
        self.include_inactive.setChecked(True)
        self.include_inactive.toggled.connect(lambda _on: self.reload())
        for n, widget in enumerate(
            (self.search_box, self.department_filter, self.experts_only, self.include_inactive)
        ):
            self.filter_bar.insertWidget(n, widget, 1 if n == 0 else 0)
        self.add_button(self.tr("新增人员"), self.add, name="addInspector")
        self.edit_button = self.add_button(self.tr("编辑"), self.open_selected, name="editInspector")
        self.active_button = self.add_button(self.tr("设为失效"), self.toggle_active, name="toggleInspector")
        self.add_import_export(RegistryKind.INSPECTORS)
        self.button_bar.addStretch(1)

    def reload(self) -> None:
        departments = list_departments(self.ui.services, include_inactive=True)
        self.department_filter.set_choices([(d.name, d.id) for d in departments])
        super().reload()

    def fetch(self) -> Callable[[Progress], list[InspectorRow]]:
        services = self.ui.services
        department = self.department_filter.value()
        flt = InspectorFilter(
            text=self.search_box.text(),
            department_ids=(department,) if department is not None else (),
            experts_only=self.experts_only.isChecked(),
            include_inactive=self.include_inactive.isChecked(),
        )
        return lambda _p: list_inspectors(services, flt)

    def selection_changed(self) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        self.active_button.setText(
            self.tr("恢复有效") if row is not None and not row.active else self.tr("设为失效")
        )

    def _open(self, inspector_id: int | None) -> InspectorDialog:
        return self.show_editor(InspectorDialog(self.ui, inspector_id, self))

    def add(self) -> InspectorDialog:
        """Open the editor for a new inspector."""
        return self._open(None)

    def open_selected(self) -> InspectorDialog | None:
        """Open the editor for the selected inspector."""
        row = self.selected()
        return self._open(row.id) if row is not None else None

    def toggle_active(self) -> Any:
        """Ask for a reason, then mark the selected inspector 失效 (or 有效 again)."""
        row = self.selected()
        if row is None:
            return None
        services, activate = self.ui.services, not row.active
        prompt = (
            self.tr("恢复「{name}」为有效人员。请写明原因：")
            if activate
            else self.tr(
                "设为失效后，「{name}」不再被抽取派出（记录保留）。请写明原因（如调离、退休、证件注销）："
            )
        )
        return self.change_active(
            row.id,
            title=self.tr("恢复有效") if activate else self.tr("设为失效"),
            prompt=prompt.format(name=row.name),
            change=lambda reason: set_inspector_active(services, row.id, activate, reason=reason),
            changes=("inspectors",),
        )
