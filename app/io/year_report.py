"""The year-end summary as xlsx: 概况, the plan, adjustments, problems, then one sheet per figure.

Every cell goes through the io layer's formula guard (``safe_cell``): target names and problem
texts come from outside and must never run as formulas in Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from app.io.writers import discard_workbook, safe_cell, save_workbook
from app.services.statistics import Cell
from app.services.year_report import ADJUSTMENT_HEADERS, PLAN_HEADERS, YearReport


def _sheet(
    workbook: Workbook,
    name: str,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    notes: Sequence[str] = (),
) -> None:
    sheet = workbook.create_sheet(title=name[:31])
    head = safe_cell(sheet, title)
    head.font = Font(bold=True, size=13)
    sheet.append([head])
    for note in notes:
        sheet.append([safe_cell(sheet, note)])
    bold = []
    for h in headers:
        cell = safe_cell(sheet, h)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for row in rows:
        sheet.append([safe_cell(sheet, "" if v is None else v) for v in row])


def write_year_report_xlsx(report: YearReport, path: Path) -> None:
    """Write the summary to ``path`` (through a temporary file)."""
    workbook = Workbook(write_only=True)
    try:
        marking = "涉密：含涉密任务" if report.classified else "不含涉密任务"
        _sheet(
            workbook,
            "概况",
            report.title,
            ("项目", "数值"),
            [(f.title, f.headline) for f in [report.stats["plan_progress"], *report.figures]],
            (f"制表日期：{report.made_on.isoformat()}　{marking}",),
        )
        plan_note = (
            f"年度抽查计划：{report.plan_title}（发布日期：{report.plan_published}）"
            if report.plan_title
            else f"{report.year} 年度未录入年度抽查计划"
        )
        _sheet(workbook, "计划执行情况", "年度计划执行情况", PLAN_HEADERS, report.plan_rows, (plan_note,))
        _sheet(workbook, "计划调整", "计划调整（备案）及理由", ADJUSTMENT_HEADERS, report.adjustments)
        problems = report.problems
        _sheet(
            workbook,
            "问题及处置",
            problems.title,
            problems.headers,
            problems.rows,
            (problems.headline, problems.note),
        )
        for figure in report.figures:
            _sheet(
                workbook,
                figure.title.replace("（", "-").replace("）", ""),
                figure.title,
                figure.headers,
                figure.rows,
                (figure.headline, figure.note),
            )
        save_workbook(workbook, path)
    except BaseException:
        discard_workbook(workbook)
        raise
