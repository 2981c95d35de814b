"""The platform's result-import spreadsheet carried in a results batch (``results.xlsx``).

An operator whose platform has no gateway uploads this sheet by hand. Its columns follow the
platform's 抽查结果 announcement (DOMAIN.md; ``app.services.disclosure.RESULT_HEADERS``) plus the ids
a receipt needs back (序号 = the batch seq, 记录编号, 版本编号). Every value is text, guarded
against formula injection (:func:`app.io.text.guard_formula`): a name like ``=HYPERLINK(…)``
entered on a laptop must stay text on the operator's PC.

The workbook is written directly as SpreadsheetML with inline strings: for 20,000 rows this is
several times faster than openpyxl (the results batch has a time budget, docs/sync-format.md), and
Excel, WPS, LibreOffice, openpyxl and calamine all read it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from app.io.text import guard_formula

SHEET_NAME = "抽查结果"
HEADERS: tuple[str, ...] = (
    "序号",
    "记录编号",
    "版本编号",
    "版本类型",
    "抽查任务编号",
    "抽查任务名称",
    "抽查市场主体名称",
    "统一社会信用代码/注册号",
    "检查完成日期",
    "核查方式",
    "检查结果",
    "发现问题情况",
    "后续处置措施",
    "检查人员",
    "依法不予公开",
    "不予公开理由",
    "更正原因",
    "备注",
)

# Characters XML 1.0 cannot hold at all; they are dropped (they never carry meaning in a result).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible bytes: the sheet's hash is in the manifest

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    f'<sheets><sheet name="{SHEET_NAME}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(text: str) -> str:
    value = escape(_ILLEGAL_XML.sub("", guard_formula(text)))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _column(number: int) -> str:
    """Spreadsheet column letters of a 1-based column number (1 → A, 27 → AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def results_sheet_bytes(rows: Iterable[Sequence[str]], *, headers: Sequence[str] = HEADERS) -> bytes:
    """The workbook's bytes: one header row, then one row per result version, every cell text.

    Args:
        rows: Rows of exactly ``len(headers)`` strings.
        headers: The header row (default :data:`HEADERS`).

    Raises:
        ValueError: A row has the wrong number of cells.
    """
    body = ["<row>" + "".join(_cell(h) for h in headers) + "</row>"]
    for number, row in enumerate(rows, start=2):
        if len(row) != len(headers):
            raise ValueError(f"row {number} has {len(row)} cells, expected {len(headers)}")
        body.append("<row>" + "".join(_cell(v) for v in row) + "</row>")
    # The dimension lets streaming readers (openpyxl read-only) know the size without a scan.
    dimension = f"A1:{_column(len(headers))}{len(body)}"
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>',
        *body,
        "</sheetData></worksheet>",
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", "".join(parts)),
        ):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return out.getvalue()
