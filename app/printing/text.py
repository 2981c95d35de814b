"""Plain Chinese text in table cells, wrapped without reportlab's Paragraph machinery.

A checklist of 80 rows holds hundreds of cells of plain text (no markup, one font, one
size). ``Paragraph`` parses markup, builds a fragment per character and re-wraps on every
measurement; a table measures each cell several times while it lays out and splits.
:class:`TextBlock` breaks the text once per width, from the font's width table, and draws
all its lines with one text object. Line breaking follows the usual Chinese rules:
break between any two Chinese characters, keep Latin words and numbers whole where they
fit, never start a line with closing punctuation (it hangs in the margin instead) and
never end one with opening punctuation.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Paragraph

from app.printing.styles import esc

CANNOT_START = set("，。、；：！？）》」』】〕〉”’…·%‰℃,.;:!?)]}")
CANNOT_END = set("（《「『【〔〈“‘([{")

_BLANKS = re.compile(r"[ \t\r\f\v]+")

_widths_cache: dict[str, tuple[dict[int, int], int]] = {}


def _char_widths(font_name: str) -> tuple[dict[int, int], int]:
    """The font's advance widths in 1/1000 em, and its default width."""
    cached = _widths_cache.get(font_name)
    if cached is None:
        face = pdfmetrics.getFont(font_name).face
        cached = (face.charWidths, face.defaultWidth)
        _widths_cache[font_name] = cached
    return cached


def covers(font_name: str, text: str) -> bool:
    """Whether the font has a glyph for every character of the text."""
    widths, _default = _char_widths(font_name)
    return all(ord(c) in widths or c in "\n\t " for c in text)


def _tokens(text: str) -> list[str]:
    """Split text into breakable units: single CJK characters, Latin words, single spaces."""
    tokens: list[str] = []
    word: list[str] = []
    for char in text:
        if char == " ":
            if word:
                tokens.append("".join(word))
                word = []
            if tokens and tokens[-1] != " ":
                tokens.append(" ")
        elif ord(char) < 0x2E80 and char not in CANNOT_START and char not in CANNOT_END:
            word.append(char)
        else:
            if word:
                tokens.append("".join(word))
                word = []
            tokens.append(char)
    if word:
        tokens.append("".join(word))
    return tokens


