"""The spreadsheet form of a receipt: write, fill as an operator would, read."""

from __future__ import annotations

import uuid
from pathlib import Path

import openpyxl
import pytest

from app.io.batch import (
    ItemStatus,
    ReceiptSheetError,
    ReceiptSheetRow,
    Stream,
    read_receipt_sheet,
    write_receipt_sheet,
)

BATCH = uuid.UUID("0f1e2d3c-4b5a-4697-8877-665544332211")
MANIFEST = "cd" * 32


def blank_form(tmp_path: Path, *, stream: Stream | None = Stream.PUBLIC, count: int = 5) -> Path:
    rows = [
        ReceiptSheetRow(item_id=f"ver-{i}", seq=100 + i if stream else None, label=f"某某餐饮店{i}")
        for i in range(count)
    ]
    return write_receipt_sheet(
        tmp_path / "回执.xlsx", batch_id=BATCH, manifest_sha256=MANIFEST, stream=stream, rows=rows
    )


def fill(
    path: Path, marks: dict[int, tuple[str | None, str | None]], *, edit_info: dict[str, object] | None = None
) -> None:
    """Mark rows (0-based item index) as an operator would in Excel."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["逐条结果"]
    for index, (status, reason) in marks.items():
        sheet.cell(row=index + 2, column=4, value=status)
        sheet.cell(row=index + 2, column=5, value=reason)
    for key, value in (edit_info or {}).items():
        info = workbook["批次信息"]
        for row in info.iter_rows(min_row=2):
            if row[0].value == key:
                row[1].value = value
    workbook.save(path)


def test_filled_form_becomes_a_receipt(tmp_path: Path) -> None:
    path = blank_form(tmp_path)
    fill(
        path,
        {
            0: ("已接收", None),
            1: ("重复", None),
            2: ("暂缓", "前序版本未到"),
            3: ("拒收", "代码有误"),
            4: (None, None),
        },
    )
    receipt = read_receipt_sheet(path)
    assert (
        receipt.batch_id == BATCH and receipt.manifest_sha256 == MANIFEST and receipt.stream is Stream.PUBLIC
    )
    assert [(i.item_id, i.seq, i.status) for i in receipt.items] == [
        ("ver-0", 100, ItemStatus.ACCEPTED),
        ("ver-1", 101, ItemStatus.DUPLICATE),
        ("ver-2", 102, ItemStatus.HELD),
        ("ver-3", 103, ItemStatus.REJECTED),
    ]
    assert receipt.items[2].reason == "前序版本未到"
    assert receipt.contiguous_through == 103  # row 5 left blank: not in the platform's report


def test_contiguity_stops_at_the_first_blank(tmp_path: Path) -> None:
    path = blank_form(tmp_path)
    fill(path, {0: ("已接收", None), 2: ("已接收", None), 3: ("accepted", None)})
    receipt = read_receipt_sheet(path)
    assert receipt.contiguous_through == 100
    assert len(receipt.items) == 3


def test_nothing_filled_acknowledges_nothing_new(tmp_path: Path) -> None:
    receipt = read_receipt_sheet(blank_form(tmp_path))
    assert receipt.items == () and receipt.contiguous_through == 99


def test_unsequenced_form(tmp_path: Path) -> None:
    path = blank_form(tmp_path, stream=None, count=2)
    fill(path, {0: ("已接收", None), 1: ("拒收", "重复登记")})
    receipt = read_receipt_sheet(path)
    assert receipt.stream is None and receipt.contiguous_through is None
    assert [i.seq for i in receipt.items] == [None, None]


def test_every_problem_is_reported_with_its_row_and_column(tmp_path: Path) -> None:
    path = blank_form(tmp_path)
    fill(path, {0: ("收到了", None), 1: ("暂缓", None), 2: (None, "原因但无结果")})
    workbook = openpyxl.load_workbook(path)
    workbook["逐条结果"].cell(row=5, column=1, value="abc")
    workbook["逐条结果"].cell(row=6, column=2, value="ver-0")
    workbook.save(path)
    with pytest.raises(ReceiptSheetError) as caught:
        read_receipt_sheet(path)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {(2, "处理结果"), (3, "原因"), (4, "处理结果"), (5, "序号"), (6, "记录编号")}
    text = str(caught.value)
    assert "回执.xlsx" in text and "第 3 行" in text and "“原因”列" in text


def test_edited_batch_information_is_refused(tmp_path: Path) -> None:
    path = blank_form(tmp_path)
    fill(path, {}, edit_info={"批次编号": "不是编号", "清单摘要": "123", "数据流": "机密"})
    with pytest.raises(ReceiptSheetError) as caught:
        read_receipt_sheet(path)
    assert {(p.sheet, p.row, p.column) for p in caught.value.problems} == {
        ("批次信息", 2, "内容"),
        ("批次信息", 3, "内容"),
        ("批次信息", 4, "内容"),
    }
    assert "批次编号缺失" in str(caught.value) and "第 4 行" in str(caught.value)


def test_changed_header_and_foreign_files(tmp_path: Path) -> None:
    path = blank_form(tmp_path)
    workbook = openpyxl.load_workbook(path)
    workbook["逐条结果"].cell(row=1, column=4, value="结果")
    workbook.save(path)
    with pytest.raises(ReceiptSheetError, match="表头"):
        read_receipt_sheet(path)

    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(ReceiptSheetError, match="缺少工作表"):
        read_receipt_sheet(other)

    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(ReceiptSheetError, match="无法读取"):
        read_receipt_sheet(junk)


def test_form_is_never_written_over_an_existing_file(tmp_path: Path) -> None:
    path = blank_form(tmp_path)
    with pytest.raises(FileExistsError):
        blank_form(tmp_path)
    assert path.exists()
