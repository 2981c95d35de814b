"""Application set-up: the embedded font, translations, opening the database, the demo offer."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from app.db import open_database
from app.services.context import ServiceContext
from app.services.departments import create_department, list_departments
from app.services.progress import Progress
from app.ui import application
from app.ui.application import (
    Startup,
    configure_application,
    describe_database,
    install_translators,
    load_cjk_font,
)
from app.ui.main_window import MainWindow
from tests.ui.helpers import visible_message_box

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def restore_app(qapp: QApplication) -> Iterator[QApplication]:
    font = qapp.font()
    yield qapp
    qapp.setFont(font)


def test_embedded_font_covers_chinese(restore_app: QApplication) -> None:
    family = load_cjk_font()
    assert family is not None and "WenQuanYi" in family
    metrics = QFontMetrics(QFont(family))
    assert all(metrics.inFontUcs4(ord(ch)) for ch in "检查对象名录库双随机一公开")
    configure_application(restore_app)
    assert restore_app.font().family() == family


def test_qt_strings_are_translated(qapp: QApplication) -> None:
    installed: list[QTranslator] = install_translators(qapp, "zh_CN")
    try:
        assert installed, "qtbase_zh_CN.qm not found"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)


def test_describe_database_hides_passwords(db_path: Path) -> None:
    assert describe_database(str(db_path)) == str(db_path.resolve())
    assert describe_database("postgresql+psycopg://user:secret@server/liancha") == (
        "postgresql+psycopg://user:***@server/liancha"
    )


def _start(qtbot: QtBot, db: str) -> tuple[MainWindow, Startup]:
    window = MainWindow(database_label=describe_database(db))
    qtbot.addWidget(window)
    startup = Startup(window, db=db, operator="李四")
    window.show()
    return window, startup


def _stop(qtbot: QtBot, window: MainWindow, startup: Startup) -> None:
    assert window.runner.shutdown(10_000)
    qtbot.waitUntil(window.runner.is_idle)
    startup.close()


def test_startup_opens_the_database_in_the_background(
    qtbot: QtBot, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, None)  # this build has no demo builder
    window, startup = _start(qtbot, db_url)
    assert not window.navigation.isEnabled()
    with qtbot.waitSignal(startup.ready, timeout=20_000):
        startup.start()
    assert window.navigation.isEnabled() and window.operator_label.text() == "操作人：李四"
    assert window.current_page_key() == "workbench"
    qtbot.waitUntil(window.runner.is_idle)
    assert startup.demo_offer is None  # no builder, no offer
    # No account yet: the first administrator is asked for (tests/ui/test_first_admin.py).
    qtbot.waitUntil(lambda: startup.first_admin_dialog is not None and startup.first_admin_dialog.isVisible())
    assert startup.first_admin_dialog is not None
    startup.first_admin_dialog.done(0)
    _stop(qtbot, window, startup)


def test_database_too_new_is_explained(qtbot: QtBot, db_path: Path) -> None:
    open_database(str(db_path)).dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num='9999_future'")
    window, startup = _start(qtbot, str(db_path))
    with qtbot.waitSignal(startup.failed, timeout=20_000) as failed:
        startup.start()
    assert "更新版本" in failed.args[0]
    box = visible_message_box()
    assert box is not None and "请安装最新版本的联查" in box.text()
    box.finished.disconnect()  # closing it would end the test's event loop with exit code 2
    box.close()
    _stop(qtbot, window, startup)


def test_not_a_database_is_explained(qtbot: QtBot, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_bytes(b"this is not a database file at all" * 100)
    window, startup = _start(qtbot, str(bogus))
    with qtbot.waitSignal(startup.failed, timeout=20_000):
        startup.start()
    box = visible_message_box()
    assert box is not None and box.windowTitle() == "无法完成操作" and "--db" in box.text()
    box.finished.disconnect()
    box.close()
    _stop(qtbot, window, startup)


def _fake_demo_module() -> types.ModuleType:
    """Stands in for the demo builder another branch provides (same call signature)."""
    module = types.ModuleType(application.DEMO_MODULE)
    calls: list[dict[str, object]] = []

    def is_database_empty(ctx: ServiceContext) -> bool:
        return not list_departments(ctx, include_inactive=True)

    def build_demo_county(ctx: ServiceContext, *, targets: int, seed: int, progress: Progress) -> None:
        calls.append({"targets": targets, "seed": seed})
        progress.update(0, 1, "正在生成部门")
        create_department(ctx, name="示范县市场监督管理局")
        progress.update(1, 1)

    module.is_database_empty = is_database_empty  # type: ignore[attr-defined]
    module.build_demo_county = build_demo_county  # type: ignore[attr-defined]
    module.calls = calls  # type: ignore[attr-defined]
    return module


def test_empty_database_is_offered_the_demo_county(
    qtbot: QtBot, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_demo_module()
    monkeypatch.setitem(sys.modules, application.DEMO_MODULE, fake)
    window, startup = _start(qtbot, db_url)
    with qtbot.waitSignal(startup.ready, timeout=20_000):
        startup.start()
    qtbot.waitUntil(lambda: startup.demo_offer is not None and startup.demo_offer.isVisible())
    offer = startup.demo_offer
    assert offer is not None and "示范县" in offer.text()
    load = next(b for b in offer.findChildren(QPushButton) if b.text() == "载入示范县")
    load.click()
    qtbot.waitUntil(lambda: visible_message_box("demoLoaded") is not None, timeout=10_000)
    assert fake.calls == [{"targets": application.DEMO_TARGETS, "seed": application.DEMO_SEED}]
    assert startup.services is not None
    assert [d.name for d in list_departments(startup.services)] == ["示范县市场监督管理局"]
    _stop(qtbot, window, startup)


def test_run_starts_and_closes(tmp_path: Path) -> None:
    """``run()`` end to end in a fresh process: the window opens the database, then closes with 0."""
    script = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from app.ui.application import run
        from app.ui.main_window import MainWindow

        def close_when_ready():
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, MainWindow) and widget.ui is not None and widget.runner.is_idle():
                    print("ready", widget.database_label.text())
                    widget.close()
                    return
            QTimer.singleShot(50, close_when_ready)

        app = QApplication(sys.argv[:1])
        QTimer.singleShot(50, close_when_ready)
        sys.exit(run(db={str(tmp_path / "run.sqlite3")!r}, operator="王五"))
        """
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(REPO),
        "LIANCHA_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "ready 数据库：" in done.stdout and "run.sqlite3" in done.stdout
