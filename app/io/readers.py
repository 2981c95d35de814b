"""Reading tables from whatever file an operator was given, judged by content, not extension.

Formats: Office Open XML (``.xlsx``, also ``.xlsb``), Excel 97–2003 (``.xls``),
OpenDocument (``.ods``) — all through python-calamine; Excel 2003 XML
Spreadsheet (what some platforms export and name ``.xlsx``); HTML tables saved
as ``.xls`` (another platform habit); and CSV / tab-separated text in UTF-8,
UTF-8 with BOM, UTF-16 (Excel's "Unicode text") or GB18030.

Every failure to read becomes one :class:`UnreadableFileError` whose Chinese
message names the file and says why and what to do.

Merged cells: a value merged over several rows is repeated on each of them
(item lists merge 编制单位 down a department's rows); a value merged across
columns stays in its first column only, so headers are not duplicated.
"""

from __future__ import annotations

import abc
import codecs
import csv
import datetime as dt
import html.parser
import io
import logging
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal
from xml.parsers import expat

from app.io.fields import RegistryKind
from app.io.headers import (
    AFTER_HEADER_SCAN_ROWS,
    HEADER_SCAN_ROWS,
    SkippedRow,
    classify_below_header,
    find_header,
    header_names,
    is_blank,
    row_excerpt,
)
from app.io.text import CellValue

logger = logging.getLogger(__name__)

FileFormat = Literal["xlsx", "xlsb", "xls", "ods", "xml2003", "html", "csv"]

FORMAT_LABELS: dict[FileFormat, str] = {
    "xlsx": "Excel 工作簿（.xlsx）",
    "xlsb": "Excel 二进制工作簿（.xlsb）",
    "xls": "Excel 97-2003 工作簿（.xls）",
    "ods": "OpenDocument 表格（.ods）",
    "xml2003": "Excel 2003 XML 表格",
    "html": "网页表格（HTML）",
    "csv": "CSV 文本",
}

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
"""A zip claiming more than this once unpacked is refused (a "zip bomb" would exhaust memory)."""

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SPREADSHEET_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_CHUNK = 1 << 20


class UnreadableFileError(Exception):
    """The file cannot be read as a table; ``str(error)`` is a Chinese sentence for the user.

    Attributes:
        path: the file.
        reason: why, in Chinese, with what to do.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"无法读取文件“{self.path.name}”：{reason}")


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of a sheet: its 1-based row number and its cells from column A."""

    number: int
    cells: tuple[CellValue, ...]


class Sheet(abc.ABC):
    """One worksheet: rows on demand, numbered as the spreadsheet shows them."""

    def __init__(self, name: str, row_count: int) -> None:
        self.name = name
        self.row_count = row_count

    @abc.abstractmethod
    def rows(self) -> Iterator[SourceRow]:
        """Yield the rows top down; rows that are entirely empty may be left out."""

    def head(self, limit: int) -> list[SourceRow]:
        """Return the first ``limit`` non-empty rows."""
        found: list[SourceRow] = []
        for row in self.rows():
            if not is_blank(row.cells):
                found.append(row)
                if len(found) >= limit:
                    break
        return found


class _ListSheet(Sheet):
    """A sheet already in memory (CSV, 2003 XML, HTML)."""

    def __init__(self, name: str, rows: list[SourceRow]) -> None:
        super().__init__(name, rows[-1].number if rows else 0)
        self._rows = rows

    def rows(self) -> Iterator[SourceRow]:
        return iter(self._rows)


