"""系统管理 page: users through the services (refusal shown to non-admins), audit browsing, backup and restore."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.models.users import Role
from app.services.audit_trail import AuditFilter, count_audit
from app.services.backup import daily_backup_if_due
from app.services.context import ServiceContext
from app.services.users import UserData, create_first_admin, create_user, list_users
from app.ui.context import UiContext
from app.ui.dialogs.user import ResetPasswordDialog, UserDialog
from app.ui.errors import ERROR_DIALOG_NAME
from app.ui.operations import TaskRunner
from app.ui.pages.admin import AdminPage, AuditTableModel
from tests.security import PASSWORD, fast_hasher, login  # noqa: F401 - fixture
from tests.ui.helpers import type_text


@pytest.fixture
def admin(ctx: ServiceContext, fast_hasher: None) -> ServiceContext:  # noqa: F811
    create_first_admin(
        ctx.db, username="admin", display_name="王主任", password=PASSWORD, roles=(Role.ADMIN,)
    )
    return login(ctx.db, "admin")


@pytest.fixture
def page(qtbot: QtBot, admin: ServiceContext, runner: TaskRunner) -> AdminPage:
    widget = AdminPage(UiContext(services=admin, runner=runner))
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    return widget


def _show(qtbot: QtBot, page: AdminPage, index: int) -> None:
    page.tabs.setCurrentIndex(index)
    panel = (page.users, page.audit, page.backup)[index]
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        page.show()


def test_users_tab_warns_of_single_user_mode_until_an_account_exists(
    qtbot: QtBot, ctx: ServiceContext, runner: TaskRunner
) -> None:
    widget = AdminPage(UiContext(services=ctx, runner=runner))
    qtbot.addWidget(widget)
    _show(qtbot, widget, 0)
    assert widget.users.single_user_note.isVisible()
    assert "单用户模式" in widget.users.single_user_note.text()


def test_users_tab_creates_an_account_through_the_service(
    qtbot: QtBot, qtmodeltester: ModelTester, page: AdminPage, admin: ServiceContext
) -> None:
    _show(qtbot, page, 0)
    assert not page.users.single_user_note.isVisible()
    qtmodeltester.check(page.users.model)  # type: ignore[no-untyped-call]
    assert [r.username for r in page.users.model.rows()] == ["admin"]

    dialog = page.users.add()
    assert isinstance(dialog, UserDialog)
    type_text(dialog.username, "zhangsan")
    type_text(dialog.display_name, "张三")
    dialog.role_checks[Role.READONLY].setChecked(True)
    type_text(dialog.password, "sixteen-chars-1")
    type_text(dialog.password_again, "sixteen-chars-2")
    dialog.save()
    assert any("两次输入的密码不一致" in label.text() for label in dialog.findChildren(QLabel))
    dialog.password_again.clear()
    type_text(dialog.password_again, "sixteen-chars-1")
    with qtbot.waitSignal(page.users.loaded, timeout=10_000):
        dialog.save()
    names = [r.username for r in page.users.model.rows()]
    assert names == ["admin", "zhangsan"]
    row = next(r for r in list_users(admin) if r.username == "zhangsan")
    assert row.roles == (Role.READONLY,) and row.must_change_password
    qtmodeltester.check(page.users.model)  # type: ignore[no-untyped-call]


def test_users_tab_resets_password_and_deactivates(
    qtbot: QtBot, page: AdminPage, admin: ServiceContext
) -> None:
    user_id = create_user(admin, UserData("lisi", "李四", (Role.READONLY,)), password=PASSWORD)
    _show(qtbot, page, 0)
    page.users.select_id(user_id)
    dialog = page.users.reset_selected()
    assert isinstance(dialog, ResetPasswordDialog)
    type_text(dialog.password, "short")
    type_text(dialog.password_again, "short")
    dialog.save()
    qtbot.waitUntil(lambda: "密码" in dialog.message.text(), timeout=10_000)
    assert "至少" in dialog.message.text()

    from app.services.users import set_user_active

    set_user_active(admin, user_id, False, reason="调离")
    with qtbot.waitSignal(page.users.loaded, timeout=10_000):
        page.users.reload()
    row = next(r for r in page.users.model.rows() if r.id == user_id)
    assert not row.active


def test_non_admin_sees_the_services_refusal(
    qtbot: QtBot,
    admin: ServiceContext,
    runner: TaskRunner,
    fast_hasher: None,  # noqa: F811
) -> None:
    create_user(
        admin, UserData("viewer", "只读员", (Role.READONLY,)), password=PASSWORD, must_change_password=False
    )
    viewer = login(admin.db, "viewer")
    page = AdminPage(UiContext(services=viewer, runner=runner))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.users.loaded, timeout=10_000):
        page.show()
    assert page.users.refusal.isVisible()
    assert "管理用户" in page.users.refusal.text()
    assert page.users.model.rowCount() == 0
    assert not page.users.view.isEnabled()
    assert not page.users.add_user_button.isEnabled()
    # The refusal comes from the service: editing an account fails there, not only in the page.
    assert page.users._open(1) is None


def test_audit_tab_pages_filters_verifies_and_exports(
    qtbot: QtBot, qtmodeltester: ModelTester, page: AdminPage, admin: ServiceContext, tmp_path: Path
) -> None:
    for n in range(450):  # every account created writes an entry: more than two pages of 200
        create_user(admin, UserData(f"user{n:03d}", f"用户{n}", (Role.READONLY,)), password=PASSWORD)
    total = count_audit(admin)
    _show(qtbot, page, 1)
    audit = page.audit
    assert audit.model.rowCount() == total
    assert audit.model.fetch_count <= 1  # only the visible page has been read
    qtmodeltester.check(audit.model)  # type: ignore[no-untyped-call]
    assert audit.model.row_at(total - 1) is not None

    type_text(audit.date_from, "2026-13-01")
    audit.apply_filter()
    assert "起始日期" in audit.message.text()
    audit.date_from.clear()

    type_text(audit.who, "王主任")
    audit.entity.set_value("users")
    with qtbot.waitSignal(audit.loaded, timeout=10_000):
        audit.apply_filter()
    assert audit.model.rowCount() == count_audit(admin, AuditFilter(who="王主任", entity="users"))
    audit.view.selectRow(0)
    assert "哈希" in audit.detail.toPlainText()

    with qtbot.waitSignal(audit.chain_checked, timeout=20_000) as blocker:
        audit.verify_chain()
    assert blocker.args is not None and blocker.args[0].ok

    with qtbot.waitSignal(audit.exported, timeout=20_000) as exported:
        audit.export_to(tmp_path / "留痕.csv")
    with open(tmp_path / "留痕.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "编号" and len(rows) - 1 == exported.args[0] == audit.model.rowCount()
    assert all("王主任" in r[2] for r in rows[1:])

    # An entry edited behind the program's back is named by the check.
    with admin.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET summary = '篡改' WHERE id = 5"))
    with qtbot.waitSignal(audit.chain_checked, timeout=20_000) as blocker:
        audit.verify_chain()
    report = blocker.args[0] if blocker.args else None
    assert report is not None and not report.ok and report.first_broken_id == 5
    assert "第 5 条" in audit.chain_label.text()


def test_audit_model_reads_pages_lazily(qtmodeltester: ModelTester) -> None:
    from datetime import UTC, datetime

    from app.services.audit_trail import AuditRow

    def fetch(offset: int, limit: int) -> list[AuditRow]:
        return [
            AuditRow(
                i, datetime(2026, 1, 1, tzinfo=UTC), "甲", "create", "新增", "users", "用户", str(i),
                f"摘要{i}", "", None, None, None, False, "h",
            )
            for i in range(offset, min(offset + limit, 1000))
        ]  # fmt: skip

    model = AuditTableModel()
    model.reset(1000, fetch)
    assert model.fetch_count == 0
    assert model.row_at(999) is not None and model.fetch_count == 1
    assert model.row_at(998) is not None and model.fetch_count == 1
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]


@pytest.mark.sqlite_only  # restores over the open file; a server is not restored over from a desk
def test_backup_tab_backs_up_lists_and_restores(
    qtbot: QtBot, qtmodeltester: ModelTester, page: AdminPage, admin: ServiceContext, tmp_path: Path
) -> None:
    daily = daily_backup_if_due(admin.db)
    assert daily.created is not None
    _show(qtbot, page, 2)
    backup = page.backup
    qtmodeltester.check(backup.model)  # type: ignore[no-untyped-call]
    assert [b.path for b in backup.model.rows()] == [daily.created.path]
    assert "保留 30 天" in backup.settings_label.text()

    out = tmp_path / "手动备份"
    with qtbot.waitSignal(backup.backed_up, timeout=20_000) as made:
        backup.backup_to(out)
    assert made.args is not None and made.args[0].path == tmp_path / "手动备份.zip"
    assert (tmp_path / "手动备份.zip").is_file()

    # Something entered after the backup is gone after the restore; the old database is kept aside.
    create_user(admin, UserData("later", "后来者", (Role.READONLY,)), password=PASSWORD)
    backup.view.selectRow(0)
    box = None

    def confirm_shown() -> bool:
        nonlocal box
        box = backup.findChild(QMessageBox, "confirmRestore")
        return box is not None

    backup.restore_selected()
    qtbot.waitUntil(confirm_shown, timeout=20_000)
    assert box is not None
    text = box.text()
    assert "当前数据库不会删除" in text and "重新启动" in text
    with qtbot.waitSignal(backup.restored, timeout=20_000) as restored:
        backup.restore(daily.created.path)
    report = restored.args[0] if restored.args else None
    assert report is not None and report.previous_database is not None and report.previous_database.exists()
    db_file = admin.db.file_path
    assert db_file is not None
    with sqlite3.connect(db_file) as conn:
        names = {r[0] for r in conn.execute("SELECT username FROM users")}
    assert names == {"admin"}


def test_system_settings_save_and_refuse_without_partial_change(
    qtbot: QtBot, page: AdminPage, admin: ServiceContext, runner: TaskRunner
) -> None:
    from app.services.backup import backup_settings
    from app.services.users import get_security_settings

    # The dialogs are children of their page (closed with it) and delete themselves when they
    # finish: registering them with qtbot as well would make its teardown close a deleted object.
    dialog = page.open_settings()
    dialog.idle_lock_minutes.setValue(5)
    dialog.keep_days.setValue(0)  # refused by the backup rule
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    assert dialog.isVisible()
    assert any("1 到 3650" in label.text() for label in dialog.findChildren(QLabel))
    assert get_security_settings(admin).idle_lock_minutes == 15  # nothing half-saved

    dialog.keep_days.setValue(60)
    dialog.idle_lock_minutes.setValue(0)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save()
    assert get_security_settings(admin).idle_lock_minutes == 0
    assert backup_settings(admin.db).keep_days == 60

    create_user(
        admin, UserData("viewer", "只读员", (Role.READONLY,)), password=PASSWORD, must_change_password=False
    )
    viewer_page = AdminPage(UiContext(services=login(admin.db, "viewer"), runner=runner))
    qtbot.addWidget(viewer_page)
    refused = viewer_page.open_settings()
    refused.idle_lock_minutes.setValue(1)
    refused.save()
    qtbot.waitUntil(lambda: not refused.saving, timeout=10_000)
    assert get_security_settings(admin).idle_lock_minutes == 0  # the service refused the viewer
    box = refused.findChild(QMessageBox, ERROR_DIALOG_NAME)
    assert box is not None and box.isVisible() and "修改系统设置" in box.text() and "只读" in box.text()
    box.close()
    refused.reject()


def test_backup_cancel_button_stops_it_and_says_so(
    qtbot: QtBot, page: AdminPage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import threading

    from app.services.progress import Progress
    from app.ui import operations
    from app.ui.pages import admin as admin_page

    started = threading.Event()
    seen: list[Progress] = []

    def slow_backup(_ctx: ServiceContext, _out: Path, *, progress: Progress) -> None:
        # Stands for a large attachments folder: copies until told to stop, as the service does.
        seen.append(progress)
        started.set()
        for _ in range(2_000):
            progress.check()
            threading.Event().wait(0.01)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(admin_page, "create_backup", slow_backup)
    monkeypatch.setattr(operations, "SHOW_PROGRESS_AFTER_MS", 0)
    _show(qtbot, page, 2)
    page.backup.backup_to(tmp_path / "大备份.zip")
    qtbot.waitUntil(started.is_set, timeout=10_000)
    dialog = None

    def progress_shown() -> bool:
        nonlocal dialog
        dialog = next(
            (w for w in page.findChildren(operations.ProgressDialog) if w.isVisible()),
            None,
        )
        return dialog is not None

    qtbot.waitUntil(progress_shown, timeout=10_000)
    assert dialog is not None
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: page.backup.findChild(QMessageBox, "backupCancelled") is not None, timeout=10_000)
    box = page.backup.findChild(QMessageBox, "backupCancelled")
    assert box is not None and "大备份.zip" in box.text()
    assert seen and seen[0].cancelled
    assert not (tmp_path / "大备份.zip").exists()
    box.close()


def test_restore_progress_offers_no_cancel_that_would_do_nothing(
    qtbot: QtBot, page: AdminPage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import threading

    from app.ui import operations
    from app.ui.pages import admin as admin_page

    release = threading.Event()
    started = threading.Event()

    def slow_restore(_ctx: ServiceContext, _path: Path) -> None:
        started.set()
        release.wait(10)
        raise RuntimeError("stop here")  # the test only looks at the dialog

    monkeypatch.setattr(admin_page, "restore_open_database", slow_restore)
    monkeypatch.setattr(operations, "SHOW_PROGRESS_AFTER_MS", 0)
    _show(qtbot, page, 2)
    page.backup.restore(tmp_path / "x.zip")
    qtbot.waitUntil(started.is_set, timeout=10_000)
    dialogs: list[operations.ProgressDialog] = []

    def shown() -> bool:
        dialogs[:] = [w for w in page.findChildren(operations.ProgressDialog) if w.isVisible()]
        return bool(dialogs)

    qtbot.waitUntil(shown, timeout=10_000)
    assert not dialogs[0].cancel_button.isVisible()
    release.set()
    qtbot.waitUntil(lambda: page.findChild(QMessageBox, ERROR_DIALOG_NAME) is not None, timeout=10_000)
