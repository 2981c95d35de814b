"""Fill in the first row of a 检查结果录入表 the way a team would in Excel (smoke test helper).

Used by installer/smoke-test.sh, which must not rely on the bundle's or the checkout's Python
packages: this file needs only the standard library (it runs under the system python3). It reads
the template the BUILT program wrote (``liancha results template``), keeps the header and the
first record with its prefilled columns (记录编号, 任务编号, 到场检查人员 …), fills the result
columns and writes a new minimal .xlsx (inline strings), which the built program then imports.

Usage: python3 smoke_fill_results.py TEMPLATE.xlsx FILLED.xlsx YYYY-MM-DD
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
FILLED = {
    "核查方式": "实地检查",
    "检查结果": "未发现问题",
    "后续处置措施": "无需后续处置",
    "依法不予公开": "否",
}


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    if letters is None:
        raise ValueError(f"bad cell reference {ref!r}")
    index = 0
    for ch in letters.group(0):
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def _column_letter(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def read_rows(path: Path) -> list[list[str]]:
    """The cell texts of the template's first sheet, row by row."""
    with zipfile.ZipFile(path) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows: list[list[str]] = []
    for row in sheet.iterfind(".//m:sheetData/m:row", NS):
        cells: list[str] = []
        for c in row.iterfind("m:c", NS):
            index = _column_index(c.get("r", "A1"))
            cells.extend([""] * (index + 1 - len(cells)))
            kind = c.get("t")
            value = c.find("m:v", NS)
            if kind == "s" and value is not None and value.text is not None:
                cells[index] = shared[int(value.text)]
            elif kind == "inlineStr":
                cells[index] = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
            elif value is not None and value.text is not None:
                cells[index] = value.text
        rows.append(cells)
    return rows


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """A minimal one-sheet workbook with inline strings (what calamine and Excel both read)."""
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{_column_letter(i)}{r}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
            for i, text in enumerate(row)
            if text
        )
        sheet_rows.append(f'<row r="{r}">{cells}</row>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<workbook xmlns="{NS["m"]}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="检查结果录入表" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<worksheet xmlns="{NS["m"]}"><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    template, target, day = Path(argv[1]), Path(argv[2]), argv[3]
    rows = read_rows(template)
    header_at = next((i for i, row in enumerate(rows) if "记录编号" in row), None)
    if header_at is None or len(rows) <= header_at + 1:
        print(f"{template}: no header row with 记录编号 or no record below it", file=sys.stderr)
        return 1
    header = rows[header_at]
    record = rows[header_at + 1] + [""] * (len(header) - len(rows[header_at + 1]))
    if not record[header.index("记录编号")] or not record[header.index("到场检查人员")]:
        print(f"{template}: the first record has no 记录编号 or no 到场检查人员 prefilled", file=sys.stderr)
        return 1
    for column, value in {"检查日期": day, **FILLED}.items():
        record[header.index(column)] = value
    write_xlsx(target, [header, record])
    print(f"filled record {record[header.index('记录编号')]} ({record[header.index('市场主体名称')]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