class _CalamineSheet(Sheet):
    """A sheet held by calamine (in Rust memory); Python rows are made one at a time."""

    def __init__(self, path: Path, name: str, sheet: object) -> None:
        start = getattr(sheet, "start", None)
        end = getattr(sheet, "end", None)
        super().__init__(name, (end[0] + 1) if end else 0)
        self._path = path
        self._sheet = sheet
        self._first_column = start[1] if start else 0
        self._empty = start is None
        self._fills: dict[int, list[tuple[int, int]]] = {}
        self._captures: dict[int, set[int]] = {}
        if not self._empty:
            self._collect_vertical_merges(sheet)

    def _collect_vertical_merges(self, sheet: object) -> None:
        """Note, for values merged downwards, which cells to copy into which rows."""
        try:
            ranges = getattr(sheet, "merged_cell_ranges", None) or []
        except Exception:  # merged ranges are a nicety: a format without them is still readable
            logger.debug("no merged cell ranges", exc_info=True)
            return
        for (top, left), (bottom, _right) in ranges:
            if bottom <= top:
                continue
            self._captures.setdefault(top, set()).add(left)
            for row_index in range(top + 1, min(bottom, MAX_ROWS) + 1):
                self._fills.setdefault(row_index, []).append((left, top))

    def rows(self) -> Iterator[SourceRow]:
        if self._empty:
            return
        pad: list[CellValue] = [""] * self._first_column
        fills, captures = self._fills, self._captures
        kept: dict[tuple[int, int], CellValue] = {}
        try:
            iterator = self._sheet.iter_rows()  # type: ignore[attr-defined]
            # python-calamine yields every row from row 1 (empty lists for leading
            # empty rows) but starts each row at the first used column.
            for index, values in enumerate(iterator):
                cells: list[CellValue] = pad + values if pad else values
                if captures and index in captures:
                    for column in captures[index]:
                        if column < len(cells):
                            kept[(index, column)] = cells[column]
                if fills and index in fills:
                    for column, source in fills[index]:
                        if column < len(cells) and cells[column] in ("", None):
                            cells[column] = kept.get((source, column), "")
                yield SourceRow(index + 1, tuple(cells))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            raise UnreadableFileError(
                self._path, f"读取工作表“{self.name}”时出错（{exc}），文件可能已损坏"
            ) from exc


@dataclass
class Workbook:
    """A readable file: its format, sheet names and a way to load each sheet."""

    path: Path
    file_format: FileFormat
    sheet_names: tuple[str, ...]
    _loader: Callable[[str], Sheet] = field(repr=False)
    _cache: dict[str, Sheet] = field(default_factory=dict, repr=False)

    def sheet(self, name: str) -> Sheet:
        """Load (once) and return a sheet by name.

        Raises:
            UnreadableFileError: if there is no such sheet or it cannot be read.
        """
        if name not in self.sheet_names:
            raise UnreadableFileError(
                self.path, f"没有名为“{name}”的工作表（有：{'、'.join(self.sheet_names) or '无'}）"
            )
        if name not in self._cache:
            self._cache[name] = self._loader(name)
        return self._cache[name]


# ------------------------------------------------------------------ sniffing


