"""Paragraph styles, text escaping and check-box markup shared by every form.

Sizes follow Chinese form practice: 五号 (10.5 pt) body, 小五 (9 pt) table text,
小二 (18 pt) titles. Every style wraps Chinese text (``wordWrap='CJK'``).
"""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from app.printing.fonts import CJK_FONT, SYMBOL_FONT

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = 15 * mm
MARGIN_RIGHT = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

BODY_SIZE = 10.5
TABLE_SIZE = 9.0
SMALL_SIZE = 7.5
TITLE_SIZE = 18.0

GRID_COLOR = colors.black
SHADE = colors.Color(0.92, 0.92, 0.92)
MUTED = colors.Color(0.35, 0.35, 0.35)

# A non-breaking space is 0.26 em in the CJK font; four make one full-width space.
_EM_SPACE = "&nbsp;" * 4

BOX_EMPTY = "☐"
BOX_TICKED = "☑"


def _style(name: str, *, size: float, leading: float | None = None, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=CJK_FONT,
        fontSize=size,
        leading=leading if leading is not None else round(size * 1.35, 1),
        wordWrap="CJK",
        **kw,
    )


BODY = _style("lc-body", size=BODY_SIZE, leading=BODY_SIZE * 1.65, alignment=TA_JUSTIFY)
BODY_INDENT = _style(
    "lc-body-indent",
    size=BODY_SIZE,
    leading=BODY_SIZE * 1.65,
    alignment=TA_JUSTIFY,
    firstLineIndent=2 * BODY_SIZE,
)
HEADING = _style("lc-heading", size=BODY_SIZE + 0.5, leading=BODY_SIZE * 1.9, spaceBefore=2)
CELL = _style("lc-cell", size=TABLE_SIZE)
CELL_CENTER = _style("lc-cell-center", size=TABLE_SIZE, alignment=TA_CENTER)
CELL_RIGHT = _style("lc-cell-right", size=TABLE_SIZE, alignment=TA_RIGHT)
CELL_SMALL = _style("lc-cell-small", size=SMALL_SIZE + 0.5)
CELL_HEAD = _style("lc-cell-head", size=TABLE_SIZE, alignment=TA_CENTER)
LABEL = _style("lc-label", size=TABLE_SIZE, alignment=TA_CENTER)
SMALL = _style("lc-small", size=SMALL_SIZE, textColor=MUTED)
SUBTITLE = _style("lc-subtitle", size=BODY_SIZE, alignment=TA_CENTER)


def esc(text: str) -> str:
    """Escape text for paragraph markup: XML specials, line breaks, full-width spaces.

    Paragraph collapses U+3000 like any blank, so it becomes four non-breaking spaces
    (each about a quarter em in the CJK font): the form keeps the indentation it was given.
    """
    return escape(text).replace("\u3000", _EM_SPACE).replace("\r\n", "\n").replace("\n", "<br/>")


def box(checked: bool = False) -> str:
    """Return paragraph markup for a ballot box (☐, or ☑ when checked) in the symbol font."""
    return f'<font name="{SYMBOL_FONT}">{BOX_TICKED if checked else BOX_EMPTY}</font>'


def blank(width_chars: float) -> str:
    """Return an underlined blank about ``width_chars`` Chinese characters wide, to write on."""
    return "<u>" + "&nbsp;" * round(width_chars * 4) + "</u>"


def space(width_chars: float) -> str:
    """Return a non-collapsing blank about ``width_chars`` Chinese characters wide."""
    return "&nbsp;" * round(width_chars * 4)


def cn_date(value: date | None, *, blank_width: float = 2) -> str:
    """Format a date the Chinese way (``2025年10月9日``); None gives ``  年  月  日`` to fill in."""
    if value is None:
        pad = space(blank_width)
        return f"{pad}年{pad}月{pad}日"
    return f"{value.year}年{value.month}月{value.day}日"


def cn_period(start: date | None, end: date | None) -> str:
    """Format a period (``2025年10月13日至2025年10月31日``), blanks where a day is not fixed."""
    return f"{cn_date(start)}至{cn_date(end)}"


def cn_ordinal(n: int) -> str:
    """Chinese numeral for section headings: 1 → 一, 12 → 十二, 21 → 二十一 (up to 99)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else digits[tens]
    return f"{head}十{digits[ones] if ones else ''}"
