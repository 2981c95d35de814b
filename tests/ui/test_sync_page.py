"""数据同步 page on real temp databases: outbox, upload, inbox preview/apply, receipts, keys, status bar."""
# ruff: noqa: F811 - the pair fixture is imported from the sync tests and used as a parameter

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.models.enums import SyncState
from app.models.results import ResultVersion
from app.services.sync import export_results_batch, import_batch, my_key_card
from app.services.sync_online import set_endpoint
from app.ui.application import load_cjk_font
from app.ui.context import UiContext
from app.ui.main_window import MainWindow
from app.ui.operations import TaskRunner
from app.ui.pages.sync import SyncPage
from tests.unit.results.conftest import drawn_template  # noqa: F401 - session fixture
from tests.unit.sync.conftest import Pair, make_installation, pair  # noqa: F401 - fixtures
from tests.unit.sync.online_server import Gateway, serve
from tests.unit.sync.test_results_sync import submit


@pytest.fixture
def laptop_ui(pair: Pair, runner: TaskRunner) -> UiContext:
    return UiContext(services=pair.laptop, runner=runner)


@pytest.fixture
def office_ui(pair: Pair, runner: TaskRunner) -> UiContext:
    return UiContext(services=pair.office, runner=runner)


def _page(qtbot: QtBot, ui: UiContext) -> SyncPage:
    page = SyncPage(ui)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    qtbot.waitUntil(lambda: page.view_data is not None and page.key_info is not None, timeout=15_000)
    return page


@pytest.fixture(autouse=True)
def cjk_font(qapp: QApplication) -> Iterator[None]:
    """The shipped CJK font as the application font before any page is built, as the app does at start.

    The bare test machine has no Chinese font; without this the screenshots show boxes.
    """
    family = load_cjk_font()
    assert family is not None
    old = qapp.font()
    qapp.setFont(QFont(family, 10))
    yield
    qapp.setFont(old)


def _shot(widget: QWidget, path: str) -> None:
    widget.repaint()
    assert widget.grab().save(path)


def _versions(pair: Pair) -> int:
    with pair.office.read() as session:
        return len(session.execute(select(ResultVersion.id)).all())


def test_outbox_lists_pending_and_exports_a_batch(
    qtbot: QtBot,
    qtmodeltester: object,
    laptop_ui: UiContext,
    pair: Pair,
    tmp_path: Path,
) -> None:
    for i in pair.drawn.public_inspections[:2]:
        submit(pair.laptop, i)
    page = _page(qtbot, laptop_ui)
    assert "公开结果：待确认 2 条" in page.summary.text()
    assert not page.upload_button.isEnabled()  # no endpoint: files only
    assert "U盘" in page.endpoint_label.text()
    target = tmp_path / "out" / "batch1"
    target.parent.mkdir()
    page.choose_save_path = lambda: str(target)  # type: ignore[method-assign]
    page.export_batch()
    qtbot.waitUntil(lambda: "已生成" in page.last_message, timeout=15_000)
    assert Path(str(target) + ".lcb").is_file()
    qtbot.waitUntil(lambda: page.outbox_model.rowCount() == 1, timeout=15_000)
    assert page.outbox_model.index(0, 4).data() == "已生成"
    qtmodeltester.check(page.outbox_model)  # type: ignore[attr-defined]
    _shot(page, "/tmp/synconline-outbox.png")


def test_upload_and_fetch_from_the_page_and_history(
    qtbot: QtBot,
    qtmodeltester: object,
    laptop_ui: UiContext,
    pair: Pair,
    tmp_path: Path,
) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])

    def imported(batch_id: str, data: bytes) -> bytes:
        incoming = tmp_path / f"in-{batch_id}.lcb"
        incoming.write_bytes(data)
        receipt = tmp_path / f"r-{batch_id}.lcr"
        import_batch(pair.office, incoming, receipt_path=receipt)
        return receipt.read_bytes()

    gw = Gateway(on_complete=imported)
    with serve(gw) as url:
        page = _page(qtbot, laptop_ui)
        page.endpoint_edit.setText(url)
        page.save_endpoint()
        qtbot.waitUntil(lambda: page.upload_button.isEnabled(), timeout=15_000)
        page.upload()
        qtbot.waitUntil(lambda: "已上传" in page.last_message, timeout=15_000)
        qtbot.waitUntil(lambda: page.outbox_model.rowCount() == 1, timeout=15_000)
        qtbot.waitUntil(lambda: page.outbox_model.index(0, 4).data() == "已发送", timeout=15_000)
        page.fetch()
        qtbot.waitUntil(lambda: "新确认 1 条" in page.last_message, timeout=15_000)
        qtbot.waitUntil(lambda: page.outbox_model.index(0, 4).data() == "已确认", timeout=15_000)
    qtbot.waitUntil(lambda: page.history_model.rowCount() == 2, timeout=15_000)
    assert page.history_model.index(0, 2).data() == "已取回回执"
    assert page.last_sync_label.text().startswith("最近一次成功同步：20")
    qtmodeltester.check(page.history_model)  # type: ignore[attr-defined]
    page.tabs.setCurrentIndex(3)
    _shot(page, "/tmp/synconline-history.png")


