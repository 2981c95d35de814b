"""Cell normalisation: text, dates, multi-values, formula guard."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.io.text import (
    cell_text,
    clean_text,
    guard_formula,
    header_key,
    name_text,
    number_text,
    parse_date,
    split_multi,
    unquote_formula_guard,
)

D = dt.date(2017, 3, 7)


@pytest.mark.parametrize(
    "value",
    [
        D,
        dt.datetime(2017, 3, 7, 0, 0),
        dt.datetime(2017, 3, 7, 15, 30),
        42801.0,  # Excel serial
        42801,
        42801.75,  # serial with a time of day
        "2017-03-07",
        "2017-03-07 00:00:00",
        "2017-03-07T00:00:00.000",
        "2017/3/7",
        "2017.3.7",
        "2017-3-7",
        "2017年3月7日",
        "2017年03月07日",
        " 2017 年 3 月 7 日 ",
        "20170307",
        20170307.0,
        "２０１７－０３－０７".replace("－", "-"),
    ],
)
def test_dates_in_every_excel_shape(value: object) -> None:
    parsed = parse_date(value)  # type: ignore[arg-type]
    assert parsed.value == D
    assert parsed.error is None
    assert not parsed.no_expiry


@pytest.mark.parametrize(
    "value",
    [
        "9999-09-09",
        "9999-12-31",
        "9999/9/9",
        dt.date(9999, 9, 9),
        dt.datetime(9999, 12, 31),
        2958465,
        "长期",
        "长期有效",
    ],
)
def test_no_expiry(value: object) -> None:
    parsed = parse_date(value)  # type: ignore[arg-type]
    assert parsed.value is None
    assert parsed.no_expiry
    assert parsed.error is None


@pytest.mark.parametrize("value", ["", None, "   "])
def test_empty_date(value: object) -> None:
    parsed = parse_date(value)  # type: ignore[arg-type]
    assert parsed.empty


@pytest.mark.parametrize(
    "value",
    [
        "2017-02-30",
        "明天",
        "2017-13-01",
        "1800-01-01",
        -5.0,
        3_000_000.0,
        float("nan"),
        True,
        "2017",
        "17/3/7",
    ],
)
def test_not_dates(value: object) -> None:
    parsed = parse_date(value)  # type: ignore[arg-type]
    assert parsed.value is None
    assert parsed.error


def test_excel_1900_serials_around_the_fake_leap_day() -> None:
    assert parse_date(1.0).value == dt.date(1900, 1, 1)
    assert parse_date(61.0).value == dt.date(1900, 3, 1)
    assert parse_date(59.0).value == dt.date(1900, 2, 28)


def test_clean_text_folds_width_and_spaces_but_keeps_chinese_punctuation() -> None:
    assert clean_text("  ＡＢＣ１２３\u3000有限公司\xa0 ") == "ABC123 有限公司"
    assert clean_text("省农业农村厅   省南繁管理局") == "省农业农村厅 省南繁管理局"
    assert clean_text("现场检查，书面检查（含网络）：是；否") == "现场检查，书面检查（含网络）：是；否"
    assert clean_text("a\x00b\x07c") == "abc"
    assert clean_text("第一行\r\n\r\n 第二行 ", multiline=True) == "第一行\n第二行"
    assert clean_text("第一行\n第二行") == "第一行 第二行"


def test_cell_text_of_numbers_and_dates() -> None:
    assert cell_text(4541321.0) == "4541321"
    assert cell_text(3.5) == "3.5"
    assert cell_text(True) == "是"
    assert cell_text(dt.datetime(2017, 3, 7)) == "2017-03-07"
    assert cell_text(None) == ""
    assert number_text(1e20) == "1e+20"


def test_name_text_uses_full_width_brackets_in_chinese_names() -> None:
    assert name_text("杭州某某(有限合伙)") == "杭州某某（有限合伙）"
    assert name_text("ABC (China) Ltd") == "ABC (China) Ltd"


def test_header_key_ignores_width_spaces_and_stars() -> None:
    assert header_key("所在业务部门（机构）") == header_key("所在业务部门 (机构)")
    assert header_key("*企业名称：") == header_key("企业名称")
    assert header_key("是否   检查") == "是否检查"
    assert header_key("RegOrgName") == "regorgname"


def test_split_multi_respects_brackets_and_separators() -> None:
    assert split_multi("工商行政管理类，食品药品管理类") == ("工商行政管理类", "食品药品管理类")
    assert split_multi("保化组长,药品GSP、药品GMP；药品GMP") == ("保化组长", "药品GSP", "药品GMP")
    assert split_multi("C08.特种设备生产（含设计、制造、安装）单位监督检查，A01.直销") == (
        "C08.特种设备生产（含设计、制造、安装）单位监督检查",
        "A01.直销",
    )
    assert split_multi("现场检查、书面检查", separators="，,") == ("现场检查、书面检查",)
    assert split_multi("") == ()
    assert split_multi(" ， ，") == ()


@pytest.mark.parametrize(
    ("original", "written"),
    [
        ("=SUM(A1:A3)", "'=SUM(A1:A3)"),
        ("+8613800000000", "'+8613800000000"),
        ("-", "'-"),
        ("@cmd", "'@cmd"),
        ("'=already", "''=already"),
        ("普通文字", "普通文字"),
        ("'引号开头", "'引号开头"),
    ],
)
def test_formula_guard(original: str, written: str) -> None:
    assert guard_formula(original) == written
    assert unquote_formula_guard(written) == original


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_formula_guard_round_trips_any_text(text: str) -> None:
    guarded = guard_formula(text)
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unquote_formula_guard(guarded) == text
