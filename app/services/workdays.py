"""Statutory deadlines in working days (工作日): weekends and public holidays out, 调休 workdays in.

chinesecalendar knows the State Council's holiday notices up to the year it was released
(2026 for 1.11) and raises NotImplementedError beyond. Tasks in December already run into
the next year, so the app keeps working: for a year nobody has entered, weekends alone are
counted and the result says plainly that the holiday table was missing. The office can enter
the year's notice (holidays and adjusted workdays), stored in the database; deadlines then
recompute with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Setting
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.permissions import Permission
from app.services.settings import set_setting

_KEY_PREFIX = "calendar.holidays."
RESULTS_DUE_DAYS = 20  # results published within 20 working days of the task's end (seeds 001, 004)
PENALTY_DUE_DAYS = 7  # penalty decisions within 7 working days


@dataclass(frozen=True)
class HolidayTable:
    """One year's State Council notice: days off (beyond weekends) and weekend days that are workdays."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""


@dataclass
class WorkCalendar:
    """Decides whether a day is a working day, from office-entered tables, then chinesecalendar, then weekends."""

    tables: dict[int, HolidayTable] = field(default_factory=dict)

    def knows(self, year: int) -> bool:
        """Whether a holiday table covers the year (entered by the office, or built into chinesecalendar)."""
        if year in self.tables:
            return True
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is a working day, whether a holiday table covered that day)."""
        table = self.tables.get(day.year)
        if table is not None:
            if day in table.workdays:
                return True, True
            if day in table.holidays:
                return False, True
            return day.weekday() < 5, True
        try:
            return bool(chinese_calendar.is_workday(day)), True
        except NotImplementedError:
            return day.weekday() < 5, False


@dataclass(frozen=True)
class Deadline:
    """A due date and whether every day counted was covered by a holiday table."""

    start: date
    days: int
    due: date
    covered: bool
    uncovered_years: tuple[int, ...]

    @property
    def warning(self) -> str:
        if self.covered:
            return ""
        years = _year_list(self.uncovered_years)
        return (
            f"缺少 {years} 年的法定节假日安排，本期限只扣除了周末，未扣除节假日、未计入调休上班日。"
            f"请在「系统管理 → 节假日」录入国务院办公厅发布的 {years} 年节假日安排，期限将自动重算。"
        )


def _year_list(years: Iterable[int]) -> str:
    """2027、2028 or 2027–2040: a long deadline must not print every missing year one by one."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return "、".join(
        f"{run[0]}–{run[-1]}" if len(run) > 2 else "、".join(str(y) for y in run) for run in runs
    )


def add_working_days(start: date, days: int, calendar: WorkCalendar) -> Deadline:
    """The date ``days`` working days after ``start`` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    counted = 0
    uncovered: set[int] = set()
    while counted < days:
        day += timedelta(days=1)
        workday, covered = calendar.is_workday(day)
        if not covered:
            uncovered.add(day.year)
        if workday:
            counted += 1
    return Deadline(start, days, day, not uncovered, tuple(sorted(uncovered)))


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end is before start)."""
    if end < start:
        return -working_days_between(end, start, calendar)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_workday(day)[0]:
            count += 1
    return count


