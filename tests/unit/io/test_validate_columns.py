"""The column-wise target check: every rule over whole columns, issues still by row and rule.

A target registry is checked a rule at a time over each column (100,000 rows), each distinct
value once. These tests make sure no row gets lost in that: a bad cell deep in a large table
is reported with its own row number, the issues of a row come in the order of the rules, and
values that only look alike to a dict (1, 1.0, True) are read apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from app.io.fields import RegistryKind
from app.io.presets import guess_mapping
from app.io.readers import SourceRow
from app.io.records import TargetRow
from app.io.text import CellValue, cell_text
from app.io.validate import Severity, ValidationCancelled, ValidationResult, per_distinct, validate_rows
from app.services.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char

from .conftest import TODAY

HEADER = (
    "统一社会信用代码/注册号",
    "企业名称",
    "主体类型",
    "法定代表人（负责人）",
    "联系电话",
    "所属区域",
    "信用风险分类",
    "登记状态",
    "标签",
    "许可证名称",
    "有效期至",
)
ROWS = 75_000


def code(index: int, prefix: str = "91330106") -> str:
    body = "MA"
    value = index
    for _ in range(6):
        value, digit = divmod(value, 31)
        body += USCC_ALPHABET[digit]
    first17 = prefix + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def good_row(index: int) -> list[CellValue]:
    towns = ("翠苑街道", "三墩镇", "转塘街道")
    return [
        code(index),
        f"杭州第{index}号商贸有限公司",
        "企业",
        f"张{index % 100}",
        f"1380000{index % 10000:04d}",
        towns[index % 3],
        "ABCD"[index % 4],
        "存续",
        "重点监管，餐饮",
        "食品经营许可证",
        dt.datetime(2026, 1, 1) + dt.timedelta(days=index % 700),
    ]


def check(rows: Sequence[Sequence[CellValue]], header: Sequence[str] = HEADER) -> ValidationResult:
    mapping = guess_mapping(header, RegistryKind.TARGETS)
    source = [SourceRow(number, tuple(cells)) for number, cells in enumerate(rows, start=2)]
    return validate_rows(source, header=header, mapping=mapping, total=len(source), today=TODAY)


@pytest.fixture(scope="module")
def big() -> ValidationResult:
    """75,000 good rows with a handful of bad ones far down the table."""
    rows = [good_row(index) for index in range(ROWS)]
    wrong = code(69_998)
    rows[69_998][0] = wrong[:17] + ("0" if wrong[17] != "0" else "1")  # sheet row 70,000
    rows[71_000][1] = "名" * 201  # too long, and on the same row …
    rows[71_000][7] = "倒闭"  # … an unknown status
    rows[72_000][2] = "奇怪"  # an unknown entity kind: a warning only
    rows[73_000][0] = rows[5][0]  # the code of sheet row 7 again: one target with two licences
    rows[74_000][10] = "2017-02-30"  # not a date: a warning for a licence
    return check(rows)


def test_a_bad_code_deep_in_a_large_column_is_reported_with_its_row(big: ValidationResult) -> None:
    codes = [issue for issue in big.issues if issue.field == "code"]
    assert [(issue.row, issue.severity) for issue in codes] == [(70_000, Severity.ERROR)]
    assert "校验位错误" in codes[0].reason


def test_rejected_rows_and_records(big: ValidationResult) -> None:
    assert big.data_rows == ROWS
    assert big.rejected_rows == (70_000, 71_002)
    assert len(big.rows) == ROWS - 3  # two rejected, one merged into row 7
    kept = {record.row for record in big.rows}
    assert not kept & set(big.rejected_rows)
    record = next(r for r in big.rows if isinstance(r, TargetRow) and r.row == 72_002)
    assert record.entity_kind == "企业"  # inferred from the code and the name
    assert record.region == ("翠苑街道", "三墩镇", "转塘街道")[72_000 % 3]
    assert record.tags == ("重点监管", "餐饮")
    assert record.risk_class == "ABCD"[72_000 % 4]
    late = next(r for r in big.rows if isinstance(r, TargetRow) and r.row == 74_002)
    assert late.licences[0].valid_until is None and late.licences[0].name == "食品经营许可证"
    merged = next(r for r in big.rows if isinstance(r, TargetRow) and r.row == 7)
    assert merged.source_rows == (7, 73_002)
    assert [licence.valid_until for licence in merged.licences] == [
        dt.date(2026, 1, 6),
        dt.date(2026, 1, 1) + dt.timedelta(days=73_000 % 700),
    ]


def test_issues_are_in_row_order_and_rule_order_within_a_row(big: ValidationResult) -> None:
    assert [(issue.row, issue.field, issue.severity) for issue in big.issues] == [
        (70_000, "code", Severity.ERROR),
        (71_002, "name", Severity.ERROR),  # the name is checked before the status
        (71_002, "status", Severity.ERROR),
        (72_002, "entity_kind", Severity.WARNING),
        # The same code again: merged after every rule of the row, each differing value noted.
        *[
            (73_002, name, Severity.WARNING)
            for name in ("name", "legal_rep", "phone", "region", "risk_class")
        ],
        (74_002, "licence_valid_until", Severity.WARNING),
    ]
    assert big.issues[1].reason == "内容过长（201字，最多200字），请精简后重新导入"
    assert big.issues[1].column == "企业名称"
    assert "以第7行的" in big.issues[4].reason
    assert "不是存在的日期" in big.issues[-1].reason


def test_a_repeated_code_deep_in_a_table_without_licences_is_an_error() -> None:
    rows = [good_row(index)[:9] for index in range(5000)]
    rows[4500][0] = " " + rows[20][0].lower()  # the same code, typed differently
    result = check(rows, header=HEADER[:9])
    assert [(issue.row, issue.field, issue.severity) for issue in result.issues] == [
        (4502, "code", Severity.ERROR)
    ]
    assert "与第22行的代码重复" in result.issues[0].reason
    assert result.rejected_rows == (4502,)
    assert len(result.rows) == 4999


def test_expired_licences_warn_on_their_own_rows() -> None:
    rows = [good_row(index) for index in range(3000)]
    for index in (10, 2500):
        rows[index][10] = dt.datetime(2020, 5, 1)
    result = check(rows)
    expired = [issue for issue in result.issues if issue.field == "licence_valid_until"]
    assert [(issue.row, issue.value) for issue in expired] == [(12, "2020-05-01"), (2502, "2020-05-01")]
    assert result.error_count == 0 and len(result.rows) == 3000


def test_equal_values_of_different_types_are_read_apart() -> None:
    assert per_distinct([1.0, True, 1, "1", None, ""], cell_text) == ["1", "是", "1", "1", "", ""]
    result = check(
        [
            [code(1), "甲公司", "企业", True],
            [code(2), "乙公司", "企业", 1.0],
            [code(3), "丙公司", "企业", "1"],
        ],
        header=HEADER[:4],
    )
    assert [r.legal_rep for r in result.rows if isinstance(r, TargetRow)] == ["是", "1", "1"]


def test_short_rows_read_as_blank_cells() -> None:
    result = check([[code(1), "甲公司"], [code(2), "乙公司", "企业", "李四", "0571-1"]])
    first, second = (r for r in result.rows if isinstance(r, TargetRow))
    assert (first.legal_rep, first.phone, first.tags) == ("", "", ())
    assert (second.legal_rep, second.phone) == ("李四", "0571-1")


def test_cancel_while_reading_and_between_columns() -> None:
    rows = [SourceRow(n + 2, tuple(good_row(n))) for n in range(2500)]
    mapping = guess_mapping(HEADER, RegistryKind.TARGETS)
    with pytest.raises(ValidationCancelled):
        validate_rows(rows, header=HEADER, mapping=mapping, is_cancelled=lambda: True)
    polls: list[int] = []

    def after_reading() -> bool:
        # Reading 2,500 rows polls twice (at 1,000 and 2,000); the column checks poll after that.
        polls.append(1)
        return len(polls) > 2

    with pytest.raises(ValidationCancelled):
        validate_rows(rows, header=HEADER, mapping=mapping, is_cancelled=after_reading)
    assert len(polls) == 3
