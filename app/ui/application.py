"""Starting the GUI: QApplication set-up, opening the database, the first-start demo offer.

The window is shown first and the database is opened on the writer thread (the database
layer, its migrations and their backup may take a while), so the user sees the program
at once and the interface never blocks. Errors opening the database end in a dialog that
says what to do (for example: install a newer LianCha for a database made by one).
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QObject,
    Qt,
    QTimer,
    QTranslator,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.config import resolve_db_url, sqlite_path
from app.resources import CJK_FONT_FILE, resource_path
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.crash import UncaughtErrorReporter
from app.ui.errors import show_error, show_message
from app.ui.main_window import MainWindow
from app.ui.operations import CollectionOp, QueryOp

if TYPE_CHECKING:
    from app.services.backup import DailyBackup
    from app.services.context import ServiceContext
    from app.services.users import AccountsState
    from app.ui.dialogs.first_admin import FirstAdminDialog
    from app.ui.idle_lock import IdleLock

logger = logging.getLogger(__name__)

LANGUAGE_ENV_VAR = "LIANCHA_LANG"
# For smoke tests of the built bundle only: quit the event loop after this many milliseconds.
QUIT_AFTER_ENV_VAR = "LIANCHA_QUIT_AFTER_MS"
# With the above: a folder where the 关于 box's text and a picture of it are written just before
# quitting, so the smoke test can prove the BUILT program shows its version and build date.
SMOKE_ABOUT_ENV_VAR = "LIANCHA_SMOKE_ABOUT_DIR"
# With both above: a PDF the smoke test printed; it is shown with QtPdf and printed through
# QtPrintSupport into that folder, proving the bundle carries Qt's PDF and print modules.
SMOKE_PDF_ENV_VAR = "LIANCHA_SMOKE_PDF"
SOURCE_LANGUAGE = "zh_CN"  # the interface strings in the code are Simplified Chinese
DEMO_MODULE = "app.services.demo"
DEMO_TARGETS = 20_000
DEMO_SEED = 20260101
EXIT_CANNOT_START = 2


def load_cjk_font() -> str | None:
    """Register the shipped CJK font; return its family name (None if the file is unusable).

    Without it, a machine with no Chinese system font shows every character as a box.
    """
    path = resource_path(*CJK_FONT_FILE)
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        logger.error("could not load the interface font %s", path)
        return None
    families = QFontDatabase.applicationFontFamilies(font_id)
    return families[0] if families else None


def ui_language() -> str:
    """The interface language: ``LIANCHA_LANG``, else the system's if we ship a translation for it."""
    wanted = os.environ.get(LANGUAGE_ENV_VAR) or QLocale.system().name()
    if wanted.startswith("zh"):
        return SOURCE_LANGUAGE
    if resource_path("translations", f"liancha_{wanted}.qm").exists():
        return wanted
    return SOURCE_LANGUAGE


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Qt's own strings (确定, 取消 …) and, for other languages, LianCha's translation file.

    Interface strings are written in Chinese and wrapped in ``tr()``/``translate()``, so an
    ``liancha_en.qm`` built with pyside6-lupdate/lrelease can sit in ``resources/translations``.
    """
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_translator = QTranslator(app)
    if qt_translator.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qt_translator)
        installed.append(qt_translator)
    if language != SOURCE_LANGUAGE:
        own = QTranslator(app)
        if own.load(str(resource_path("translations", f"liancha_{language}.qm"))):
            app.installTranslator(own)
            installed.append(own)
    return installed


def configure_application(app: QApplication) -> None:
    """Names, the embedded font as the application font, and translations."""
    app.setApplicationName("LianCha")
    app.setApplicationDisplayName(QCoreApplication.translate("Application", "联查"))
    app.setOrganizationName("LianCha")
    app.setApplicationVersion(__version__)
    family = load_cjk_font()
    if family is not None:
        font = QFont(family)
        font.setPointSizeF(max(app.font().pointSizeF(), 10.0))
        app.setFont(font)
    install_translators(app, ui_language())


def describe_database(db: str | None) -> str:
    """What the status bar shows before the database is open (a file path, or a URL without password)."""
    url = resolve_db_url(db)
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def open_services(db: str | None, operator: str | None) -> ServiceContext:
    """Open and migrate the database, find the operator's name; runs on the writer thread."""
    from app.db import DatabaseError, open_database
    from app.services.context import ServiceContext
    from app.services.settings import DEFAULT_OPERATOR, OPERATOR_KEY, get_setting

    try:
        database = open_database(db)
    except DatabaseError:
        raise
    except Exception as exc:  # a file that is not a database, an unreachable server …
        url = resolve_db_url(db)
        if not url.startswith("sqlite"):
            from app.services.server import connection_problem

            raise DatabaseError(connection_problem(url, exc)) from exc
        raise DatabaseError(
            f"无法打开数据库 {describe_database(db)}：{exc}。"
            "请确认这是联查的数据库文件、所在文件夹可以访问，或用 --db 指定其他数据库。"
        ) from exc
    name = operator
    if not name:
        with database.read() as session:
            name = str(get_setting(session, OPERATOR_KEY, DEFAULT_OPERATOR))
    return ServiceContext(db=database, operator=name)


