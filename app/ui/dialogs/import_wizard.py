"""导入向导: file → column mapping → dry run → import → summary, for every registry kind.

Reading, mapping and validating use the spreadsheet layer (``app.io``) only; the
final step goes through ``app.ui.import_bridge`` to the database import service.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app import config
from app.io import (
    ColumnMapping,
    Issue,
    OperationCancelled,
    PresetError,
    RegistryKind,
    Table,
    UnreadableFileError,
    ValidationResult,
    fields_of,
    find_preset,
    guess_mapping,
    load_presets,
    load_table,
    preset_from_mapping,
    save_preset,
    validate,
    write_blank_template,
    write_issue_report,
)
from app.services.errors import Interrupted
from app.services.progress import Progress
from app.ui import import_bridge
from app.ui.context import UiContext
from app.ui.errors import show_error
from app.ui.operations import POLL_INTERVAL_MS, CollectionOp, QueryOp

logger = logging.getLogger(__name__)

SPREADSHEET_FILTER = (
    "表格文件 (*.xlsx *.xlsm *.xlsb *.xls *.ods *.csv *.txt *.xml *.htm *.html);;所有文件 (*)"
)
KIND_ORDER = (
    RegistryKind.TARGETS,
    RegistryKind.INSPECTORS,
    RegistryKind.ITEMS,
    RegistryKind.SCHEMES,
    RegistryKind.CHECKPOINTS,
)
NOT_IMPORTED = "（不导入）"
MATCH_LABELS = {
    "exact": "与预设完全一致",
    "preset": "包含预设的全部列",
    "partial": "与预设部分一致",
    "synonym": "按列名识别",
    "manual": "已手工调整",
    "none": "未识别",
}


def presets_dir() -> Path:
    """The folder of the user's saved column presets."""
    return config.data_dir() / "presets"


class IssueModel(QAbstractTableModel):
    """The dry run's issues: 行号 | 列 | 值 | 级别 | 原因."""

    HEADERS = ("行号", "列", "值", "级别", "原因")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._issues: tuple[Issue, ...] = ()

    def set_issues(self, issues: tuple[Issue, ...]) -> None:
        """Replace the issues shown."""
        self.beginResetModel()
        self._issues = tuple(issues)
        self.endResetModel()

    def issue(self, row: int) -> Issue:
        """The issue shown on ``row``."""
        return self._issues[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._issues)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._issues):
            return None
        issue = self._issues[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return "" if issue.row is None else str(issue.row)
            if column == 1:
                return issue.column or ""
            if column == 2:
                return issue.value
            if column == 3:
                return issue.severity.label
            return issue.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)


