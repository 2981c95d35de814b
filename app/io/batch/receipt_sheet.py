"""The spreadsheet form of a receipt, for platforms that only give an import report.

When a batch is entered into the provincial platform by hand (or by the platform's
own spreadsheet import), no signed receipt comes back. The operator then fills this
form from the platform's import report, and the form becomes a :class:`Receipt`.
It carries no signature: its authority is the operator who imports it, which the
database layer records in the audit trail.

Layout (one workbook, two sheets):

- ``批次信息`` — two columns 项目 | 内容, rows ``批次编号`` (batch id), ``清单摘要``
  (manifest SHA-256), ``数据流`` (``公开`` / ``涉密`` / ``无``), and ``填写说明``.
- ``逐条结果`` — header row ``序号 | 记录编号 | 说明 | 处理结果 | 原因``, then one row per
  item as exported; the operator fills 处理结果 with ``已接收`` / ``重复`` / ``暂缓`` /
  ``拒收`` (a drop-down offers them) and 原因 for 暂缓 and 拒收. A row left blank
  means the item is not in the platform's report (it did not arrive).

``contiguous_through`` is derived: walking the rows in seq order from the first,
it is the last seq before the first blank 处理结果 or gap (or first seq − 1 when the
first is blank). Any status counts as arrived: a rejected item is not sent again as
it is; it needs a new version.

The form of a classified batch is itself classified: keep it on the classified
machine; the 说明 column may hold names.
"""

from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.io.batch.fields import Invalid, label
from app.io.batch.manifest import Stream
from app.io.batch.receipt import MAX_REASON_LENGTH, ItemStatus, Receipt, ReceiptItem
from app.io.batch.safe_write import write_atomically

logger = logging.getLogger(__name__)

INFO_SHEET = "批次信息"
ITEMS_SHEET = "逐条结果"
INFO_HEADERS = ("项目", "内容")
ITEM_HEADERS = ("序号", "记录编号", "说明", "处理结果", "原因")
_BATCH_ID = "批次编号"
_MANIFEST = "清单摘要"
_STREAM = "数据流"
_HELP = "填写说明"
_HELP_TEXT = (
    "按省级平台的导入结果，在“逐条结果”表的“处理结果”列逐行填写：已接收、重复、暂缓、拒收；"
    "暂缓和拒收须在“原因”列写明原因。平台报告中没有的记录请留空。不要改动其他列和本表。"
)
STATUS_LABELS: dict[ItemStatus, str] = {
    ItemStatus.ACCEPTED: "已接收",
    ItemStatus.DUPLICATE: "重复",
    ItemStatus.HELD: "暂缓",
    ItemStatus.REJECTED: "拒收",
}
_STATUS_BY_TEXT: dict[str, ItemStatus] = {
    **{text: status for status, text in STATUS_LABELS.items()},
    **{status.value: status for status in ItemStatus},
    "接收": ItemStatus.ACCEPTED,
}
STREAM_LABELS: dict[Stream | None, str] = {Stream.PUBLIC: "公开", Stream.CLASSIFIED: "涉密", None: "无"}
MAX_SHEET_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ReceiptSheetRow:
    """One item as exported, for the operator to mark.

    Attributes:
        item_id: The item's id (for results: the version id).
        seq: Its stream seq, if sequenced.
        label: What helps the operator find it in the platform's report (name, code).
    """

    item_id: str
    seq: int | None = None
    label: str = ""


@dataclass(frozen=True)
class SheetProblem:
    """One thing wrong in a filled receipt form.

    Attributes:
        file: The file name.
        sheet: The sheet name.
        row: 1-based row number, if it concerns a row.
        column: Column header, if it concerns a cell.
        message: What is wrong and what to do, in Chinese.
    """

    file: str
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"文件“{self.file}”工作表“{self.sheet}”"
        if self.row is not None:
            where += f"第 {self.row} 行"
        if self.column is not None:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


