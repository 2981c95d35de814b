"""Finding the header row, and the rows around it that are not data.

Platform templates put a title row (and sometimes a note row) above the header
and an explanation row below it (``YYYY-MM-DD``, ``【多个以中文逗号分开填写】详见参数表``),
often followed by an example row (``案例（请删除）``). None of that is data. The
header is the row among the first few that names the most known columns; the
explanation and example rows are recognised by their wording.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.io.fields import FIELDS, RegistryKind, known_header_keys
from app.io.presets import BUILTIN_PRESETS
from app.io.text import CellValue, clean_text, header_key

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 40
"""How many leading non-empty rows may hold the header."""
AFTER_HEADER_SCAN_ROWS = 3
"""How many rows right below the header may be explanation or example rows."""

SkipReason = Literal["title", "explanation", "example", "note", "footer"]

SKIP_REASON_TEXT: dict[SkipReason, str] = {
    "title": "表头上方的标题或说明行",
    "explanation": "表头下方的填写说明行",
    "example": "模板中的示例行",
    "note": "表格中的注释行",
    "footer": "表格结束后的内容",
}


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row that is not data, with why (``reason``) and its first words (``text``)."""

    number: int
    reason: SkipReason
    text: str

    @property
    def reason_text(self) -> str:
        """The reason in Chinese."""
        return SKIP_REASON_TEXT[self.reason]


@dataclass(frozen=True, slots=True)
class HeaderGuess:
    """The row chosen as header: its number, and how many of its cells are known names."""

    row_number: int
    known: int
    cells: tuple[CellValue, ...]


_HINT_MARKERS = (
    "填写",
    "YYYY",
    "yyyy",
    "年月日",
    "详见",
    "参数表",
    "多个以",
    "【",
    "单选",
    "复选",
    "多选",
    "下拉",
    "必填",
    "选填",
    "例如",
    "格式为",
    "请输入",
    "请选择",
    "若无",
    "若长期",
    "若不",
    "若有",
)
_EXAMPLE_MARKERS = ("请删除", "示例", "样例", "例子", "（例）", "(例)", "删除本行")
_NOTE_PREFIXES = ("注：", "注:", "说明：", "说明:", "填表说明", "备注：", "备注:", "注意：", "注意:")


def _all_hint_keys() -> frozenset[str]:
    hints = {header_key(spec.hint) for specs in FIELDS.values() for spec in specs if spec.hint}
    hints.update(
        header_key(column.hint) for preset in BUILTIN_PRESETS for column in preset.columns if column.hint
    )
    return frozenset(hints)


_KNOWN_HINTS = _all_hint_keys()


def non_empty_texts(cells: Sequence[CellValue]) -> list[str]:
    """The cleaned texts of a row's non-empty cells."""
    texts = []
    for cell in cells:
        if cell is None or cell == "":
            continue
        text = clean_text(cell)
        if text:
            texts.append(text)
    return texts


def is_blank(cells: Sequence[CellValue]) -> bool:
    """True when no cell of the row holds anything but spaces."""
    for cell in cells:
        if cell is None or cell == "":
            continue
        if not isinstance(cell, str) or cell.strip():
            return False
    return True


def find_header(
    rows: Sequence[tuple[int, Sequence[CellValue]]], *, kind: RegistryKind | None = None
) -> HeaderGuess | None:
    """Choose the header row among the first rows of a sheet.

    The row naming the most known column headers (labels and synonyms of
    ``kind``, or of every kind) wins; ties go to the upper row. When no row names
    any, the first row with at least two short text cells is taken (a file with
    unknown headers can still be mapped by hand), else the first non-empty row.

    Args:
        rows: (row number, cells) pairs, top down, up to :data:`HEADER_SCAN_ROWS`.
        kind: the registry kind expected, if known.

    Returns:
        The guess, or None when all rows are empty.
    """
    known_keys = known_header_keys(kind)
    best: HeaderGuess | None = None
    fallback: HeaderGuess | None = None
    first: HeaderGuess | None = None
    for number, cells in rows[:HEADER_SCAN_ROWS]:
        texts = non_empty_texts(cells)
        if not texts:
            continue
        keys = {header_key(text) for text in texts}
        known = len(keys & known_keys)
        guess = HeaderGuess(row_number=number, known=known, cells=tuple(cells))
        if first is None:
            first = guess
        if known and (best is None or known > best.known):
            best = guess
        if (
            fallback is None
            and len(set(texts)) >= 2
            and all(isinstance(cell, str) and len(cell) <= 40 for cell in cells if cell not in (None, ""))
        ):
            fallback = guess
    return best or fallback or first


def is_hint_text(text: str) -> bool:
    """True when a cell reads like guidance for whoever fills the template."""
    return header_key(text) in _KNOWN_HINTS or any(marker in text for marker in _HINT_MARKERS)


def classify_below_header(cells: Sequence[CellValue]) -> SkipReason | None:
    """Tell whether a row just below the header is an explanation row, an example row, or data.

    An explanation row has at least one hint-like cell and hint-like cells make up
    at least half of its non-empty cells; an example row has a cell saying
    请删除 / 示例 / 样例.

    Returns:
        ``"explanation"``, ``"example"`` or None for a data row.
    """
    texts = non_empty_texts(cells)
    if not texts:
        return None
    hints = sum(1 for text in texts if is_hint_text(text))
    if hints and hints * 2 >= len(texts):
        return "explanation"
    if any(marker in text for text in texts for marker in _EXAMPLE_MARKERS):
        return "example"
    return None


def is_note_row(cells: Sequence[CellValue]) -> bool:
    """True for a lone note such as ``注：…`` or ``填表说明…`` (one non-empty cell)."""
    lone: CellValue = None
    for cell in cells:  # cheap pre-check: this runs on every data row
        if cell is None or cell == "":
            continue
        if lone is not None or not isinstance(cell, str):
            return False
        lone = cell
    return lone is not None and clean_text(lone).startswith(_NOTE_PREFIXES)


def row_excerpt(cells: Sequence[CellValue], limit: int = 60) -> str:
    """The row's non-empty texts joined, cut to ``limit`` characters (for messages)."""
    text = " | ".join(non_empty_texts(cells))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def header_names(cells: Sequence[CellValue]) -> tuple[str, ...]:
    """Turn a header row into unique, clean column names.

    Trailing empty cells are dropped; an empty cell in between becomes ``F列``;
    a repeated name gets ``（2）``, ``（3）`` … so every column can be addressed.
    """
    texts = [clean_text(cell) for cell in cells]
    while texts and not texts[-1]:
        texts.pop()
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(texts):
        name = text or f"{column_letter(index)}列"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name if count == 1 else f"{name}（{count}）")
    return tuple(names)
