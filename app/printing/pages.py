"""Page furniture for a batch PDF: running header, QR code, page numbers, progress.

One reportlab document holds every form of a batch. Each form starts on a new page with a
:class:`DocumentStart` marker; the page decoration is drawn at the *end* of each page, when
the marker of the form on that page has already been laid out, so the header always names
the right target.

"共 y 页" is not known until the last page. Rather than laying the batch out twice, each
page draws a reference to a PDF form XObject whose content (the total) is written when the
canvas is saved. The same trick gives each form its own "本件共 n 页" and draws each form's
QR code once, however many pages reference it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from app.printing.data import DocKind
from app.printing.errors import PrintCancelled
from app.printing.fonts import CJK_FONT
from app.printing.qr import draw_qr
from app.printing.styles import MARGIN_LEFT, MARGIN_RIGHT, MUTED, PAGE_HEIGHT, PAGE_WIDTH

logger = logging.getLogger(__name__)

QR_SIZE = 20 * mm
HEADER_TOP = 7 * mm  # from the top edge to the top of the QR square
HEADER_HEIGHT = 30 * mm  # from the top edge to the top of the frame
FOOTER_HEIGHT = 16 * mm  # from the bottom edge to the bottom of the frame
FOOTER_BASELINE = 9 * mm

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class PageInfo:
    """What the running header of one form shows.

    Attributes:
        kind: the document kind (named in the footer).
        record_id: the id shown for manual entry beside the QR code.
        task_id: the task id shown beside it.
        title_line: first header line (the task).
        subject_line: second header line (the target, team or draw).
        payload: the QR text.
        security_mark: printed top left when set.
    """

    kind: DocKind
    record_id: str
    task_id: str
    title_line: str
    subject_line: str
    payload: str
    security_mark: str = ""


@dataclass
class DocumentSpan:
    """Where one form landed in the batch (pages are 1-based)."""

    info: PageInfo
    first_page: int = 0
    page_count: int = 0


@dataclass
class BuildState:
    """Mutable bookkeeping of one batch build, shared by the markers, the pages and the canvas."""

    total_documents: int
    progress: ProgressCallback | None = None
    is_cancelled: CancelCheck | None = None
    spans: list[DocumentSpan] = field(default_factory=list)
    pages: int = 0

    def check_cancelled(self) -> None:
        """Raise :class:`PrintCancelled` if the caller asked to stop."""
        if self.is_cancelled is not None and self.is_cancelled():
            raise PrintCancelled("打印已取消")

    def start_document(self, info: PageInfo) -> None:
        """Called when a form's first flowable is laid out: report progress, allow cancelling."""
        self.check_cancelled()
        if self.progress is not None:
            self.progress(len(self.spans), self.total_documents)
        self.spans.append(DocumentSpan(info=info, first_page=self.pages + 1))

    @property
    def current(self) -> DocumentSpan | None:
        """The form being laid out."""
        return self.spans[-1] if self.spans else None


