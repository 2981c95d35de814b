"""系统管理: 用户, 审计 (the audit trail), 备份.

Every action goes through a service that checks the permission itself; the page only shows
the service's refusal plainly (a non-administrator opening 用户 sees why it is empty).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.audit import ChainReport
from app.services.audit_trail import (
    ENTITY_LABELS,
    AuditFilter,
    AuditRow,
    audit_actions_in_use,
    check_audit_chain,
    count_audit,
    export_audit,
    newest_audit_id,
    search_audit,
)
from app.services.backup import (
    BackupFile,
    BackupInfo,
    RestoreReport,
    backup_settings,
    backups_dir,
    create_backup,
    list_automatic_backups,
    restore_open_database,
    verify_backup,
)
from app.services.errors import FieldError, PermissionDenied, ValidationError
from app.services.permissions import Permission
from app.services.progress import Progress
from app.services.users import UserRow, list_users, set_user_active, unlock_user
from app.ui.context import UiContext
from app.ui.dialogs.base import ask_reason, parse_date
from app.ui.dialogs.first_admin import FirstAdminDialog
from app.ui.dialogs.system_settings import SystemSettingsDialog
from app.ui.dialogs.user import ResetPasswordDialog, UserDialog
from app.ui.errors import show_error, show_message
from app.ui.models import Column, RowTableModel
from app.ui.operations import CollectionOp, QueryOp
from app.ui.pages.panel import ListPanel
from app.ui.widgets import ChoiceCombo, configure_table

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
REFUSAL_STYLE = "color: #b00020; padding: 12px"


def _tr(text: str) -> str:
    return QCoreApplication.translate("AdminPage", text)


def _local(moment: Any) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else ""


# ---------------------------------------------------------------------------------------------
# 用户


def user_columns() -> list[Column[UserRow]]:
    """Columns of the account table."""

    def state(r: UserRow) -> str:
        if not r.active:
            return _tr("已停用")
        if r.locked_until is not None:
            return _tr("已锁定（至 {t}）").format(t=_local(r.locked_until))
        if r.must_change_password:
            return _tr("待改密码")
        return _tr("正常")

    return [
        Column(_tr("用户名"), lambda r: r.username, 8),
        Column(_tr("姓名"), lambda r: r.display_name, 5),
        Column(_tr("角色"), lambda r: r.role_labels, 10),
        Column(_tr("负责部门"), lambda r: r.departments, 12),
        Column(_tr("对应检查人员"), lambda r: r.inspector, 5),
        Column(_tr("涉密"), lambda r: _tr("可接触") if r.cleared_for_classified else "", 3),
        Column(_tr("状态"), state, 14),
        Column(
            _tr("最近登录"), lambda r: _local(r.last_login_at), 8, sort_key=lambda r: _local(r.last_login_at)
        ),
    ]


class UsersPanel(ListPanel[UserRow]):
    """Accounts: add, edit roles/departments/clearance, reset password, unlock, deactivate."""

    tables = ("users",)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, user_columns(), is_inactive=lambda r: not r.active, parent=parent)
        self.setObjectName("usersPanel")
        self.refusal = QLabel()
        self.refusal.setObjectName("usersRefusal")
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet(REFUSAL_STYLE)
        self.refusal.hide()
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.refusal)
        # With no account the program runs in single-user mode (docs/users-and-permissions.md):
        # say so plainly, because whoever opens it has every right until an administrator exists.
        self.single_user_note = QLabel(
            self.tr(
                "尚未建立用户账户：本机处于单用户模式，任何打开本程序的人都拥有全部权限（含涉密）。"
                "点击「创建系统管理员」创建第一个管理员并以其登录；此后每次启动都须登录。"
            )
        )
        self.single_user_note.setObjectName("singleUserNote")
        self.single_user_note.setWordWrap(True)
        self.single_user_note.setStyleSheet("color: #8a5a00")
        self.single_user_note.hide()
        self.single_user = False  # known after the first load: no account exists
        layout.insertWidget(1, self.single_user_note)
        self.add_user_button = self.add_button(self.tr("新增用户"), self.add, name="addUser")
        self.edit_button = self.add_button(self.tr("编辑"), self.open_selected, name="editUser")
        self.reset_button = self.add_button(self.tr("重置密码"), self.reset_selected, name="resetPassword")
        self.unlock_button = self.add_button(self.tr("解锁"), self.unlock_selected, name="unlockUser")
        self.active_button = self.add_button(self.tr("停用"), self.toggle_active, name="toggleUser")
        self.button_bar.addStretch(1)

    def fetch(self) -> Callable[[Progress], list[UserRow]]:
        services = self.ui.services
        return lambda _p: list_users(services)

    def reload(self) -> None:
        self.busy_label.show()
        QueryOp(parent=self, runner=self.ui.runner, op=self.fetch(), key="UsersPanel.load").success(
            self._loaded
        ).failure(self._refused).run_in_background()

    def _loaded(self, rows: list[UserRow]) -> None:
        self.refusal.hide()
        self.single_user = not rows
        self.single_user_note.setVisible(self.single_user)
        self.add_user_button.setText(self.tr("创建系统管理员") if self.single_user else self.tr("新增用户"))
        self.view.setEnabled(True)
        self._show_rows(rows)

    def _refused(self, exc: BaseException) -> None:
        self.busy_label.hide()
        if not isinstance(exc, PermissionDenied):
            show_error(self, exc)
            return
        # The service refused: say so where the list would be, and offer nothing to click.
        self.refusal.setText(str(exc))
        self.refusal.show()
        self.model.set_rows([])
        self.view.setEnabled(False)
        for button in (
            self.add_user_button,
            self.edit_button,
            self.reset_button,
            self.unlock_button,
            self.active_button,
        ):
            button.setEnabled(False)
        self.loaded.emit()

    def selection_changed(self) -> None:
        row = self.selected()
        for button in (self.edit_button, self.reset_button, self.active_button):
            button.setEnabled(row is not None)
        self.unlock_button.setEnabled(row is not None and row.locked_until is not None)
        self.active_button.setText(self.tr("恢复") if row is not None and not row.active else self.tr("停用"))

    def _open(self, user_id: int | None) -> UserDialog | None:
        try:
            dialog = UserDialog(self.ui, user_id, self)
        except PermissionDenied as exc:
            show_error(self, exc)
            return None
        dialog.saved.connect(lambda new_id: self.select_after_reload(int(new_id or user_id or 0)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def add(self) -> UserDialog | FirstAdminDialog | None:
        """Open the editor for a new account; in single-user mode, the first administrator's dialog."""
        if self.single_user:
            dialog = FirstAdminDialog(self.ui, demo=False, at_startup=False, parent=self)
            dialog.accepted.connect(lambda: self._first_admin_created(dialog))
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()
            return dialog
        return self._open(None)

    def _first_admin_created(self, dialog: FirstAdminDialog) -> None:
        """This session goes on as the new administrator (the main window's start-up switches to it)."""
        from app.ui.main_window import MainWindow  # the window imports the pages

        window = self.window()
        if isinstance(window, MainWindow) and dialog.services is not None:
            window.first_admin_created.emit(dialog.services)
        else:
            self.reload()

    def open_selected(self) -> UserDialog | None:
        """Open the editor for the selected account."""
        row = self.selected()
        return self._open(row.id) if row is not None else None

    def reset_selected(self) -> ResetPasswordDialog | None:
        """Ask for a temporary password for the selected account."""
        row = self.selected()
        if row is None:
            return None
        dialog = ResetPasswordDialog(self.ui, row.id, f"{row.display_name}（{row.username}）", self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def unlock_selected(self) -> None:
        """Lift the selected account's lockout."""
        row = self.selected()
        if row is None:
            return
        services = self.ui.services
        self.select_after_reload(row.id)
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: unlock_user(services, row.id),
            changes=("users",),
        ).run_in_background()

    def toggle_active(self) -> Any:
        """Ask for a reason, then deactivate (or reactivate) the selected account."""
        row = self.selected()
        if row is None:
            return None
        services, activate = self.ui.services, not row.active

        def apply(reason: str) -> None:
            self.select_after_reload(row.id)
            CollectionOp(
                parent=self,
                runner=self.ui.runner,
                op=lambda _p: set_user_active(services, row.id, activate, reason=reason),
                changes=("users",),
            ).run_in_background()

        prompt = (
            self.tr("恢复用户「{name}」，恢复后可以再登录。请写明原因：")
            if activate
            else self.tr("停用后「{name}」不能再登录（账户和留痕保留）。请写明原因（如调离、退休）：")
        )
        return ask_reason(
            self,
            title=self.tr("恢复用户") if activate else self.tr("停用用户"),
            prompt=prompt.format(name=row.display_name),
            on_reason=apply,
        )


