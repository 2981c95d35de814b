"""UI test fixtures: a service context on a fresh database, a task runner, a sample county."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.ui.context import UiContext
from app.ui.operations import TaskRunner
from tests.fixtures import ctx, data_folder, db_path, db_url  # noqa: F401 - pytest fixtures
from tests.sample_county import SampleCounty, populate_sample


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