def test_upload_unreachable_says_so(qtbot: QtBot, laptop_ui: UiContext, pair: Pair) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    set_endpoint(pair.laptop, "http://127.0.0.1:9/x")
    page = _page(qtbot, laptop_ui)
    import app.services.sync_online as online

    # Keep the page's retries instant; the back-off itself is tested in tests/unit/sync/test_online.py.
    original = online.upload_pending
    page_module_upload = "app.ui.pages.sync.upload_pending"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(page_module_upload, lambda ctx: original(ctx, max_attempts=2, sleep=lambda _s: None))
        page.upload()
        qtbot.waitUntil(lambda: page.last_message.startswith("未完成"), timeout=20_000)
    assert "无法连接上传地址" in page.last_message and "U盘" in page.last_message
    with pair.laptop.read() as session:
        assert set(session.execute(select(ResultVersion.sync_state)).scalars()) == {SyncState.SENT}


def test_inbox_preview_apply_and_receipt(
    qtbot: QtBot,
    qtmodeltester: object,
    office_ui: UiContext,
    laptop_ui: UiContext,
    pair: Pair,
) -> None:
    for i in pair.drawn.public_inspections[:2]:
        submit(pair.laptop, i)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    office = _page(qtbot, office_ui)
    before = _versions(pair)
    office.choose_open_path = lambda title, pattern: str(batch.path)  # type: ignore[method-assign]
    office.choose_inbox_file()
    qtbot.waitUntil(lambda: office.apply_button.isEnabled(), timeout=15_000)
    assert "将接收 2" in office.inbox_label.text()
    assert _versions(pair) == before  # the preview wrote nothing
    qtmodeltester.check(office.preview_model)  # type: ignore[attr-defined]
    office.tabs.setCurrentIndex(1)
    _shot(office, "/tmp/synconline-inbox.png")
    office.apply_inbox()
    qtbot.waitUntil(lambda: "导入完成" in office.last_message, timeout=15_000)
    assert "接收 2" in office.last_message
    assert office.last_import is not None and office.last_import.receipt_path is not None
    receipt = office.last_import.receipt_path

    laptop = _page(qtbot, laptop_ui)
    laptop.choose_open_path = lambda title, pattern: str(receipt)  # type: ignore[method-assign]
    laptop.import_receipt()
    qtbot.waitUntil(lambda: laptop.last_receipt is not None, timeout=15_000)
    assert "新确认 2 条" in laptop.receipt_label.text()
    qtmodeltester.check(laptop.receipt_model)  # type: ignore[attr-defined]
    with pair.laptop.read() as session:
        assert set(session.execute(select(ResultVersion.sync_state)).scalars()) == {SyncState.ACKNOWLEDGED}


def test_keys_card_and_trust(
    qtbot: QtBot,
    qtmodeltester: object,
    laptop_ui: UiContext,
    pair: Pair,
    tmp_path: Path,
) -> None:
    third = make_installation(pair.template_url, tmp_path, "third", office="341122-lt2")
    card = my_key_card(third)
    card_file = tmp_path / "card.json"
    card_file.write_text(card.card_json, encoding="utf-8")
    page = _page(qtbot, laptop_ui)
    assert "指纹" in page.key_label.text()
    before = page.keys_model.rowCount()
    page.choose_open_path = lambda title, pattern: str(card_file)  # type: ignore[method-assign]
    page.ask_fingerprint = lambda: "0" * 10  # type: ignore[method-assign]
    page.trust_key()
    qtbot.waitUntil(lambda: page.last_message.startswith("未完成"), timeout=15_000)
    assert page.keys_model.rowCount() == before  # a wrong fingerprint trusts nothing
    page.ask_fingerprint = lambda: card.fingerprint  # type: ignore[method-assign]
    page.trust_key()
    qtbot.waitUntil(lambda: page.last_message.startswith("已信任"), timeout=15_000)
    qtbot.waitUntil(lambda: page.keys_model.rowCount() == before + 1, timeout=15_000)
    qtmodeltester.check(page.keys_model)  # type: ignore[attr-defined]
    page.tabs.setCurrentIndex(4)
    _shot(page, "/tmp/synconline-keys.png")
    third.db.dispose()


