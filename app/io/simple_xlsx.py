"""Write a plain titled table to xlsx (lists for printing or publication), safe against formula injection."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from app.io.text import guard_formula


def safe_cell_value(value: object) -> object:
    """Text that Excel would run as a formula gets the same apostrophe guard the registry exports use."""
    return guard_formula(value) if isinstance(value, str) else value


def write_table(path: Path, *, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Write ``rows`` under a bold title row and a header row; written to a temp file first, then renamed."""
    tmp = path.with_name(path.name + ".partial")
    # Open the file before the write-only workbook exists: a missing or read-only folder then
    # fails here, instead of leaving openpyxl's row writer half-open (it raises again when
    # collected) and a message about the temp file.
    with tmp.open("wb") as handle:
        try:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet(title=title[:31] or "Sheet1")
            title_cell = WriteOnlyCell(ws, value=title)
            title_cell.font = Font(bold=True, size=14)
            ws.append([title_cell])
            header_cells = []
            for h in headers:
                cell = WriteOnlyCell(ws, value=h)
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center")
                header_cells.append(cell)
            ws.append(header_cells)
            for row in rows:
                ws.append([safe_cell_value(v) for v in row])
            wb.save(handle)
        except BaseException:
            handle.close()
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(path)