# ---------------------------------------------------------------------------------------------
# 审计


def audit_columns() -> list[Column[AuditRow]]:
    """Columns of the audit table."""
    return [
        Column(_tr("编号"), lambda r: r.id, 4, align_right=True),
        Column(_tr("时间"), lambda r: r.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), 10),
        Column(_tr("操作人"), lambda r: r.operator, 8),
        Column(_tr("操作"), lambda r: r.action_label, 5),
        Column(_tr("对象"), lambda r: r.entity_label, 5),
        Column(_tr("对象编号"), lambda r: r.entity_id, 4),
        Column(_tr("任务"), lambda r: r.task_id if r.task_id is not None else "", 3),
        Column(_tr("摘要"), lambda r: r.summary, 30),
        Column(_tr("原因"), lambda r: r.reason, 10),
    ]


class AuditTableModel(QAbstractTableModel):
    """The matching entries, newest first, read a page at a time as the view scrolls.

    The trail can hold millions of entries: only the total is known up front; a page of
    ``PAGE_SIZE`` rows is read (on the UI thread, a few milliseconds) when the view first
    asks for one of its rows, and at most ``CACHE_PAGES`` pages are kept.
    """

    PAGE_SIZE = 200
    CACHE_PAGES = 50

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = audit_columns()
        self._total = 0
        self._fetch: Callable[[int, int], list[AuditRow]] | None = None
        self._pages: OrderedDict[int, list[AuditRow]] = OrderedDict()
        self.fetch_count = 0  # pages read: tests check rows are read lazily

    def reset(self, total: int, fetch: Callable[[int, int], list[AuditRow]] | None) -> None:
        """Show ``total`` rows; ``fetch(offset, limit)`` reads a page of them."""
        self.beginResetModel()
        self._total = total
        self._fetch = fetch
        self._pages.clear()
        self.endResetModel()

    def row_at(self, row: int) -> AuditRow | None:
        """The entry at a display row, reading its page if needed."""
        if not 0 <= row < self._total or self._fetch is None:
            return None
        page_no = row // self.PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            self.fetch_count += 1
            page = self._fetch(page_no * self.PAGE_SIZE, self.PAGE_SIZE)
            self._pages[page_no] = page
            while len(self._pages) > self.CACHE_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        offset = row - page_no * self.PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].header
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        value = column.value(row)
        return "" if value is None else str(value)