def break_lines(text: str, *, font_name: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than ``width`` points (a closing mark may hang over).

    Args:
        text: plain text; ``\\n`` forces a break; runs of blanks collapse to one space.
        font_name: a registered TrueType font.
        size: font size in points.
        width: the line width in points.
    """
    char_widths, default = _char_widths(font_name)
    scale = size / 1000.0

    def measure(token: str) -> float:
        return sum(char_widths.get(ord(c), default) for c in token) * scale

    lines: list[str] = []
    line: list[str] = []
    used = 0.0

    def flush() -> None:
        nonlocal line, used
        lines.append("".join(line).rstrip())
        line, used = [], 0.0

    for paragraph in text.split("\n"):
        first = len(lines)
        # Collapse ASCII blanks only: a full-width space (U+3000) is meant, often as indentation.
        for token in _tokens(_BLANKS.sub(" ", paragraph).strip(" ")):
            token_width = measure(token)
            if token == " ":
                if not line:
                    continue
                if used + token_width <= width:
                    line.append(token)
                    used += token_width
                else:
                    used = width + 1.0  # a blank at a break is dropped; the next token breaks
                continue
            if used + token_width <= width + 0.01:
                line.append(token)
                used += token_width
                continue
            if token in CANNOT_START and line:
                # Closing marks hang in the margin (as typesetters do), consecutive ones too
                # ("），"); the next ordinary token then starts the new line.
                line.append(token)
                used = width + 1.0
                continue
            carried: list[str] = []
            # Opening marks at the end move down with the next token ("““" too), as long as
            # something stays on the line and the moved run still fits on the new line.
            while (
                len(line) > 1
                and line[-1] in CANNOT_END
                and measure("".join([line[-1], *carried])) + token_width <= width + 0.01
            ):
                carried.insert(0, line.pop())
            if line:
                flush()
            line = carried
            used = sum(measure(t) for t in carried)
            if used + token_width > width and len(token) > 1:
                for char in token:  # a word longer than the line is broken by character
                    char_width = measure(char)
                    if used + char_width > width + 0.01 and line:
                        flush()
                    line.append(char)
                    used += char_width
            else:
                line.append(token)
                used += token_width
        if line or len(lines) == first:  # no empty line after a hanging mark; keep blank paragraphs
            flush()
    return lines


class TextBlock(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Plain text wrapped to the available width, in one font and size; splits between lines."""

    def __init__(self, text: str, style: ParagraphStyle, *, lines: list[str] | None = None) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self._lines = lines
        self._wrapped_width: float | None = None if lines is None else -1.0
        self.width = 0.0
        self.height = 0.0

    def _break(self, width: float) -> list[str]:
        if self._lines is None or (self._wrapped_width != width and self._wrapped_width != -1.0):
            style = self.style
            self._lines = break_lines(self.text, font_name=style.fontName, size=style.fontSize, width=width)
            self._wrapped_width = width
        return self._lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        lines = self._break(availWidth)
        self.width = availWidth
        self.height = len(lines) * self.style.leading
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[TextBlock]:
        lines = self._break(availWidth)
        fit = int((availHeight + 0.01) // self.style.leading)
        if fit <= 0 or fit >= len(lines):
            return []
        return [
            TextBlock(self.text, self.style, lines=lines[:fit]),
            TextBlock(self.text, self.style, lines=lines[fit:]),
        ]

    def draw(self) -> None:
        style = self.style
        lines = self._lines or []
        canvas: Any = self.canv
        text = canvas.beginText()
        text.setFont(style.fontName, style.fontSize, style.leading)
        text.setFillColor(style.textColor)
        y = self.height - style.fontSize
        if style.alignment in (TA_CENTER, TA_RIGHT):
            for line in lines:
                line_width = pdfmetrics.stringWidth(line, style.fontName, style.fontSize)
                free = self.width - line_width
                text.setTextOrigin(free / 2 if style.alignment == TA_CENTER else free, y)
                text.textOut(line)
                y -= style.leading
        else:
            text.setTextOrigin(0, y)
            for line in lines:
                text.textLine(line)
        canvas.drawText(text)


def text_cell(text: str, style: ParagraphStyle) -> Flowable:
    """A cell of plain text: a fast :class:`TextBlock` when the style's font covers every
    character, else a ``Paragraph`` (which escapes the text and handles anything)."""
    if covers(style.fontName, text):
        return TextBlock(text, style)
    return Paragraph(esc(text), style)


def text_chunks(text: str, style: ParagraphStyle, *, width: float, max_height: float) -> list[Flowable]:
    """Plain text as one or more cells, each at most ``max_height`` points tall.

    A table row taller than a page cannot be laid out, and reportlab's in-row splitting
    repeats headers mid-page; a very long cell is therefore cut into consecutive rows here,
    at line boundaries, before the table sees it.

    Args:
        text: plain text.
        style: its style (font, size, leading).
        width: the exact text width of the cell (column width minus padding).
        max_height: the tallest chunk allowed.
    """
    per_chunk = max(1, int(max_height // style.leading))
    if covers(style.fontName, text):
        lines = break_lines(text, font_name=style.fontName, size=style.fontSize, width=width)
        if len(lines) <= per_chunk:
            return [TextBlock(text, style)]
        return [
            TextBlock(text, style, lines=lines[i : i + per_chunk]) for i in range(0, len(lines), per_chunk)
        ]
    # A glyph the CJK font lacks: paragraphs of a conservative number of characters each.
    size = max(1, per_chunk * max(1, int(width // style.fontSize)) // 2)
    return [Paragraph(esc(text[i : i + size]), style) for i in range(0, len(text), size)] or [
        Paragraph("", style)
    ]