def sniff_format(path: Path) -> FileFormat:
    """Tell the format of a file by its first bytes (and a zip's directory).

    Raises:
        UnreadableFileError: for an empty, missing, encrypted or non-spreadsheet file.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError:
        raise UnreadableFileError(path, "文件不存在，请检查路径") from None
    except IsADirectoryError:
        raise UnreadableFileError(path, "这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise UnreadableFileError(
            path, f"无法打开（{exc.strerror or exc}），请检查文件是否被占用或没有读取权限"
        ) from exc
    if not head:
        raise UnreadableFileError(path, "文件是空的（0 字节）")
    if head.startswith(_ZIP_MAGICS):
        return _sniff_zip(path)
    if head.startswith(_CFB_MAGIC):
        return _sniff_cfb(path)
    text = _decode_head(head)
    if text is None:
        raise UnreadableFileError(path, "不是表格文件（内容既不是 Excel 也不是文本），请确认选对了文件")
    lowered = text.lstrip().lower()
    if lowered.startswith("<?xml") or lowered.startswith("<workbook") or lowered.startswith("<?mso"):
        if _SPREADSHEET_NS in lowered:
            return "xml2003"
        if "<html" in lowered or "<table" in lowered:
            return "html"
        raise UnreadableFileError(path, "这是 XML 文件，但不是 Excel 2003 XML 表格")
    if lowered.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body", "<style")):
        return "html"
    return "csv"


def _sniff_zip(path: Path) -> FileFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
                raise UnreadableFileError(path, "解压后体积异常巨大，拒绝读取（可能是恶意文件）")
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100]
                if b"spreadsheet" in mimetype:
                    return "ods"
    except zipfile.BadZipFile:
        raise UnreadableFileError(
            path, "文件不完整或已损坏（压缩结构无法读取），可能下载或拷贝时中断，请重新获取文件"
        ) from None
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise UnreadableFileError(path, f"文件已损坏（{exc}），请重新获取文件") from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "word/document.xml" in names:
        raise UnreadableFileError(path, "这是 Word 文档，不是表格；请另存为 Excel 文件")
    if "ppt/presentation.xml" in names:
        raise UnreadableFileError(path, "这是 PowerPoint 演示文稿，不是表格")
    raise UnreadableFileError(path, "这是压缩文件，但里面不是 Excel 工作簿；如是压缩包请先解压")


def _sniff_cfb(path: Path) -> FileFormat:
    # An OOXML file with an open password is a CFB container holding an
    # "EncryptedPackage" stream; directory entry names are UTF-16LE.
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"无法读取（{exc}）") from exc
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise UnreadableFileError(path, "文件设置了打开密码（已加密）；请在 Excel 中取消密码后另存，再导入")
    if "WordDocument".encode("utf-16-le") in data:
        raise UnreadableFileError(path, "这是 Word 97-2003 文档，不是表格；请另存为 Excel 文件")
    return "xls"


def _decode_head(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # The head may cut a multi-byte character: an incremental decoder
            # keeps an incomplete trailing sequence instead of failing on it.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < 8192)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n\f")
        if controls > max(2, len(text) // 100):
            return None
        return text
    return None


def decode_text(path: Path, data: bytes) -> str:
    """Decode a text table: BOM first (UTF-8, UTF-16), else strict UTF-8, else GB18030.

    Raises:
        UnreadableFileError: when neither encoding fits or the text holds binary bytes.
    """
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise UnreadableFileError(
        path, "文字编码无法识别（不是 UTF-8 也不是 GBK/GB18030），请用 Excel 另存为 xlsx 后再导入"
    )


# ------------------------------------------------------------------ opening


def open_workbook(path: Path | str) -> Workbook:
    """Open a spreadsheet or text table, whatever its extension says.

    Args:
        path: the file.

    Returns:
        A :class:`Workbook` whose sheets load on demand.

    Raises:
        UnreadableFileError: when the file cannot be read as a table.
    """
    path = Path(path)
    file_format = sniff_format(path)
    if file_format in ("xlsx", "xlsb", "xls", "ods"):
        return _open_calamine(path, file_format)
    if file_format == "xml2003":
        sheets = _read_xml2003(path)
    elif file_format == "html":
        sheets = _read_html(path)
    else:
        sheets = [_read_csv(path)]
    by_name = {sheet.name: sheet for sheet in sheets}
    return Workbook(path, file_format, tuple(by_name), by_name.__getitem__)


def _calamine_reason(exc: BaseException) -> str:
    text = str(exc)
    lowered = text.lower()
    if "password" in lowered or "encrypt" in lowered:
        return "文件设置了密码（已加密）；请在 Excel 中取消密码后另存，再导入"
    if "zip" in lowered or "eof" in lowered or "invalid" in lowered:
        return f"文件已损坏或不完整（{text[:120]}），请重新获取文件或用 Excel 打开后另存"
    return f"文件内容有误，无法解析（{text[:120]}）；请用 Excel 打开后另存为 xlsx 再导入"


def _guard_native(path: Path, action: Callable[[], object]) -> object:
    # calamine is Rust: a malformed file may surface as a pyo3 PanicException,
    # which derives from BaseException, not Exception.
    try:
        return action()
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        if isinstance(exc, MemoryError):
            raise UnreadableFileError(path, "文件过大，内存不足；请拆分后分批导入") from exc
        raise UnreadableFileError(path, _calamine_reason(exc)) from exc


def _open_calamine(path: Path, file_format: FileFormat) -> Workbook:
    from python_calamine import CalamineWorkbook

    def load() -> object:
        with path.open("rb") as handle:
            return CalamineWorkbook.from_filelike(handle)

    workbook = _guard_native(path, load)
    metadata = _guard_native(path, lambda: list(workbook.sheets_metadata))  # type: ignore[attr-defined]
    names: list[str] = []
    for meta in metadata:  # type: ignore[attr-defined]
        if str(getattr(meta, "typ", "")).endswith("WorkSheet"):
            names.append(str(meta.name))
    if not names:
        raise UnreadableFileError(path, "文件里没有工作表")

    def loader(name: str) -> Sheet:
        raw = _guard_native(path, lambda: workbook.get_sheet_by_name(name))  # type: ignore[attr-defined]
        return _CalamineSheet(path, name, raw)

    return Workbook(path, file_format, tuple(names), loader)


# ------------------------------------------------------------------ CSV


def _read_csv(path: Path) -> Sheet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"无法读取（{exc}）") from exc
    text = decode_text(path, data)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = _guess_delimiter(text[:65536])
    rows: list[SourceRow] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise UnreadableFileError(path, f"行数超过 {MAX_ROWS} 行，请拆分后分批导入")
            if any(cell.strip() for cell in cells):
                rows.append(SourceRow(number, tuple(cells)))
    except csv.Error as exc:
        raise UnreadableFileError(path, f"CSV 格式有误（{exc}），单元格可能过长或引号不配对") from exc
    return _ListSheet(path.stem or "Sheet1", rows)


def _guess_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    best, best_score = ",", -1.0
    for delimiter in (",", "\t", ";", "|"):
        counts = [len(cells) for cells in csv.reader(lines, delimiter=delimiter)] if lines else []
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) / len(counts) + common / 1000
        if score > best_score:
            best, best_score = delimiter, score
    return best


# ------------------------------------------------------------------ Excel 2003 XML


class _XmlRefused(Exception):
    """Raised inside expat handlers to stop a document we will not parse."""


class _SpreadsheetMLReader:
    """A streaming reader of Excel 2003 XML Spreadsheet on top of expat.

    Safety: the format never needs a DOCTYPE, so any DOCTYPE, entity declaration
    or external entity reference stops the parse. That closes the "billion laughs"
    entity expansion and external-entity (XXE) attacks that ``xml.etree`` would
    otherwise let through, without depending on defusedxml. expat is used
    directly (it is what ``xml.etree`` runs on) because the C ``XMLParser`` of
    ``xml.etree`` does not let us install a DOCTYPE handler. Row and column
    indexes are bounded by Excel's limits, so a hostile ``ss:Index`` cannot make
    us allocate huge rows.
    """

    def __init__(self) -> None:
        self.sheets: list[tuple[str, list[SourceRow]]] = []
        self._rows: list[SourceRow] = []
        self._sheet_name = ""
        self._in_sheet = False
        self._row_number = 0
        self._cells: list[CellValue] | None = None
        self._column = 0  # 1-based column of the current or last cell
        self._merge = (0, 0)  # MergeAcross, MergeDown of the current cell
        self._data_type: str | None = None
        self._text: list[str] = []
        self._in_data = 0
        self._seen_root = False
        self._down: dict[int, tuple[int, CellValue]] = {}  # column index → (last row, value)

    def parse(self, handle: IO[bytes]) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_entity
        parser.ExternalEntityRefHandler = self._refuse_external
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        parser.buffer_text = True
        while chunk := handle.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)

    @staticmethod
    def _refuse_doctype(*_args: object) -> None:
        raise _XmlRefused("文件含有 DOCTYPE 声明，Excel 表格不需要它，为安全起见拒绝读取")

    @staticmethod
    def _refuse_entity(*_args: object) -> None:
        raise _XmlRefused("文件含有实体声明，为安全起见拒绝读取")

    @staticmethod
    def _refuse_external(*_args: object) -> int:
        raise _XmlRefused("文件引用外部实体，为安全起见拒绝读取")

    @staticmethod
    def _int_attr(attrs: dict[str, str], local: str) -> int | None:
        raw = attrs.get(f"{_SPREADSHEET_NS} {local}")
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise _XmlRefused(f"属性 {local}=“{raw[:20]}”不是整数") from None

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if not self._seen_root:
            self._seen_root = True
            if local != "Workbook" or namespace != _SPREADSHEET_NS:
                raise _XmlRefused("这是 XML 文件，但不是 Excel 2003 XML 表格")
        if self._in_data:
            self._in_data += 1  # rich text (<Font>, <B>…) inside <Data>
            return
        if namespace != _SPREADSHEET_NS:
            return
        if local == "Worksheet":
            self._in_sheet = True
            self._sheet_name = attrs.get(f"{_SPREADSHEET_NS} Name", "") or f"Sheet{len(self.sheets) + 1}"
            self._rows = []
            self._row_number = 0
            self._down = {}
        elif local == "Row" and self._in_sheet:
            index = self._int_attr(attrs, "Index")
            self._row_number = self._row_number + 1 if index is None else index
            if not 1 <= self._row_number <= MAX_ROWS:
                raise _XmlRefused(f"行号 {self._row_number} 超出 Excel 的范围")
            self._cells = []
            self._column = 0
        elif local == "Cell" and self._cells is not None:
            index = self._int_attr(attrs, "Index")
            column = self._column + 1 if index is None else max(index, len(self._cells) + 1)
            if not 1 <= column <= MAX_COLUMNS:
                raise _XmlRefused(f"列号 {column} 超出 Excel 的范围")
            self._column = column
            while len(self._cells) < column - 1:
                self._cells.append("")
            across = self._int_attr(attrs, "MergeAcross") or 0
            down = self._int_attr(attrs, "MergeDown") or 0
            self._merge = (max(0, min(across, MAX_COLUMNS)), max(0, min(down, MAX_ROWS)))
            self._data_type = None
        elif local == "Data" and self._cells is not None:
            self._data_type = attrs.get(f"{_SPREADSHEET_NS} Type", "String")
            self._text = []
            self._in_data = 1

    def _chars(self, data: str) -> None:
        if self._in_data:
            self._text.append(data)

    def _end(self, name: str) -> None:
        namespace, _, local = name.rpartition(" ")
        if self._in_data:
            self._in_data -= 1
            if self._in_data == 0 and self._cells is not None and len(self._cells) < self._column:
                self._cells.append(self._convert("".join(self._text), self._data_type))
            return
        if namespace != _SPREADSHEET_NS:
            return
        if local == "Cell" and self._cells is not None:
            if len(self._cells) < self._column:
                self._cells.append("")
            across, down = self._merge
            if down:
                self._down[self._column - 1] = (self._row_number + down, self._cells[self._column - 1])
            self._column = min(self._column + across, MAX_COLUMNS)
            self._merge = (0, 0)
        elif local == "Row" and self._cells is not None:
            self._apply_merged_down(self._cells)
            if any(cell not in ("", None) for cell in self._cells):
                self._rows.append(SourceRow(self._row_number, tuple(self._cells)))
            self._cells = None
        elif local == "Worksheet":
            self.sheets.append((self._sheet_name, self._rows))
            self._in_sheet = False

    def _apply_merged_down(self, cells: list[CellValue]) -> None:
        """Give cells hidden under a MergeDown from an upper row that row's value."""
        for column, (last_row, value) in list(self._down.items()):
            if self._row_number > last_row:
                del self._down[column]
                continue
            if column < len(cells):
                if cells[column] in ("", None):
                    cells[column] = value
            else:
                cells.extend("" for _ in range(column - len(cells)))
                cells.append(value)

    @staticmethod
    def _convert(text: str, data_type: str | None) -> CellValue:
        if data_type == "Number":
            try:
                return float(text)
            except ValueError:
                return text
        if data_type == "DateTime":
            try:
                return dt.datetime.fromisoformat(text.strip().rstrip("Z"))
            except ValueError:
                return text
        if data_type == "Boolean":
            return text.strip() in ("1", "true", "TRUE")
        return text


