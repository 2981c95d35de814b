"""年度工作总结（统计部分）: what the year-end summary (by 12月底, seeds 000/002/004) reports.

The figures of ``app.services.statistics`` for one year, the plan against what was done, the
plan's adjustments with their reasons, and the problems found with how they were handled. It is
an exported report: classified tasks are in it only when it is marked classified.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.plans import list_adjustments, plan_for_year
from app.services.statistics import (
    PLAN_PROGRESS,
    PROBLEMS_HANDLED,
    TARGETS_FUNNEL,
    Cell,
    Figure,
    Statistics,
    StatsFilter,
    compute_statistics,
)

# The figures in the order the summary presents them (the plan and problems have their own sections).
REPORT_FIGURES = (
    "targets_funnel",
    "coverage_industry",
    "coverage_region",
    "coverage_risk",
    "result_categories",
    "problems_by_item",
    "problems_by_department",
    "department_workload",
    "visits_saved",
    "publication_time",
    "overdue_results",
    "open_follow_ups",
    "sync_backlog",
)

PLAN_HEADERS = ("任务编号", "任务名称", "抽查类型", "牵头部门", "来源", "状态", "已抽取", "已检查", "已公示")
ADJUSTMENT_HEADERS = ("日期", "类型", "任务编号", "调整内容", "调整理由", "经办人")


@dataclass(frozen=True)
class YearReport:
    year: int
    title: str
    classified: bool  # marked 涉密: classified tasks are counted
    made_on: date
    plan_title: str  # "" when the year has no plan
    plan_published: str  # date text or "未发布"
    stats: Statistics
    plan_rows: tuple[tuple[Cell, ...], ...]
    adjustments: tuple[tuple[Cell, ...], ...]

    @property
    def figures(self) -> list[Figure]:
        return [self.stats[k] for k in REPORT_FIGURES]

    @property
    def problems(self) -> Figure:
        return self.stats[PROBLEMS_HANDLED]

    def summary_lines(self) -> list[str]:
        """The headline of every figure, one line each (the report's 概况)."""
        lines = [f"{f.title}：{f.headline}" for f in self.figures]
        return [f"{self.stats[PLAN_PROGRESS].title}：{self.stats[PLAN_PROGRESS].headline}", *lines]


def build_year_report(
    ctx: ServiceContext, year: int, *, classified: bool = False, today: date | None = None
) -> YearReport:
    """Gather the year-end summary of ``year`` (raises PermissionDenied for classified if not cleared)."""
    stats = compute_statistics(
        ctx, StatsFilter(year=year), today=today, for_export=True, classified=classified
    )
    progress = stats[PLAN_PROGRESS]
    funnel = {row[0]: row[2:] for row in stats[TARGETS_FUNNEL].rows}
    plan_rows = tuple(
        (number, name, mode, lead, source, status, *funnel.get(number, (0, 0, 0)))
        for number, name, mode, lead, status, _end, source in progress.rows
    )
    visible = {row[0] for row in progress.rows}
    plan = plan_for_year(ctx, year)
    adjustments: tuple[tuple[Cell, ...], ...] = ()
    if plan is not None:
        adjustments = tuple(
            (a.at.astimezone().date().isoformat(), a.kind, a.task_number, a.description, a.reason, a.operator)
            for a in list_adjustments(ctx, plan.id)
            if not a.task_number or a.task_number in visible
        )
    title = f"{year}年度“双随机、一公开”监管工作总结（统计部分）"
    return YearReport(
        year=year,
        title=title + ("（涉密）" if classified else ""),
        classified=classified,
        made_on=stats.today,
        plan_title=plan.title if plan else "",
        plan_published=(
            plan.published_at.astimezone().date().isoformat() if plan and plan.published_at else "未发布"
        ),
        stats=stats,
        plan_rows=plan_rows,
        adjustments=adjustments,
    )


REPORT_SUFFIXES = (".pdf", ".xlsx")


def export_year_report(
    ctx: ServiceContext, year: int, path: Path, *, classified: bool = False, today: date | None = None
) -> YearReport:
    """Write the summary to ``path`` (.pdf or .xlsx, atomically) and record the export in the audit trail."""
    from app.io.year_report import write_year_report_xlsx
    from app.printing.year_report import write_year_report_pdf

    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValidationError([FieldError("输出文件", f"{path.name} 的扩展名须为 .pdf 或 .xlsx")])
    report = build_year_report(ctx, year, classified=classified, today=today)
    if suffix == ".pdf":
        write_year_report_pdf(report, path)
    else:
        write_year_report_xlsx(report, path)
    with ctx.write() as session:
        ctx.audit(
            session,
            action="export",
            entity="year_report",
            entity_id=year,
            summary=f"导出{report.title}：{path.name}",
            classified=classified,
        )
    return report


def year_report_pdf_bytes(ctx: ServiceContext, year: int, *, classified: bool = False) -> bytes:
    """The summary's PDF in memory, for the print preview (built through a temporary file)."""
    from app.printing.year_report import write_year_report_pdf

    report = build_year_report(ctx, year, classified=classified)
    with tempfile.TemporaryDirectory(prefix="liancha-report-") as folder:
        path = Path(folder) / "year.pdf"
        write_year_report_pdf(report, path)
        return path.read_bytes()
