"""一业一查 scheme editor: departments, and the order of items on the 行业统一检查单."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.departments import list_departments
from app.services.items import ItemFilter, ItemRow, list_items
from app.services.progress import Progress
from app.services.schemes import SchemeData, create_scheme, get_scheme, update_scheme
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog
from app.ui.widgets import ChoiceCombo, EditableTable, error_label, fit_to_screen

ID_ROLE = Qt.ItemDataRole.UserRole


class SchemeDialog(RecordDialog):
    """Edits one scheme; ``scheme_id`` None adds a new one."""

    changes = ("industry_schemes",)

    def __init__(self, ui: UiContext, scheme_id: int | None, parent: QWidget | None = None) -> None:
        title = self.tr("新增一业一查方案") if scheme_id is None else self.tr("编辑一业一查方案")
        super().__init__(ui, title, parent)
        self.setObjectName("schemeDialog")
        self.scheme_id = scheme_id
        services = ui.services
        detail = get_scheme(services, scheme_id) if scheme_id is not None else None
        self.version = detail.version if detail else None
        self.departments = list_departments(services, include_inactive=True)
        # A county has a few hundred items: read them all once, filter by department here.
        self.items: dict[int, ItemRow] = {
            i.id: i for i in list_items(services, ItemFilter(include_inactive=True))
        }
        self.short_names = {d.name: d.short_name or d.name for d in self.departments}
        lead_default = self.departments[0].id if self.departments else 0
        data = detail.data if detail else SchemeData(industry="", name="", lead_department_id=lead_default)
        self._active = data.active

        self.industry = QLineEdit(data.industry)
        self.industry.setPlaceholderText(self.tr("如 餐饮、加油站、宾馆"))
        self.name = QLineEdit(data.name)
        self.field = QLineEdit(data.field)
        self.lead = ChoiceCombo()
        self.lead.set_choices(
            [(d.name, d.id) for d in self.departments if d.active or d.id == data.lead_department_id]
        )
        self.lead.set_value(data.lead_department_id)
        self.cooperating = QListWidget()
        for d in self.departments:
            if not d.active and d.id not in data.cooperating_department_ids:
                continue
            entry = QListWidgetItem(d.name)
            entry.setData(ID_ROLE, d.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(
                Qt.CheckState.Checked if d.id in data.cooperating_department_ids else Qt.CheckState.Unchecked
            )
            self.cooperating.addItem(entry)

        basics = QWidget()
        form = QFormLayout(basics)
        self.errors.add_row(form, self.tr("行业 *"), self.industry, "行业")
        self.errors.add_row(form, self.tr("方案名称 *"), self.name, "方案名称")
        form.addRow(self.tr("抽查领域"), self.field)
        self.errors.add_row(form, self.tr("牵头部门 *"), self.lead, "牵头部门")
        self.errors.add_row(form, self.tr("配合部门"), self.cooperating, "配合部门")

        # The checklist, in order: what a field team works through on one visit.
        self.checklist = EditableTable(
            [self.tr("部门"), self.tr("抽查事项"), self.tr("要点数")],
            reorderable=True,
            read_only=(0, 1, 2),
            wrap=True,
        )
        self.checklist.add_button.hide()
        self.checklist.remove_button.setText(self.tr("移出"))
        self.checklist.set_column_widths([7, 17, 4])
        if detail is not None:
            self.checklist.set_rows(
                [
                    [self.short_names.get(r.department, r.department), r.name, str(r.checkpoints)]
                    for r in detail.items
                ],
                data=[r.item_id for r in detail.items],
            )
        checklist_errors = error_label()
        self.errors.register(self.checklist, checklist_errors, "抽查事项")

        self.available_filter = QLineEdit()
        self.available_filter.setPlaceholderText(self.tr("筛选事项名称"))
        self.available_filter.textChanged.connect(lambda _t: self.refresh_available())
        self.available = QListWidget()
        self.available.setWordWrap(True)
        self.available.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.available.itemDoubleClicked.connect(lambda _item: self.add_selected())
        self.add_button = QPushButton(self.tr("← 加入检查单"))
        self.add_button.clicked.connect(self.add_selected)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("可加入的事项（牵头部门和配合部门的事项）")))
        right.addWidget(self.available_filter)
        right.addWidget(self.available, 1)
        right.addWidget(self.add_button)
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("行业统一检查单（按检查顺序）")))
        left.addWidget(self.checklist, 1)
        left.addWidget(checklist_errors)
        checklist_page = QWidget()
        columns = QHBoxLayout(checklist_page)
        columns.addLayout(left, 3)
        columns.addLayout(right, 3)

        self.handbook = QPlainTextEdit(data.handbook_text)
        self.handbook.setPlaceholderText(
            self.tr("一业一册：面向经营者的合规要点，由本方案的检查要点整理而成")
        )

        self.tabs = QTabWidget()
        self.tabs.addTab(basics, self.tr("方案信息"))
        self.tabs.addTab(checklist_page, self.tr("行业统一检查单"))
        self.tabs.addTab(self.handbook, self.tr("一业一册（合规手册）"))
        self.finish_layout(self.tabs)
        fit_to_screen(self, 1100, 660)
        self.lead.currentIndexChanged.connect(lambda _n: self.refresh_available())
        self.cooperating.itemChanged.connect(lambda _item: self.refresh_available())
        self.checklist.rows_changed.connect(self.refresh_available)
        self.refresh_available()

    def department_ids(self) -> set[int]:
        """Lead and checked cooperating departments."""
        ids = {int(self.lead.value() or 0)}
        for n in range(self.cooperating.count()):
            entry = self.cooperating.item(n)
            if entry is not None and entry.checkState() == Qt.CheckState.Checked:
                ids.add(int(entry.data(ID_ROLE)))
        return ids

    def cooperating_ids(self) -> tuple[int, ...]:
        """Checked cooperating departments, without the lead."""
        lead = int(self.lead.value() or 0)
        return tuple(sorted(i for i in self.department_ids() if i != lead))

    def checklist_ids(self) -> list[int]:
        """Item ids in checklist order."""
        return [int(i) for i in self.checklist.all_row_data()]

    @Slot()
    def refresh_available(self) -> None:
        """Items of the scheme's departments not yet on the checklist, matching the filter."""
        allowed = self.department_ids()
        chosen = set(self.checklist_ids())
        needle = self.available_filter.text().strip()
        self.available.clear()
        for item in self.items.values():
            if item.department_id not in allowed or item.id in chosen or not item.active:
                continue
            if needle and needle not in item.name:
                continue
            entry = QListWidgetItem(
                self.tr("{name}（{dept}，{n} 个要点）").format(
                    dept=self.short_names.get(item.department, item.department),
                    name=item.name,
                    n=item.checkpoints,
                )
            )
            entry.setData(ID_ROLE, item.id)
            self.available.addItem(entry)
        self.add_button.setEnabled(self.available.count() > 0)

    @Slot()
    def add_selected(self) -> None:
        """Append the chosen available item to the checklist."""
        entry = self.available.currentItem() or self.available.item(0)
        if entry is None:
            return
        self.add_item(int(entry.data(ID_ROLE)))

    def add_item(self, item_id: int) -> None:
        """Append an item to the end of the checklist."""
        item = self.items[item_id]
        department = self.short_names.get(item.department, item.department)
        self.checklist.add_row([department, item.name, str(item.checkpoints)], data=item.id)

    def form_data(self) -> SchemeData:
        """The form as a ``SchemeData``; ``item_ids`` in checklist order."""
        return SchemeData(
            industry=self.industry.text(),
            name=self.name.text(),
            lead_department_id=int(self.lead.value() or 0),
            cooperating_department_ids=self.cooperating_ids(),
            item_ids=tuple(self.checklist_ids()),
            field=self.field.text(),
            handbook_text=self.handbook.toPlainText(),
            active=self._active,
        )

    def operation(self) -> Callable[[Progress], object]:
        """Create or update the scheme (a closure over the form's values)."""
        data = self.form_data()
        services, scheme_id, version = self.ui.services, self.scheme_id, self.version
        if scheme_id is None:
            return lambda _p: create_scheme(services, data)

        def update(_p: Progress) -> int:
            update_scheme(services, scheme_id, data, expected_version=version)
            return scheme_id

        return update
