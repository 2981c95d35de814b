"""Malformed input never escapes as anything but UnreadableFileError or clean issues."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.io.fields import RegistryKind
from app.io.presets import guess_mapping
from app.io.readers import UnreadableFileError, load_table
from app.io.validate import Severity, validate

from .conftest import SHARED_DATA, TODAY

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_counter = itertools.count()


def check_file(path: Path) -> str:
    """Read and validate as every kind; return 'unreadable' or 'read'. Any other exception fails the test."""
    try:
        table = load_table(path)
        for kind in RegistryKind:
            validate(table, guess_mapping(table.header, kind), today=TODAY)
    except UnreadableFileError as exc:
        assert str(exc).startswith(f"无法读取文件“{path.name}”：")
        return "unreadable"
    return "read"


def write(folder: Path, data: bytes, suffix: str = ".xlsx") -> Path:
    path = folder / f"f{next(_counter)}{suffix}"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def real_xlsx() -> bytes:
    if SHARED_DATA is None:
        pytest.skip("../shared/data not found")
    return (SHARED_DATA / "templates" / "template_randomscagent.xls").read_bytes()


@pytest.fixture(scope="module")
def real_xml() -> bytes:
    if SHARED_DATA is None:
        pytest.skip("../shared/data not found")
    return (SHARED_DATA / "targets" / "zhejiang_enterprises_a.xlsx").read_bytes()[:20000]


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".xlsx", ".xls", ".csv", ".txt"]))
def test_random_bytes(folder: Path, data: bytes, suffix: str) -> None:
    check_file(write(folder, data, suffix))


@FUZZ
@given(
    prefix=st.sampled_from(
        [
            b"PK\x03\x04",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            b"<?xml version='1.0'?>",
            b"\xef\xbb\xbf",
            b"<html><table>",
        ]
    ),
    data=st.binary(max_size=2048),
)
def test_random_bytes_behind_magic_numbers(folder: Path, prefix: bytes, data: bytes) -> None:
    check_file(write(folder, prefix + data))


def test_truncated_xlsx_at_many_points(folder: Path, real_xlsx: bytes) -> None:
    size = len(real_xlsx)
    # From 4 bytes on the file starts with the zip signature (one byte "P" is a valid text table).
    cuts = sorted({*range(4, size, max(1, size // 60)), size - 1, size - 22, size - 100})
    outcomes = {check_file(write(folder, real_xlsx[:cut])) for cut in cuts}
    assert outcomes == {"unreadable"}


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_xlsx_bytes(folder: Path, real_xlsx: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(real_xlsx)
    for position, value in flips:
        data[position % len(data)] = value
    check_file(write(folder, bytes(data)))


@FUZZ
@given(cut=st.integers(min_value=1, max_value=20000), junk=st.binary(max_size=50))
def test_cut_and_garbled_2003_xml(folder: Path, real_xml: bytes, cut: int, junk: bytes) -> None:
    check_file(write(folder, real_xml[:cut] + junk))


def _cell_values() -> st.SearchStrategy[object]:
    return st.one_of(
        st.none(),
        st.text(max_size=40),
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
        st.sampled_from(["=1+1", "=A1&B1", "=1/0", "=SUM(A:A)", "企业名称", "姓名", "编制单位", "抽查事项"]),
    )


@FUZZ
@given(
    rows=st.lists(st.lists(_cell_values(), max_size=8), max_size=12),
    merges=st.lists(
        st.tuples(st.integers(1, 12), st.integers(1, 8), st.integers(0, 3), st.integers(0, 3)), max_size=4
    ),
    header_first=st.booleans(),
)
def test_arbitrary_workbooks_with_formulas_and_merges(
    folder: Path, rows: list[list[object]], merges: list[tuple[int, int, int, int]], header_first: bool
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if header_first:
        sheet.append(["企业名称", "统一社会信用代码", "姓名", "编制单位", "抽查事项", "事项类别"])
    for row in rows:
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row]
        )
    taken: set[tuple[int, int]] = set()
    for top, left, down, across in merges:
        cells = {(r, c) for r in range(top, top + down + 1) for c in range(left, left + across + 1)}
        if (down or across) and not cells & taken:
            sheet.merge_cells(start_row=top, start_column=left, end_row=top + down, end_column=left + across)
            taken |= cells
    path = folder / f"w{next(_counter)}.xlsx"
    workbook.save(path)
    check_file(path)


def test_huge_cells_become_issues(folder: Path) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(["企业名称", "统一社会信用代码", "住所"])
    sheet.append(["甲" * 300_000, "913301007161035748", "路" * 100_000])
    path = folder / "huge.xlsx"
    workbook.save(path)
    table = load_table(path)
    result = validate(table, guess_mapping(table.header, RegistryKind.TARGETS), today=TODAY)
    assert result.rows == ()
    assert {(i.field, i.severity) for i in result.issues} == {
        ("name", Severity.ERROR),
        ("address", Severity.ERROR),
    }
    assert all(len(issue.value) <= 200 for issue in result.issues)


def test_huge_csv_cells(folder: Path) -> None:
    # xlsx caps a cell at 32,767 characters; CSV has no such cap.
    path = folder / "huge.csv"
    path.write_text("企业名称,住所\n" + "甲" * 100_000 + ",某路\n", encoding="utf-8")
    table = load_table(path)
    result = validate(table, guess_mapping(table.header, RegistryKind.TARGETS), today=TODAY)
    assert [(i.field, i.severity) for i in result.issues if i.row] == [("name", Severity.ERROR)]
    path.write_text("企业名称,住所\n" + "甲" * 200_000 + ",某路\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="过长"):
        load_table(path)


def test_wrong_sheets(folder: Path) -> None:
    workbook = openpyxl.Workbook()
    numbers = workbook.active
    numbers.title = "统计"
    for row in range(5):
        numbers.append([row, row * 2, row * 3])
    workbook.create_sheet("空表")
    path = folder / "wrong.xlsx"
    workbook.save(path)
    table = load_table(path)
    assert table.sheet_name == "统计"
    assert table.header_known == 0
    for kind in RegistryKind:
        result = validate(table, guess_mapping(table.header, kind), today=TODAY)
        assert result.rows == () or kind is RegistryKind.CHECKPOINTS
        assert result.has_errors or result.rows == ()
    with pytest.raises(UnreadableFileError, match="空的"):
        load_table(path, sheet="空表")
    with pytest.raises(UnreadableFileError, match="没有名为"):
        load_table(path, sheet="名单")
