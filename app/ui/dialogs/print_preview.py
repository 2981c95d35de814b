"""打印预览: build one print job's PDF in the background, show it, print it or save it."""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize, Slot
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import ServiceError
from app.services.printing import PrintKind, print_task
from app.services.progress import Progress
from app.ui.context import UiContext
from app.ui.operations import CollectionOp
from app.ui.widgets import fit_to_screen

logger = logging.getLogger(__name__)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Why: a half-written PDF (disk full, power cut) must never replace a good one.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def page_image(document: QPdfDocument, page: int, size: QSize) -> QImage:
    """One page rendered onto white (QPdfDocument.render gives a transparent image)."""
    rendered = document.render(page, size)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.drawImage(QPointF(0, 0), rendered)
    painter.end()
    return image


class PrintPreviewDialog(QDialog):
    """Preview of one print job (a task's notices, checklists, a team's packet …)."""

    def __init__(
        self,
        ui: UiContext,
        parent: QWidget | None = None,
        *,
        task_id: int,
        kind: PrintKind | None = None,
        team: int | None = None,
        title: str = "",
        builder: Callable[[Progress], bytes] | None = None,
        saver: Callable[[Path], None] | None = None,
        file_name: str = "",
    ) -> None:
        """Preview a print job (``kind``), or any PDF that ``builder`` makes (e.g. a disclosure table).

        ``saver`` replaces the plain write of 另存为 PDF when saving must do more (the disclosure
        export records the publication in the audit trail).
        """
        super().__init__(parent)
        self.setObjectName("printPreviewDialog")
        self.ui = ui
        self.task_id = task_id
        self.kind = kind
        self.team = team
        self.builder = builder
        self.saver = saver
        self.file_name = file_name or (f"{kind.label}.pdf" if kind is not None else "文件.pdf")
        self.pdf_bytes: bytes | None = None
        what = title or (kind.label if kind is not None else "")
        self.setWindowTitle(self.tr("打印预览 — {what}").format(what=what))
        fit_to_screen(self, 900, 1000)

        self.document = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

        self.status = QLabel(self.tr("正在生成 PDF…"))
        self.status.setObjectName("previewStatus")
        self.page_box = QSpinBox()
        self.page_box.setObjectName("pageBox")
        self.page_box.setMinimum(1)
        self.page_box.setMaximum(1)
        self.page_box.setPrefix(self.tr("第 "))
        self.page_box.setSuffix(self.tr(" 页"))
        self.page_box.valueChanged.connect(self._go_to_page)
        self.zoom_in = QPushButton(self.tr("放大"))
        self.zoom_out = QPushButton(self.tr("缩小"))
        self.fit = QPushButton(self.tr("适合宽度"))
        self.zoom_in.clicked.connect(lambda: self._zoom(1.25))
        self.zoom_out.clicked.connect(lambda: self._zoom(0.8))
        self.fit.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.print_button = QPushButton(self.tr("打印…"))
        self.print_button.setObjectName("printButton")
        self.save_button = QPushButton(self.tr("另存为 PDF…"))
        self.save_button.setObjectName("saveButton")
        self.close_button = QPushButton(self.tr("关闭"))
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.ask_save)
        self.close_button.clicked.connect(self.reject)
        for button in (self.print_button, self.save_button, self.zoom_in, self.zoom_out, self.fit):
            button.setEnabled(False)
        self.page_box.setEnabled(False)

        bar = QHBoxLayout()
        bar.addWidget(self.page_box)
        bar.addWidget(self.zoom_out)
        bar.addWidget(self.zoom_in)
        bar.addWidget(self.fit)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        self.progress: Progress | None = None

    def build(self) -> Progress:
        """Start building the PDF in the background (progress dialog with 取消)."""
        services = self.ui.services
        task_id, kind, team = self.task_id, self.kind, self.team
        label = kind.label if kind is not None else self.windowTitle()
        builder = self.builder

        def make(progress: Progress) -> bytes:
            if builder is not None:
                return builder(progress)
            assert kind is not None
            out = io.BytesIO()
            print_task(
                services,
                task_id,
                kind,
                out,
                team=team,
                progress=progress.report,
                is_cancelled=progress.is_cancelled,
            )
            return out.getvalue()

        # CollectionOp: the build is long and must not be superseded by a newer query.
        self.progress = (
            CollectionOp(parent=self, runner=self.ui.runner, op=make, changes=())
            .with_progress(self.tr("正在生成{what}…").format(what=label))
            .success(self._loaded)
            .cancelled(self._cancelled)
            .failure(self._failed)
            .run_in_background()
        )
        return self.progress

    def _loaded(self, data: bytes) -> None:
        self.pdf_bytes = data
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        pages = self.document.pageCount()
        self.page_box.setMaximum(max(1, pages))
        self.page_box.setEnabled(pages > 0)
        for button in (self.print_button, self.save_button, self.zoom_in, self.zoom_out, self.fit):
            button.setEnabled(pages > 0)
        self.status.setText(self.tr("共 {pages} 页，{size:,} 字节。").format(pages=pages, size=len(data)))

    def _cancelled(self) -> None:
        self.status.setText(self.tr("已取消生成。关闭本窗口，需要时重新打印。"))

    def _failed(self, error: BaseException) -> None:
        logger.info("print job failed: %s", error)
        self.status.setText(self.tr("无法生成：{error}").format(error=error))
        self.status.setStyleSheet("color: #b00020")

    @Slot(int)
    def _go_to_page(self, number: int) -> None:
        self.view.pageNavigator().jump(number - 1, QPointF(), self.view.pageNavigator().currentZoom())

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.1, min(8.0, self.view.zoomFactor() * factor)))

    def page_count(self) -> int:
        """Pages of the loaded PDF (0 while it is being built)."""
        return self.document.pageCount()

    @Slot()
    def ask_save(self) -> None:
        """Ask where to save the PDF, then save it."""
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("另存为 PDF"), self.file_name, self.tr("PDF 文件 (*.pdf)")
        )
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        """Write the PDF to ``path`` atomically."""
        if self.pdf_bytes is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        if self.saver is not None:
            try:
                self.saver(path)
            except (ServiceError, OSError) as exc:  # shown: the preview stays open to try again
                logger.info("saving %s failed: %s", path, exc)
                self.status.setText(self.tr("无法保存：{error}").format(error=exc))
                return
        else:
            write_atomically(path, self.pdf_bytes)
        self.status.setText(self.tr("已保存到 {path}").format(path=path))

    @Slot()
    def print_document(self) -> None:
        """Ask for a printer, then print every page."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Render the pages (or the chosen range) onto the printer; returns the pages printed."""
        pages = self.document.pageCount()
        first, last = printer.fromPage(), printer.toPage()
        if first <= 0 or last <= 0:
            first, last = 1, pages
        last = min(last, pages)
        painter = QPainter()
        if not painter.begin(printer):
            self.status.setText(self.tr("打印机无法开始打印：请检查打印机是否连接、是否缺纸。"))
            return 0
        printed = 0
        try:
            for page in range(first - 1, last):
                if printed:
                    printer.newPage()
                target = painter.viewport()
                size = self.document.pagePointSize(page)
                scale = min(target.width() / size.width(), target.height() / size.height())
                pixels = QSize(int(size.width() * scale), int(size.height() * scale))
                painter.drawImage(QPointF(0, 0), page_image(self.document, page, pixels))
                printed += 1
        finally:
            painter.end()
        self.status.setText(self.tr("已送打印 {n} 页。").format(n=printed))
        return printed

    def reject(self) -> None:
        """Closing cancels a build still running."""
        if self.progress is not None:
            self.progress.cancel()
        super().reject()