class ReceiptSheetError(Exception):
    """The filled form cannot become a receipt; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[SheetProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def write_receipt_sheet(
    path: str | os.PathLike[str],
    *,
    batch_id: uuid.UUID,
    manifest_sha256: str,
    stream: Stream | None,
    rows: Sequence[ReceiptSheetRow],
) -> Path:
    """Write the blank form for one exported batch (safely, never over an existing file).

    Args:
        path: The ``.xlsx`` file to create.
        batch_id: The batch the form is for.
        manifest_sha256: Its manifest hash.
        stream: Its stream, if sequenced.
        rows: Its items in export order.

    Returns:
        The path written.

    Raises:
        FileExistsError: The file exists.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    info = workbook.active
    info.title = INFO_SHEET
    info.append(list(INFO_HEADERS))
    info.append([_BATCH_ID, str(batch_id)])
    info.append([_MANIFEST, manifest_sha256])
    info.append([_STREAM, STREAM_LABELS[stream]])
    info.append([_HELP, _HELP_TEXT])
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 80

    sheet = workbook.create_sheet(ITEMS_SHEET)
    sheet.append(list(ITEM_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.seq, row.item_id, row.label, None, None])
    for column, width in zip("ABCDE", (10, 40, 40, 12, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    choices = DataValidation(
        type="list", formula1='"' + ",".join(STATUS_LABELS.values()) + '"', allow_blank=True
    )
    choices.error = "请从下拉列表中选择：" + "、".join(STATUS_LABELS.values())
    sheet.add_data_validation(choices)
    choices.add(f"D2:D{max(len(rows) + 1, 2)}")

    buffer = io.BytesIO()
    workbook.save(buffer)
    final = Path(path)
    write_atomically(final, buffer.getvalue())
    logger.info("receipt form for batch %s written to %s", batch_id, final)
    return final


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _seq(value: Any) -> int | None:
    """A seq cell: blank, an integral number, or digits as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValueError("not a whole number")
    if number < 1:
        raise ValueError("below 1")
    return number


def read_receipt_sheet(
    path: str | os.PathLike[str], *, issued_at: datetime | None = None, max_bytes: int = MAX_SHEET_BYTES
) -> Receipt:
    """Read a filled form into an (unsigned) receipt.

    Args:
        path: The ``.xlsx`` file the operator filled.
        issued_at: The time to record as the receipt's; now by default.
        max_bytes: Refuse larger files.

    Returns:
        The receipt, with ``contiguous_through`` derived as the module docstring says.

    Raises:
        ReceiptSheetError: Every problem found, each naming the sheet, row and column.
    """
    from python_calamine import load_workbook

    file = Path(path)
    name = file.name

    def fail(
        message: str, sheet: str = "", row: int | None = None, column: str | None = None
    ) -> ReceiptSheetError:
        return ReceiptSheetError([SheetProblem(name, sheet, row, column, message)])

    try:
        if file.stat().st_size > max_bytes:
            raise fail(f"文件超过 {max_bytes // (1024 * 1024)} MB，不像是回执表。请确认选择了正确的文件。")
        workbook = load_workbook(os.fspath(file))
        if INFO_SHEET not in workbook.sheet_names or ITEMS_SHEET not in workbook.sheet_names:
            raise fail(f"缺少工作表“{INFO_SHEET}”或“{ITEMS_SHEET}”。请使用本软件导出的回执表填写。")
        info_rows = workbook.get_sheet_by_name(INFO_SHEET).to_python(skip_empty_area=False)
        item_rows = workbook.get_sheet_by_name(ITEMS_SHEET).to_python(skip_empty_area=False)
    except ReceiptSheetError:
        raise
    except Exception as exc:  # calamine raises its own error types for corrupt or foreign files
        raise fail(
            f"无法读取该文件（{type(exc).__name__}）。请确认它是本软件导出、用 Excel/WPS 保存的 xlsx 文件。"
        ) from None

    problems: list[SheetProblem] = []
    values: dict[str, Any] = {}
    info_row: dict[str, int] = {}  # where each item stands, so a problem names its row
    for number, row in enumerate(info_rows[1:], start=2):
        if row and _text(row[0]) not in values:
            values[_text(row[0])] = row[1] if len(row) > 1 else None
            info_row[_text(row[0])] = number

    def info_problem(item: str, message: str) -> SheetProblem:
        return SheetProblem(name, INFO_SHEET, info_row.get(item), INFO_HEADERS[1], f"{item}{message}")

    batch_id: uuid.UUID | None = None
    try:
        batch_id = uuid.UUID(_text(values.get(_BATCH_ID)))
    except ValueError:
        problems.append(info_problem(_BATCH_ID, "缺失或不正确。请勿改动本表。"))
    manifest_sha256 = _text(values.get(_MANIFEST)).lower()
    if len(manifest_sha256) != 64 or any(c not in "0123456789abcdef" for c in manifest_sha256):
        problems.append(info_problem(_MANIFEST, "缺失或不正确。请勿改动本表。"))
    stream_text = _text(values.get(_STREAM)) or STREAM_LABELS[None]
    streams = {text: stream for stream, text in STREAM_LABELS.items()}
    stream = streams.get(stream_text)
    stream_known = stream_text in streams  # if not, seq checks would only repeat the same complaint
    if not stream_known:
        problems.append(info_problem(_STREAM, "应为“公开”“涉密”或“无”。"))

    if not item_rows or tuple(_text(c) for c in item_rows[0][: len(ITEM_HEADERS)]) != ITEM_HEADERS:
        problems.append(
            SheetProblem(
                name, ITEMS_SHEET, 1, None, "表头应为：" + " | ".join(ITEM_HEADERS) + "。请勿改动表头。"
            )
        )
        raise ReceiptSheetError(problems)

    items: list[ReceiptItem] = []
    reported_seqs: dict[int, bool] = {}
    seen_ids: dict[str, int] = {}
    for number, row in enumerate(item_rows[1:], start=2):
        cells = list(row) + [None] * (len(ITEM_HEADERS) - len(row))
        if all(_text(c) == "" for c in cells[: len(ITEM_HEADERS)]):
            continue
        seq_cell, id_cell, _label, status_cell, reason_cell = cells[: len(ITEM_HEADERS)]
        row_problems: list[SheetProblem] = []
        try:
            seq = _seq(seq_cell)
        except ValueError:
            seq = None
            row_problems.append(
                SheetProblem(name, ITEMS_SHEET, number, "序号", "序号应为正整数。请勿改动此列。")
            )
        if stream_known and stream is not None and seq is None and not row_problems:
            row_problems.append(
                SheetProblem(name, ITEMS_SHEET, number, "序号", "序号不能为空。请勿改动此列。")
            )
        if stream_known and stream is None and seq is not None:
            row_problems.append(
                SheetProblem(name, ITEMS_SHEET, number, "序号", "该批次没有序号，此列应为空。")
            )
        item_id = _text(id_cell)
        try:
            label(item_id, "id")
        except Invalid:
            row_problems.append(SheetProblem(name, ITEMS_SHEET, number, "记录编号", "记录编号缺失或不正确。"))
        if item_id in seen_ids:
            row_problems.append(
                SheetProblem(name, ITEMS_SHEET, number, "记录编号", f"与第 {seen_ids[item_id]} 行重复。")
            )
        seen_ids.setdefault(item_id, number)
        if seq is not None and seq in reported_seqs:
            row_problems.append(SheetProblem(name, ITEMS_SHEET, number, "序号", "序号重复。"))
        status_text = _text(status_cell)
        status = _STATUS_BY_TEXT.get(status_text) if status_text else None
        if status_text and status is None:
            row_problems.append(
                SheetProblem(
                    name,
                    ITEMS_SHEET,
                    number,
                    "处理结果",
                    "应填写：" + "、".join(STATUS_LABELS.values()) + "，或留空。",
                )
            )
        reason = _text(reason_cell) or None
        if status in (ItemStatus.HELD, ItemStatus.REJECTED) and reason is None:
            row_problems.append(
                SheetProblem(name, ITEMS_SHEET, number, "原因", "暂缓或拒收的记录须写明原因。")
            )
        if reason is not None and len(reason) > MAX_REASON_LENGTH:
            row_problems.append(
                SheetProblem(name, ITEMS_SHEET, number, "原因", f"原因不能超过 {MAX_REASON_LENGTH} 字。")
            )
        if reason is not None and status is None and not row_problems:
            row_problems.append(
                SheetProblem(name, ITEMS_SHEET, number, "处理结果", "写了原因但未填处理结果。")
            )
        problems.extend(row_problems)
        if row_problems:
            continue
        if seq is not None:
            reported_seqs[seq] = status is not None
        if status is not None:
            items.append(ReceiptItem(item_id=item_id, status=status, seq=seq, reason=reason))

    if problems:
        raise ReceiptSheetError(problems)
    assert batch_id is not None
    contiguous_through: int | None = None
    if stream is not None and reported_seqs:
        first = min(reported_seqs)
        contiguous_through = first - 1
        while reported_seqs.get(contiguous_through + 1):
            contiguous_through += 1
    receipt = Receipt(
        batch_id=batch_id,
        manifest_sha256=manifest_sha256,
        stream=stream,
        contiguous_through=contiguous_through,
        items=tuple(items),
        issued_at=issued_at or datetime.now(UTC).replace(microsecond=0),
    )
    try:
        receipt.check()
    except ValueError as exc:
        raise fail(f"回执内容不完整（{exc}）。请核对后重新填写。") from None
    logger.info("receipt form %s read for batch %s", name, batch_id)
    return receipt
