"""Small flowables the forms share: bold titles, fixed check-box cells, seal boxes, tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from app.printing.fonts import CJK_FONT, SYMBOL_FONT
from app.printing.styles import BOX_EMPTY, BOX_TICKED, GRID_COLOR, MUTED, TABLE_SIZE, cn_date

Run = tuple[str, str]  # (font name, text)


class BoldTitle(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A centred title line in the CJK font, emboldened by stroking the glyph outlines.

    The embedded font has no bold face; fill-and-stroke text is how Chinese forms printed
    from a single-weight font get their heavy titles.
    """

    def __init__(self, text: str, *, size: float, space_after: float = 2 * mm) -> None:
        super().__init__()
        self.text = text
        self.size = size
        self.spaceAfter = space_after
        self._width = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._width = availWidth
        return availWidth, self.size * 1.35

    def draw(self) -> None:
        size = self.size
        text = self.text
        # Long titles shrink rather than run off the page.
        while size > 9 and stringWidth(text, CJK_FONT, size) > self._width:
            size -= 0.5
        canvas = self.canv
        canvas.saveState()
        obj = canvas.beginText()
        obj.setTextRenderMode(2)
        obj.setFont(CJK_FONT, size)
        canvas.setLineWidth(size * 0.035)
        x = (self._width - stringWidth(text, CJK_FONT, size)) / 2
        obj.setTextOrigin(x, self.size * 0.3)
        obj.textOut(text)
        canvas.drawText(obj)
        canvas.restoreState()


