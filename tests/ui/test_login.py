"""Once accounts exist the GUI asks for a login; a wrong password is refused without saying which part was wrong."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.db import open_database
from app.services.users import create_first_admin
from app.ui.dialogs.login import LoginDialog


def test_login_dialog_refuses_then_accepts(qtbot: QtBot, db_url: str) -> None:
    db = open_database(db_url)
    try:
        create_first_admin(db, username="admin", display_name="王主任", password="correct horse 1")
        dialog = LoginDialog(db)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.username, "admin")
        qtbot.keyClicks(dialog.password, "wrong password")
        dialog.try_login()
        assert dialog.services is None
        assert "用户名或密码不正确" in dialog.message.text()
        assert dialog.password.text() == ""
        qtbot.keyClicks(dialog.password, "correct horse 1")
        dialog.try_login()
        assert dialog.services is not None and dialog.services.user is not None
        assert dialog.services.user.username == "admin"
        assert dialog.result() == LoginDialog.DialogCode.Accepted
    finally:
        db.dispose()
