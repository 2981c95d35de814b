"""First start: the 创建系统管理员 dialog after the demo offer, its refusals, 暂不创建, and the login after."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.services.departments import create_department, list_departments
from app.services.progress import Progress
from app.services.settings import DEMO_DATABASE_KEY, set_setting
from app.services.users import accounts_state, authenticate
from app.ui import application
from app.ui.application import Startup, describe_database
from app.ui.dialogs.first_admin import FirstAdminDialog
from app.ui.dialogs.login import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.pages.admin import AdminPage
from tests.security import PASSWORD, fast_hasher  # noqa: F401 - fast_hasher is a fixture
from tests.ui.helpers import type_text, visible_message_box

pytestmark = pytest.mark.usefixtures("fast_hasher")


def _start(qtbot: QtBot, db_path: Path) -> tuple[MainWindow, Startup]:
    window = MainWindow(database_label=describe_database(str(db_path)))
    qtbot.addWidget(window)
    startup = Startup(window, db=str(db_path), operator="李四")
    window.show()
    with qtbot.waitSignal(startup.ready, timeout=20_000):
        startup.start()
    return window, startup


def _stop(qtbot: QtBot, window: MainWindow, startup: Startup) -> None:
    # Dialogs stay visible after their window closes: later tests would see them as open editors.
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.done(0)
    assert window.runner.shutdown(10_000)
    qtbot.waitUntil(window.runner.is_idle)
    if startup.idle_lock is not None:
        startup.idle_lock.stop()
    startup.close()


def _dialog(qtbot: QtBot, startup: Startup) -> FirstAdminDialog:
    qtbot.waitUntil(
        lambda: startup.first_admin_dialog is not None and startup.first_admin_dialog.isVisible(),
        timeout=10_000,
    )
    dialog = startup.first_admin_dialog
    assert dialog is not None
    return dialog


def _button(dialog: FirstAdminDialog, name: str) -> QPushButton:
    button = dialog.findChild(QPushButton, name)
    assert button is not None
    return button


def _fill(dialog: FirstAdminDialog, *, username: str, name: str, password: str, again: str) -> None:
    for field, text in (
        (dialog.username, username),
        (dialog.display_name, name),
        (dialog.password, password),
        (dialog.password_again, again),
    ):
        field.clear()
        type_text(field, text)


def _refused(qtbot: QtBot, dialog: FirstAdminDialog, field: str, message: str) -> None:
    _button(dialog, "createAdmin").click()
    qtbot.waitUntil(lambda: message in dialog.errors.message_for(field), timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.saving)
    assert dialog.isVisible()


def test_first_start_creates_the_administrator_and_the_next_start_asks_for_a_login(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, None)  # no demo builder: asked at once
    window, startup = _start(qtbot, db_path)
    dialog = _dialog(qtbot, startup)
    assert dialog.windowTitle() == "创建系统管理员"
    assert "单用户模式" in dialog.reason.text() and "每次启动都会询问" in dialog.reason.text()
    assert _button(dialog, "deferAdmin").text() == "暂不创建（单用户模式）"

    # Refusals are shown next to their fields, and nothing is created.
    _fill(dialog, username="", name="王管理", password="short", again="short")
    _refused(qtbot, dialog, "用户名", "不能为空")
    assert "至少 8 个字符" in dialog.errors.message_for("密码")
    _fill(dialog, username="admin", name="王管理", password=PASSWORD, again=PASSWORD + "x")
    _refused(qtbot, dialog, "确认密码", "两次输入的密码不一致")
    assert dialog.errors.message_for("用户名") == ""
    assert startup.services is not None and accounts_state(startup.services.db).accounts == 0

    _fill(dialog, username="Admin", name="王管理", password=PASSWORD, again=PASSWORD)
    dialog.cleared.setChecked(True)
    _button(dialog, "createAdmin").click()
    qtbot.waitUntil(lambda: visible_message_box("firstAdminCreated") is not None, timeout=10_000)
    assert not dialog.isVisible()
    ui = window.ui
    assert ui is not None and ui.services.user is not None
    assert ui.services.user.username == "admin" and not ui.services.user.implicit and ui.services.user.cleared
    assert startup.services is ui.services
    assert window.operator_label.text() == "操作人：王管理（admin）"
    assert startup.idle_lock is not None  # a password now exists to unlock with
    assert accounts_state(ui.services.db).accounts == 1
    _stop(qtbot, window, startup)

    # The next start asks for a login (LoginDialog.exec() blocks, so answer it from a timer).
    answered: list[str] = []

    def answer_login() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, LoginDialog) and widget.isVisible():
                answered.append(widget.windowTitle())
                type_text(widget.username, "admin")
                type_text(widget.password, PASSWORD)
                widget.try_login()
                return
        QTimer.singleShot(20, answer_login)

    QTimer.singleShot(20, answer_login)
    window, startup = _start(qtbot, db_path)
    assert answered == ["登录联查"]
    assert startup.services is not None and startup.services.user is not None
    assert startup.services.user.username == "admin"
    qtbot.waitUntil(window.runner.is_idle)
    assert startup.first_admin_dialog is None  # not asked again
    _stop(qtbot, window, startup)


def test_on_a_real_database_not_now_is_asked_again_at_the_next_start(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, None)
    window, startup = _start(qtbot, db_path)
    dialog = _dialog(qtbot, startup)
    type_text(dialog.username, "half")  # typed, then thought better of it
    with qtbot.waitSignal(startup.first_admin_deferred, timeout=10_000) as deferred:
        _button(dialog, "deferAdmin").click()
    assert deferred.args == [False]  # a real database: not remembered
    assert startup.services is not None and startup.services.user is None  # single-user mode goes on
    assert accounts_state(startup.services.db).accounts == 0
    assert window.navigation.isEnabled()
    _stop(qtbot, window, startup)

    window, startup = _start(qtbot, db_path)
    dialog = _dialog(qtbot, startup)
    assert "每次启动都会询问" in dialog.reason.text()
    _stop(qtbot, window, startup)


def _fake_demo_module() -> types.ModuleType:
    """The demo builder's interface; like the real one it marks its database as the demo."""
    module = types.ModuleType(application.DEMO_MODULE)

    def is_database_empty(ctx: ServiceContext) -> bool:
        return not list_departments(ctx, include_inactive=True)

    def build_demo_county(ctx: ServiceContext, *, targets: int, seed: int, progress: Progress) -> None:
        progress.update(0, 1, "正在生成部门")
        create_department(ctx, name="示范县市场监督管理局")
        with ctx.write() as session:
            set_setting(session, DEMO_DATABASE_KEY, {"seed": seed})
        progress.update(1, 1)

    module.is_database_empty = is_database_empty  # type: ignore[attr-defined]
    module.build_demo_county = build_demo_county  # type: ignore[attr-defined]
    return module


