"""Add or edit a check item (抽查事项) with its ordered checkpoints (检查要点)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import INSPECTION_METHODS, ItemImportance
from app.services.departments import list_departments
from app.services.items import CheckpointData, ItemData, create_item, get_item, update_item
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.dialogs.base import RecordDialog
from app.ui.widgets import ChoiceCombo, EditableTable, error_label, fit_to_screen


class ItemDialog(RecordDialog):
    """Edits one item; ``item_id`` None adds a new one."""

    changes = ("check_items",)

    def __init__(
        self,
        ui: UiContext,
        item_id: int | None,
        *,
        department_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = self.tr("新增抽查事项") if item_id is None else self.tr("编辑抽查事项")
        super().__init__(ui, title, parent)
        self.setObjectName("itemDialog")
        self.item_id = item_id
        services = ui.services
        detail = get_item(services, item_id) if item_id is not None else None
        self.version = detail.version if detail else None
        departments = list_departments(services, include_inactive=True)
        default_department = department_id or (departments[0].id if departments else 0)
        data = detail.data if detail else ItemData(department_id=default_department, name="")
        self._active = data.active

        self.department = ChoiceCombo()
        self.department.set_choices(
            [(d.name, d.id) for d in departments if d.active or d.id == data.department_id]
        )
        self.department.set_value(data.department_id)
        self.seq_no = QLineEdit(data.seq_no)
        self.category = QLineEdit(data.category)
        self.name = QLineEdit(data.name)
        self.target_scope = QLineEdit(data.target_scope)
        self.importance = ChoiceCombo()
        self.importance.set_choices([(i.label, i) for i in ItemImportance])
        self.importance.set_value(data.importance)
        self.methods: dict[str, QCheckBox] = {}
        methods_row = QWidget()
        methods_row.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        methods_layout = QHBoxLayout(methods_row)
        methods_layout.setContentsMargins(0, 0, 0, 0)
        # An imported item may carry methods in its list's own wording: shown checked after the
        # standard ones, so saving keeps them and unticking removes them.
        imported = [m for m in data.methods if m not in INSPECTION_METHODS]
        for method in (*INSPECTION_METHODS, *imported):
            box = QCheckBox(method)
            box.setChecked(method in data.methods)
            if method in imported:
                box.setToolTip(self.tr("导入时的检查方式（不在标准方式中），取消勾选即删除"))
            self.methods[method] = box
            methods_layout.addWidget(box)
        methods_layout.addStretch(1)
        self.subject = QLineEdit(data.subject)
        self.legal_basis = QPlainTextEdit(data.legal_basis)
        self.legal_basis.setMinimumHeight(self.fontMetrics().height() * 5)
        self.ratio_cap = QDoubleSpinBox()
        self.ratio_cap.setRange(0, 100)
        self.ratio_cap.setDecimals(1)
        self.ratio_cap.setSuffix(" %")
        self.ratio_cap.setSpecialValueText(self.tr("不设上限"))
        self.ratio_cap.setValue((data.ratio_cap or 0) * 100)
        self.importance.currentIndexChanged.connect(lambda _n: self._update_cap())

        basics = QWidget()
        form = QFormLayout(basics)
        self.errors.add_row(form, self.tr("编制部门 *"), self.department, "部门")
        form.addRow(self.tr("序号"), self.seq_no)
        form.addRow(self.tr("抽查类别"), self.category)
        self.errors.add_row(form, self.tr("抽查事项 *"), self.name, "抽查事项")
        form.addRow(self.tr("检查对象"), self.target_scope)
        form.addRow(self.tr("事项类别"), self.importance)
        self.errors.add_row(form, self.tr("检查方式"), methods_row, "检查方式")
        form.addRow(self.tr("检查主体"), self.subject)
        form.addRow(self.tr("检查依据"), self.legal_basis)
        self.errors.add_row(form, self.tr("抽查比例上限"), self.ratio_cap, "比例上限")

        self.checkpoints = EditableTable(
            [self.tr("检查内容"), self.tr("操作方法与要领"), self.tr("要求提供材料")],
            reorderable=True,
            add_label=self.tr("添加要点"),
            wrap=True,
        )
        self.checkpoints.set_column_widths([24, 16, 10])
        self.checkpoints.set_rows([[c.content, c.method_guide, c.materials] for c in data.checkpoints])
        self.checkpoints.add_button.clicked.connect(lambda: self.checkpoints.add_row(["", "", ""], edit=True))
        checkpoint_errors = error_label()
        self.errors.register_prefix("检查要点", self.checkpoints, checkpoint_errors)
        checkpoints_page = QWidget()
        page_layout = QVBoxLayout(checkpoints_page)
        page_layout.addWidget(self.checkpoints)
        page_layout.addWidget(checkpoint_errors)

        self.tabs = QTabWidget()
        self.tabs.addTab(basics, self.tr("事项信息"))
        self.tabs.addTab(checkpoints_page, self.tr("检查要点（按检查单顺序）"))
        self.finish_layout(self.tabs)
        fit_to_screen(self, 900, 640)
        self._update_cap()

    def _update_cap(self) -> None:
        # 重点检查事项 have no upper bound on the ratio (the service refuses one).
        general = self.importance.value() == ItemImportance.GENERAL
        self.ratio_cap.setEnabled(general)
        if not general:
            self.ratio_cap.setValue(0)

    def form_data(self) -> ItemData:
        """The form as an ``ItemData``, checkpoints in their table order."""
        cap = self.ratio_cap.value()
        return ItemData(
            department_id=int(self.department.value() or 0),
            name=self.name.text(),
            category=self.category.text(),
            seq_no=self.seq_no.text(),
            target_scope=self.target_scope.text(),
            importance=ItemImportance(self.importance.value()),
            methods=tuple(m for m, box in self.methods.items() if box.isChecked()),
            subject=self.subject.text(),
            legal_basis=self.legal_basis.toPlainText(),
            ratio_cap=cap / 100 if cap > 0 else None,
            active=self._active,
            checkpoints=tuple(
                CheckpointData(content, guide, materials)
                for content, guide, materials in self.checkpoints.rows()
            ),
        )

    def operation(self) -> Callable[[Progress], object]:
        """Create or update the item (a closure over the form's values)."""
        data = self.form_data()
        services, item_id, version = self.ui.services, self.item_id, self.version
        if item_id is None:
            return lambda _p: create_item(services, data)

        def update(_p: Progress) -> int:
            update_item(services, item_id, data, expected_version=version)
            return item_id

        return update
