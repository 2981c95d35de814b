"""Turning raw cell values into clean text, dates, enumerations and lists.

Spreadsheets from county offices mix full-width and half-width forms, stray
spaces, non-breaking spaces, numbers stored as floats and dates in every shape
Excel can produce. Everything here is pure and fast: it runs once per cell.

Full-width forms are folded with care: NFKC would also turn Chinese punctuation
(，（）：；) into ASCII, which garbles Chinese prose, so free text only folds
full-width letters, digits and spaces; identifiers and comparison keys use NFKC.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
"""A cell as the readers deliver it (calamine's types; CSV cells are always ``str``)."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel (or a CSV consumer) treat text as a formula (OWASP)."""

NO_EXPIRY_LABEL = "长期"
"""How a date meaning "no expiry" (9999-09-09 in platform templates) is shown."""

# Full-width ASCII letters and digits, the ideographic space and the odd spaces
# that come from web pages; Chinese punctuation is deliberately left alone.
_FOLD_TABLE: dict[int, str] = {code: chr(code - 0xFEE0) for code in range(0xFF10, 0xFF1A)}
_FOLD_TABLE.update({code: chr(code - 0xFEE0) for code in range(0xFF21, 0xFF3B)})
_FOLD_TABLE.update({code: chr(code - 0xFEE0) for code in range(0xFF41, 0xFF5B)})
_FOLD_TABLE.update(
    {
        0x3000: " ",
        0x00A0: " ",
        0x2002: " ",
        0x2003: " ",
        0x2009: " ",
        0x200B: "",
        0x202F: " ",
        0x205F: " ",
        0xFEFF: "",
        0x7F: "",
    }
)
# Control characters are invisible in Excel and refused by openpyxl on export.
_FOLD_TABLE.update({code: "" for code in range(32) if code not in (9, 10, 13)})
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FOLD_TABLE)) + "]")
# Whitespace other than a plain space, or a character to fold.
_ODD_CHARS = re.compile(_NEEDS_FOLD.pattern[:-1] + "\t\n\r\v\f\x85\u1680\u2000-\u200a\u2028\u2029]")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_KEY_STRIP = re.compile(r"[\s\u200b\ufeff*＊:：]+")


def _behind_apostrophes_is_trigger(text: str) -> bool:
    rest = text.lstrip("'")
    return len(rest) < len(text) and rest.startswith(FORMULA_TRIGGERS)


def unquote_formula_guard(text: str) -> str:
    """Undo the apostrophe the writer puts before text that looks like a formula.

    The exporter writes ``'=SUM(A1)`` for a value ``=SUM(A1)`` (OWASP's advice
    against formula injection). One apostrophe is removed only when apostrophes
    are followed by a formula trigger, so the round trip is exact for every value
    the writer produced (``'=x`` is written as ``''=x``); an apostrophe before
    anything else is data and is kept. Excel itself never yields a leading
    apostrophe before ``=`` from typing: it treats one as a marker, not content.

    Args:
        text: a cell's text.

    Returns:
        ``text`` without the guard apostrophe.
    """
    return text[1:] if _behind_apostrophes_is_trigger(text) else text


def guard_formula(text: str) -> str:
    """Prefix text that Excel would run as a formula with an apostrophe.

    Args:
        text: a value about to be written to a spreadsheet.

    Returns:
        ``text`` itself, or ``"'" + text`` when it starts with = + - @ tab or CR —
        or with apostrophes followed by one of those, so that
        :func:`unquote_formula_guard` gives back exactly the original.
    """
    if text.startswith(FORMULA_TRIGGERS) or _behind_apostrophes_is_trigger(text):
        return "'" + text
    return text


def number_text(value: float) -> str:
    """Render a numeric cell the way a person reading the sheet sees it.

    Integral floats lose their ``.0`` (``4541321.0`` → ``"4541321"``); others keep
    up to 15 significant digits, the precision Excel stores.
    """
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return f"{value:.15g}"