def test_status_bar_counts_pending_and_refreshes_after_sync(
    qtbot: QtBot,
    laptop_ui: UiContext,
    pair: Pair,
) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    window = MainWindow(database_label="笔记本", runner=laptop_ui.runner)
    qtbot.addWidget(window)
    window.attach(laptop_ui, start_page="sync")
    window.show()
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("待同步 1 条"), timeout=15_000)
    assert "从未同步" in window.sync_label.text()
    page = window.page("sync")
    assert isinstance(page, SyncPage)
    qtbot.waitUntil(lambda: page.deadline_warning.isVisible(), timeout=15_000)
    assert "尚未被平台确认接收" in page.deadline_warning.text()
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    result = import_batch(pair.office, batch.path)
    assert result.receipt_path is not None
    page.choose_open_path = lambda title, pattern: str(result.receipt_path)  # type: ignore[method-assign]
    page.import_receipt()
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("待同步 0 条"), timeout=15_000)
    assert "最近同步" in window.sync_label.text()
    # The page followed too: nothing pending, so no warning about unsent results near their deadline.
    qtbot.waitUntil(lambda: "公开结果：待确认 0 条" in page.summary.text(), timeout=15_000)
    qtbot.waitUntil(lambda: not page.deadline_warning.isVisible(), timeout=15_000)
    qtbot.waitUntil(laptop_ui.runner.is_idle, timeout=15_000)
    _shot(window, "/tmp/synconline-window.png")


def test_main_window_syncs_automatically_when_an_address_is_set(
    qtbot: QtBot, laptop_ui: UiContext, pair: Pair, tmp_path: Path
) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])

    def imported(batch_id: str, data: bytes) -> bytes:
        incoming = tmp_path / f"in-{batch_id}.lcb"
        incoming.write_bytes(data)
        receipt = tmp_path / f"r-{batch_id}.lcr"
        import_batch(pair.office, incoming, receipt_path=receipt)
        return receipt.read_bytes()

    window = MainWindow(database_label="笔记本", runner=laptop_ui.runner)
    qtbot.addWidget(window)
    window.attach(laptop_ui)
    assert window.auto_sync_timer.isActive()
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("待同步 1 条"), timeout=15_000)
    set_endpoint(pair.laptop, "http://127.0.0.1:9/x")
    window.run_auto_sync()  # offline: said in the tooltip, no dialog
    qtbot.waitUntil(lambda: "无法连接上传地址" in window.sync_label.toolTip(), timeout=15_000)
    with serve(Gateway(on_complete=imported)) as url:
        set_endpoint(pair.laptop, url)
        window.run_auto_sync()
        qtbot.waitUntil(lambda: window.sync_label.text().startswith("待同步 0 条"), timeout=15_000)
    assert window.sync_label.toolTip() == "" and "最近同步" in window.sync_label.text()
    qtbot.waitUntil(laptop_ui.runner.is_idle, timeout=15_000)


def test_unreadable_batch_file_is_reported_in_a_dialog(
    qtbot: QtBot, office_ui: UiContext, tmp_path: Path
) -> None:
    from tests.ui.helpers import visible_message_box

    broken = tmp_path / "U盘拷贝不完整.lcb"
    broken.write_bytes(b"PK\x03\x04 cut short")
    page = _page(qtbot, office_ui)
    page.choose_open_path = lambda title, pattern: str(broken)  # type: ignore[method-assign]
    page.choose_inbox_file()
    qtbot.waitUntil(lambda: visible_message_box() is not None, timeout=15_000)
    box = visible_message_box()
    assert box is not None and broken.name in box.text() and "损坏" in box.text()
    assert page.last_message.startswith("未完成") and "b00020" in page.message.styleSheet()
    assert not page.apply_button.isEnabled()  # nothing to import
