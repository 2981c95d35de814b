"""打印预览: the PDF is built in the background, shown, saved atomically and printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets
from app.services.printing import PrintKind
from app.services.tasks import create_task
from app.ui.context import UiContext
from app.ui.dialogs.print_preview import PrintPreviewDialog, page_image
from tests.factories import build_mini_county, joint_task_data

SEED = SeedEntry("12345678901234567890")


@pytest.fixture
def drawn_task(ctx: ServiceContext) -> int:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    draw_task_targets(ctx, task, seed=SEED)
    draw_task_inspectors(ctx, task, seed=SEED)
    return task


def test_preview_shows_pages_saves_and_prints(
    qtbot: QtBot, ui: UiContext, drawn_task: int, tmp_path: Path
) -> None:
    dialog = PrintPreviewDialog(ui, None, task_id=drawn_task, kind=PrintKind.CHECKLISTS)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.build()
    qtbot.waitUntil(lambda: dialog.page_count() > 0, timeout=30_000)
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()
    assert dialog.page_box.maximum() == dialog.page_count()

    image = page_image(dialog.document, 0, dialog.document.pagePointSize(0).toSize())
    assert image.pixelColor(1, 1).name() == "#ffffff"  # painted on white, not transparent

    target = tmp_path / "检查单"
    dialog.save_to(target)
    saved = tmp_path / "检查单.pdf"
    assert len(PdfReader(saved).pages) == dialog.page_count()
    assert not list(tmp_path.glob(".*part"))

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) == dialog.page_count()
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == dialog.page_count()


def test_preview_reports_a_refused_job(qtbot: QtBot, ui: UiContext, ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    dialog = PrintPreviewDialog(ui, None, task_id=task, kind=PrintKind.DRAW_RECORD)
    qtbot.addWidget(dialog)
    dialog.build()
    qtbot.waitUntil(lambda: "无法生成" in dialog.status.text(), timeout=10_000)
    assert "抽取记录" in dialog.status.text()
    assert not dialog.save_button.isEnabled()
