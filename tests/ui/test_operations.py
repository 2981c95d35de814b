"""The background-operation helper: results on the UI thread, errors in Chinese, cancel, progress."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.services.errors import ConflictError, FieldError, ServiceError, ValidationError
from app.services.progress import Progress
from app.ui.errors import ERROR_DIALOG_NAME, explain
from app.ui.operations import CollectionOp, ProgressDialog, QueryOp, TaskRunner


def _visible_error_boxes() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == ERROR_DIALOG_NAME and w.isVisible()
    ]


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_success_runs_off_the_ui_thread_and_reports_on_it(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    main = QThread.currentThread()
    seen: dict[str, object] = {}

    def work(_progress: Progress) -> int:
        seen["worker_is_main"] = QThread.currentThread() is main
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_is_main"] = QThread.currentThread() is main

    with qtbot.waitSignal(runner.changed, timeout=5000) as changed:
        CollectionOp(parent=parent, runner=runner, op=work, changes=("targets",)).success(
            done
        ).run_in_background()
    assert seen == {"worker_is_main": False, "value": 42, "callback_is_main": True}
    assert changed.args == [frozenset({"targets"})]
    qtbot.waitUntil(runner.is_idle)


def test_service_error_is_shown_plainly(qtbot: QtBot, runner: TaskRunner, parent: QWidget) -> None:
    def fail(_progress: Progress) -> None:
        raise ServiceError("该任务已经抽取过检查对象，不能再次抽取。")

    QueryOp(parent=parent, runner=runner, op=fail).run_in_background()
    qtbot.waitUntil(lambda: bool(_visible_error_boxes()))
    box = _visible_error_boxes()[0]
    assert box.windowTitle() == "无法完成操作"
    assert "不能再次抽取" in box.text()
    assert box.detailedText() == ""  # the user's to act on: no traceback
    box.close()


def test_unexpected_exception_is_a_program_error_with_traceback(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    def crash(_progress: Progress) -> None:
        raise ZeroDivisionError("boom")

    QueryOp(parent=parent, runner=runner, op=crash).run_in_background()
    qtbot.waitUntil(lambda: bool(_visible_error_boxes()))
    box = _visible_error_boxes()[0]
    assert box.windowTitle() == "程序错误"
    assert "ZeroDivisionError" in box.detailedText() and "crash" in box.detailedText()
    box.close()


def test_failure_callback_replaces_the_dialog(qtbot: QtBot, runner: TaskRunner, parent: QWidget) -> None:
    caught: list[BaseException] = []

    def fail(_progress: Progress) -> None:
        raise ConflictError("检查对象已被其他人修改")

    QueryOp(parent=parent, runner=runner, op=fail).failure(caught.append).run_in_background()
    qtbot.waitUntil(lambda: bool(caught))
    assert isinstance(caught[0], ConflictError)
    assert not _visible_error_boxes()


def test_cancel_raises_interrupted_which_is_ignored_silently(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    started = threading.Event()
    outcomes: list[str] = []

    def long_job(progress: Progress) -> str:
        progress.update(0, 100, "正在导入检查对象")
        started.set()
        while True:  # a core loop checking for cancellation at safe points
            progress.check()
            started.wait(0.01)

    op = CollectionOp(parent=parent, runner=runner, op=long_job).with_progress("正在导入…", show_after_ms=0)
    op.success(lambda _r: outcomes.append("success")).failure(lambda _e: outcomes.append("failure"))
    op.cancelled(lambda: outcomes.append("cancelled"))
    progress = op.run_in_background()
    qtbot.waitUntil(started.is_set)
    dialog = parent.findChild(ProgressDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert progress.cancelled
    qtbot.waitUntil(runner.is_idle)
    assert outcomes == ["cancelled"]
    assert not _visible_error_boxes()


def test_progress_dialog_polls_the_progress(qtbot: QtBot, runner: TaskRunner, parent: QWidget) -> None:
    release = threading.Event()
    reported = threading.Event()

    def job(progress: Progress) -> None:
        progress.update(37, 200, "已读取 37 / 200 行")
        reported.set()
        release.wait(10)

    CollectionOp(parent=parent, runner=runner, op=job).with_progress(
        "正在读取", show_after_ms=0
    ).run_in_background()
    qtbot.waitUntil(reported.is_set)
    dialog = parent.findChild(ProgressDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.bar.value() == 37 and dialog.bar.maximum() == 200)
    assert dialog.label.text() == "已读取 37 / 200 行"
    release.set()
    qtbot.waitUntil(runner.is_idle)
    qtbot.waitUntil(lambda: parent.findChild(ProgressDialog) is None)


def test_writes_are_serialised(qtbot: QtBot, runner: TaskRunner, parent: QWidget) -> None:
    active = 0
    most = 0
    lock = threading.Lock()

    def write(_progress: Progress) -> None:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        threading.Event().wait(0.02)
        with lock:
            active -= 1

    for _ in range(4):
        CollectionOp(parent=parent, runner=runner, op=write, changes=()).run_in_background()
    qtbot.waitUntil(runner.is_idle, timeout=5000)
    assert most == 1


def test_newer_query_with_same_key_discards_the_older_result(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    gate = threading.Event()
    results: list[str] = []

    def slow(_progress: Progress) -> str:
        gate.wait(5)
        return "old"

    QueryOp(parent=parent, runner=runner, op=slow, key="search").success(results.append).run_in_background()
    QueryOp(parent=parent, runner=runner, op=lambda _p: "new", key="search").success(
        results.append
    ).run_in_background()
    qtbot.waitUntil(lambda: results == ["new"])
    gate.set()
    qtbot.waitUntil(runner.is_idle)
    assert results == ["new"]


def test_explain_validation_error_lists_fields() -> None:
    report = explain(ValidationError([FieldError("名称", "不能为空"), FieldError("部门", "请选择所属部门")]))
    assert not report.is_bug
    assert "• 名称：不能为空" in report.text and "• 部门：请选择所属部门" in report.text


def test_explain_locked_database_is_not_a_bug() -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    exc = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    report = explain(exc)
    assert not report.is_bug and "占用" in report.text


def test_runner_shutdown_waits(qtbot: QtBot, parent: QWidget) -> None:
    local = TaskRunner()
    CollectionOp(parent=parent, runner=local, op=lambda p: p.check(), changes=()).run_in_background()
    assert local.shutdown(5000)
    qtbot.waitUntil(local.is_idle)


def test_an_operation_that_cannot_stop_offers_no_cancel(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    release = threading.Event()
    started = threading.Event()

    def job(_progress: Progress) -> str:
        started.set()
        release.wait(10)
        return "done"

    results: list[str] = []
    progress = (
        CollectionOp(parent=parent, runner=runner, op=job)
        .with_progress("正在恢复", show_after_ms=0, cancellable=False)
        .success(results.append)
        .run_in_background()
    )
    qtbot.waitUntil(started.is_set)
    dialog = parent.findChild(ProgressDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert not dialog.cancel_button.isVisible() and dialog.no_cancel.isVisible()
    assert "不能中途取消" in dialog.no_cancel.text()
    dialog.reject()  # Esc or the window's ×: nothing to cancel
    assert not progress.cancelled
    release.set()
    qtbot.waitUntil(lambda: results == ["done"])