class DocumentStart(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Invisible marker at the start of each form: tells the page furniture what it is on."""

    def __init__(self, state: BuildState, info: PageInfo) -> None:
        super().__init__()
        self._state = state
        self.info = info

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self._state.start_document(self.info)


def _fit(text: str, width: float, size: float) -> str:
    """Shorten text with an ellipsis so that it fits in ``width`` points."""
    if stringWidth(text, CJK_FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", CJK_FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _form_name(prefix: str, index: int) -> str:
    return f"lc{prefix}{index}"


def _decorate_page(canvas: Canvas, state: BuildState) -> None:
    state.check_cancelled()
    state.pages += 1
    span = state.current
    if span is None:  # a page before any form; cannot happen with build_pdf's story
        return
    span.page_count += 1
    index = len(state.spans) - 1
    info = span.info
    canvas.saveState()

    # Header: task and subject on the left, ids for manual entry, QR code on the right.
    qr_left = PAGE_WIDTH - MARGIN_RIGHT - QR_SIZE
    qr_bottom = PAGE_HEIGHT - HEADER_TOP - QR_SIZE
    text_width = qr_left - MARGIN_LEFT - 4 * mm
    top = PAGE_HEIGHT - HEADER_TOP
    canvas.setFillColor(MUTED)
    if info.security_mark:
        canvas.setFont(CJK_FONT, 10.5)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.drawString(MARGIN_LEFT, top - 4 * mm, _fit(info.security_mark, text_width, 10.5))
        canvas.setFillColor(MUTED)
        top -= 5 * mm
    canvas.setFont(CJK_FONT, 8.5)
    canvas.drawString(MARGIN_LEFT, top - 4 * mm, _fit(info.title_line, text_width, 8.5))
    canvas.drawString(MARGIN_LEFT, top - 8.5 * mm, _fit(info.subject_line, text_width, 8.5))
    canvas.setFont(CJK_FONT, 7)
    ids = f"表单编号：任务 {info.task_id} · {info.kind.label} {info.record_id}"
    canvas.drawString(MARGIN_LEFT, top - 12.5 * mm, _fit(ids, text_width, 7))
    canvas.saveState()
    canvas.translate(qr_left, qr_bottom)
    canvas.doForm(_form_name("qr", index))
    canvas.restoreState()
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.4)
    rule_y = PAGE_HEIGHT - HEADER_HEIGHT + 2 * mm
    canvas.line(MARGIN_LEFT, rule_y, qr_left - 2 * mm, rule_y)

    # Footer: whole-batch numbering in the middle, this form's numbering on the right.
    canvas.setFont(CJK_FONT, 9)
    canvas.setFillColorRGB(0, 0, 0)
    head = f"第 {state.pages} 页 共 "
    # The total is unknown; centre as if it had as many digits as this page number.
    width = stringWidth(head + f"{state.pages} 页", CJK_FONT, 9)
    x = (PAGE_WIDTH - width) / 2
    canvas.drawString(x, FOOTER_BASELINE, head)
    canvas.saveState()
    canvas.translate(x + stringWidth(head, CJK_FONT, 9), FOOTER_BASELINE)
    canvas.doForm("lctotal")
    canvas.restoreState()
    canvas.setFont(CJK_FONT, 7.5)
    canvas.setFillColor(MUTED)
    own = f"本件第 {span.page_count} 页 共 "
    own_x = PAGE_WIDTH - MARGIN_RIGHT - stringWidth(own + "99 页", CJK_FONT, 7.5)
    canvas.drawString(own_x, FOOTER_BASELINE, own)
    canvas.saveState()
    canvas.translate(own_x + stringWidth(own, CJK_FONT, 7.5), FOOTER_BASELINE)
    canvas.doForm(_form_name("pages", index))
    canvas.restoreState()
    canvas.drawString(MARGIN_LEFT, FOOTER_BASELINE, _fit(info.kind.label, 60 * mm, 7.5))
    canvas.restoreState()


class FormCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """A canvas that writes the deferred forms (totals, QR codes) just before saving."""

    def __init__(self, *args: Any, state: BuildState, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lc_state = state
        self._lc_stamps: dict[str, tuple[Callable[[Canvas], None], tuple[float, float, float, float]]] = {}

    def stamp(
        self, name: str, painter: Callable[[Canvas], None], bbox: tuple[float, float, float, float]
    ) -> None:
        """Draw a named, fixed drawing here; it is painted once (as a form) when the PDF is saved.

        Args:
            name: identifies the drawing; the first painter given for a name is used.
            painter: draws the content at the origin.
            bbox: the content's bounding box (x0, y0, x1, y1) around the origin.
        """
        self._lc_stamps.setdefault(f"lcstamp{name}", (painter, bbox))
        self.doForm(f"lcstamp{name}")

    def save(self) -> None:
        state = self._lc_state
        for name, (painter, bbox) in self._lc_stamps.items():
            self.beginForm(name, *bbox)
            painter(self)
            self.endForm()
        self._text_form("lctotal", f"{state.pages} 页", size=9, gray=0.0)
        for index, span in enumerate(state.spans):
            self._text_form(_form_name("pages", index), f"{span.page_count} 页", size=7.5, gray=0.35)
            self.beginForm(_form_name("qr", index), 0, 0, QR_SIZE, QR_SIZE)
            draw_qr(self, span.info.payload, x=0, y=0, size=QR_SIZE)
            self.endForm()
        super().save()

    def _text_form(self, name: str, text: str, *, size: float, gray: float) -> None:
        # The box leaves room for descenders below the baseline the page draws at.
        self.beginForm(name, 0, -size, stringWidth(text, CJK_FONT, size) + 2, size * 1.5)
        self.setFont(CJK_FONT, size)
        self.setFillGray(gray)
        self.drawString(0, 0, text)
        self.endForm()


class BatchDocTemplate(BaseDocTemplate):  # type: ignore[misc]  # reportlab is untyped
    """A4 portrait, one frame, every page decorated at its end."""

    def __init__(self, target: Any, *, state: BuildState, title: str, author: str) -> None:
        super().__init__(
            target,
            pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=HEADER_HEIGHT,
            bottomMargin=FOOTER_HEIGHT,
            title=title,
            author=author,
            creator="联查 LianCha",
            initialFontName=CJK_FONT,
            allowSplitting=1,
        )
        self._state = state
        frame = Frame(
            MARGIN_LEFT,
            FOOTER_HEIGHT,
            PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT,
            PAGE_HEIGHT - HEADER_HEIGHT - FOOTER_HEIGHT,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        self.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=self._page_end)])

    def _page_end(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        _decorate_page(canvas, self._state)