def _read_xml2003(path: Path) -> list[Sheet]:
    reader = _SpreadsheetMLReader()
    try:
        with path.open("rb") as handle:
            reader.parse(handle)
    except _XmlRefused as exc:
        raise UnreadableFileError(path, str(exc)) from None
    except expat.ExpatError as exc:
        raise UnreadableFileError(
            path,
            f"XML 格式错误（第{exc.lineno}行第{exc.offset}列：{expat.ErrorString(exc.code)}），"
            "文件可能不完整",
        ) from None
    except OSError as exc:
        raise UnreadableFileError(path, f"无法读取（{exc}）") from exc
    if not reader.sheets:
        raise UnreadableFileError(path, "文件里没有工作表")
    seen: dict[str, int] = {}
    sheets: list[Sheet] = []
    for name, rows in reader.sheets:
        count = seen.get(name, 0) + 1
        seen[name] = count
        sheets.append(_ListSheet(name if count == 1 else f"{name}（{count}）", rows))
    return sheets


# ------------------------------------------------------------------ HTML tables


class _HtmlTables(html.parser.HTMLParser):
    """Collects the cells of top-level ``<table>`` elements (nested tables become text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._spans: list[dict[tuple[int, int], str]] = []
        self._depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._colspan = 1
        self._rowspan = 1
        self._row_index = -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
                self._spans.append({})
                self._row_index = -1
            return
        if self._depth != 1:
            if tag == "br" and self._cell is not None:
                self._cell.append("\n")
            return
        if tag == "tr":
            self._finish_cell()
            self._row = []
            self._row_index += 1
            self.tables[-1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._finish_cell()
            self._cell = []
            values = dict(attrs)
            self._colspan = self._span(values.get("colspan"), MAX_COLUMNS)
            self._rowspan = self._span(values.get("rowspan"), MAX_ROWS)
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    @staticmethod
    def _span(raw: str | None, limit: int) -> int:
        try:
            return max(1, min(int(raw or 1), limit))
        except ValueError:
            return 1

    def _place(self, value: str) -> None:
        assert self._row is not None
        spans = self._spans[-1]
        while (self._row_index, len(self._row)) in spans:
            self._row.append(spans.pop((self._row_index, len(self._row))))
        column = len(self._row)
        self._row.append(value)
        self._row.extend("" for _ in range(self._colspan - 1))
        for extra in range(1, self._rowspan):
            spans[(self._row_index + extra, column)] = value

    def _finish_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._place("".join(self._cell))
        self._cell = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            if self._depth == 1:
                self._finish_cell()
                self._row = None
            self._depth = max(0, self._depth - 1)
        elif self._depth == 1 and tag in ("td", "th"):
            self._finish_cell()
        elif self._depth == 1 and tag == "tr":
            self._finish_cell()
            if self._row is not None:
                spans = self._spans[-1]
                while (self._row_index, len(self._row)) in spans:
                    self._row.append(spans.pop((self._row_index, len(self._row))))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _read_html(path: Path) -> list[Sheet]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"无法读取（{exc}）") from exc
    text = decode_text(path, data)
    parser = _HtmlTables()
    try:
        parser.feed(text)
        parser.close()
    except (ValueError, AssertionError) as exc:
        raise UnreadableFileError(path, f"网页表格格式有误（{exc}）") from exc
    if not parser.tables:
        raise UnreadableFileError(path, "这是网页文件，但里面没有表格")
    sheets: list[Sheet] = []
    for index, table in enumerate(parser.tables, start=1):
        rows = [SourceRow(number, tuple(cells)) for number, cells in enumerate(table, start=1) if any(cells)]
        sheets.append(_ListSheet(f"表{index}", rows))
    return sheets


# ------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Table:
    """One sheet of a file with its header found: what the mapping and validation work on.

    Attributes:
        path: the file.
        file_format: what the file really is.
        sheet_name: the sheet read.
        sheet_names: all worksheets of the file (the user may choose another).
        header_row: 1-based row number of the header.
        header: unique, clean column names (see :func:`app.io.headers.header_names`).
        header_known: how many header cells are known column names (0: the header is a guess).
        skipped: title rows above the header, explanation and example rows below it.
        row_count: the number of the sheet's last row (for progress).
    """

    path: Path
    file_format: FileFormat
    sheet_name: str
    sheet_names: tuple[str, ...]
    header_row: int
    header: tuple[str, ...]
    header_known: int
    skipped: tuple[SkippedRow, ...]
    row_count: int
    _sheet: Sheet = field(repr=False, compare=False)

    @property
    def data_row_estimate(self) -> int:
        """An upper bound of the data rows (for a progress bar's total)."""
        below = sum(1 for row in self.skipped if row.number > self.header_row)
        return max(0, self.row_count - self.header_row - below)

    def iter_rows(self) -> Iterator[SourceRow]:
        """Yield the rows below the header that are neither blank nor skipped, cut to the header's width."""
        skip = {row.number for row in self.skipped}
        width = len(self.header)
        for row in self._sheet.rows():
            if row.number <= self.header_row or row.number in skip or is_blank(row.cells):
                continue
            yield row if len(row.cells) <= width else SourceRow(row.number, row.cells[:width])


def _pick_sheet(
    workbook: Workbook, kind: RegistryKind | None
) -> tuple[Sheet, list[SourceRow], int, int] | None:
    best: tuple[Sheet, list[SourceRow], int, int] | None = None
    for name in workbook.sheet_names:
        sheet = workbook.sheet(name)
        head = sheet.head(HEADER_SCAN_ROWS)
        if not head:
            continue
        guess = find_header([(row.number, row.cells) for row in head], kind=kind)
        if guess is None:
            continue
        if best is None or guess.known > best[3]:
            best = (sheet, head, guess.row_number, guess.known)
        if guess.known >= 3:
            break  # a clear header on an early sheet: do not load the others
    return best


def load_table(
    path: Path | str,
    *,
    sheet: str | None = None,
    kind: RegistryKind | None = None,
    header_row: int | None = None,
) -> Table:
    """Open a file and find its table: sheet, header row, rows that are not data.

    Args:
        path: the file (any supported format, whatever its extension).
        sheet: the sheet to read; by default the first sheet whose header names
            known columns (the best one if none is clear), e.g. 人员名录库 rather than 参数表.
        kind: the registry kind expected; sharpens header detection.
        header_row: force the header row (1-based), e.g. when the user corrects the guess.

    Returns:
        The :class:`Table`.

    Raises:
        UnreadableFileError: when the file cannot be read, has no sheet or no data.
    """
    path = Path(path)
    workbook = open_workbook(path)
    if sheet is not None:
        chosen = workbook.sheet(sheet)
        head = chosen.head(HEADER_SCAN_ROWS)
        if not head:
            raise UnreadableFileError(path, f"工作表“{sheet}”是空的")
        guess = find_header([(row.number, row.cells) for row in head], kind=kind)
        assert guess is not None  # head has a non-empty row
        picked = (chosen, head, guess.row_number, guess.known)
    else:
        found = _pick_sheet(workbook, kind)
        if found is None:
            raise UnreadableFileError(path, "文件里没有任何数据（所有工作表都是空的）")
        picked = found
    chosen, head, number, known = picked
    if header_row is not None:
        number = header_row
    header_cells = next((row.cells for row in head if row.number == number), None)
    if header_cells is None:
        header_cells = next((row.cells for row in chosen.rows() if row.number == number), None)
    if header_cells is None or is_blank(header_cells):
        raise UnreadableFileError(path, f"第{number}行是空的，不能作为表头")
    names = header_names(header_cells)
    skipped: list[SkippedRow] = [
        SkippedRow(row.number, "title", row_excerpt(row.cells)) for row in head if row.number < number
    ]
    below = [row for row in head if row.number > number][:AFTER_HEADER_SCAN_ROWS]
    for row in below:
        reason = classify_below_header(row.cells)
        if reason is None:
            break
        skipped.append(SkippedRow(row.number, reason, row_excerpt(row.cells)))
    logger.info(
        "table %s sheet %s: header row %d (%d known), %d skipped rows",
        path.name,
        chosen.name,
        number,
        known,
        len(skipped),
    )
    return Table(
        path=path,
        file_format=workbook.file_format,
        sheet_name=chosen.name,
        sheet_names=workbook.sheet_names,
        header_row=number,
        header=names,
        header_known=known,
        skipped=tuple(skipped),
        row_count=chosen.row_count,
        _sheet=chosen,
    )


def read_rows(path: Path | str, *, sheet: str | None = None) -> Iterator[SourceRow]:
    """Yield every non-empty row of one sheet (the first by default), with no header logic.

    Raises:
        UnreadableFileError: when the file cannot be read.
    """
    workbook = open_workbook(path)
    name = sheet if sheet is not None else workbook.sheet_names[0]
    for row in workbook.sheet(name).rows():
        if not is_blank(row.cells):
            yield row


def sheet_rows(table: Table) -> Sequence[SourceRow]:
    """Return all non-blank rows of a table's sheet including header and skipped ones (for previews)."""
    return [row for row in table._sheet.rows() if not is_blank(row.cells)]