def test_after_the_demo_county_not_now_is_remembered(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, _fake_demo_module())
    window, startup = _start(qtbot, db_path)
    qtbot.waitUntil(lambda: startup.demo_offer is not None and startup.demo_offer.isVisible())
    assert startup.first_admin_dialog is None  # the demo offer comes first, one question at a time
    offer = startup.demo_offer
    assert offer is not None
    next(b for b in offer.findChildren(QPushButton) if b.text() == "载入示范县").click()
    qtbot.waitUntil(lambda: visible_message_box("demoLoaded") is not None, timeout=10_000)
    assert startup.first_admin_dialog is None
    loaded = visible_message_box("demoLoaded")
    assert loaded is not None
    loaded.accept()

    dialog = _dialog(qtbot, startup)
    assert "这是示范县数据库" in dialog.reason.text() and "不再询问" in dialog.reason.text()
    with qtbot.waitSignal(startup.first_admin_deferred, timeout=10_000) as deferred:
        dialog.reject()  # Escape or 暂不创建: the same
    assert deferred.args == [True]
    _stop(qtbot, window, startup)

    window, startup = _start(qtbot, db_path)
    qtbot.waitUntil(window.runner.is_idle)
    qtbot.wait(100)  # the accounts question would be a second query after the demo check
    qtbot.waitUntil(window.runner.is_idle)
    assert startup.first_admin_dialog is None and startup.demo_offer is None
    assert startup.services is not None and accounts_state(startup.services.db).first_admin_deferred
    _stop(qtbot, window, startup)


def test_a_classified_clearance_is_optional_and_the_login_works(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, None)
    window, startup = _start(qtbot, db_path)
    dialog = _dialog(qtbot, startup)
    _fill(dialog, username="zhangsan", name="张三", password=PASSWORD, again=PASSWORD)
    assert not dialog.cleared.isChecked()
    _button(dialog, "createAdmin").click()
    qtbot.waitUntil(lambda: visible_message_box("firstAdminCreated") is not None, timeout=10_000)
    assert startup.services is not None
    actor = authenticate(startup.services.db, "zhangsan", PASSWORD).actor
    assert not actor.cleared and actor.display_name == "张三"
    box = visible_message_box("firstAdminCreated")
    assert box is not None and "此后每次启动联查都须登录" in box.text()
    box.close()
    _stop(qtbot, window, startup)


def test_the_users_page_creates_the_administrator_after_not_now(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, None)
    window, startup = _start(qtbot, db_path)
    with qtbot.waitSignal(startup.first_admin_deferred, timeout=10_000):
        _button(_dialog(qtbot, startup), "deferAdmin").click()
    page = window.open_page("admin")
    assert isinstance(page, AdminPage)
    panel = page.users
    qtbot.waitUntil(lambda: panel.single_user_note.isVisible(), timeout=10_000)
    assert panel.add_user_button.text() == "创建系统管理员"
    dialog = panel.add()
    assert isinstance(dialog, FirstAdminDialog)
    assert _button(dialog, "deferAdmin").text() == "取消"
    assert "每次启动" not in dialog.reason.text()
    _fill(dialog, username="", name="", password="", again="")
    _refused(qtbot, dialog, "姓名", "不能为空")
    _fill(dialog, username="office", name="赵主任", password=PASSWORD, again=PASSWORD)
    _button(dialog, "createAdmin").click()
    qtbot.waitUntil(lambda: visible_message_box("firstAdminCreated") is not None, timeout=10_000)
    assert window.operator_label.text() == "操作人：赵主任（office）"
    assert startup.idle_lock is not None
    qtbot.waitUntil(window.runner.is_idle)
    rebuilt = window.open_page("admin")
    assert isinstance(rebuilt, AdminPage) and rebuilt is not page  # rebuilt with the new user's rights
    qtbot.waitUntil(lambda: [r.username for r in rebuilt.users.model.rows()] == ["office"], timeout=10_000)
    assert not rebuilt.users.single_user_note.isVisible()
    assert rebuilt.users.add_user_button.text() == "新增用户"
    _stop(qtbot, window, startup)
