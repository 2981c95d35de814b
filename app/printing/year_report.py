"""The year-end summary as an A4 PDF: figures with their charts (reportlab.graphics) and tables.

Charts are vector drawings in the embedded CJK font, so the PDF prints the same on a PC without
a Chinese font. Written to ``.partial`` first and renamed, so a power cut never leaves half a file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.printing.fonts import CJK_FONT, register_fonts
from app.services.statistics import BAR, LINE, PIE, Cell, Figure, chart_points
from app.services.year_report import ADJUSTMENT_HEADERS, PLAN_HEADERS, YearReport

PAGE = A4
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
MAX_POINTS = 12  # a chart shows the largest groups (chart_points); the table under it lists them all
PALETTE = (
    colors.HexColor("#2f6db5"),
    colors.HexColor("#e07b39"),
    colors.HexColor("#3a9e5c"),
    colors.HexColor("#c0392b"),
    colors.HexColor("#8e6bb8"),
    colors.HexColor("#8c6d46"),
    colors.HexColor("#d35d9b"),
    colors.HexColor("#7f8c8d"),
    colors.HexColor("#b5a82f"),
    colors.HexColor("#2fb5b0"),
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def _styles() -> dict[str, ParagraphStyle]:
    base = {"fontName": CJK_FONT, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", fontSize=17, leading=24, alignment=1, **base),
        "sub": ParagraphStyle("sub", fontSize=10, leading=14, alignment=1, **base),
        "h1": ParagraphStyle("h1", fontSize=13, leading=19, spaceBefore=8, spaceAfter=4, **base),
        "h2": ParagraphStyle("h2", fontSize=11, leading=16, spaceBefore=8, spaceAfter=2, **base),
        "body": ParagraphStyle("body", fontSize=10, leading=15, **base),
        "note": ParagraphStyle(
            "note", fontSize=8.5, leading=12, textColor=colors.HexColor("#444444"), **base
        ),
        "head": ParagraphStyle("head", fontSize=8.5, leading=11, alignment=1, **base),
        "cell": ParagraphStyle("cell", fontSize=8, leading=10.5, **base),
    }


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Cell]], styles: dict[str, ParagraphStyle]
) -> Table | Paragraph:
    if not rows:
        return Paragraph("（无）", styles["body"])
    data: list[list[Any]] = [[Paragraph(_escape(h), styles["head"]) for h in headers]]
    data.extend([Paragraph(_escape(_text(v)), styles["cell"]) for v in row] for row in rows)
    # Long text columns get more room than counts.
    weights = [
        max(1.0, min(4.0, max(len(_text(r[i])) for r in [headers, *rows]) / 6)) for i in range(len(headers))
    ]
    total = sum(weights)
    result = Table(data, colWidths=[WIDTH * w / total for w in weights], repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return result


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def chart_drawing(figure: Figure) -> Drawing | None:
    """The figure's chart as a reportlab drawing (None when it has nothing to draw)."""
    points = list(chart_points(figure.chart, figure.series, MAX_POINTS))
    if not points or all(v == 0 for _, v in points):
        return None
    if figure.chart == PIE:
        return _pie(points)
    if figure.chart == LINE:
        return _line(points, figure.value_label, figure.reference, figure.reference_label)
    if figure.chart == BAR:
        return _bars(points, figure.value_label)
    return None


def _bars(points: list[tuple[str, float]], value_label: str) -> Drawing:
    height = 30 + 18 * len(points)
    drawing = Drawing(WIDTH, height + 12)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 20
    chart.width, chart.height = WIDTH - 200, height - 30
    # reportlab draws the first category at the bottom; reverse so the list reads top-down.
    ordered = list(reversed(points))
    chart.data = [[v for _, v in ordered]]
    chart.categoryAxis.categoryNames = [_short(label) for label, _ in ordered]
    chart.categoryAxis.labels.fontName = CJK_FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = CJK_FONT
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat = "%g"
    chart.barLabels.fontName = CJK_FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    drawing.add(String(WIDTH - 50, height + 2, value_label, fontName=CJK_FONT, fontSize=7, textAnchor="end"))
    return drawing


def _pie(points: list[tuple[str, float]]) -> Drawing:
    drawing = Drawing(WIDTH, 150)
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 40, 15, 120, 120
    pie.data = [v for _, v in points]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    for n in range(len(points)):
        pie.slices[n].fillColor = PALETTE[n % len(PALETTE)]
    drawing.add(pie)
    total = sum(v for _, v in points) or 1.0
    for n, (label, value) in enumerate(points):
        y = 130 - n * 14
        drawing.add(Rect(200, y, 9, 9, fillColor=PALETTE[n % len(PALETTE)], strokeColor=None))
        drawing.add(
            String(
                214,
                y + 1,
                f"{_short(label, 22)}  {value:g}（{100 * value / total:.1f}%）",
                fontName=CJK_FONT,
                fontSize=8,
            )
        )
    return drawing


