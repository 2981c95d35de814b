"""The main window: navigation by step of the flow, honest placeholders, status bar, 关于."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from app import __version__, buildinfo
from app.ui.application import write_about_snapshot, write_pdf_snapshot
from app.ui.context import UiContext
from app.ui.main_window import MainWindow
from app.ui.navigation import PAGES, PageSpec
from app.ui.pages.placeholder import PlaceholderPage
from app.ui.pages.registry import RegistryPage
from app.ui.pages.workbench import WorkbenchPage
from tests.sample_county import SampleCounty


class ExtraPage(QLabel):
    """A page plugged in by a test through the registry."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(f"额外页面 {ui.services.operator}", parent)


def _window(qtbot: QtBot, ui: UiContext, pages: tuple[PageSpec, ...] = PAGES) -> MainWindow:
    window = MainWindow(database_label="测试库", pages=pages, runner=ui.runner)
    qtbot.addWidget(window)
    window.attach(ui)
    window.show()
    return window


def test_navigation_lists_the_flow(qtbot: QtBot, ui: UiContext) -> None:
    window = _window(qtbot, ui)
    titles = [window.navigation.item(n).text() for n in range(window.navigation.count())]  # type: ignore[union-attr]
    assert titles == [
        "工作台",
        "名录库",
        "抽查计划",
        "随机抽取",
        "检查实施",
        "结果公示",
        "数据同步",
        "统计分析",
        "系统管理",
    ]
    assert isinstance(window.stack.currentWidget(), WorkbenchPage)


def test_every_page_of_the_flow_is_built() -> None:
    assert [spec.key for spec in PAGES if spec.factory is None] == []
    for spec in PAGES:
        assert spec.load_factory() is not None, spec.key


def test_a_page_not_built_says_so(qtbot: QtBot, ui: UiContext) -> None:
    later = PageSpec("later", "以后", pending="下一版本的功能")
    window = _window(qtbot, ui, (*PAGES, later))
    window.navigation.setCurrentRow(len(PAGES))
    page = window.stack.currentWidget()
    assert isinstance(page, PlaceholderPage)
    assert page.message.text() == "本页面尚在建设中：以后将在后续版本提供。\n届时包括：下一版本的功能。"
    assert window.current_page_key() == "later"


def test_registry_opens_from_navigation(qtbot: QtBot, ui: UiContext, sample: SampleCounty) -> None:
    window = _window(qtbot, ui)
    window.navigation.setCurrentRow(1)
    page = window.stack.currentWidget()
    assert isinstance(page, RegistryPage)
    targets = page.panels["targets"]
    qtbot.waitUntil(lambda: targets.model.rowCount() == len(sample.targets))  # type: ignore[attr-defined]
    window.navigation.setCurrentRow(0)
    window.navigation.setCurrentRow(1)
    assert window.stack.currentWidget() is page  # built once


def test_workbench_counts_the_registries(qtbot: QtBot, ui: UiContext, sample: SampleCounty) -> None:
    window = _window(qtbot, ui)
    page = window.page("workbench")
    assert isinstance(page, WorkbenchPage)
    qtbot.waitUntil(lambda: page.loaded)
    assert page.count_labels["检查对象"].text() == f"{len(sample.targets):,}"
    assert page.count_labels["部门"].text() == str(len(sample.departments))
    assert "工作顺序" in page.steps.text()
    assert "名录库 → 抽查计划 → 随机抽取 → 检查实施 → 结果公示 → 数据同步" in page.steps.text()


def test_a_page_plugs_in_with_one_registry_entry(qtbot: QtBot, ui: UiContext) -> None:
    extra = PageSpec("extra", "额外", f"{__name__}:ExtraPage")
    window = _window(qtbot, ui, (*PAGES, extra))
    page = window.open_page("extra")
    assert isinstance(page, ExtraPage) and page.text() == "额外页面 测试员"
    assert window.navigation.currentRow() == len(PAGES)


