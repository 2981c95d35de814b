"""数据同步 page: task packages and registry updates in the outbox and the inbox (preview, decide, apply)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.models.registry import Target
from app.models.tasks import Inspection
from app.services.tasks import list_tasks
from app.ui.application import load_cjk_font
from app.ui.context import UiContext
from app.ui.operations import TaskRunner
from app.ui.pages.sync import SyncPage
from tests.unit.results.conftest import drawn_template  # noqa: F401 - session fixture
from tests.unit.sync.conftest import Field, field  # noqa: F401 - fixtures
from tests.unit.sync.test_registry_update import Sides, set_target, sides, targets  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def cjk_font(qapp: QApplication) -> Iterator[None]:
    family = load_cjk_font()
    assert family is not None
    old = qapp.font()
    qapp.setFont(QFont(family, 10))
    yield
    qapp.setFont(old)


def _page(qtbot: QtBot, ui: UiContext) -> SyncPage:
    page = SyncPage(ui)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    qtbot.waitUntil(lambda: page.view_data is not None and page.key_info is not None, timeout=15_000)
    return page


def _shot(widget: QWidget, path: str) -> None:
    widget.repaint()
    assert widget.grab().save(path)


def test_task_package_from_office_page_to_laptop_page(
    qtbot: QtBot,
    qtmodeltester: object,
    field: Field,  # noqa: F811
    runner: TaskRunner,
    tmp_path: Path,
) -> None:
    office = _page(qtbot, UiContext(services=field.office, runner=runner))
    task = next(t for t in list_tasks(field.office) if t.id == field.drawn.public_task)
    target = tmp_path / "package.lcb"
    office.choose_task = lambda: task  # type: ignore[method-assign]
    office.choose_save_path = lambda: str(target)  # type: ignore[method-assign]
    office.export_package()
    qtbot.waitUntil(lambda: "已生成任务包" in office.last_message, timeout=15_000)
    assert target.exists() and task.number in office.last_message

    laptop = _page(qtbot, UiContext(services=field.laptop, runner=runner))
    laptop.choose_open_path = lambda title, pattern: str(target)  # type: ignore[method-assign]
    laptop.choose_inbox_file()
    qtbot.waitUntil(lambda: laptop.apply_button.isEnabled(), timeout=15_000)
    assert "任务包" in laptop.inbox_label.text()
    assert not laptop.package_view.isHidden() and laptop.preview_view.isHidden()
    rows = {r.label: r for r in laptop.package_model.rows()}
    assert rows["检查记录"].added == len(field.drawn.public_inspections)
    qtmodeltester.check(laptop.package_model)  # type: ignore[attr-defined]
    laptop.tabs.setCurrentIndex(1)
    _shot(laptop, "/tmp/sync-package-preview.png")
    with field.laptop.read() as session:
        assert session.execute(select(func.count()).select_from(Inspection)).scalar() == 0  # preview only
    laptop.apply_inbox()
    qtbot.waitUntil(lambda: "任务包已导入" in laptop.last_message, timeout=15_000)
    with field.laptop.read() as session:
        count = session.execute(select(func.count()).select_from(Inspection)).scalar()
    assert count == len(field.drawn.public_inspections)


def test_classified_package_needs_a_recipient(
    qtbot: QtBot,
    field: Field,  # noqa: F811
    runner: TaskRunner,
    tmp_path: Path,
) -> None:
    office = _page(qtbot, UiContext(services=field.office, runner=runner))
    task = next(t for t in list_tasks(field.office) if t.id == field.drawn.classified_task)
    office.choose_task = lambda: task  # type: ignore[method-assign]
    office.choose_recipient = lambda: ""  # type: ignore[method-assign]
    office.choose_save_path = lambda: str(tmp_path / "secret.lcb")  # type: ignore[method-assign]
    office.export_package()
    assert "必须加密" in office.last_message and not (tmp_path / "secret.lcb").exists()


def test_registry_update_diff_decide_apply(
    qtbot: QtBot,
    qtmodeltester: object,
    sides: Sides,  # noqa: F811
    runner: TaskRunner,
    tmp_path: Path,
) -> None:
    platform = _page(qtbot, UiContext(services=sides.platform, runner=runner))
    first = tmp_path / "registry-1.lcb"
    platform.choose_save_path = lambda: str(first)  # type: ignore[method-assign]
    platform.export_registry_snapshot()
    qtbot.waitUntil(lambda: "已生成名录快照" in platform.last_message, timeout=15_000)

    office = _page(qtbot, UiContext(services=sides.office, runner=runner))
    office.choose_open_path = lambda title, pattern: str(first)  # type: ignore[method-assign]
    office.choose_inbox_file()
    qtbot.waitUntil(lambda: office.apply_button.isEnabled(), timeout=15_000)
    office.apply_inbox()
    qtbot.waitUntil(lambda: "名录更新已应用" in office.last_message, timeout=15_000)

    a, b = targets(sides.platform)[:2]
    set_target(sides.platform, a.uid, address="平台登记的新地址")
    set_target(sides.office, a.uid, address="办公室核实的新地址")
    set_target(sides.platform, b.uid, legal_rep="赵六")
    second = tmp_path / "registry-2.lcb"
    platform.choose_save_path = lambda: str(second)  # type: ignore[method-assign]
    platform.export_registry_snapshot()
    qtbot.waitUntil(lambda: str(second) in platform.last_message, timeout=15_000)

    office.choose_open_path = lambda title, pattern: str(second)  # type: ignore[method-assign]
    office.choose_inbox_file()
    qtbot.waitUntil(lambda: office.diff_model.rowCount() == 2, timeout=15_000)
    assert not office.diff_view.isHidden() and not office.decision_row.isHidden()
    assert not office.apply_button.isEnabled()  # a conflict is undecided
    assert "冲突待决定" in office.inbox_label.text()
    qtmodeltester.check(office.diff_model)  # type: ignore[attr-defined]
    office.tabs.setCurrentIndex(1)
    _shot(office, "/tmp/sync-registry-diff.png")
    row = office.diff_model.find(lambda c: c.action == "conflict")
    office.diff_view.selectionModel().select(
        office.diff_model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    office.decide_selected("local")
    assert office.apply_button.isEnabled()
    assert "保留本地" in str(office.diff_model.data(office.diff_model.index(row, 3)))
    office.apply_inbox()
    qtbot.waitUntil(
        lambda: "名录更新已应用" in office.last_message and "第 2 版" in office.last_message, timeout=15_000
    )
    rows = {t.uid: t for t in targets(sides.office)}
    assert rows[a.uid].address == "办公室核实的新地址" and rows[b.uid].legal_rep == "赵六"
    with sides.office.read() as session:
        assert session.execute(select(func.count()).select_from(Target)).scalar() == len(
            targets(sides.platform)
        )
