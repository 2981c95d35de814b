"""The main window: left navigation by step of the flow, the pages, and the status bar."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from app.ui.context import UiContext
from app.ui.dialogs.about import show_about
from app.ui.navigation import PAGES, PageSpec
from app.ui.operations import ALL_CHANGED, CollectionOp, QueryOp, TaskRunner
from app.ui.pages.placeholder import PlaceholderPage
from app.ui.widgets import fit_to_screen

logger = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole
# Another desk of the office may sync meanwhile; a minute is fresh enough for a count.
SYNC_REFRESH_MS = 60_000
# With an upload address set, try to sync this often; offline it costs one failed connection.
AUTO_SYNC_MS = 10 * 60_000
# On a shared server: how often the status bar asks whether the server still answers.
SERVER_CHECK_MS = 15_000
# Coming back to the window reloads the pages (other desks may have changed things), at most this often.
FOCUS_REFRESH_MIN_MS = 3_000


class MainWindow(QMainWindow):
    """Navigation on the left, pages on the right; pages are built the first time they are opened."""

    # The first administrator was created from a page (系统管理 → 用户) in single-user mode, with
    # its logged-in ServiceContext: the start-up switches the session to it (application.Startup).
    first_admin_created = Signal(object)

    def __init__(
        self, *, database_label: str = "", pages: Sequence[PageSpec] = PAGES, runner: TaskRunner | None = None
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("联查 — 双随机、一公开 与 一业一查 工作台"))
        fit_to_screen(self, 1440, 900)
        self.runner = runner or TaskRunner(self)
        self.ui: UiContext | None = None
        self._specs = {spec.key: spec for spec in pages}
        self._pages: dict[str, QWidget] = {}
        self._database_label = database_label

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        font = self.navigation.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.navigation.setFont(font)
        self.navigation.setSpacing(2)
        for spec in pages:
            item = QListWidgetItem(spec.display_title())
            item.setData(KEY_ROLE, spec.key)
            if spec.factory is None:
                item.setForeground(QBrush(QColor(130, 130, 130)))
                item.setToolTip(self.tr("尚在建设中"))
            self.navigation.addItem(item)
        width = self.navigation.fontMetrics().horizontalAdvance("统计分析") + 56
        self.navigation.setFixedWidth(width)
        self.navigation.currentRowChanged.connect(self._on_navigate)

        self.stack = QStackedWidget()
        self.loading = QLabel(self.tr("正在打开数据库，请稍候…"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.loading)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.navigation)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.operator_label = QLabel()
        self.database_label = QLabel()
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # 待同步: hidden until the first count arrives from the database; a made-up 0 would mislead.
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncStatus")
        self.sync_label.hide()
        self.sync_timer = QTimer(self)
        self.sync_timer.setInterval(SYNC_REFRESH_MS)
        self.sync_timer.timeout.connect(self.refresh_sync_status)
        self.auto_sync_timer = QTimer(self)
        self.auto_sync_timer.setInterval(AUTO_SYNC_MS)
        self.auto_sync_timer.timeout.connect(self.run_auto_sync)
        # 服务器: only for a server database; whether it answers, checked every few seconds.
        self.server_label = QLabel()
        self.server_label.setObjectName("serverStatus")
        self.server_label.hide()
        self.server_reachable: bool | None = None
        self.server_timer = QTimer(self)
        self.server_timer.setInterval(SERVER_CHECK_MS)
        self.server_timer.timeout.connect(self.check_server)
        self._last_focus_refresh = QElapsedTimer()
        self.busy_label = QLabel(self.tr("正在处理…"))
        self.busy_label.hide()
        bar = self.statusBar()
        bar.addWidget(self.busy_label)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.server_label)
        bar.addPermanentWidget(self.operator_label)
        bar.addPermanentWidget(self.database_label)
        self.runner.busy_changed.connect(self.busy_label.setVisible)
        self.runner.connection_lost.connect(self._connection_lost)
        self._set_status(operator=None, database=database_label)
        self._build_menus()
        self.navigation.setEnabled(False)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("文件(&F)"))
        quit_action = QAction(self.tr("退出(&X)"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        about_action = QAction(self.tr("关于联查(&A)"), self)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

    def _set_status(self, *, operator: str | None, database: str) -> None:
        self.operator_label.setText(self.tr("操作人：{name}").format(name=operator) if operator else "")
        self.operator_label.setVisible(bool(operator))
        self.database_label.setText(self.tr("数据库：{db}").format(db=database) if database else "")
        self.database_label.setToolTip(database)

    def attach(self, ui: UiContext, *, start_page: str = "workbench") -> None:
        """Connect the window to an open database and show the first page."""
        self.ui = ui
        self._database_label = ui.services.db.display_name()
        self._set_status(operator=ui.services.operator, database=self._database_label)
        self.navigation.setEnabled(True)
        self.runner.changed.connect(lambda _changes: self.refresh_sync_status())
        self.sync_timer.start()
        self.auto_sync_timer.start()
        self.refresh_sync_status()
        if self.on_server():
            self.server_timer.start()
            self.check_server()
        self._last_focus_refresh.start()
        self.open_page(start_page)

    def on_server(self) -> bool:
        """Whether the open database is a shared server (not this PC's SQLite file)."""
        return self.ui is not None and not self.ui.services.db.is_sqlite

    @Slot()
    def check_server(self) -> None:
        """Ask, in the background, whether the server still answers; the status bar says so."""
        if not self.on_server() or self.ui is None:
            return
        engine = self.ui.services.db.engine

        def ping(_p: Any) -> Any:
            from app.services.server import check_server  # the database layer loads late

            return check_server(engine)

        QueryOp(parent=self, runner=self.runner, op=ping, key="statusbar.server").success(
            lambda status: self.set_server_status(status.reachable, status.message)
        ).failure(lambda exc: self.set_server_status(False, str(exc))).run_in_background()

    def set_server_status(self, reachable: bool, detail: str = "") -> None:
        """Show whether the server answers; going from unreachable to reachable reloads the pages."""
        was = self.server_reachable
        self.server_reachable = reachable
        if reachable:
            self.server_label.setText(self.tr("服务器连接正常"))
            self.server_label.setStyleSheet("color: #1b7f3b;")
        else:
            self.server_label.setText(self.tr("服务器无法连接"))
            self.server_label.setStyleSheet("color: #c0392b; font-weight: bold;")
            if was is not False:
                self.statusBar().showMessage(
                    self.tr("与数据库服务器的连接中断：已填写的内容不会丢失，连接恢复后再保存。"), 30_000
                )
        self.server_label.setToolTip(detail)
        self.server_label.show()
        if reachable and was is False:
            self.statusBar().showMessage(self.tr("服务器连接已恢复"), 10_000)
            self.reload_pages()

    @Slot()
    def _connection_lost(self) -> None:
        if self.on_server():
            self.set_server_status(False, self.tr("刚才的操作因无法连接服务器而没有完成"))

    def reload_pages(self) -> None:
        """Tell every open page to re-read (other desks may have changed anything)."""
        self.runner.changed.emit(frozenset({ALL_CHANGED}))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Refresh on focus: coming back to the window from elsewhere shows what other desks did.
        if (
            event.type() == QEvent.Type.ActivationChange
            and self.isActiveWindow()
            and self.on_server()
            and self._last_focus_refresh.isValid()
            and self._last_focus_refresh.elapsed() >= FOCUS_REFRESH_MIN_MS
        ):
            self._last_focus_refresh.restart()
            self.reload_pages()
            self.check_server()

    def switch_user(self, ui: UiContext) -> None:
        """Another user took over (from the lock screen): rebuild the pages with their rights."""
        key = self.current_page_key() or "workbench"
        for page in self._pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self._pages.clear()
        self.attach(ui, start_page=key)

    @Slot()
    def refresh_sync_status(self) -> None:
        """Re-read the pending count and the last successful sync in the background."""
        if self.ui is None:
            return
        services = self.ui.services

        def load(_p: Any) -> tuple[int, datetime | None]:
            from app.services.sync_online import online_overview  # the database layer loads late

            overview = online_overview(services)
            return overview.pending, overview.last_success_at

        QueryOp(parent=self, runner=self.runner, op=load, key="statusbar.sync").success(
            lambda v: self.set_pending_sync(v[0], v[1])
        ).failure(lambda exc: logger.warning("sync status not read: %s", exc)).run_in_background()

    @Slot()
    def run_auto_sync(self) -> None:
        """Upload pending results and fetch receipts in the background when an upload address is set."""
        if self.ui is None:
            return
        services = self.ui.services

        def run(_p: Any) -> Any:
            from app.services.sync_online import sync_round  # the database layer loads late

            return sync_round(services, timeout=10.0)

        CollectionOp(
            parent=self,
            runner=self.runner,
            op=run,
            changes=("sync_batches", "sync_upload_attempts", "result_versions"),
        ).success(self._auto_synced).failure(
            lambda exc: logger.info("automatic sync not run: %s", exc)
        ).run_in_background()

    def _auto_synced(self, done: Any) -> None:
        if done is None:
            return
        if done.offline:
            self.sync_label.setToolTip(self.tr("最近一次自动同步未成功：{why}").format(why=done.offline))
        else:
            self.sync_label.setToolTip("")
            if done.uploads or done.receipts:
                self.statusBar().showMessage(self.tr("已自动同步"), 10_000)

    def set_pending_sync(self, count: int | None, last_success: datetime | None = None) -> None:
        """Show how many records wait to be synced and when a sync last succeeded; None hides the slot."""
        if count is None:
            self.sync_label.hide()
            return
        when = (
            self.tr("最近同步 {t}").format(t=last_success.astimezone().strftime("%m-%d %H:%M"))
            if last_success
            else self.tr("从未同步")
        )
        self.sync_label.setText(self.tr("待同步 {n} 条 · {when}").format(n=count, when=when))
        self.sync_label.show()

    def show_loading_failed(self, text: str) -> None:
        """Say in the page area that the database could not be opened."""
        self.loading.setText(text)

    @Slot(int)
    def _on_navigate(self, row: int) -> None:
        item = self.navigation.item(row)
        if item is not None and self.ui is not None:
            self.open_page(str(item.data(KEY_ROLE)))

    def open_page(self, key: str) -> QWidget:
        """Show the page with this key, building it the first time."""
        page = self._pages.get(key)
        if page is None:
            page = self._build_page(self._specs[key])
            self._pages[key] = page
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        for row in range(self.navigation.count()):
            item = self.navigation.item(row)
            if item is not None and item.data(KEY_ROLE) == key and self.navigation.currentRow() != row:
                self.navigation.blockSignals(True)
                self.navigation.setCurrentRow(row)
                self.navigation.blockSignals(False)
        return page

    def page(self, key: str) -> QWidget | None:
        """The page with this key if it has been built."""
        return self._pages.get(key)

    def current_page_key(self) -> str | None:
        """Key of the page on show, None before the first page."""
        current = self.stack.currentWidget()
        for key, page in self._pages.items():
            if page is current:
                return key
        return None

    def _build_page(self, spec: PageSpec) -> QWidget:
        factory = spec.load_factory()
        if factory is None or self.ui is None:
            return PlaceholderPage(spec.display_title(), spec.display_pending())
        return factory(self.ui, None)

    @Slot()
    def show_about(self) -> QMessageBox:
        """Open the 关于 box without blocking."""
        return show_about(self, self._database_label or None)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sync_timer.stop()
        self.auto_sync_timer.stop()
        self.server_timer.stop()
        self.runner.shutdown()
        super().closeEvent(event)
