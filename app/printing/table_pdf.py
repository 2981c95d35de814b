"""A titled table as an A4 PDF with the embedded CJK font (disclosure lists and the like).

The header row repeats on every page and cells wrap Chinese text (``wordWrap='CJK'``). The font is
embedded (WenQuanYi Micro Hei, TrueType outlines): ``UnicodeCIDFont`` would print boxes on a PC
without the font (PLATFORM-FACTS.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.resources import CJK_FONT_FILE, resource_path

FONT_NAME = "LianChaCJK"


def register_cjk_font() -> str:
    """Register the embedded CJK font once; return its name."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(resource_path(*CJK_FONT_FILE)), subfontIndex=0))
    return FONT_NAME


def _escape(text: str) -> str:
    # Paragraph takes mini-HTML; U+3000 collapses, so keep it as a no-break space.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\u3000", "&nbsp;").replace("\n", "<br/>")


def write_table_pdf(
    path: Path,
    *,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    col_widths: Sequence[float] | None = None,
    subtitle: str = "",
    landscape_page: bool | None = None,
) -> None:
    """Write ``rows`` under ``title`` as a PDF table; written to ``.partial`` first, then renamed.

    Args:
        path: the output file.
        title: printed above the table and stored as the PDF title.
        headers: column headers, repeated on every page.
        rows: the cells (converted with ``str``; None prints empty).
        col_widths: relative widths (any unit; scaled to the page); equal when omitted.
        subtitle: a line under the title (e.g. the issuing office and date).
        landscape_page: default landscape when there are more than six columns.
    """
    font = register_cjk_font()
    wide = landscape_page if landscape_page is not None else len(headers) > 6
    pagesize = landscape(A4) if wide else A4
    margin = 12 * mm
    usable = pagesize[0] - 2 * margin
    weights = list(col_widths) if col_widths else [1.0] * len(headers)
    total = sum(weights)
    widths = [usable * w / total for w in weights]
    title_style = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1, wordWrap="CJK")
    sub_style = ParagraphStyle("sub", fontName=font, fontSize=10, leading=14, alignment=1, wordWrap="CJK")
    head_style = ParagraphStyle("head", fontName=font, fontSize=9, leading=12, alignment=1, wordWrap="CJK")
    cell_style = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    data = [[Paragraph(_escape(h), head_style) for h in headers]]
    for row in rows:
        data.append([Paragraph(_escape("" if v is None else str(v)), cell_style) for v in row])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story: list[object] = [Paragraph(_escape(title), title_style)]
    if subtitle:
        story.append(Paragraph(_escape(subtitle), sub_style))
    story.extend([Spacer(1, 4 * mm), table])
    tmp = path.with_name(path.name + ".partial")

    def _page_number(canvas: object, doc: object) -> None:
        canvas.setFont(font, 8)  # type: ignore[attr-defined]
        canvas.drawCentredString(pagesize[0] / 2, 7 * mm, f"第 {doc.page} 页")  # type: ignore[attr-defined]

    doc = SimpleDocTemplate(
        str(tmp),
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=title,
        author="联查 LianCha",
    )
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    tmp.replace(path)