def demo_module() -> ModuleType | None:
    """The demo-county builder if this build has it."""
    try:
        return importlib.import_module(DEMO_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == DEMO_MODULE:
            return None
        raise


class Startup(QObject):
    """Opens the database in the background, attaches the window, offers the demo county."""

    ready = Signal()  # the window shows its first page over the open database
    daily_backup_finished = Signal(object)  # DailyBackup, or the exception that stopped it
    failed = Signal(str)
    first_admin_deferred = Signal(bool)  # 暂不创建 was chosen; True when remembered (the demo database)

    def __init__(self, window: MainWindow, *, db: str | None, operator: str | None) -> None:
        super().__init__(window)
        self.window = window
        self._db = db
        self._operator = operator
        self.services: ServiceContext | None = None
        self.demo_offer: QMessageBox | None = None
        self.first_admin_dialog: FirstAdminDialog | None = None
        self.idle_lock: IdleLock | None = None
        window.first_admin_created.connect(self.adopt_first_admin)

    def start(self) -> None:
        """Open the database on the writer thread; ``ready`` or ``failed`` follows."""
        CollectionOp(
            parent=self.window,
            runner=self.window.runner,
            op=lambda _progress: open_services(self._db, self._operator),
            changes=(),
        ).success(self._opened).failure(self._failed).run_in_background()

    def _opened(self, services: ServiceContext) -> None:
        from app.services.users import accounts_exist

        if accounts_exist(services.db):
            # Once accounts exist nobody works anonymously: every service checks the user's roles.
            from app.ui.dialogs.login import LoginDialog

            dialog = LoginDialog(services.db, self.window)
            if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.services is None:
                QCoreApplication.exit(0)
                return
            services = dialog.services
        self.services = services
        self.window.attach(UiContext(services=services, runner=self.window.runner))
        self.ready.emit()
        self._report_interrupted(services)
        self.start_idle_lock(services)
        self.start_daily_backup(services)
        self.offer_demo()

    def start_idle_lock(self, services: ServiceContext, *, timeout_ms: int | None = None) -> None:
        """Lock the window after the configured minutes without input (only when users log in)."""
        from app.services.users import security_settings
        from app.ui.idle_lock import IdleLock

        if services.user is None or services.user.implicit:
            return  # single-user mode: there is no password to ask for
        if timeout_ms is None:
            with services.db.read() as session:
                timeout_ms = security_settings(session).idle_lock_minutes * 60_000
        window = self.window
        self.idle_lock = IdleLock(
            window,
            lambda: window.ui.services if window.ui is not None else None,
            timeout_ms=timeout_ms,
            switch_user=lambda new: self._switch_user(new),
        )
        window.runner.changed.connect(self._settings_changed)

    def _settings_changed(self, changes: frozenset[str]) -> None:
        """An administrator changed 系统设置: the new idle time applies at once."""
        from app.services.users import security_settings
        from app.ui.operations import affects

        lock, services = self.idle_lock, self.services
        if lock is None or services is None or not affects(changes, "settings"):
            return
        with services.db.read() as session:
            minutes = security_settings(session).idle_lock_minutes
        if minutes * 60_000 != lock.timeout_ms:
            lock.set_timeout(minutes * 60_000)

    def _switch_user(self, services: ServiceContext) -> None:
        self.services = services
        self.window.switch_user(UiContext(services=services, runner=self.window.runner))

    def start_daily_backup(self, services: ServiceContext) -> None:
        """The once-a-day backup, on a worker after the window shows; a failure is said but does not block."""
        from app.services.backup import daily_backup_if_due

        bar = self.window.statusBar()
        if services.db.file_path is None:
            return  # PostgreSQL: the server's own backups
        bar.showMessage(self.tr("正在进行每日自动备份…"))
        QueryOp(
            parent=self.window,
            runner=self.window.runner,
            op=lambda _progress: daily_backup_if_due(services.db),
        ).success(self._daily_backup_done).failure(self._daily_backup_failed).run_in_background()

    def _daily_backup_done(self, result: DailyBackup) -> None:
        bar = self.window.statusBar()
        if result.created is not None:
            bar.showMessage(
                self.tr("今日自动备份已完成：{name}").format(name=result.created.path.name), 15_000
            )
        else:
            bar.showMessage(self.tr("今日已有自动备份"), 8_000)
        self.daily_backup_finished.emit(result)

    def _daily_backup_failed(self, exc: BaseException) -> None:
        logger.error("daily backup failed: %s", exc)
        text = self.tr("每日自动备份没有完成：{error}").format(error=exc)
        self.window.statusBar().showMessage(text)
        box = QMessageBox(self.window)
        box.setObjectName("dailyBackupFailed")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("自动备份没有完成"))
        box.setText(
            text
            + self.tr(
                "\n\n可以继续工作，数据库没有受到影响。请检查磁盘空间和备份文件夹是否可写，"
                "或在「系统管理 → 备份」中手动备份。"
            )
        )
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.daily_backup_finished.emit(exc)

    def _report_interrupted(self, services: ServiceContext) -> None:
        """Say plainly if the last session was cut off in the middle of a long operation (nothing partial was kept)."""
        from app.services.operations import interrupted_operations

        try:
            interrupted = interrupted_operations(services.db)
        except Exception:  # reporting must never stop the start-up
            return
        if interrupted:
            lines = "\n".join(i.message for i in interrupted)
            show_message(self.window, self.tr("上次操作被中断"), lines)

    def _failed(self, exc: BaseException) -> None:
        self.window.show_loading_failed(self.tr("数据库没有打开。"))
        box = show_error(self.window, exc)
        box.finished.connect(lambda _result: QCoreApplication.exit(EXIT_CANNOT_START))
        self.failed.emit(str(exc))

    def offer_demo(self) -> None:
        """On an empty database, offer to load the demo county (if this build has the builder).

        Then, whatever the answer, ask for the first administrator while no account exists: a
        new user first lands on the demo county, and its data is built in single-user mode.
        """
        demo = demo_module()
        services = self.services
        if services is None:
            return
        if demo is None:
            self.offer_first_admin()
            return
        QueryOp(
            parent=self.window,
            runner=self.window.runner,
            op=lambda _progress: bool(demo.is_database_empty(services)),
        ).success(
            lambda empty: self._ask_demo(demo) if empty else self.offer_first_admin()
        ).run_in_background()

    def offer_first_admin(self) -> None:
        """In single-user mode, ask for the first administrator (unless the demo database said 暂不创建)."""
        from app.services.users import accounts_state

        services = self.services
        if services is None or (services.user is not None and not services.user.implicit):
            return  # someone logged in: accounts exist
        QueryOp(
            parent=self.window,
            runner=self.window.runner,
            op=lambda _progress: accounts_state(services.db),
        ).success(self._ask_first_admin).run_in_background()

    def _ask_first_admin(self, state: AccountsState) -> None:
        from app.ui.dialogs.first_admin import FirstAdminDialog

        if not state.ask_first_admin or self.window.ui is None:
            return
        dialog = FirstAdminDialog(self.window.ui, demo=state.demo, parent=self.window)
        dialog.accepted.connect(lambda: self.adopt_first_admin(dialog.services))
        dialog.rejected.connect(self._first_admin_deferred)
        self.first_admin_dialog = dialog
        dialog.open()  # not exec(): start-up goes on and tests can drive the dialog

    def adopt_first_admin(self, services: ServiceContext | None) -> None:
        """The first administrator exists (made at start-up or on the users page): work on as that user."""
        if services is None or services.user is None:
            return
        self._switch_user(services)
        self.start_idle_lock(services)
        label = services.user.label
        self.window.statusBar().showMessage(
            self.tr("已创建系统管理员「{user}」并登录").format(user=label), 15_000
        )
        box = show_message(
            self.window,
            self.tr("已创建系统管理员"),
            self.tr(
                "已创建系统管理员「{user}」，现在以该账户工作。\n\n此后每次启动联查都须登录。"
                "其他用户请在「系统管理 → 用户」中添加。"
            ).format(user=label),
        )
        box.setObjectName("firstAdminCreated")

    def _first_admin_deferred(self) -> None:
        """暂不创建: single-user mode goes on; only the demo database remembers the choice."""
        from app.services.users import defer_first_admin

        services = self.services
        if services is None:
            return
        CollectionOp(
            parent=self.window,
            runner=self.window.runner,
            op=lambda _progress: defer_first_admin(services),
            changes=("settings",),
        ).success(self._first_admin_deferred_done).run_in_background()

    def _first_admin_deferred_done(self, remembered: bool) -> None:
        if remembered:
            text = self.tr("单用户模式：示范县数据库，以后启动不再询问创建管理员")
        else:
            text = self.tr("单用户模式：任何人都拥有全部权限。下次启动将再次询问创建系统管理员")
        self.window.statusBar().showMessage(text, 30_000)
        self.first_admin_deferred.emit(remembered)

    def _ask_demo(self, demo: ModuleType) -> None:
        box = QMessageBox(self.window)
        box.setObjectName("demoOffer")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("欢迎使用联查"))
        box.setText(
            self.tr(
                "数据库还是空的。\n\n要先载入一个示范县吗？示范县有约 {n} 个检查对象，以及部门、检查人员、"
                "抽查事项和一业一查方案，可以用来熟悉从名录库到结果公示的全部流程。\n\n"
                "示范数据以后可以在新的数据库中重新开始。"
            ).format(n=f"{DEMO_TARGETS:,}")
        )
        load = box.addButton(self.tr("载入示范县"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("从空白开始"), QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(
            lambda button: self.build_demo(demo) if button is load else self.offer_first_admin()
        )
        self.demo_offer = box
        box.open()

    def build_demo(self, demo: ModuleType) -> None:
        """Build the demo county in the background, with progress and cancel."""
        services = self.services
        assert services is not None

        def build(progress: Progress) -> Any:
            summary = demo.build_demo_county(
                services, targets=DEMO_TARGETS, seed=DEMO_SEED, progress=progress
            )
            build_plan = getattr(demo, "build_demo_plan", None)
            if build_plan is not None:  # the year's plan with tasks ready to draw
                build_plan(services, year=summary.as_of.year)
            return summary

        CollectionOp(parent=self.window, runner=self.window.runner, op=build).with_progress(
            self.tr("正在生成示范县，请稍候…")
        ).success(self._demo_loaded).failure(self._demo_failed).cancelled(
            self.offer_first_admin
        ).run_in_background()

    def _demo_loaded(self, _result: object) -> None:
        box = show_message(
            self.window, self.tr("示范县已载入"), self.tr("示范县已载入，可以从“名录库”开始浏览。")
        )
        box.setObjectName("demoLoaded")
        box.finished.connect(lambda _code: self.offer_first_admin())  # one question at a time

    def _demo_failed(self, exc: BaseException) -> None:
        box = show_error(self.window, exc)
        box.finished.connect(lambda _code: self.offer_first_admin())

    @Slot()
    def close(self) -> None:
        """Close the database (after the window has closed)."""
        if self.services is not None:
            self.services.db.dispose()
            self.services = None


def launch(app: QApplication, *, db: str | None, operator: str | None) -> tuple[MainWindow, Startup]:
    """Configure ``app``, show the main window and start opening the database."""
    configure_application(app)
    window = MainWindow(database_label=describe_database(db))
    startup = Startup(window, db=db, operator=operator)
    window.show()
    startup.start()
    return window, startup


def write_about_snapshot(window: MainWindow, folder: Path) -> Path:
    """Open 关于 as the menu does and save its text (``about.txt``) and picture (``about.png``).

    Returns the text file. Only the smoke-test hook in :func:`run` calls this.
    """
    box = window.show_about()
    folder.mkdir(parents=True, exist_ok=True)
    document = QTextDocument()
    document.setHtml(box.text())
    text_path = folder / "about.txt"
    text_path.write_text(document.toPlainText() + "\n", encoding="utf-8")
    box.grab().save(str(folder / "about.png"))
    box.close()
    return text_path


def write_pdf_snapshot(pdf: Path, folder: Path) -> int:
    """Show page 1 of ``pdf`` as the print preview does and print it to ``folder/printed.pdf``.

    Writes ``pdf-page1.png`` (rendered by QtPdf) and ``printed.pdf`` (through QPrinter, as the
    preview's 打印 does); returns the page count. Only the smoke-test hook in :func:`run` calls this.
    """
    # Imported here: the GUI starts without loading QtPdf until a preview is opened.
    from PySide6.QtCore import QPointF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

    from app.ui.dialogs.print_preview import page_image

    document = QPdfDocument()
    error = document.load(str(pdf))
    if error != QPdfDocument.Error.None_ or document.pageCount() < 1:
        raise RuntimeError(f"QtPdf could not open {pdf}: {error}")
    points = document.pagePointSize(0)
    image = page_image(document, 0, QSize(int(points.width() * 2), int(points.height() * 2)))
    folder.mkdir(parents=True, exist_ok=True)
    image.save(str(folder / "pdf-page1.png"))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(folder / "printed.pdf"))
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("QPrinter could not start printing to a PDF file")
    try:
        target = painter.viewport()
        scale = min(target.width() / image.width(), target.height() / image.height())
        painter.drawImage(
            QPointF(0, 0), image.scaled(int(image.width() * scale), int(image.height() * scale))
        )
    finally:
        painter.end()
    pages = int(document.pageCount())
    (folder / "pdf.txt").write_text(f"{pages}\n", encoding="utf-8")
    return pages


def run(*, db: str | None = None, operator: str | None = None) -> int:
    """Start the GUI and return the exit status when its window closes."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    window, startup = launch(app, db=db, operator=operator)
    reporter = UncaughtErrorReporter(window)
    reporter.install()
    quit_after = os.environ.get(QUIT_AFTER_ENV_VAR, "").strip()
    if quit_after.isdigit():
        # Test hook for installer/smoke-test.sh: prove the built GUI starts, then leave.
        about_dir = os.environ.get(SMOKE_ABOUT_ENV_VAR, "").strip()
        smoke_pdf = os.environ.get(SMOKE_PDF_ENV_VAR, "").strip()

        def leave() -> None:
            code = 0
            try:
                if about_dir:
                    write_about_snapshot(window, Path(about_dir))
                    if smoke_pdf:
                        write_pdf_snapshot(Path(smoke_pdf), Path(about_dir))
            except Exception:
                # The smoke test must see the failure in the exit status, not only in a log.
                logger.exception("smoke-test snapshot failed")
                code = 1
            app.exit(code)

        QTimer.singleShot(int(quit_after), leave)
    code = app.exec()
    reporter.uninstall()
    window.runner.shutdown()
    startup.close()
    return int(code)
