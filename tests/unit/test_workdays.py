"""Working-day deadlines across holidays, 调休 and the year chinesecalendar does not know."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.cli import main
from app.services.context import ServiceContext
from app.services.errors import ValidationError
from app.services.workdays import (
    RESULTS_DUE_DAYS,
    WorkCalendar,
    add_working_days,
    office_calendar,
    parse_holiday_file,
    save_holiday_table,
    working_days_between,
)

# 2027 holiday notice as an office might enter it (test data, not the real notice).
HOLIDAYS_2027 = """
2027-01-01 休
2027-02-06~2027-02-12 休   # 春节
2027-02-14 班
"""


def test_national_day_2025_matches_chinesecalendar() -> None:
    # 国庆中秋 2025: Oct 1–8 off, Sep 28 and Oct 11 (weekend days) are workdays.
    assert add_working_days(date(2025, 9, 26), 20, WorkCalendar()).due == date(2025, 10, 30)


def test_spring_festival_2026_and_tiaoxiu() -> None:
    cal = WorkCalendar()
    assert cal.is_workday(date(2026, 2, 14)) == (True, True)  # Saturday, adjusted workday
    assert cal.is_workday(date(2026, 2, 17)) == (False, True)  # 春节
    deadline = add_working_days(date(2026, 2, 13), 1, cal)
    assert deadline.due == date(2026, 2, 14) and deadline.covered


def test_crossing_into_unknown_year_counts_weekends_and_warns() -> None:
    deadline = add_working_days(date(2026, 12, 15), 20, WorkCalendar())
    assert not deadline.covered and deadline.uncovered_years == (2027,)
    assert "2027" in deadline.warning and "周末" in deadline.warning
    # 2026-12-16..31 has 12 workdays (no holidays); 8 more weekdays in Jan 2027: Jan 1 (Fri) counts without a table.
    assert deadline.due == date(2027, 1, 12)


def test_entered_table_recomputes(ctx: ServiceContext, tmp_path: Path) -> None:
    holidays, workdays = parse_holiday_file(HOLIDAYS_2027)
    save_holiday_table(ctx, year=2027, holidays=holidays, workdays=workdays, source="测试通知")
    cal = office_calendar(ctx)
    deadline = add_working_days(date(2026, 12, 15), 20, cal)
    assert deadline.covered
    assert deadline.due == date(2027, 1, 13)  # Jan 1 is now a holiday
    assert cal.is_workday(date(2027, 2, 14)) == (True, True)
    assert working_days_between(date(2027, 2, 5), date(2027, 2, 15), cal) == 2  # Feb 14 (调休) and Feb 15


def test_bad_holiday_entries_name_the_line_and_change_nothing(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationError, match="第 2 行"):
        parse_holiday_file("2027-01-01 休\n2027-13-01 休\n")
    with pytest.raises(ValidationError, match="本来就是工作日"):
        save_holiday_table(ctx, year=2027, holidays=[], workdays=[date(2027, 1, 4)], source="x")
    with pytest.raises(ValidationError, match="不属于 2027 年"):
        save_holiday_table(ctx, year=2027, holidays=[date(2026, 1, 1)], workdays=[], source="x")
    assert 2027 not in office_calendar(ctx).tables


def test_cli_deadline_and_holidays(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db_url, "deadline", "--from", "2025-09-26", "--days", "20"]) == 0
    assert capsys.readouterr().out.startswith("2025-10-30")
    assert main(["--db", db_url, "deadline", "--from", "2026-12-15", "--days", "20"]) == 1
    assert "缺少 2027 年" in capsys.readouterr().out
    holiday_file = tmp_path / "2027.txt"
    holiday_file.write_text(HOLIDAYS_2027, encoding="utf-8")
    assert (
        main(
            [
                "--db",
                db_url,
                "holidays",
                "set",
                "--year",
                "2027",
                "--file",
                str(holiday_file),
                "--source",
                "测试",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--db", db_url, "deadline", "--from", "2026-12-15", "--days", "20"]) == 0
    assert capsys.readouterr().out.startswith("2027-01-13")


def test_crossing_2025_into_2026_over_new_year_and_tiaoxiu() -> None:
    # 元旦 2026: Jan 1–3 off; Sunday Jan 4 is an adjusted workday (调休).
    cal = WorkCalendar()
    deadline = add_working_days(date(2025, 12, 30), 2, cal)
    assert deadline.due == date(2026, 1, 4) and deadline.covered and not deadline.warning
    assert add_working_days(date(2025, 12, 30), 3, cal).due == date(2026, 1, 5)
    assert working_days_between(date(2025, 12, 26), date(2026, 1, 5), cal) == 5  # 29, 30, 31, 4, 5
    # 20 working days from 2025-12-15: every day known, so no warning.
    full = add_working_days(date(2025, 12, 15), RESULTS_DUE_DAYS, cal)
    assert full.covered and full.due == date(2026, 1, 13)


def test_a_long_deadline_names_missing_years_as_a_range() -> None:
    deadline = add_working_days(date(2026, 1, 1), 100_000, WorkCalendar())
    assert not deadline.covered and len(deadline.uncovered_years) > 300
    first, last = deadline.uncovered_years[0], deadline.uncovered_years[-1]
    assert f"缺少 {first}–{last} 年" in deadline.warning
    assert len(deadline.warning) < 200  # not three hundred years listed one by one
    two = add_working_days(date(2026, 12, 15), 300, WorkCalendar())
    assert two.uncovered_years == (2027, 2028) and "缺少 2027、2028 年" in two.warning