def test_status_bar_shows_operator_database_and_the_real_sync_count(qtbot: QtBot, ui: UiContext) -> None:
    window = _window(qtbot, ui)
    assert window.operator_label.text() == "操作人：测试员"
    assert window.database_label.text() == f"数据库：{ui.services.db.display_name()}"
    # The count comes from the database (an empty one here), not a made-up number.
    qtbot.waitUntil(window.sync_label.isVisible, timeout=10_000)
    assert window.sync_label.text() == "待同步 0 条 · 从未同步"
    assert window.sync_timer.isActive()
    window.set_pending_sync(3)
    assert window.sync_label.isVisible() and window.sync_label.text() == "待同步 3 条 · 从未同步"
    window.set_pending_sync(None)
    assert not window.sync_label.isVisible()


def test_about_shows_the_version(qtbot: QtBot, ui: UiContext) -> None:
    window = _window(qtbot, ui)
    box = window.show_about()
    qtbot.waitUntil(box.isVisible)
    assert __version__ in box.text() and ui.services.db.display_name() in box.text()
    box.close()


def test_about_shows_the_build_date_or_development_version(qtbot: QtBot, ui: UiContext) -> None:
    window = _window(qtbot, ui)
    box = window.show_about()
    qtbot.waitUntil(box.isVisible)
    # A checkout has no generated app/_build_info.py; a bundle shows its build date instead.
    assert "构建日期：开发版本" in box.text()
    box.close()


def test_smoke_about_snapshot_writes_version_and_build_date(
    qtbot: QtBot, ui: UiContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What installer/smoke-test.sh reads from the built program (LIANCHA_SMOKE_ABOUT_DIR).
    build = ModuleType(buildinfo.BUILD_INFO_MODULE)
    build.BUILD_DATE = "2026-12-05 08:30 UTC"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, buildinfo.BUILD_INFO_MODULE, build)
    window = _window(qtbot, ui)
    text_path = write_about_snapshot(window, tmp_path / "about")
    text = text_path.read_text(encoding="utf-8")
    assert f"版本：{__version__}" in text
    assert "构建日期：2026-12-05 08:30 UTC" in text
    assert ui.services.db.display_name() in text
    picture = QImage(str(tmp_path / "about" / "about.png"))
    assert not picture.isNull() and picture.width() > 100 and picture.height() > 50


def _two_page_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for n in (1, 2):
        pdf.setFillColorRGB(0, 0, 0)
        pdf.rect(50, 50, 300, 500, fill=1)
        pdf.drawString(60, 600, f"page {n}")
        pdf.showPage()
    pdf.save()


def test_smoke_pdf_snapshot_shows_and_prints_the_pdf(qtbot: QtBot, tmp_path: Path) -> None:
    # What installer/smoke-test.sh asks of the built program (LIANCHA_SMOKE_PDF): QtPdf renders
    # the printed form and QtPrintSupport prints it.
    source = tmp_path / "in.pdf"
    _two_page_pdf(source)
    assert write_pdf_snapshot(source, tmp_path / "out") == 2
    assert (tmp_path / "out" / "pdf.txt").read_text(encoding="utf-8") == "2\n"
    page = QImage(str(tmp_path / "out" / "pdf-page1.png"))
    assert page.width() > 1000 and page.height() > 1500
    # White paper with the black rectangle on it: rendered, not a blank or transparent image.
    assert page.pixelColor(5, 5).name() == "#ffffff"
    assert page.pixelColor(page.width() // 4, page.height() // 2).name() == "#000000"
    printed = (tmp_path / "out" / "printed.pdf").read_bytes()
    assert printed.startswith(b"%PDF-") and len(printed) > 1000


def test_smoke_pdf_snapshot_refuses_a_file_that_is_no_pdf(qtbot: QtBot, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    with pytest.raises(RuntimeError, match="QtPdf could not open"):
        write_pdf_snapshot(bad, tmp_path / "out")
    assert not (tmp_path / "out" / "printed.pdf").exists()