def _line(
    points: list[tuple[str, float]],
    value_label: str,
    reference: float | None = None,
    reference_label: str = "",
) -> Drawing:
    drawing = Drawing(WIDTH, 170)
    chart = HorizontalLineChart()
    chart.x, chart.y = 40, 40
    chart.width, chart.height = WIDTH - 70, 110
    chart.data = [[v for _, v in points]]
    chart.categoryAxis.categoryNames = [_short(label, 10) for label, _ in points]
    chart.categoryAxis.labels.fontName = CJK_FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 20
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    top = max([v for _, v in points] + ([reference] if reference is not None else []))
    chart.valueAxis.valueMax = top * 1.15 or 1
    chart.valueAxis.labels.fontName = CJK_FONT
    chart.valueAxis.labels.fontSize = 7
    chart.lines[0].strokeColor = PALETTE[0]
    chart.lines[0].strokeWidth = 1.5
    chart.lineLabelFormat = "%g"
    chart.lineLabels.fontName = CJK_FONT
    chart.lineLabels.fontSize = 7
    drawing.add(chart)
    if reference is not None:
        y = chart.y + chart.height * reference / chart.valueAxis.valueMax
        drawing.add(
            Line(chart.x, y, chart.x + chart.width, y, strokeColor=PALETTE[3], strokeDashArray=[4, 3])
        )
        drawing.add(
            String(
                chart.x + chart.width,
                y + 3,
                reference_label,
                fontName=CJK_FONT,
                fontSize=7,
                fillColor=PALETTE[3],
                textAnchor="end",
            )
        )
    drawing.add(String(40, 158, value_label, fontName=CJK_FONT, fontSize=7))
    return drawing


def write_year_report_pdf(report: YearReport, path: Path) -> None:
    """Write the summary to ``path`` (atomically)."""
    register_fonts()
    styles = _styles()
    marking = "涉密 ★ 含涉密任务，按涉密材料管理" if report.classified else "不含涉密任务"
    story: list[Any] = [
        Paragraph(_escape(report.title), styles["title"]),
        Paragraph(_escape(f"制表日期：{report.made_on:%Y年%m月%d日}　{marking}"), styles["sub"]),
        Spacer(1, 4 * mm),
        Paragraph("一、概况", styles["h1"]),
    ]
    story.extend(
        Paragraph(_escape(f"{n}. {line}"), styles["body"]) for n, line in enumerate(report.summary_lines(), 1)
    )
    story.append(Paragraph("二、年度计划执行情况", styles["h1"]))
    plan_line = (
        f"年度抽查计划：{report.plan_title}（发布日期：{report.plan_published}）"
        if report.plan_title
        else f"{report.year} 年度未录入年度抽查计划。"
    )
    story.append(Paragraph(_escape(plan_line), styles["body"]))
    story.append(Spacer(1, 2 * mm))
    story.append(table(PLAN_HEADERS, report.plan_rows, styles))
    story.append(Paragraph("计划调整（备案）及理由", styles["h2"]))
    story.append(table(ADJUSTMENT_HEADERS, report.adjustments, styles))
    story.append(Paragraph("三、统计分析", styles["h1"]))
    for n, figure in enumerate(report.figures, 1):
        head: list[Any] = [
            Paragraph(_escape(f"（{n}）{figure.title}：{figure.headline}"), styles["h2"]),
            Paragraph(_escape(figure.note), styles["note"]),
        ]
        drawing = chart_drawing(figure)
        if drawing is not None:
            head.append(drawing)
        story.append(KeepTogether(head))
        story.append(table(figure.headers, figure.rows, styles))
    story.append(Paragraph("四、发现的问题及处置情况", styles["h1"]))
    story.append(Paragraph(_escape(f"{report.problems.headline}。{report.problems.note}"), styles["note"]))
    story.append(table(report.problems.headers, report.problems.rows, styles))

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        canvas.drawCentredString(PAGE[0] / 2, 8 * mm, f"第 {doc.page} 页")
        if report.classified:
            canvas.setFillColor(colors.HexColor("#c0392b"))
            canvas.setFont(CJK_FONT, 10)
            canvas.drawString(MARGIN, PAGE[1] - 9 * mm, "涉密")
        canvas.restoreState()

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    doc = SimpleDocTemplate(
        str(tmp),
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 3 * mm,
        title=report.title,
        author="联查 LianCha",
    )
    try:
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