def _table_from_json(year: int, text: str) -> HolidayTable:
    raw = json.loads(text)
    return HolidayTable(
        year=year,
        holidays=frozenset(date.fromisoformat(d) for d in raw.get("holidays", [])),
        workdays=frozenset(date.fromisoformat(d) for d in raw.get("workdays", [])),
        source=str(raw.get("source", "")),
    )


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar with every holiday table the office has entered."""
    tables: dict[int, HolidayTable] = {}
    rows = session.execute(select(Setting).where(Setting.key.like(_KEY_PREFIX + "%"))).scalars()
    for row in rows:
        year = int(row.key[len(_KEY_PREFIX) :])
        tables[year] = _table_from_json(year, row.value)
    return WorkCalendar(tables)


def office_calendar(ctx: ServiceContext) -> WorkCalendar:
    with ctx.read() as session:
        return load_calendar(session)


def save_holiday_table(
    ctx: ServiceContext, *, year: int, holidays: Iterable[date], workdays: Iterable[date], source: str
) -> HolidayTable:
    """Enter one year's State Council holiday notice (replacing an earlier entry for that year).

    Args:
        year: the year the notice covers.
        holidays: days off that are not already weekends… or are (listing weekend days is harmless).
        workdays: weekend days that are working days (调休上班).
        source: the notice, e.g. 国办发明电〔2026〕x号.
    """
    ctx.require(Permission.EDIT_CALENDAR)
    hol = frozenset(holidays)
    work = frozenset(workdays)
    errors: list[FieldError] = []
    if not source.strip():
        errors.append(FieldError("依据", "请填写节假日安排的文号或来源"))
    if not hol:
        # Every notice has days off (元旦, 春节 …): an empty table would silently mark the year
        # as entered, and deadlines across it would stop warning that holidays are missing.
        errors.append(FieldError("放假日期", "没有任何放假日期，请核对文件（每行「YYYY-MM-DD 休」）"))
    wrong_year = sorted(d for d in hol | work if d.year != year)
    if wrong_year:
        errors.append(FieldError("日期", f"{wrong_year[0]:%Y-%m-%d} 不属于 {year} 年"))
    both = sorted(hol & work)
    if both:
        errors.append(FieldError("日期", f"{both[0]:%Y-%m-%d} 同时被列为放假和上班"))
    weekday_work = sorted(d for d in work if d.weekday() < 5)
    if weekday_work:
        errors.append(
            FieldError("调休上班日", f"{weekday_work[0]:%Y-%m-%d} 本来就是工作日，调休上班日应为周六或周日")
        )
    if errors:
        raise ValidationError(errors)
    table = HolidayTable(year, hol, work, source.strip())
    payload = {
        "holidays": sorted(d.isoformat() for d in hol),
        "workdays": sorted(d.isoformat() for d in work),
        "source": table.source,
    }
    with ctx.write() as session:
        set_setting(session, f"{_KEY_PREFIX}{year}", payload)
        ctx.audit(
            session,
            action="update",
            entity="settings",
            entity_id=f"{_KEY_PREFIX}{year}",
            summary=f"录入 {year} 年节假日安排（放假 {len(hol)} 天，调休上班 {len(work)} 天）",
            after=payload,
        )
    return table


def parse_holiday_file(text: str) -> tuple[list[date], list[date]]:
    """Read a simple holiday file: lines ``YYYY-MM-DD 休`` / ``YYYY-MM-DD 班`` (or ``off``/``work``); ranges ``a~b``.

    Raises ValidationError naming the line for anything it does not understand.
    """
    holidays: list[date] = []
    workdays: list[date] = []
    errors: list[FieldError] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace("\t", " ").split()
        if len(parts) != 2 or parts[1] not in ("休", "班", "off", "work"):
            errors.append(FieldError(f"第 {lineno} 行", f"「{raw.strip()}」应为「日期 休」或「日期 班」"))
            continue
        try:
            if "~" in parts[0]:
                a, b = (date.fromisoformat(x) for x in parts[0].split("~", 1))
                if b < a:
                    # An empty range would drop the line without a word.
                    errors.append(FieldError(f"第 {lineno} 行", f"区间「{parts[0]}」的结束日早于开始日"))
                    continue
                days = [a + timedelta(days=i) for i in range((b - a).days + 1)]
            else:
                days = [date.fromisoformat(parts[0])]
        except ValueError:
            errors.append(FieldError(f"第 {lineno} 行", f"日期「{parts[0]}」无法识别，请用 YYYY-MM-DD"))
            continue
        (holidays if parts[1] in ("休", "off") else workdays).extend(days)
    if errors:
        raise ValidationError(errors)
    return holidays, workdays
