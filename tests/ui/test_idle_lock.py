"""Idle auto-lock keeps open editors (and what is typed in them); the start-up backup runs off the UI thread."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.models.users import Role
from app.services import backup as backup_service
from app.services.backup import DailyBackup, backups_dir
from app.services.context import ServiceContext
from app.services.users import UserData, create_first_admin, create_user
from app.ui import application
from app.ui.application import Startup, describe_database
from app.ui.context import UiContext
from app.ui.dialogs.user import UserDialog
from app.ui.idle_lock import IdleLock, LockCover
from app.ui.main_window import MainWindow
from tests.security import PASSWORD, fast_hasher, login  # noqa: F401 - fixture
from tests.ui.helpers import type_text


@pytest.fixture
def admin(ctx: ServiceContext, fast_hasher: None) -> ServiceContext:  # noqa: F811
    create_first_admin(
        ctx.db, username="admin", display_name="王主任", password=PASSWORD, roles=(Role.ADMIN,)
    )
    create_user(
        login(ctx.db, "admin"),
        UserData("zhao", "赵会计", (Role.READONLY,)),
        password=PASSWORD,
        must_change_password=False,
    )
    return login(ctx.db, "admin")


@pytest.fixture
def window(qtbot: QtBot, admin: ServiceContext) -> MainWindow:
    win = MainWindow()
    qtbot.addWidget(win)
    win.attach(UiContext(services=admin, runner=win.runner))
    win.show()
    return win


_made: list[IdleLock] = []


@pytest.fixture(autouse=True)
def _stop_locks() -> Iterator[None]:
    yield
    while _made:  # an application-wide filter must not outlive its test
        _made.pop().stop()


def _lock_for(window: MainWindow, timeout_ms: int) -> IdleLock:
    lock = IdleLock(
        window,
        lambda: window.ui.services if window.ui is not None else None,
        timeout_ms=timeout_ms,
        switch_user=lambda new: window.switch_user(UiContext(services=new, runner=window.runner)),
    )
    _made.append(lock)
    return lock


def test_idle_lock_covers_windows_and_keeps_an_open_editor(qtbot: QtBot, window: MainWindow) -> None:
    assert window.ui is not None
    editor = UserDialog(window.ui, None, window)
    qtbot.addWidget(editor)
    editor.open()
    type_text(editor.display_name, "半截输入")
    lock = _lock_for(window, 300)
    qtbot.waitUntil(lambda: lock.locked, timeout=5_000)
    screen = lock.screen
    assert screen is not None and screen.isVisible()
    assert editor.isVisible()  # nothing closed
    assert editor.findChild(LockCover) is not None and window.findChild(LockCover) is not None
    assert not screen.switch_button.isEnabled()  # an editor is open: no switching users

    # Keys meant for the covered editor do not arrive while locked.
    qtbot.keyClicks(editor.display_name, "X")  # type: ignore[no-untyped-call]
    assert editor.display_name.text() == "半截输入"

    type_text(screen.password, "wrong password")
    screen.try_unlock()
    assert lock.locked and "用户名或密码不正确" in screen.message.text()
    type_text(screen.password, PASSWORD)
    with qtbot.waitSignal(lock.locked_changed, timeout=5_000):
        screen.try_unlock()
    assert not lock.locked
    qtbot.waitUntil(lambda: editor.findChild(LockCover) is None, timeout=5_000)
    assert editor.isVisible() and editor.display_name.text() == "半截输入"
    assert window.ui.services.user is not None and window.ui.services.user.username == "admin"


def test_activity_postpones_the_lock(qtbot: QtBot, window: MainWindow) -> None:
    lock = _lock_for(window, 400)
    for _ in range(6):
        qtbot.wait(150)
        qtbot.keyClick(window.statusBar(), Qt.Key.Key_Shift)  # type: ignore[no-untyped-call]
    assert not lock.locked
    qtbot.waitUntil(lambda: lock.locked, timeout=5_000)
    assert lock.screen is not None
    lock.screen.deleteLater()


def test_zero_minutes_never_locks(qtbot: QtBot, window: MainWindow) -> None:
    lock = _lock_for(window, 0)
    qtbot.wait(300)
    assert not lock.locked and not lock.timer.isActive()


def test_another_user_can_take_over_when_no_editor_is_open(qtbot: QtBot, window: MainWindow) -> None:
    window.open_page("admin")
    lock = _lock_for(window, 10_000)
    screen = lock.lock()
    assert screen is not None and screen.switch_button.isEnabled()
    screen.start_switch()
    type_text(screen.username, "zhao")
    type_text(screen.password, PASSWORD)
    with qtbot.waitSignal(lock.locked_changed, timeout=5_000):
        screen.try_unlock()
    assert window.ui is not None and window.ui.services.user is not None
    assert window.ui.services.user.username == "zhao"
    assert window.current_page_key() == "admin"  # rebuilt with the new user's rights
    assert "赵会计" in window.operator_label.text()


def test_single_user_mode_does_not_lock(qtbot: QtBot, ctx: ServiceContext) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.attach(UiContext(services=ctx, runner=win.runner))
    lock = _lock_for(win, 10_000)
    assert lock.lock() is None


def _start(qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[MainWindow, Startup]:
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, None)
    win = MainWindow(database_label=describe_database(str(db_path)))
    qtbot.addWidget(win)
    startup = Startup(win, db=str(db_path), operator="李四")
    win.show()
    return win, startup


def _stop(qtbot: QtBot, win: MainWindow, startup: Startup) -> None:
    assert win.runner.shutdown(10_000)
    qtbot.waitUntil(win.runner.is_idle)
    startup.close()


def test_startup_makes_the_daily_backup_in_the_background(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win, startup = _start(qtbot, db_path, monkeypatch)
    with qtbot.waitSignal(startup.daily_backup_finished, timeout=30_000) as done:
        startup.start()
    result = done.args[0] if done.args else None
    assert isinstance(result, DailyBackup) and result.created is not None
    assert result.created.path.parent == backups_dir() and result.created.path.is_file()
    assert "今日自动备份已完成" in win.statusBar().currentMessage()
    assert win.navigation.isEnabled()
    _stop(qtbot, win, startup)


def test_a_failed_daily_backup_is_said_but_does_not_block(
    qtbot: QtBot, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> DailyBackup:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_service, "daily_backup_if_due", broken)
    win, startup = _start(qtbot, db_path, monkeypatch)
    with qtbot.waitSignal(startup.daily_backup_finished, timeout=30_000):
        startup.start()
    assert "每日自动备份没有完成" in win.statusBar().currentMessage()
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "dailyBackupFailed")
    assert isinstance(box, QMessageBox) and box.isVisible() and "可以继续工作" in box.text()
    assert not box.isModal()
    assert win.navigation.isEnabled() and win.current_page_key() == "workbench"
    box.close()
    _stop(qtbot, win, startup)


def test_a_changed_idle_time_applies_at_once(qtbot: QtBot, window: MainWindow, admin: ServiceContext) -> None:
    from app.services.users import SecuritySettings, save_security_settings

    startup = Startup(window, db=None, operator=None)
    startup.services = admin
    startup.start_idle_lock(admin)
    lock = startup.idle_lock
    assert lock is not None and lock.timeout_ms == 15 * 60_000  # the default
    _made.append(lock)
    save_security_settings(admin, SecuritySettings(idle_lock_minutes=2))
    window.runner.changed.emit(frozenset({"settings"}))
    assert lock.timeout_ms == 2 * 60_000 and lock.timer.isActive()
    save_security_settings(admin, SecuritySettings(idle_lock_minutes=0))
    window.runner.changed.emit(frozenset({"targets"}))  # unrelated: not re-read
    assert lock.timeout_ms == 2 * 60_000
    window.runner.changed.emit(frozenset({"settings"}))
    assert lock.timeout_ms == 0 and not lock.timer.isActive()