class _ProgressStrip(QWidget):
    """An inline progress bar with a cancel button, polling a ``Progress``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(lambda _c=False: self.cancel())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self._progress: Progress | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self.poll)
        self.hide()

    def start(self, progress: Progress) -> None:
        """Show and follow ``progress``."""
        self._progress = progress
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.show()
        self._timer.start()

    @Slot()
    def poll(self) -> None:
        """Show the current state of the progress."""
        if self._progress is None:
            return
        state = self._progress.snapshot()
        if state.total > 0:
            self.bar.setRange(0, state.total)
            self.bar.setValue(min(state.done, state.total))

    def cancel(self) -> None:
        """Ask the running step to stop."""
        if self._progress is not None:
            self._progress.cancel()
        self.cancel_button.setEnabled(False)

    def stop(self) -> None:
        """The step has ended: hide."""
        self._timer.stop()
        self._progress = None
        self.hide()

    @property
    def running(self) -> bool:
        """Whether a step is being followed."""
        return self._progress is not None


class ImportWizard(QWizard):
    """The import wizard; ``kind`` is preselected from the page it was opened on."""

    def __init__(
        self,
        ui: UiContext,
        kind: RegistryKind = RegistryKind.TARGETS,
        parent: QWidget | None = None,
        *,
        presets_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importWizard")
        self.setWindowTitle("导入向导")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setMinimumSize(900, 600)
        self.ui = ui
        self.kind = kind
        self.presets_folder = presets_folder if presets_folder is not None else presets_dir()
        self.table: Table | None = None
        self.mapping: ColumnMapping | None = None
        self.validation: ValidationResult | None = None
        self.outcome: import_bridge.ImportOutcome | None = None
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.validate_page = ValidatePage(self)
        self.import_page = ImportPage(self)
        self.done_page = DonePage(self)
        for page in (self.file_page, self.mapping_page, self.validate_page, self.import_page, self.done_page):
            self.addPage(page)

    def reject(self) -> None:
        # Leaving while a step runs: stop it; its late result is ignored because the parent is gone.
        for strip in (self.validate_page.strip, self.import_page.strip):
            if strip.running:
                strip.cancel()
        super().reject()


class FilePage(QWizardPage):
    """1 选择文件."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("第 1 步：选择文件")
        self.setSubTitle("选择要导入的表格文件（Excel、WPS、CSV 均可）；不确定格式时可先下载空白模板填写。")
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kindCombo")
        for kind in KIND_ORDER:
            self.kind_combo.addItem(kind.label, kind.value)
        self.kind_combo.setCurrentIndex(KIND_ORDER.index(wizard.kind))
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("pathEdit")
        self.path_edit.setReadOnly(True)
        browse = QPushButton("浏览…")
        browse.setObjectName("browseButton")
        browse.clicked.connect(lambda _c=False: self.browse())
        self.template_button = QPushButton("下载空白模板")
        self.template_button.setObjectName("templateButton")
        self.template_button.clicked.connect(lambda _c=False: self.download_template())
        self.sheet_combo = QComboBox()
        self.sheet_combo.setObjectName("sheetCombo")
        self.sheet_combo.setEnabled(False)
        self.sheet_combo.activated.connect(self._sheet_chosen)
        self.info_label = QLabel()
        self.info_label.setObjectName("fileInfo")
        self.info_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("fileError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("导入内容：", self.kind_combo)
        form.addRow("文件：", row)
        form.addRow("工作表：", self.sheet_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.template_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.info_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self._loading = False

    @property
    def kind(self) -> RegistryKind:
        """The kind chosen."""
        return RegistryKind(self.kind_combo.currentData())

    def _kind_changed(self, _index: int) -> None:
        self.wiz.kind = self.kind
        if self.wiz.table is not None:
            self.load(self.wiz.table.path)  # the header row is looked for with the kind's names

    def browse(self) -> None:
        """Ask for a file and read it."""
        name, _ = QFileDialog.getOpenFileName(self, "选择要导入的文件", "", SPREADSHEET_FILTER)
        if name:
            self.load(Path(name))

    def download_template(self, path: Path | None = None) -> Path | None:
        """Write the blank template of the chosen kind (asks where unless ``path`` is given)."""
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "保存空白模板", f"{self.kind.label}模板.xlsx", "Excel 工作簿 (*.xlsx)"
            )
            if not name:
                return None
            path = Path(name)
        try:
            write_blank_template(
                path, kind=self.kind, presets=load_presets(self.wiz.presets_folder, kind=self.kind)
            )
        except OSError as exc:
            show_error(self, exc)
            return None
        self.info_label.setText(f"空白模板已保存到 {path}，填写后再选择它导入。")
        return path

    def _sheet_chosen(self, _index: int) -> None:
        table = self.wiz.table
        if table is not None and self.sheet_combo.currentText() != table.sheet_name:
            self.load(table.path, sheet=self.sheet_combo.currentText())

    def load(self, path: Path, *, sheet: str | None = None) -> None:
        """Read ``path`` (one ``sheet`` of it, or the one that looks like the registry) in the background.

        The page then shows the sheet and header row found, or why the file cannot be read.
        """
        self.path_edit.setText(str(path))
        self.wiz.table = None
        self.error_label.clear()
        self.info_label.setText("正在读取文件…")
        self._loading = True
        self.completeChanged.emit()
        kind = self.kind
        QueryOp(
            parent=self,
            runner=self.wiz.ui.runner,
            op=lambda _p: load_table(path, sheet=sheet, kind=kind),
            key="import-load",
        ).success(self._loaded).failure(self._failed).run_in_background()

    def _loaded(self, table: Table) -> None:
        self._loading = False
        self.wiz.table = table
        self.wiz.mapping = None
        self.wiz.validation = None
        self.sheet_combo.clear()
        self.sheet_combo.addItems(list(table.sheet_names))
        self.sheet_combo.setCurrentText(table.sheet_name)
        self.sheet_combo.setEnabled(len(table.sheet_names) > 1)
        sheets = "、".join(table.sheet_names)
        skipped = f"；表头下方跳过说明/示例行 {len(table.skipped)} 行" if table.skipped else ""
        self.info_label.setText(
            f"工作表：{table.sheet_name}（共 {len(table.sheet_names)} 个：{sheets}）\n"
            f"表头在第 {table.header_row} 行，共 {len(table.header)} 列；工作表共 {table.row_count} 行{skipped}。"
        )
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.info_label.clear()
        self.sheet_combo.clear()
        self.sheet_combo.setEnabled(False)
        if isinstance(exc, UnreadableFileError):
            self.error_label.setText(str(exc))
        else:
            self.error_label.setText(f"无法读取文件：{exc}")
            show_error(self, exc)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wiz.table is not None and not self._loading


class MappingPage(QWizardPage):
    """2 列对应."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("第 2 步：列对应")
        self.setSubTitle(
            "核对文件中每一列对应的字段；不需要的列选“（不导入）”。可把这套对应关系保存为预设，下次自动识别。"
        )
        self.preset_label = QLabel()
        self.preset_label.setObjectName("presetLabel")
        self.missing_label = QLabel()
        self.missing_label.setObjectName("missingLabel")
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet("color: #b00020;")
        self.grid = QTableWidget(0, 2)
        self.grid.setObjectName("mappingGrid")
        self.grid.setHorizontalHeaderLabels(["文件中的列", "对应字段"])
        self.grid.verticalHeader().setVisible(False)
        self.grid.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.grid.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.grid.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.preset_name = QLineEdit()
        self.preset_name.setObjectName("presetName")
        self.preset_name.setPlaceholderText("预设名称，如：本县市场主体导出表")
        save = QPushButton("保存为预设")
        save.setObjectName("savePreset")
        save.clicked.connect(lambda _c=False: self.save_preset())
        save_row = QHBoxLayout()
        save_row.addWidget(self.preset_name, 1)
        save_row.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preset_label)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.missing_label)
        layout.addLayout(save_row)
        self.combos: dict[str, QComboBox] = {}

    def initializePage(self) -> None:
        table = self.wiz.table
        assert table is not None  # the first page is complete only with a table
        if self.wiz.mapping is None or self.wiz.mapping.kind != self.wiz.kind:
            presets = load_presets(self.wiz.presets_folder, kind=self.wiz.kind)
            self.wiz.mapping = guess_mapping(table.header, self.wiz.kind, presets=presets)
        mapping = self.wiz.mapping
        specs = fields_of(self.wiz.kind)
        self.combos = {}
        self.grid.setRowCount(0)
        for row, header in enumerate(h for h in table.header if h):
            self.grid.insertRow(row)
            self.grid.setItem(row, 0, QTableWidgetItem(header))
            combo = QComboBox()
            combo.addItem(NOT_IMPORTED, None)
            for spec in specs:
                combo.addItem(spec.label + ("（必填）" if spec.required else ""), spec.name)
            chosen = mapping.field_for(header)
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen is not None else 0)
            combo.currentIndexChanged.connect(lambda _i, h=header: self._changed(h))
            self.grid.setCellWidget(row, 1, combo)
            self.combos[header] = combo
        self._show_state()

    def _changed(self, header: str) -> None:
        assert self.wiz.mapping is not None
        self.wiz.mapping = self.wiz.mapping.with_column(header, self.combos[header].currentData())
        self.wiz.validation = None
        # A field taken from another column leaves that column unmapped: show it.
        for other, combo in self.combos.items():
            if other != header:
                wanted = self.wiz.mapping.field_for(other)
                index = 0 if wanted is None else max(0, combo.findData(wanted))
                if combo.currentIndex() != index:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(index)
                    combo.blockSignals(False)
        self._show_state()

    def set_field(self, header: str, field_name: str | None) -> None:
        """Map ``header`` to ``field_name`` (None: not imported), as if chosen in its combo box."""
        combo = self.combos[header]
        combo.setCurrentIndex(0 if field_name is None else combo.findData(field_name))

    def _show_state(self) -> None:
        mapping = self.wiz.mapping
        assert mapping is not None
        how = MATCH_LABELS.get(mapping.match, mapping.match)
        preset = (
            f"预设：{self._preset_title(mapping.preset_name)}（{how}）"
            if mapping.preset_name
            else f"未匹配到预设（{how}）"
        )
        self.preset_label.setText(f"{preset}；已对应 {len(mapping.columns)} 列。")
        labels = {spec.name: spec.label for spec in fields_of(mapping.kind)}
        missing = [labels.get(name, name) for name in mapping.missing_required]
        self.missing_label.setText(
            "缺少必填字段：" + "、".join(missing) + "。请为它们选择文件中的列，否则无法导入。"
            if missing
            else ""
        )
        self.completeChanged.emit()

    def _preset_title(self, name: str) -> str:
        # Built-in presets have code names; the operator knows them by their Chinese title.
        try:
            preset = find_preset(name, load_presets(self.wiz.presets_folder, kind=self.wiz.kind))
        except PresetError:
            return name
        if preset.title:
            return preset.title
        # The description starts with what the layout is: enough to recognise it.
        return preset.description.split("（")[0] or preset.name if preset.builtin else preset.name

    def save_preset(self, name: str | None = None) -> Path | None:
        """Save the current mapping as a named preset in the presets folder."""
        mapping, table = self.wiz.mapping, self.wiz.table
        assert mapping is not None and table is not None
        name = (name if name is not None else self.preset_name.text()).strip()
        if not name:
            QMessageBox.information(self, "保存预设", "请先填写预设名称。")
            return None
        try:
            preset = preset_from_mapping(mapping, name=name, header=table.header)
            path = save_preset(preset, self.wiz.presets_folder)
        except (PresetError, OSError) as exc:
            show_error(self, exc)
            return None
        self.wiz.mapping = mapping.__class__(
            kind=mapping.kind,
            columns=mapping.columns,
            preset_name=name,
            match=mapping.match,
            unmapped=mapping.unmapped,
        )
        self._show_state()
        return path

    def isComplete(self) -> bool:
        return self.wiz.mapping is not None and not self.wiz.mapping.missing_required


class ValidatePage(QWizardPage):
    """3 校验（试导入）."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("第 3 步：校验（试导入）")
        self.setSubTitle("逐行检查文件，不改动数据库。有错误的行不会导入；警告的行会导入，请留意。")
        self.strip = _ProgressStrip()
        self.summary = QLabel()
        self.summary.setObjectName("validateSummary")
        self.summary.setWordWrap(True)
        self.model = IssueModel(self)
        self.view = QTableView()
        self.view.setObjectName("issueView")
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.report_button = QPushButton("保存报告…")
        self.report_button.setObjectName("saveReport")
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(lambda _c=False: self.save_report())
        self.retry_button = QPushButton("重新校验")
        self.retry_button.setObjectName("retryValidate")
        self.retry_button.clicked.connect(lambda _c=False: self.start())
        buttons = QHBoxLayout()
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.strip)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def initializePage(self) -> None:
        if self.wiz.validation is None or self.wiz.validation.mapping != self.wiz.mapping:
            self.start()
        else:
            self._show(self.wiz.validation)

    def start(self) -> None:
        """Validate the file with the current mapping in the background."""
        table, mapping = self.wiz.table, self.wiz.mapping
        assert table is not None and mapping is not None
        self.wiz.validation = None
        self.model.set_issues(())
        self.report_button.setEnabled(False)
        self.retry_button.setEnabled(False)
        self.summary.setText("正在校验…")
        progress = Progress()

        def run(p: Progress) -> ValidationResult:
            try:
                return validate(table, mapping, progress=p.report, is_cancelled=p.is_cancelled)
            except OperationCancelled as exc:
                raise Interrupted from exc

        self.strip.start(progress)
        QueryOp(parent=self, runner=self.wiz.ui.runner, op=run, key="import-validate").with_progress_object(
            progress
        ).success(self._done).failure(self._failed).cancelled(self._cancelled).run_in_background()
        self.completeChanged.emit()

    def _done(self, result: ValidationResult) -> None:
        self.strip.stop()
        self.retry_button.setEnabled(True)
        self.wiz.validation = result
        self._show(result)

    def _show(self, result: ValidationResult) -> None:
        self.model.set_issues(result.issues)
        self.view.resizeColumnsToContents()
        self.report_button.setEnabled(bool(result.issues))
        self.summary.setText(
            f"共读取数据 {result.data_rows} 行，可导入 {len(result.rows)} 条记录；"
            f"错误 {result.error_count} 个（涉及 {len(result.rejected_rows)} 行，不会导入），"
            f"警告 {result.warning_count} 个。"
        )
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.strip.stop()
        self.retry_button.setEnabled(True)
        self.summary.setText("校验未能完成，请看错误说明。")
        show_error(self, exc)
        self.completeChanged.emit()

    def _cancelled(self) -> None:
        self.strip.stop()
        self.retry_button.setEnabled(True)
        self.summary.setText("校验已取消。点“重新校验”再试。")
        self.completeChanged.emit()

    def save_report(self, path: Path | None = None) -> Path | None:
        """Write the issues to an xlsx report (asks where unless ``path`` is given)."""
        result = self.wiz.validation
        if result is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "保存校验报告", "校验报告.xlsx", "Excel 工作簿 (*.xlsx)"
            )
            if not name:
                return None
            path = Path(name)
        try:
            write_issue_report(result.issues, path, skipped=result.skipped)
        except OSError as exc:
            show_error(self, exc)
            return None
        self.summary.setText(self.summary.text().split("\n")[0] + f"\n报告已保存到 {path}")
        return path

    def isComplete(self) -> bool:
        result = self.wiz.validation
        return result is not None and not result.file_errors and bool(result.rows)


