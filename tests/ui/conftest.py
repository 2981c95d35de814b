"""UI test fixtures: a service context on a fresh database, a task runner, a sample county."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.ui.context import UiContext
from app.ui.operations import TaskRunner
from app.ui.pages.targets import TargetsPanel
from tests.fixtures import ctx, data_folder, db_path, db_url  # noqa: F401 - pytest fixtures
from tests.sample_county import SampleCounty, populate_sample


@pytest.fixture(autouse=True)
def no_message_box_left_open() -> Iterator[None]:
    """Close any message box a test left open, so that the next test cannot find it as its own.

    Error boxes are window-modal children of the dialog that failed; when that dialog outlives its
    test (Python's collector decides when), a later test looking for "the visible error dialog"
    would read the earlier test's message (seen once in CI: a 只读 refusal read by the draw page).
    """
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        for widget in app.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                # Silently: a box's own reaction to closing belongs to its test (「恢复完成」 quits
                # the application when closed, which would end the next test's event loops).
                widget.blockSignals(True)
                widget.close()


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    task_runner = TaskRunner()
    yield task_runner
    # Every operation must have been delivered before the database closes.
    assert task_runner.shutdown(10_000)
    qtbot.waitUntil(task_runner.is_idle, timeout=10_000)


@pytest.fixture
def ui(ctx: ServiceContext, runner: TaskRunner) -> UiContext:  # noqa: F811 - fixture from tests.fixtures
    return UiContext(services=ctx, runner=runner)


@pytest.fixture
def sample(ctx: ServiceContext) -> SampleCounty:  # noqa: F811
    return populate_sample(ctx, targets=120)


@pytest.fixture
def targets_panel(qtbot: QtBot, ui: UiContext, sample: SampleCounty) -> Iterator[TargetsPanel]:
    """The 检查对象 registry panel on the sample county, its first page loaded."""
    widget = TargetsPanel(ui)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.loaded, timeout=10_000):
        widget.show()
    yield widget