class AuditPanel(QWidget):
    """Browse and filter the trail, check its chain, export what is shown."""

    loaded = Signal()
    chain_checked = Signal(object)  # ChainReport
    exported = Signal(int)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditPanel")
        self.ui = ui
        self._stale = True
        self.filter: AuditFilter = AuditFilter()
        self.who = QLineEdit()
        self.who.setObjectName("auditWho")
        self.who.setPlaceholderText(self.tr("操作人"))
        self.action = ChoiceCombo(all_label=self.tr("全部操作"))
        self.action.setObjectName("auditAction")
        self.entity = ChoiceCombo(all_label=self.tr("全部对象"))
        self.entity.setObjectName("auditEntity")
        self.entity.set_choices([(label, key) for key, label in ENTITY_LABELS.items()])
        self.entity_id = QLineEdit()
        self.entity_id.setObjectName("auditEntityId")
        self.entity_id.setPlaceholderText(self.tr("对象编号"))
        self.task = QLineEdit()
        self.task.setObjectName("auditTask")
        self.task.setPlaceholderText(self.tr("任务编号"))
        self.date_from = QLineEdit()
        self.date_from.setObjectName("auditFrom")
        self.date_from.setPlaceholderText(self.tr("起始日期"))
        self.date_to = QLineEdit()
        self.date_to.setObjectName("auditTo")
        self.date_to.setPlaceholderText(self.tr("截止日期"))
        self.text = QLineEdit()
        self.text.setObjectName("auditText")
        self.text.setPlaceholderText(self.tr("摘要、原因或变更内容中的文字"))
        for edit in (self.who, self.entity_id, self.task, self.date_from, self.date_to, self.text):
            edit.returnPressed.connect(self.apply_filter)
        for edit, chars in (
            (self.who, 8),
            (self.entity_id, 6),
            (self.task, 6),
            (self.date_from, 8),
            (self.date_to, 8),
        ):
            edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("中") * chars)
        self.search_button = QPushButton(self.tr("查询"))
        self.search_button.setObjectName("auditSearch")
        self.search_button.clicked.connect(lambda _c=False: self.apply_filter())
        filters = QHBoxLayout()
        for widget in (self.who, self.action, self.entity, self.entity_id, self.task, self.date_from):
            filters.addWidget(widget)
        filters.addWidget(QLabel(self.tr("至")))
        filters.addWidget(self.date_to)
        filters.addWidget(self.text, 1)
        filters.addWidget(self.search_button)

        self.verify_button = QPushButton(self.tr("核验留痕链"))
        self.verify_button.setObjectName("auditVerify")
        self.verify_button.clicked.connect(lambda _c=False: self.verify_chain())
        self.export_button = QPushButton(self.tr("导出…"))
        self.export_button.setObjectName("auditExport")
        self.export_button.clicked.connect(lambda _c=False: self.ask_export())
        self.count_label = QLabel()
        self.chain_label = QLabel()
        self.chain_label.setObjectName("chainLabel")
        self.chain_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("auditMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(REFUSAL_STYLE)
        self.message.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.chain_label, 1)
        buttons.addWidget(self.count_label)

        self.model = AuditTableModel(self)
        self.view = QTableView()
        self.view.setObjectName("auditTable")
        self.view.setModel(self.model)
        configure_table(self.view, [c.width_chars for c in self.model.columns])
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("auditDetail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(self.tr("选中一条记录，在此查看变更前后的内容"))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        ui.runner.changed.connect(self._on_changed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()

    def _on_changed(self, changes: frozenset[str]) -> None:
        # Every change writes an audit entry; reload only when on show (cheap: a count).
        if changes:
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def read_filter(self) -> AuditFilter:
        """The filter as typed; ``ValidationError`` naming the field for a bad date or task number."""
        errors: list[FieldError] = []
        dates: list[date | None] = []
        for edit, field in ((self.date_from, "起始日期"), (self.date_to, "截止日期")):
            try:
                dates.append(parse_date(edit.text(), field))
            except ValidationError as exc:
                errors.extend(exc.errors)
                dates.append(None)
        task_text = self.task.text().strip()
        task_id: int | None = None
        if task_text:
            if task_text.isdigit():
                task_id = int(task_text)
            else:
                errors.append(FieldError("任务编号", f"「{task_text}」不是数字"))
        if errors:
            raise ValidationError(errors)
        action = self.action.value()
        entity = self.entity.value()
        return AuditFilter(
            who=self.who.text().strip(),
            actions=(str(action),) if action else (),
            entity=str(entity) if entity else "",
            entity_id=self.entity_id.text().strip(),
            date_from=dates[0],
            date_to=dates[1],
            text=self.text.text().strip(),
            task_id=task_id,
        )

    def apply_filter(self) -> None:
        """Read the filter boxes and reload; a bad entry is said plainly and nothing is queried."""
        try:
            self.filter = self.read_filter()
        except ValidationError as exc:
            self._say("；".join(f"{e.field}：{e.message}" for e in exc.errors))
            return
        self.reload()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def reload(self) -> None:
        """Count the matching entries (in the background), then show them page by page."""
        services, flt = self.ui.services, self.filter

        def count(_p: Progress) -> tuple[AuditFilter, int, list[tuple[str, str]]]:
            pinned = AuditFilter(**{**flt.__dict__, "up_to_id": newest_audit_id(services)})
            return pinned, count_audit(services, pinned), audit_actions_in_use(services)

        QueryOp(parent=self, runner=self.ui.runner, op=count, key="AuditPanel.count").success(
            self._counted
        ).failure(self._failed).run_in_background()

    def _counted(self, result: tuple[AuditFilter, int, list[tuple[str, str]]]) -> None:
        pinned, total, actions = result
        services = self.ui.services
        self._say("")
        self.action.set_choices([(label, action) for action, label in actions])
        self.model.reset(
            total, lambda offset, limit: search_audit(services, pinned, offset=offset, limit=limit)
        )
        self.count_label.setText(self.tr("共 {n} 条").format(n=f"{total:,}"))
        self.detail.clear()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, (PermissionDenied, ValidationError)):
            self._say(str(exc))
            self.model.reset(0, None)
            self.count_label.setText("")
            self.loaded.emit()
        else:
            show_error(self, exc)

    def selected(self) -> AuditRow | None:
        """The selected entry, if any."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _show_detail(self) -> None:
        row = self.selected()
        if row is None:
            self.detail.clear()
            return
        parts = [f"#{row.id}  {row.summary}"]
        if row.reason:
            parts.append(self.tr("原因：{r}").format(r=row.reason))
        if row.before_json:
            parts.append(self.tr("变更前：{j}").format(j=row.before_json))
        if row.after_json:
            parts.append(self.tr("变更后：{j}").format(j=row.after_json))
        parts.append(self.tr("哈希：{h}").format(h=row.hash))
        self.detail.setPlainText("\n".join(parts))

    def verify_chain(self) -> None:
        """Recompute the whole chain with progress and cancel; say where it breaks."""
        services = self.ui.services
        self.verify_button.setEnabled(False)
        QueryOp(
            parent=self, runner=self.ui.runner, op=lambda p: check_audit_chain(services, p)
        ).with_progress(self.tr("正在核验留痕链…")).success(self._verified).failure(
            self._verify_failed
        ).cancelled(lambda: self.verify_button.setEnabled(True)).run_in_background()

    def _verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        if report.ok:
            self.chain_label.setStyleSheet("color: #1b5e20")
            self.chain_label.setText(self.tr("✔ {m}").format(m=report.message))
        else:
            self.chain_label.setStyleSheet("color: #b00020; font-weight: bold")
            self.chain_label.setText(
                self.tr("✘ {m}。留痕记录可能被直接改动过，请保留现状并报告管理员。").format(m=report.message)
            )
        self.chain_checked.emit(report)

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        show_error(self, exc)

    def ask_export(self) -> None:
        """Ask where to save, then export the entries the filter shows."""
        path, _selected = QFileDialog.getSaveFileName(
            self,
            self.tr("导出留痕记录"),
            str(Path.home() / f"留痕记录-{date.today():%Y%m%d}.xlsx"),
            self.tr("Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv)"),
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, out: Path) -> None:
        """Export the filtered entries to ``out`` (.xlsx or .csv) in the background."""
        if out.suffix.lower() not in (".xlsx", ".csv"):
            out = out.with_suffix(".xlsx")
        services, flt = self.ui.services, self.filter
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: export_audit(services, out, flt),
            changes=("audit_entries",),
        ).with_progress(self.tr("正在导出留痕记录…"), cancellable=False).success(
            lambda n: self._exported(out, n)
        ).run_in_background()

    def _exported(self, out: Path, count: int) -> None:
        show_message(
            self, self.tr("导出完成"), self.tr("已导出 {n} 条留痕记录到\n{path}").format(n=count, path=out)
        )
        self.exported.emit(count)


# ---------------------------------------------------------------------------------------------
# 备份


def backup_columns() -> list[Column[BackupFile]]:
    """Columns of the automatic-backup list."""
    return [
        Column(_tr("备份时间"), lambda b: f"{b.made_at:%Y-%m-%d %H:%M:%S}", 10),
        Column(
            _tr("大小"),
            lambda b: f"{b.size / 1_048_576:,.1f} MB",
            6,
            sort_key=lambda b: b.size,
            align_right=True,
        ),
        Column(_tr("文件"), lambda b: b.path.name, 24),
    ]


class BackupPanel(QWidget):
    """Back up now, the automatic backups, restore with a plain confirmation."""

    loaded = Signal()
    backed_up = Signal(object)  # BackupInfo
    restored = Signal(object)  # RestoreReport

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupPanel")
        self.ui = ui
        self._stale = True
        self.settings_label = QLabel()
        self.settings_label.setObjectName("backupSettings")
        self.settings_label.setWordWrap(True)
        self.backup_button = QPushButton(self.tr("立即备份…"))
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(lambda _c=False: self.ask_backup())
        self.restore_selected_button = QPushButton(self.tr("从选中的备份恢复…"))
        self.restore_selected_button.setObjectName("restoreSelected")
        self.restore_selected_button.clicked.connect(lambda _c=False: self.restore_selected())
        self.restore_file_button = QPushButton(self.tr("从文件恢复…"))
        self.restore_file_button.setObjectName("restoreFile")
        self.restore_file_button.clicked.connect(lambda _c=False: self.ask_restore_file())
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.restore_selected_button, self.restore_file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.model: RowTableModel[BackupFile] = RowTableModel(backup_columns(), parent=self)
        self.view = QTableView()
        self.view.setObjectName("backupTable")
        self.view.setModel(self.model)
        configure_table(self.view, [c.width_chars for c in self.model.columns])
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        note = QLabel(
            self.tr(
                "备份文件包含数据库和全部附件。恢复前会先完整核验备份文件；当前数据库不会删除，"
                "而是改名保存在原文件夹中（……before-restore-时间），恢复后须重新启动联查。"
            )
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.settings_label)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(self.tr("自动备份（每天首次启动时）：")))
        layout.addWidget(self.view, 1)
        layout.addWidget(note)
        ui.runner.changed.connect(lambda _c: self._mark_stale())
        self._selection_changed()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()

    def _mark_stale(self) -> None:
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def reload(self) -> None:
        """Read the backup settings and list the automatic backups."""
        db = self.ui.services.db

        def read(_p: Progress) -> tuple[str, list[BackupFile]]:
            settings = backup_settings(db)
            directory = backups_dir()
            if db.file_path is None:
                text = _tr(
                    "数据库在服务器上（PostgreSQL）：此处不做每日自动备份。「立即备份」可做一份完整备份"
                    "（可恢复到一台电脑上）；服务器电脑上还应每天用 pg_dump 备份。"
                )
            elif settings.daily:
                text = _tr("每天首次启动时自动备份，保留 {d} 天。备份文件夹：{dir}").format(
                    d=settings.keep_days, dir=directory
                )
            else:
                text = _tr("自动备份已关闭。备份文件夹：{dir}").format(dir=directory)
            return text, list_automatic_backups(db, directory=directory)

        QueryOp(parent=self, runner=self.ui.runner, op=read, key="BackupPanel.load").success(
            self._show
        ).run_in_background()

    def _show(self, result: tuple[str, list[BackupFile]]) -> None:
        text, files = result
        self.settings_label.setText(text)
        self.model.set_rows(files)
        self._selection_changed()
        self.loaded.emit()

    def _selection_changed(self) -> None:
        self.restore_selected_button.setEnabled(bool(self.view.selectionModel().selectedRows()))

    def selected(self) -> BackupFile | None:
        """The selected automatic backup."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    # --- back up ---------------------------------------------------------------------------
    def ask_backup(self) -> None:
        """Ask where to save the backup, then make it."""
        db_file = self.ui.services.db.file_path
        stem = db_file.stem if db_file is not None else "liancha"
        path, _selected = QFileDialog.getSaveFileName(
            self,
            self.tr("备份数据库"),
            str(Path.home() / f"{stem}-备份-{date.today():%Y%m%d}.zip"),
            self.tr("联查备份 (*.zip)"),
        )
        if path:
            self.backup_to(Path(path))

    def backup_to(self, out: Path) -> None:
        """Write a backup of the database and attachments to ``out`` in the background."""
        if out.suffix.lower() != ".zip":
            out = out.with_name(out.name + ".zip")
        services = self.ui.services
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda p: create_backup(services, out, progress=p),  # its 取消 stops between attachments
            changes=("audit_entries",),
        ).with_progress(self.tr("正在备份数据库和附件…")).success(self._backed_up).cancelled(
            lambda: self._backup_cancelled(out)
        ).run_in_background()

    def _backup_cancelled(self, out: Path) -> None:
        box = show_message(
            self, self.tr("备份已取消"), self.tr("备份已取消，没有生成文件 {name}。").format(name=out.name)
        )
        box.setObjectName("backupCancelled")

    def _backed_up(self, info: BackupInfo) -> None:
        show_message(
            self,
            self.tr("备份完成"),
            self.tr("已备份到\n{path}\n\n数据库 {size:,.1f} MB，附件 {n} 个，留痕记录 {a} 条。").format(
                path=info.path, size=info.database_size / 1_048_576, n=info.attachments, a=info.audit_entries
            ),
        )
        self.backed_up.emit(info)

    # --- restore ---------------------------------------------------------------------------
    def restore_selected(self) -> None:
        """Restore from the selected automatic backup (after checking it and asking)."""
        row = self.selected()
        if row is not None:
            self.check_then_confirm(row.path)

    def ask_restore_file(self) -> None:
        """Choose a backup file, then check it and ask."""
        path, _selected = QFileDialog.getOpenFileName(
            self, self.tr("选择备份文件"), str(backups_dir()), self.tr("联查备份 (*.zip)")
        )
        if path:
            self.check_then_confirm(Path(path))

    def check_then_confirm(self, path: Path) -> None:
        """Check the backup completely first; only a sound backup leads to the confirmation."""
        services = self.ui.services
        try:
            services.require(Permission.BACKUP)
        except PermissionDenied as exc:
            show_error(self, exc)
            return
        QueryOp(parent=self, runner=self.ui.runner, op=lambda _p: verify_backup(path)).with_progress(
            self.tr("正在核验备份文件…"), cancellable=False
        ).success(lambda manifest: self.confirm_restore(path, manifest)).run_in_background()

    def confirm_restore(self, path: Path, manifest: dict[str, Any]) -> QMessageBox:
        """Say what restoring will do, and restore only on an explicit yes."""
        db_file = self.ui.services.db.file_path
        created = str(manifest.get("created_at", ""))[:19].replace("T", " ")
        box = QMessageBox(self)
        box.setObjectName("confirmRestore")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("恢复数据库"))
        box.setText(
            self.tr(
                "备份文件核验无误（{file}，备份于 {created} UTC）。\n\n"
                "恢复后，数据库将回到备份时的状态，此后录入的内容不在恢复后的数据库中。\n"
                "当前数据库不会删除：它将改名保存在 {folder} 中（文件名含 before-restore）。\n\n"
                "恢复前请关闭其他电脑上打开此数据库的联查。恢复完成后联查须重新启动。\n\n确定恢复吗？"
            ).format(file=path.name, created=created, folder=db_file.parent if db_file else "")
        )
        yes = box.addButton(self.tr("恢复并重新启动"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(QMessageBox.StandardButton.NoButton)
        box.buttonClicked.connect(lambda button: self.restore(path) if button is yes else None)
        box.open()
        return box

    def restore(self, path: Path) -> None:
        """Replace the database from ``path`` (checked, confirmed), then ask the user to restart."""
        services = self.ui.services
        CollectionOp(
            parent=self,
            runner=self.ui.runner,
            op=lambda _p: restore_open_database(services, path),
            changes=(),
        ).with_progress(self.tr("正在恢复数据库…"), cancellable=False).success(
            self._restored
        ).run_in_background()

    def _restored(self, report: RestoreReport) -> None:
        aside = report.previous_database.name if report.previous_database else self.tr("（无）")
        box = show_message(
            self,
            self.tr("恢复完成"),
            self.tr(
                "数据库已从 {file} 恢复。\n恢复前的数据库保存为 {aside}。\n\n联查现在将关闭，请重新启动。"
            ).format(file=report.source.name, aside=aside),
        )
        box.setObjectName("restoreDone")
        # The open connections belong to the replaced file: nothing more may be done in this session.
        box.finished.connect(lambda _r: QCoreApplication.exit(0))
        self.restored.emit(report)


# ---------------------------------------------------------------------------------------------


class AdminPage(QWidget):
    """系统管理: tabs 用户, 审计, 备份."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminPage")
        self.tabs = QTabWidget()
        self.users = UsersPanel(ui)
        self.audit = AuditPanel(ui)
        self.backup = BackupPanel(ui)
        self.tabs.addTab(self.users, self.tr("用户"))
        self.tabs.addTab(self.audit, self.tr("审计"))
        self.tabs.addTab(self.backup, self.tr("备份"))
        self.settings_button = QPushButton(self.tr("系统设置…"))
        self.settings_button.setObjectName("systemSettings")
        self.settings_button.clicked.connect(lambda _c=False: self.open_settings())
        self.tabs.setCornerWidget(self.settings_button)
        self.ui = ui
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    def open_settings(self) -> SystemSettingsDialog:
        """Open 系统设置 (login rules, auto-lock, automatic backups)."""
        dialog = SystemSettingsDialog(self.ui, self)
        dialog.saved.connect(lambda _r: self.backup.reload())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