class ImportPage(QWizardPage):
    """4 导入."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("第 4 步：导入")
        self.setSubTitle("把校验通过的记录写入数据库：已有的按编号更新，新的新增；整批在一个事务里完成。")
        self.strip = _ProgressStrip()
        self.status = QLabel()
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.retry_button = QPushButton("重试")
        self.retry_button.setObjectName("retryImport")
        self.retry_button.hide()
        self.retry_button.clicked.connect(lambda _c=False: self.start())
        layout = QVBoxLayout(self)
        layout.addWidget(self.strip)
        layout.addWidget(self.status)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self._running = False
        self.setCommitPage(True)  # no going back to change the mapping once the data is in

    def initializePage(self) -> None:
        if self.wiz.outcome is None:
            self.start()

    def start(self) -> None:
        """Run the import service in the background."""
        table, mapping = self.wiz.table, self.wiz.mapping
        assert table is not None and mapping is not None
        ctx, kind, path = self.wiz.ui.services, self.wiz.kind, table.path
        progress = Progress()
        self._running = True
        self.retry_button.hide()
        self.status.setText("正在导入…")
        self.strip.start(progress)

        def run(p: Progress) -> import_bridge.ImportOutcome:
            return import_bridge.run_import(ctx, kind=kind, path=path, mapping=mapping, progress=p)

        CollectionOp(parent=self, runner=self.wiz.ui.runner, op=run).with_progress_object(progress).success(
            self._done
        ).failure(self._failed).cancelled(self._cancelled).run_in_background()
        self.completeChanged.emit()

    def _done(self, outcome: import_bridge.ImportOutcome) -> None:
        self._running = False
        self.strip.stop()
        self.wiz.outcome = outcome
        self.status.setText(
            f"导入完成：新增 {outcome.added} 条，更新 {outcome.updated} 条，"
            f"未变 {outcome.unchanged} 条，拒绝 {outcome.rejected} 条。"
        )
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.strip.stop()
        self.retry_button.show()
        if isinstance(exc, import_bridge.ServiceMissingError):
            self.status.setText(str(exc))
        else:
            self.status.setText("导入失败，数据库未作改动。请看错误说明，处理后点“重试”。")
            show_error(self, exc)
        self.completeChanged.emit()

    def _cancelled(self) -> None:
        self._running = False
        self.strip.stop()
        self.retry_button.show()
        self.status.setText("导入已取消，数据库未作改动。")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wiz.outcome is not None and not self._running


class DonePage(QWizardPage):
    """5 完成."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("第 5 步：完成")
        self.summary = QLabel()
        self.summary.setObjectName("doneSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addStretch(1)

    def initializePage(self) -> None:
        outcome, table, result = self.wiz.outcome, self.wiz.table, self.wiz.validation
        lines = []
        if table is not None:
            lines.append(f"文件：{table.path.name}（{self.wiz.kind.label}）")
        if result is not None:
            lines.append(
                f"校验：数据 {result.data_rows} 行，错误 {result.error_count} 个，警告 {result.warning_count} 个"
            )
        if outcome is not None:
            lines.append(
                f"导入：新增 {outcome.added}，更新 {outcome.updated}，未变 {outcome.unchanged}，拒绝 {outcome.rejected}"
            )
            # The service's report repeats the dry run's issues: count only the ones it added
            # (rows refused against the database, e.g. a name matching several targets).
            seen = set(result.issues) if result is not None else set()
            extra = [issue for issue in outcome.issues if issue not in seen]
            if extra:
                lines.append(f"导入服务另报告问题 {len(extra)} 个。")
        self.summary.setText("\n".join(lines))


def export_registry(ui: UiContext, kind: RegistryKind, parent: QWidget, path: Path | None = None) -> None:
    """Ask for a file and export the registry of ``kind`` to it in the background."""
    if path is None:
        name, _ = QFileDialog.getSaveFileName(parent, "导出", f"{kind.label}.xlsx", "Excel 工作簿 (*.xlsx)")
        if not name:
            return
        path = Path(name)
    target = path
    ctx = ui.services

    def failed(exc: BaseException) -> None:
        if isinstance(exc, import_bridge.ServiceMissingError):
            box = QMessageBox(QMessageBox.Icon.Information, "导出", str(exc), parent=parent)
            box.setObjectName("exportMessage")
            box.open()
        else:
            show_error(parent, exc)

    def done(_report: object) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "导出", f"已导出到 {target}", parent=parent)
        box.setObjectName("exportMessage")
        box.open()

    QueryOp(
        parent=parent, runner=ui.runner, op=lambda _p: import_bridge.run_export(ctx, kind=kind, path=target)
    ).with_progress(f"正在导出{kind.label}…", cancellable=False).success(done).failure(
        failed
    ).run_in_background()


def open_import_wizard(ui: UiContext, kind: RegistryKind, parent: QWidget) -> ImportWizard:
    """Open the wizard window-modal on ``parent``."""
    wizard = ImportWizard(ui, kind, parent)
    wizard.finished.connect(wizard.deleteLater)
    wizard.open()
    return wizard
