"""The issue report of a dry run, as an xlsx the operator can sort, filter and fix from."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from app.io.headers import SkippedRow
from app.io.validate import Issue, Severity
from app.io.writers import discard_workbook, safe_cell, save_workbook

logger = logging.getLogger(__name__)

REPORT_HEADER = ("行号", "列", "值", "级别", "原因")
MAX_REPORT_ROWS = 1_048_000
"""An xlsx sheet holds 1,048,576 rows; beyond that the report says how many were left out."""

_WIDTHS = (8, 24, 40, 8, 80)
_ERROR_FILL = PatternFill("solid", fgColor="FCE4E4")


def write_issue_report(
    issues: Iterable[Issue], path: Path | str, *, skipped: Sequence[SkippedRow] = ()
) -> int:
    """Write issues to an xlsx: 行号 | 列 | 值 | 级别 | 原因, one issue per row.

    Issues about the whole file have an empty 行号. Values are written so that
    Excel never runs them as formulas. Skipped rows (titles, explanations…), if
    given, are listed on a second sheet.

    Args:
        issues: the issues, in the order to list them.
        path: the file to write (replaced when complete).
        skipped: rows that were not read as data.

    Returns:
        The number of issues written.

    Raises:
        OSError: when the file cannot be written.
    """
    path = Path(path)
    workbook = Workbook(write_only=True)
    written = 0
    try:
        sheet = workbook.create_sheet("问题清单")
        for index, width in enumerate(_WIDTHS):
            sheet.column_dimensions["ABCDE"[index]].width = width
        sheet.freeze_panes = "A2"
        header = []
        for title in REPORT_HEADER:
            cell = safe_cell(sheet, title)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        left_out = 0
        for issue in issues:
            if written >= MAX_REPORT_ROWS:
                left_out += 1
                continue
            level = safe_cell(sheet, issue.severity.label)
            if issue.severity is Severity.ERROR:
                level.fill = _ERROR_FILL
            sheet.append(
                [
                    issue.row,
                    safe_cell(sheet, issue.column or ""),
                    safe_cell(sheet, issue.value),
                    level,
                    safe_cell(sheet, issue.reason),
                ]
            )
            written += 1
        if left_out:
            sheet.append(
                [
                    None,
                    None,
                    None,
                    None,
                    safe_cell(sheet, f"另有 {left_out} 条问题未列出（超出表格行数上限）"),
                ]
            )
        if skipped:
            other = workbook.create_sheet("跳过的行")
            other.column_dimensions["A"].width = 8
            other.column_dimensions["B"].width = 24
            other.column_dimensions["C"].width = 80
            other.append([safe_cell(other, title) for title in ("行号", "原因", "内容")])
            for row in skipped:
                other.append([row.number, safe_cell(other, row.reason_text), safe_cell(other, row.text)])
    except BaseException:
        discard_workbook(workbook)
        raise
    save_workbook(workbook, path)
    logger.info("wrote %d issues to %s", written, path)
    return written