class RunLines(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Fixed lines of mixed-font text (e.g. ``☐ 是`` / ``☐ 否``) drawn without Paragraph.

    Used for the cells repeated on every checklist row: one shared instance, no line
    breaking. Given a ``stamp`` name, it is drawn once per PDF as a form XObject and
    referenced from every cell, so a thousand rows cost a thousand references, not a
    thousand text runs.
    """

    def __init__(
        self,
        lines: Sequence[Sequence[Run]],
        *,
        size: float = TABLE_SIZE,
        center: bool = True,
        stamp: str = "",
    ) -> None:
        super().__init__()
        self.lines = [list(line) for line in lines]
        self.size = size
        self.center = center
        self.stamp = stamp
        self.leading = size * 1.35
        self.height = self.leading * len(self.lines)
        self._widths: list[float] | None = None  # measured on first use: fonts register lazily

    def _measure(self) -> list[float]:
        if self._widths is None:
            self._widths = [sum(stringWidth(t, f, self.size) for f, t in line) for line in self.lines]
        return self._widths

    def fits(self, width: float) -> bool:
        """Whether every line fits in ``width`` points (nothing is wrapped or cut)."""
        return max(self._measure(), default=0.0) <= width

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._avail = availWidth
        return (availWidth if self.center else max(self._measure(), default=0.0)), self.height

    def draw(self) -> None:
        canvas = self.canv
        block = max(self._measure(), default=0.0)
        offset = (self._avail - block) / 2 if self.center else 0.0
        stamp = getattr(canvas, "stamp", None)
        if self.stamp and stamp is not None:
            canvas.saveState()
            canvas.translate(offset, 0)
            stamp(self.stamp, self._paint, (0, -self.size, block + 1, self.height + self.size))
            canvas.restoreState()
        else:
            canvas.saveState()
            canvas.translate(offset, 0)
            self._paint(canvas)
            canvas.restoreState()

    def _paint(self, canvas: Any) -> None:
        block = max(self._measure(), default=0.0)
        y = self.height - self.size
        for line, width in zip(self.lines, self._measure(), strict=True):
            x = (block - width) / 2 if self.center else 0.0
            for font, text in line:
                canvas.setFont(font, self.size)
                canvas.drawString(x, y, text)
                x += stringWidth(text, font, self.size)
            y -= self.leading


def box_run(checked: bool = False) -> Run:
    """A ballot box as a run for :class:`RunLines`."""
    return (SYMBOL_FONT, BOX_TICKED if checked else BOX_EMPTY)


def text_run(text: str) -> Run:
    """Chinese text as a run for :class:`RunLines`."""
    return (CJK_FONT, text)


class SealBlock(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Issuing departments with a dashed seal circle each, and the date, right-aligned.

    Joint notices carry several seals side by side (at most three to a row), as paper
    notices from a joint meeting do.
    """

    COLUMN = 58 * mm
    CIRCLE = 34 * mm

    def __init__(self, issuers: Sequence[str], issued: date | None, *, size: float = 10.5) -> None:
        super().__init__()
        self.issuers = list(issuers) or [""]
        self.issued = issued
        self.size = size
        self._rows = [self.issuers[i : i + 3] for i in range(0, len(self.issuers), 3)]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._avail = availWidth
        self.height = len(self._rows) * (self.CIRCLE + 4 * mm) + self.size * 2.2
        return availWidth, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        top = self.height
        for row in self._rows:
            centre_y = top - self.CIRCLE / 2 - 2 * mm
            for column, name in enumerate(reversed(row)):
                cx = self._avail - self.COLUMN / 2 - column * self.COLUMN
                canvas.setStrokeColor(MUTED)
                canvas.setLineWidth(0.5)
                canvas.setDash(2, 2)
                canvas.circle(cx, centre_y, self.CIRCLE / 2, stroke=1, fill=0)
                canvas.setDash()
                canvas.setFillColor(MUTED)
                canvas.setFont(CJK_FONT, 7)
                canvas.drawCentredString(cx, centre_y - self.CIRCLE / 2 + 3 * mm, "（盖章）")
                canvas.setFillColor(colors.black)
                size = self.size
                while size > 7 and stringWidth(name, CJK_FONT, size) > self.COLUMN - 4 * mm:
                    size -= 0.5
                canvas.setFont(CJK_FONT, size)
                canvas.drawCentredString(cx, centre_y - size / 3, name)
            top -= self.CIRCLE + 4 * mm
        canvas.setFont(CJK_FONT, self.size)
        date_text = cn_date(self.issued) if self.issued else "\u3000\u3000年\u3000\u3000月\u3000\u3000日"
        canvas.drawCentredString(self._avail - self.COLUMN / 2, self.size * 0.6, date_text)
        canvas.restoreState()


def grid_table(
    rows: list[list[Any]],
    widths: Sequence[float],
    *,
    extra: Sequence[tuple[Any, ...]] = (),
    repeat_rows: int = 0,
    padding: float = 3,
) -> Table:
    """A fully ruled table in the form style: thin black grid, cells vertically centred.

    Args:
        rows: cell contents (strings or flowables).
        widths: column widths in points.
        extra: more TableStyle commands (spans, shading).
        repeat_rows: header rows repeated on each page the table runs onto.
        padding: cell padding in points.
    """
    table = Table(rows, colWidths=list(widths), repeatRows=repeat_rows, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, GRID_COLOR),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONT", (0, 0), (-1, -1), CJK_FONT, TABLE_SIZE),
                ("LEFTPADDING", (0, 0), (-1, -1), padding),
                ("RIGHTPADDING", (0, 0), (-1, -1), padding),
                ("TOPPADDING", (0, 0), (-1, -1), padding * 0.8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), padding * 0.8),
                *extra,
            ]
        )
    )
    return table


def borderless_table(
    rows: list[list[Any]], widths: Sequence[float], *, padding: tuple[float, float, float, float]
) -> Table:
    """A layout-only table (no rules), top-aligned, in the CJK font.

    Args:
        rows: cell contents.
        widths: column widths in points.
        padding: left, right, top, bottom cell padding in points.
    """
    left, right, top, bottom = padding
    table = Table(rows, colWidths=list(widths))
    table.setStyle(
        TableStyle(
            [
                # Even empty cells set a font: the default is Helvetica, which is not embedded.
                ("FONT", (0, 0), (-1, -1), CJK_FONT, TABLE_SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), left),
                ("RIGHTPADDING", (0, 0), (-1, -1), right),
                ("TOPPADDING", (0, 0), (-1, -1), top),
                ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
            ]
        )
    )
    return table


def para(text: str, style: Any) -> Paragraph:
    """A paragraph of already-escaped markup (see :func:`app.printing.styles.esc`)."""
    return Paragraph(text, style)
