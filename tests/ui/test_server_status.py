"""Several desks on a server: the status bar says whether it answers, focus shows other desks' changes."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import OperationalError

from app.db import create_db_engine, open_database
from app.services.context import ServiceContext
from app.services.targets import TargetData, create_target
from app.ui.context import UiContext
from app.ui.errors import explain, is_connection_lost
from app.ui.main_window import MainWindow
from app.ui.pages.registry import RegistryPage

UNREACHABLE = "postgresql+psycopg://liancha:secret@127.0.0.1:9/liancha"


def _window(qtbot: QtBot, ui: UiContext) -> MainWindow:
    window = MainWindow(database_label="测试库", runner=ui.runner)
    qtbot.addWidget(window)
    window.attach(ui)
    window.show()
    return window


def _lost() -> OperationalError:
    return OperationalError(
        "SELECT 1", {}, Exception('connection to server at "10.0.0.5", port 5432 failed: Connection refused')
    )


def test_connection_loss_is_explained_as_such() -> None:
    report = explain(_lost())
    assert report.title == "数据库暂时无法使用" and not report.is_bug
    assert "连接中断" in report.text and "没有丢失" in report.text and "再保存一次" in report.text
    assert is_connection_lost(_lost())
    assert not is_connection_lost(OperationalError("x", {}, Exception("database is locked")))
    assert not is_connection_lost(ValueError("connection refused"))


@pytest.mark.sqlite_only
def test_a_file_database_shows_no_server_status(qtbot: QtBot, ui: UiContext) -> None:
    window = _window(qtbot, ui)
    qtbot.waitUntil(ui.runner.is_idle)
    assert not window.on_server() and window.server_label.isHidden()
    assert not window.server_timer.isActive()


@pytest.mark.postgres_only
def test_status_bar_follows_the_server(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window(qtbot, ui)
    assert window.on_server() and window.server_timer.isActive()
    qtbot.waitUntil(lambda: window.server_label.text() == "服务器连接正常", timeout=10_000)
    assert window.server_label.isVisible()
    # The server goes away (the same as a pulled network cable: nobody answers).
    real_engine = ctx.db.engine
    dead = create_db_engine(UNREACHABLE)
    monkeypatch.setattr(ctx.db, "engine", dead)
    window.check_server()
    qtbot.waitUntil(lambda: window.server_label.text() == "服务器无法连接", timeout=20_000)
    assert "连接中断" in window.statusBar().currentMessage()
    assert "无法连接服务器" in window.server_label.toolTip()
    # It comes back: said so, and every open page reloads.
    reloads: list[Any] = []
    ui.runner.changed.connect(reloads.append)
    monkeypatch.setattr(ctx.db, "engine", real_engine)
    dead.dispose()
    window.check_server()
    qtbot.waitUntil(lambda: window.server_label.text() == "服务器连接正常", timeout=10_000)
    assert "已恢复" in window.statusBar().currentMessage()
    assert frozenset({"*"}) in reloads
    qtbot.waitUntil(ui.runner.is_idle)


@pytest.mark.postgres_only
def test_a_failed_operation_marks_the_server_unreachable(qtbot: QtBot, ui: UiContext) -> None:
    window = _window(qtbot, ui)
    qtbot.waitUntil(lambda: window.server_reachable is True, timeout=10_000)
    ui.runner.connection_lost.emit()
    assert window.server_label.text() == "服务器无法连接"


@pytest.mark.postgres_only
def test_coming_back_to_the_window_shows_other_desks_changes(
    qtbot: QtBot, ui: UiContext, ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_target(ctx, TargetData(name="青山县本机录入的商户"))
    window = _window(qtbot, ui)
    registry = window.open_page("registry")
    assert isinstance(registry, RegistryPage)
    panel = registry.show_tab("targets")
    count = panel.count_label  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: count.text() == "共 1 条", timeout=10_000)
    # Another desk, with its own connection, adds a target on the server.
    other_desk = ServiceContext(db=open_database(ctx.db.url), operator="另一台电脑")
    try:
        create_target(other_desk, TargetData(name="青山县另一台电脑录入的商户"))
    finally:
        other_desk.db.dispose()
    # The operator switches back to LianCha from another program.
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    monkeypatch.setattr("app.ui.main_window.FOCUS_REFRESH_MIN_MS", 0)
    from PySide6.QtCore import QEvent

    window.changeEvent(QEvent(QEvent.Type.ActivationChange))
    qtbot.waitUntil(lambda: count.text() == "共 2 条", timeout=10_000)
    qtbot.waitUntil(ui.runner.is_idle)


def test_starting_on_an_unreachable_server_is_explained(qtbot: QtBot, data_folder: object) -> None:
    from app.ui.application import Startup, describe_database
    from tests.ui.helpers import visible_message_box

    window = MainWindow(database_label=describe_database(UNREACHABLE))
    qtbot.addWidget(window)
    startup = Startup(window, db=UNREACHABLE, operator="李四")
    window.show()
    with qtbot.waitSignal(startup.failed, timeout=30_000) as failed:
        startup.start()
    assert "无法连接数据库服务器" in failed.args[0] and "secret" not in failed.args[0]
    box = visible_message_box()
    assert box is not None and "服务器电脑是否开机" in box.text()
    box.finished.disconnect()  # closing it would end the test's event loop with exit code 2
    box.close()
    assert window.runner.shutdown(10_000)
    qtbot.waitUntil(window.runner.is_idle)
    startup.close()