def cell_text(value: CellValue) -> str:
    """Return a cell's value as raw text (no cleaning beyond type conversion)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float | int):
        return number_text(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def clean_text(value: CellValue, *, multiline: bool = False) -> str:
    """Normalise a cell to tidy text.

    Full-width letters, digits and spaces become half-width; runs of spaces,
    tabs and (unless ``multiline``) line breaks collapse to one space; the ends
    are stripped; the exporter's formula guard is removed. Chinese punctuation
    is kept as it is.

    Args:
        value: the raw cell.
        multiline: keep line breaks (for long texts such as 检查依据).

    Returns:
        The cleaned text, ``""`` for an empty cell.
    """
    if value.__class__ is str:
        text = value
        if not text:
            return ""
        if text[0] == "'" and _behind_apostrophes_is_trigger(text):
            text = text[1:]
    else:
        text = cell_text(value)
        if not text:
            return ""
    # Most cells are clean already: one search says so, cheaper than cleaning.
    if text[0] != " " and text[-1] != " " and "  " not in text and _ODD_CHARS.search(text) is None:
        return text
    if _NEEDS_FOLD.search(text) is not None:
        text = text.translate(_FOLD_TABLE)
    if multiline:
        lines = (
            " ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        )
        return "\n".join(line for line in lines if line)
    return " ".join(text.split())


def name_text(value: CellValue) -> str:
    """Clean an entity's name: like :func:`clean_text`, and ASCII brackets become full-width.

    Registered Chinese names use full-width brackets (``某某（有限合伙）``); folding
    the two forms together lets the same entity typed both ways be recognised.
    """
    text = clean_text(value)
    if text and _HAS_CJK.search(text):
        text = text.replace("(", "（").replace(")", "）")
    return text


def header_key(text: str) -> str:
    """Return the comparison key of a header or enumeration value.

    NFKC (so ``（`` and ``(`` compare equal), no spaces or line breaks, no
    required-field stars or trailing colons, case-folded.
    """
    return _KEY_STRIP.sub("", unicodedata.normalize("NFKC", text)).casefold()


_BRACKETS = {"(": ")", "（": "）", "[": "]", "【": "】", "《": "》", "“": "”", "〔": "〕", "{": "}"}
_CLOSERS = frozenset(_BRACKETS.values())

MULTI_SEPARATORS = "，,、；;\n"
"""Separators of multi-valued cells: the Chinese comma first (the platforms' rule)."""

LIST_SEPARATORS = "，,；;\n"
"""Separators for lists whose values may themselves contain 、 (item names, department names with 、)."""


def split_multi(text: str, *, separators: str = MULTI_SEPARATORS) -> tuple[str, ...]:
    """Split a multi-valued cell, ignoring separators inside brackets.

    ``特种设备生产（含设计、制造）单位检查，A01.直销`` splits into two values,
    not four. Empty parts are dropped and repeated values kept once, in order.

    Args:
        text: the cleaned cell text.
        separators: characters that separate values.

    Returns:
        The values, stripped.
    """
    if not text:
        return ()
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in _BRACKETS:
            depth += 1
        elif char in _CLOSERS and depth > 0:
            depth -= 1
        elif depth == 0 and char in separators:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    seen: dict[str, None] = {}
    for part in parts:
        value = part.strip()
        if value and value not in seen:
            seen[value] = None
    return tuple(seen)


def join_multi(values: Iterable[str]) -> str:
    """Join values with the Chinese comma, as the platform templates ask."""
    return "，".join(values)


# ---------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NO_EXPIRY_WORDS = frozenset({"长期", "长期有效", "永久", "永久有效", "无期限", "无固定期限", "不限期"})
_MIN_YEAR = 1900
_MAX_YEAR = 2100


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """The result of reading a date cell.

    Attributes:
        value: the date, or None when empty, unreadable or "no expiry".
        no_expiry: True for 9999-… dates and words like 长期 (meaning: valid indefinitely).
        error: a Chinese reason when the cell holds something that is not a date.
    """

    value: dt.date | None
    no_expiry: bool = False
    error: str | None = None

    @property
    def empty(self) -> bool:
        """True when the cell held nothing at all."""
        return self.value is None and not self.no_expiry and self.error is None


_EMPTY_DATE = ParsedDate(None)
_NO_EXPIRY = ParsedDate(None, no_expiry=True)


def _checked(day: dt.date) -> ParsedDate:
    if day.year == 9999:
        return _NO_EXPIRY
    if not _MIN_YEAR <= day.year <= _MAX_YEAR:
        return ParsedDate(None, error=f"日期 {day.isoformat()} 超出合理范围（{_MIN_YEAR}—{_MAX_YEAR}年）")
    return ParsedDate(day)


def _from_serial(serial: float) -> ParsedDate:
    if serial == int(serial) and 19000101 <= serial <= 99991231:
        return _from_compact(str(int(serial)))
    if not 1 <= serial <= _MAX_SERIAL:
        return ParsedDate(None, error=f"数字 {number_text(serial)} 不是有效的日期")
    # Excel's 1900 date system counts a 29 February 1900 that never was (serial 60).
    days = int(serial)
    day = (
        _EXCEL_EPOCH + dt.timedelta(days=days)
        if days > 60
        else dt.date(1899, 12, 31) + dt.timedelta(days=days)
    )
    return _checked(day)


def _from_compact(text: str) -> ParsedDate:
    match = _COMPACT_DATE_RE.match(text)
    if match is None:
        return ParsedDate(None, error=f"“{text}”不是日期")
    return _from_parts(match.group(1), match.group(2), match.group(3), text)


def _from_parts(year: str, month: str, day: str, text: str) -> ParsedDate:
    if year == "9999":
        return _NO_EXPIRY
    try:
        return _checked(dt.date(int(year), int(month), int(day)))
    except ValueError:
        return ParsedDate(None, error=f"“{text}”不是存在的日期")


def parse_date(value: CellValue) -> ParsedDate:
    """Read a date in any of the ways Excel and operators write one.

    Accepted: date/datetime objects (calamine), Excel serial numbers,
    ``2017-03-07``, ``2017-03-07 00:00:00``, ``2017-03-07T00:00:00.000``,
    ``2017/3/7``, ``2017.3.7``, ``2017年3月7日``, ``20170307`` (text or number).
    Any year 9999 (the platforms' ``9999-09-09``) and words such as 长期 mean
    "no expiry".

    Args:
        value: the raw cell.

    Returns:
        A :class:`ParsedDate`; ``error`` is set (in Chinese) when the cell is not a date.
    """
    if value is None or value == "":
        return _EMPTY_DATE
    if isinstance(value, dt.datetime):
        return _checked(value.date())
    if isinstance(value, dt.date):
        return _checked(value)
    if isinstance(value, bool):
        return ParsedDate(None, error="逻辑值不是日期")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return ParsedDate(None, error="不是有效的日期")
        return _from_serial(float(value))
    if not isinstance(value, str):
        return ParsedDate(None, error=f"“{cell_text(value)}”不是日期")
    text = clean_text(value)
    if not text:
        return _EMPTY_DATE
    if text in _NO_EXPIRY_WORDS:
        return _NO_EXPIRY
    match = _DATE_RE.match(text)
    if match is not None:
        return _from_parts(match.group(1), match.group(2), match.group(3), text)
    if text.isdigit() and len(text) == 8:
        return _from_compact(text)
    return ParsedDate(None, error=f"“{text}”不是可识别的日期，请写成 YYYY-MM-DD（长期有效写 9999-09-09）")
