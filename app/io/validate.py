"""Validation (the dry run of an import): typed row records plus a list of issues.

Each issue names the source row, the column as the file titles it, the value and
a Chinese reason saying what to do. An *error* rejects its row; a *warning*
keeps the row and tells the operator something he should look at. Rows with an
error are not in ``ValidationResult.rows``; the import service decides whether
to import the others or nothing (an import lands whole or not at all).

Rules (each kind's checker below): identifiers (统一社会信用代码
by GB 32100, 注册号 by MOD 11,10, older numbers accepted with a warning), dates in
Excel's many spellings (9999-… = no expiry), enumerations (rule-driving ones —
risk class, statuses, item class — are errors when unknown; descriptive ones
are warnings), multi-valued cells, text length, and duplicates inside the file
by each kind's natural key.

A target registry (100,000s of rows) is checked column by column: each rule over a
whole column, on each distinct value once, the issues sorted back into row order and,
within a row, rule order (``_TargetChecker.check_table``). The other kinds, lists of
hundreds of rows, are checked a row at a time.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import compress
from operator import attrgetter, itemgetter
from typing import Any, TypeVar, cast

from app.io.common import PROGRESS_EVERY, CancelCheck, OperationCancelled, ProgressCallback
from app.io.fields import (
    EDUCATIONS,
    EXPERT_TYPES,
    GENDERS,
    LEVELS,
    POSITIONS,
    POST_CATEGORIES,
    QUALIFICATIONS,
    RegistryKind,
    field_spec,
    fields_of,
)
from app.io.headers import SkippedRow, is_note_row, row_excerpt
from app.io.presets import ColumnMapping
from app.io.readers import SourceRow, Table
from app.io.records import (
    Certificate,
    CheckpointRow,
    InspectorRow,
    ItemRow,
    JointItemRow,
    Licence,
    RowRecord,
    TargetRow,
)
from app.io.text import (
    LIST_SEPARATORS,
    CellValue,
    ParsedDate,
    cell_text,
    clean_text,
    header_key,
    name_text,
    number_text,
    parse_date,
    split_multi,
)
from app.models.enums import INSPECTION_METHODS
from app.services.identifiers import (
    CodeKind,
    classify_code,
    clean_uscc_entity,
    id_number_is_valid,
    normalize_code,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TEXT_LIMIT = 500
ISSUE_VALUE_LIMIT = 200
_LONG_TEXT_LIMIT = 20_000
_NAME_LIMITS: dict[RegistryKind, int] = {RegistryKind.TARGETS: 200, RegistryKind.INSPECTORS: 50}
_TEXT_LIMITS: dict[str, int] = {
    "name": 2000,
    "basis": _LONG_TEXT_LIMIT,
    "content": _LONG_TEXT_LIMIT,
    "method": _LONG_TEXT_LIMIT,
    "item_scope": _LONG_TEXT_LIMIT,
    "target_desc": 5000,
    "subject": 2000,
    "address": 1000,
    "tags": 2000,
}
_MULTILINE_FIELDS = frozenset({"basis", "content", "method"})
_CACHE_TRIAL = 1000
"""Distinct texts a column may add to its cache before its repetition is judged."""
_CACHE_LIMIT = 50_000
_NO_DATE = ParsedDate(None)
_NUMBER_PRECISION = "该值以数字格式保存，超过15位的部分可能已丢失；请在 Excel 中把该列设为文本格式后重新填写"
_CODE_PRECISION = "代码以数字格式保存，末尾几位可能已丢失；请在 Excel 中把该列设为文本格式后重新填写"


class Severity(StrEnum):
    """How bad an issue is: an error rejects the row, a warning keeps it."""

    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        """错误 or 警告."""
        return "错误" if self is Severity.ERROR else "警告"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding of the dry run.

    Attributes:
        row: 1-based source row number; None for the file as a whole.
        column: the source header; None when not about one column.
        value: the cell as text (cut to 200 characters).
        severity: error or warning.
        reason: what is wrong and what to do, in Chinese.
        field: the canonical field name, when the issue is about one.
    """

    row: int | None
    column: str | None
    value: str
    severity: Severity
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class ValidationResult:
    """What a dry run found.

    Attributes:
        kind: the registry kind.
        rows: the records of rows without errors, in file order (targets with the
            same code on several rows are merged into one record).
        issues: every issue, in file order (file-level ones first).
        data_rows: how many data rows were read (blank and skipped rows not counted).
        rejected_rows: row numbers that had at least one error.
        skipped: rows that are not data (titles, explanations, examples, notes, footers).
        mapping: the mapping used.
    """

    kind: RegistryKind
    rows: tuple[RowRecord, ...]
    issues: tuple[Issue, ...]
    data_rows: int
    rejected_rows: tuple[int, ...]
    skipped: tuple[SkippedRow, ...]
    mapping: ColumnMapping

    @property
    def error_count(self) -> int:
        """Number of error issues."""
        return sum(1 for issue in self.issues if issue.severity is Severity.ERROR)

    @property
    def warning_count(self) -> int:
        """Number of warning issues."""
        return sum(1 for issue in self.issues if issue.severity is Severity.WARNING)

    @property
    def has_errors(self) -> bool:
        """True when any row (or the file) has an error."""
        return any(issue.severity is Severity.ERROR for issue in self.issues)

    @property
    def file_errors(self) -> tuple[Issue, ...]:
        """Errors about the file as a whole (e.g. a required column missing)."""
        return tuple(i for i in self.issues if i.row is None and i.severity is Severity.ERROR)


class ValidationCancelled(OperationCancelled):
    """Raised when validation is cancelled; the partial result is discarded."""


class _EndOfTable(Exception):
    """A checker saw the end of the table (e.g. the footer of a printed checklist)."""


def _issue_value(value: CellValue) -> str:
    text = cell_text(value)
    return text if len(text) <= ISSUE_VALUE_LIMIT else text[: ISSUE_VALUE_LIMIT - 1] + "…"


class _Row:
    """The row being checked: raw access to mapped cells and issue recording."""

    __slots__ = ("cells", "checker", "errors", "issues", "number")

    def __init__(
        self, checker: _Checker, number: int, cells: Sequence[CellValue], issues: list[Issue]
    ) -> None:
        self.checker = checker
        self.number = number
        self.cells = cells
        self.issues = issues
        self.errors = 0
        checker.rows_seen += 1

    def raw(self, name: str) -> CellValue:
        position = self.checker.positions.get(name)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position]

    def _add(self, name: str | None, value: CellValue, severity: Severity, reason: str) -> None:
        column = self.checker.headers.get(name) if name is not None else None
        self.issues.append(Issue(self.number, column, _issue_value(value), severity, reason, name))
        if severity is Severity.ERROR:
            self.errors += 1

    def error(self, name: str | None, value: CellValue, reason: str) -> None:
        self._add(name, value, Severity.ERROR, reason)

    def warn(self, name: str | None, value: CellValue, reason: str) -> None:
        self._add(name, value, Severity.WARNING, reason)

    def _too_long(self, name: str, raw: CellValue, text: str) -> str:
        limit = self.checker.limits[name]
        self.error(name, raw, f"内容过长（{len(text)}字，最多{limit}字），请精简后重新导入")
        return text[:limit]

    def text(self, name: str) -> str:
        checker = self.checker
        position = checker.positions.get(name)
        if position is None or position >= len(self.cells):
            return ""
        raw = self.cells[position]
        if raw == "" or raw is None:
            return ""
        cache = checker.text_cache.get(name)
        if cache is not None and raw.__class__ is str:
            hit = cache.get(raw)
            if hit is not None:
                return hit
        text = clean_text(raw, multiline=name in _MULTILINE_FIELDS)
        if len(text) > checker.limits[name]:
            return self._too_long(name, raw, text)
        if cache is not None and raw.__class__ is str:
            cache[raw] = text
            if len(cache) in (_CACHE_TRIAL, _CACHE_LIMIT):
                checker.judge_cache(name)
        return text

    def name(self, name: str) -> str:
        raw = self.raw(name)
        text = name_text(raw) if raw not in ("", None) else ""
        if len(text) > self.checker.limits[name]:
            return self._too_long(name, raw, text)
        return text

    def required(self, name: str, text: str) -> None:
        if not text:
            self.error(name, "", f"缺少{field_spec(self.checker.kind, name).label}（必填）")

    def multi(self, name: str, *, separators: str | None = None) -> tuple[str, ...]:
        text = self.text(name)
        if not text:
            return ()
        key = (name, separators, text)
        cache = self.checker.split_cache
        values = cache.get(key)
        if values is None:
            values = split_multi(text) if separators is None else split_multi(text, separators=separators)
            if len(cache) < _CACHE_LIMIT:
                cache[key] = values
        return values

    def identifier(self, name: str) -> str:
        """A number-like text (certificate, ID, staff number): no spaces, full-width folded."""
        raw = self.raw(name)
        if raw == "" or raw is None:
            return ""
        if isinstance(raw, float) and abs(raw) >= 1e15:
            self.warn(name, raw, _NUMBER_PRECISION)
        text = clean_text(raw)
        return normalize_code(text) if text else ""

    def date(self, name: str, *, severity: Severity) -> ParsedDate:
        raw = self.raw(name)
        parsed = parse_date(raw)
        if parsed.error is not None:
            self._add(name, raw, severity, f"{parsed.error}；请写成 YYYY-MM-DD，长期有效写 9999-09-09")
            return ParsedDate(None)
        return parsed

    def enum_warning(self, name: str, values: Iterable[str], allowed: Sequence[str]) -> None:
        allowed_keys = {header_key(value) for value in allowed}
        unknown = [value for value in values if header_key(value) not in allowed_keys]
        if unknown:
            self.warn(
                name,
                self.raw(name),
                f"“{'、'.join(unknown)}”不在平台的可选值中（{'、'.join(allowed)}），仍按原样导入，请核对",
            )


class _Checker(abc.ABC):
    """Turns one source row into a record; one subclass per registry kind."""

    kind: RegistryKind

    def __init__(self, mapping: ColumnMapping, header: Sequence[str], today: dt.date) -> None:
        position_of = {name: index for index, name in enumerate(header)}
        self.positions: dict[str, int] = {}
        self.headers: dict[str, str] = {}
        for source, target in mapping.columns:
            if source not in position_of:
                raise ValueError(f"映射中的列“{source}”不在表头中")
            self.positions[target] = position_of[source]
            self.headers[target] = source
        self.mapped = frozenset(self.positions)
        # Registries repeat most cells (登记机关, 管辖单位, 区域, 行业, 状态, 许可证名称 …):
        # cleaning each distinct text once per column halves the cost of a large file.
        # A column whose values hardly repeat (names, addresses) stops being cached.
        self.text_cache: dict[str, dict[str, str]] = {name: {} for name in self.positions}
        self.rows_seen = 0
        self.split_cache: dict[tuple[str, str | None, str], tuple[str, ...]] = {}
        self.today = today
        self.limits: dict[str, int] = {
            spec.name: _TEXT_LIMITS.get(spec.name, DEFAULT_TEXT_LIMIT) for spec in fields_of(self.kind)
        }
        if self.kind in _NAME_LIMITS:
            self.limits["name"] = _NAME_LIMITS[self.kind]

    def judge_cache(self, name: str) -> None:
        """Stop caching a column whose values hardly repeat, or that has cached enough."""
        cache = self.text_cache[name]
        if len(cache) >= _CACHE_LIMIT or len(cache) * 2 > self.rows_seen:
            del self.text_cache[name]

    def file_issues(self) -> list[Issue]:
        """Issues about the file as a whole (before any row)."""
        return []


class _RowChecker(_Checker):
    """A checker that takes the rows one at a time (lists of hundreds of rows, not 100,000s)."""

    @abc.abstractmethod
    def check(self, row: _Row) -> RowRecord | None:
        """Build the row's record, recording issues on ``row``."""

    @abc.abstractmethod
    def accept(self, row: _Row, record: RowRecord) -> None:
        """Record a row without errors (duplicates are found here)."""

    @abc.abstractmethod
    def records(self) -> list[RowRecord]:
        """The accepted records, in file order."""


# ------------------------------------------------------------------ column-wise checking


def per_distinct(values: Sequence[Hashable], convert: Callable[[Any], T]) -> list[T]:
    """``convert`` applied once per distinct value of a column, the results laid back on every cell.

    Registries repeat most cells (登记机关, 管辖单位, 区域, 行业, 状态, dates …). Values that are
    equal across types (``1``, ``1.0`` and ``True``) are kept apart: they read differently
    (``True`` is 是).
    """
    if len(set(map(type, values))) <= 1:
        table = {value: convert(value) for value in dict.fromkeys(values)}
        return list(map(table.__getitem__, values))
    keys = [(value.__class__, value) for value in values]
    typed = {key: convert(key[1]) for key in dict.fromkeys(keys)}
    return list(map(typed.__getitem__, keys))


class _Columns:
    """A whole table for the column-wise checker: each mapped column as a list, issues by row.

    A rule is applied over a column at once and to each distinct value once; issues are
    collected with the row's position and the *step* of the rule, and sorted at the end into
    the order the rows and, within a row, the rules come in (the order of a row-by-row check).
    """

    def __init__(
        self,
        checker: _Checker,
        numbers: list[int],
        rows: list[Sequence[CellValue]],
        is_cancelled: CancelCheck | None,
    ) -> None:
        self.checker = checker
        self.numbers = numbers
        self.rows = rows
        self.count = len(rows)
        self.shortest = min(map(len, rows), default=0)
        self.is_cancelled = is_cancelled
        self.found: list[tuple[int, int, Issue]] = []
        self.bad: set[int] = set()
        """Positions of the rows with an error."""

    def poll(self) -> None:
        """Raise :class:`ValidationCancelled` when the user cancelled (checked between columns)."""
        if self.is_cancelled is not None and self.is_cancelled():
            raise ValidationCancelled

    def blank(self) -> list[str]:
        """A column of empty texts (an unmapped field)."""
        return [""] * self.count

    def raw(self, name: str) -> list[CellValue] | None:
        """The cells of a mapped field (``""`` past a short row's end), None when unmapped."""
        position = self.checker.positions.get(name)
        if position is None:
            return None
        if position < self.shortest:
            return list(map(itemgetter(position), self.rows))
        return [cells[position] if position < len(cells) else "" for cells in self.rows]

    def add(
        self, step: int, position: int, name: str | None, value: CellValue, severity: Severity, reason: str
    ) -> None:
        """Record an issue of the row at ``position``; an error rejects that row."""
        column = self.checker.headers.get(name) if name is not None else None
        issue = Issue(self.numbers[position], column, _issue_value(value), severity, reason, name)
        self.found.append((position, step, issue))
        if severity is Severity.ERROR:
            self.bad.add(position)

    def sorted_issues(self) -> list[Issue]:
        """The issues by row, and within a row in the order of the rules."""
        self.found.sort(key=itemgetter(0, 1))
        return [issue for _, _, issue in self.found]

    def _limited(self, name: str, step: int, raw: list[CellValue], texts: list[str]) -> list[str]:
        limit = self.checker.limits[name]
        if not any(len(text) > limit for text in set(texts)):
            return texts
        for position, text in enumerate(texts):
            if len(text) > limit:
                self.add(
                    step,
                    position,
                    name,
                    raw[position],
                    Severity.ERROR,
                    f"内容过长（{len(text)}字，最多{limit}字），请精简后重新导入",
                )
                texts[position] = text[:limit]
        return texts

    def texts(self, name: str, step: int) -> list[str]:
        """Clean text of a field (:func:`clean_text`), too long an error (same as ``_Row.text``)."""
        self.poll()
        raw = self.raw(name)
        if raw is None:
            return self.blank()
        multiline = name in _MULTILINE_FIELDS
        texts = per_distinct(raw, lambda value: clean_text(value, multiline=multiline))
        return self._limited(name, step, raw, texts)

    def names(self, name: str, step: int) -> list[str]:
        """A name field (:func:`name_text`), too long an error (same as ``_Row.name``)."""
        self.poll()
        raw = self.raw(name)
        if raw is None:
            return self.blank()
        return self._limited(name, step, raw, per_distinct(raw, name_text))

    def multi(self, name: str, step: int) -> list[tuple[str, ...]]:
        """A multi-valued field split into its values (same as ``_Row.multi``)."""
        return per_distinct(self.texts(name, step), split_multi)

    def identifiers_or_texts(self, name: str, step: int) -> list[str]:
        """Numbers stored as numbers read as identifiers, other cells as text (licence and certificate numbers)."""
        texts = self.texts(name, step)
        raw = self.raw(name)
        if raw is None:
            return texts
        for position, value in enumerate(raw):
            if value.__class__ is float:
                assert isinstance(value, float)
                if abs(value) >= 1e15:
                    self.add(step, position, name, value, Severity.WARNING, _NUMBER_PRECISION)
                text = clean_text(value)
                texts[position] = normalize_code(text) if text else ""
        return texts

    def dates(self, name: str, step: int, severity: Severity) -> list[ParsedDate]:
        """Dates of a field; a cell that is not a date is an issue and reads as no date (``_Row.date``)."""
        self.poll()
        raw = self.raw(name)
        if raw is None:
            return [_NO_DATE] * self.count
        parsed = per_distinct(raw, parse_date)
        if any(one.error is not None for one in parsed):
            for position, one in enumerate(parsed):
                if one.error is not None:
                    self.add(
                        step,
                        position,
                        name,
                        raw[position],
                        severity,
                        f"{one.error}；请写成 YYYY-MM-DD，长期有效写 9999-09-09",
                    )
                    parsed[position] = _NO_DATE
        return parsed

    def flag(
        self, step: int, name: str, values: list[str], wrong: set[str], severity: Severity, reason: str
    ) -> None:
        """An issue on every row whose (clean) value is one of ``wrong``."""
        if wrong:
            for position, value in enumerate(values):
                if value in wrong:
                    self.add(step, position, name, value, severity, reason)


# ------------------------------------------------------------------ targets

_ENTITY_KIND_WORDS = {
    "企业": "企业",
    "公司": "企业",
    "企业法人": "企业",
    "内资企业": "企业",
    "外资企业": "企业",
    "个体工商户": "个体工商户",
    "个体户": "个体工商户",
    "个体": "个体工商户",
    "农民专业合作社": "农民专业合作社",
    "农专社": "农民专业合作社",
    "合作社": "农民专业合作社",
    "其他": "其他",
    "其它": "其他",
}
_ENTITY_KIND_KEYS = {header_key(word): kind for word, kind in _ENTITY_KIND_WORDS.items()}
_RISK_WORDS = {
    "低风险": "A",
    "低": "A",
    "一般风险": "B",
    "一般": "B",
    "较高风险": "C",
    "较高": "C",
    "高风险": "D",
    "高": "D",
}
_STATUS_ALIVE = frozenset(
    {"存续", "在业", "在营", "开业", "正常", "在册", "存续（在营、开业、在册）", "确立"}
)
_PHONE_RE = re.compile(r"^[0-9+\-—()（）/、,，;；\s转#]+$")
_COMPANY_WORDS = ("公司", "企业", "集团", "合伙", "厂")


def risk_class_of(text: str) -> str | None:
    """Read a credit-risk class: ``A``/``A类``/``低风险`` → ``A`` … ``D``; None when unknown."""
    key = header_key(text)
    if not key:
        return None
    if key[0] in "abcd" and (len(key) == 1 or key[1] in "类级(（" or key[1:].startswith("风险")):
        return key[0].upper()
    return _RISK_WORDS.get(key)


def target_status_of(text: str) -> str | None:
    """Read a registration status into 存续/注销/吊销/撤销/迁出; None when unknown."""
    compact = "".join(text.split())
    if compact in _STATUS_ALIVE or compact.startswith("存续"):
        return "存续"
    if "注销" in compact and "未注销" not in compact:
        return "注销"
    for word in ("吊销", "撤销", "迁出"):
        if word in compact:
            return word
    return None


def _entity_kind_from_name(name: str) -> str | None:
    if "合作社" in name:
        return "农民专业合作社"
    if any(word in name for word in _COMPANY_WORDS):
        return "企业"
    return None


def _licence_of(
    name: str,
    number: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    no_expiry: bool,
    authority: str,
) -> tuple[Licence, ...]:
    """A row's licence, or none when every licence cell is empty."""
    if not (name or number or valid_from or valid_to or no_expiry or authority):
        return ()
    return (
        Licence(
            name=name,
            number=number,
            issued_on=valid_from,
            valid_until=valid_to,
            no_expiry=no_expiry,
            authority=authority,
        ),
    )


def _all_distinct(codes: Sequence[str], names: Sequence[str]) -> bool:
    """True when no two rows have the same natural key (the code, or the name of a row without one)."""
    coded = [code for code in codes if code]
    if len(set(coded)) != len(coded):
        return False
    if len(coded) == len(codes):
        return True
    uncoded = [name for code, name in zip(codes, names, strict=True) if not code]
    return all(uncoded) and len(set(uncoded)) == len(uncoded)


class _TargetChecker(_Checker):
    kind = RegistryKind.TARGETS
    _LICENCE_FIELDS = (
        "licence_name",
        "licence_no",
        "licence_issued_on",
        "licence_valid_until",
        "licence_authority",
    )

    def __init__(self, mapping: ColumnMapping, header: Sequence[str], today: dt.date) -> None:
        super().__init__(mapping, header, today)
        # A file listing one licence or special registry per row repeats the code
        # on several rows; those rows describe one target and are merged.
        self.merge_rows = bool(self.mapped & {*self._LICENCE_FIELDS, "special_registries"})
        self._records: list[TargetRow] = []
        self._by_key: dict[tuple[str, str], int] = {}

    def file_issues(self) -> list[Issue]:
        if "code" not in self.mapped:
            return [
                Issue(
                    None,
                    None,
                    "",
                    Severity.WARNING,
                    "文件中没有“统一社会信用代码/注册号”列：检查对象将只按名称识别，同名对象会被视为重复",
                    "code",
                )
            ]
        return []

    def check_table(self, table: _Columns) -> list[TargetRow]:
        """Check every row of ``table``, a rule at a time over whole columns; return the accepted records.

        The rules, values and messages are those of a row-by-row check, in the same order
        within a row (the step numbers); issues are recorded on ``table``.
        """
        count = table.count
        mapped = self.mapped
        error, warning = Severity.ERROR, Severity.WARNING

        names = table.names("name", 1)
        label = field_spec(self.kind, "name").label
        for position in [p for p, name in enumerate(names) if not name]:
            table.add(2, position, "name", "", error, f"缺少{label}（必填）")
        codes, code_kinds, code_entities = self._codes(table)  # steps 3 and 4

        kind_texts = table.texts("entity_kind", 5)
        kind_of = {
            text: _ENTITY_KIND_KEYS.get(header_key(text)) if text else None for text in set(kind_texts)
        }
        table.flag(
            6,
            "entity_kind",
            kind_texts,
            {text for text, kind in kind_of.items() if text and kind is None},
            warning,
            "主体类型应为企业、个体工商户、农民专业合作社或其他；已按代码和名称推断",
        )
        entity_kinds = list(map(kind_of.__getitem__, kind_texts))
        for position in [p for p, kind in enumerate(entity_kinds) if kind is None]:
            by_name = _entity_kind_from_name(names[position])
            entity_kinds[position] = (
                by_name
                if by_name == "农民专业合作社" and code_kinds[position] != "uscc"
                else code_entities[position] or by_name
            )

        phones = table.texts("phone", 7)
        table.flag(
            8,
            "phone",
            phones,
            {phone for phone in set(phones) if phone and not _PHONE_RE.match(phone)},
            warning,
            "联系电话中有数字以外的内容，请核对",
        )
        risk_texts = table.texts("risk_class", 9)
        risk_of = {text: risk_class_of(text) if text else None for text in set(risk_texts)}
        table.flag(
            10,
            "risk_class",
            risk_texts,
            {text for text, risk in risk_of.items() if text and risk is None},
            error,
            "信用风险分类应为 A（低风险）、B（一般风险）、C（较高风险）或 D（高风险）",
        )
        status_texts = table.texts("status", 11)
        status_of = {text: target_status_of(text) if text else None for text in set(status_texts)}
        table.flag(
            12,
            "status",
            status_texts,
            {text for text, status in status_of.items() if text and status is None},
            error,
            "登记状态应为存续、注销、吊销、撤销或迁出",
        )
        supervision: list[bool | None] = [None] * count
        if "professional_supervision" in mapped:
            texts = table.texts("professional_supervision", 13)
            yes_no = {text: {"是": True, "否": False}.get(text) for text in set(texts)}
            table.flag(
                14,
                "professional_supervision",
                texts,
                {text for text, value in yes_no.items() if text and value is None},
                warning,
                "专业监管请填写“是”或“否”；已留空",
            )
            supervision = list(map(yes_no.__getitem__, texts))
        licences = self._licences(table)  # steps 15 to 21

        def unless_none(values: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(value for value in values if value != "无")

        empty: list[tuple[str, ...]] = [()] * count
        columns: list[Sequence[Any]] = [
            table.numbers,
            names,
            codes,
            code_kinds,
            entity_kinds,
            table.names("legal_rep", 22),
            phones,
            table.texts("address", 23),
            table.texts("reg_authority", 24),
            table.texts("jurisdiction", 25),
            table.texts("region", 26),
            table.texts("industry", 27),
            list(map(risk_of.__getitem__, risk_texts)),
            list(map(status_of.__getitem__, status_texts)),
            table.multi("tags", 28),
            table.multi("special_registries", 29) if "special_registries" in mapped else empty,
            licences,
            table.texts("inspection_authority", 30) if "inspection_authority" in mapped else table.blank(),
            supervision,
            per_distinct(table.multi("professional_qualifications", 31), unless_none)
            if "professional_qualifications" in mapped
            else empty,
            per_distinct(table.multi("expert_leaders", 32), unless_none)
            if "expert_leaders" in mapped
            else empty,
            [(number,) for number in table.numbers],
        ]
        table.poll()
        positions: Iterable[int] = range(count)
        if table.bad:
            keep = bytes(position not in table.bad for position in range(count))
            columns = [list(compress(column, keep)) for column in columns]
            positions = compress(positions, keep)
        if _all_distinct(columns[2], columns[1]):
            # No two rows share a key (the usual case): every record is kept as it is.
            self._records = list(map(TargetRow, *columns))
            return self._records
        return self._accept_all(table, positions, map(TargetRow, *columns))

    def _codes(self, table: _Columns) -> tuple[list[str], list[CodeKind | None], list[str | None]]:
        """Codes, their kinds and the entity kind they tell (same rules as a row-by-row check)."""
        count = table.count
        raw = table.raw("code")
        if raw is None:
            return [""] * count, [None] * count, [None] * count
        # Nearly every code of a large registry is a clean, valid USCC: those are checked in one
        # pass over the column; anything else goes through ``classify_code``, which says what
        # is wrong with it.
        entities: list[str | None] = [
            clean_uscc_entity(value) if isinstance(value, str) else None for value in raw
        ]
        codes = cast(list[str], raw)  # the column's own list: clean codes kept, the others replaced
        kinds: list[CodeKind | None] = ["uscc"] * count
        for position in [p for p, entity in enumerate(entities) if entity is None]:
            value = raw[position]
            if isinstance(value, float) and abs(value) >= 1e15:
                table.add(3, position, "code", value, Severity.WARNING, _CODE_PRECISION)
            info = classify_code(clean_text(value))
            if not info.normalized:
                table.add(
                    4,
                    position,
                    "code",
                    value,
                    Severity.WARNING,
                    "未填写统一社会信用代码或注册号，将按名称识别该对象",
                )
                codes[position], kinds[position] = "", None
                continue
            if info.kind == "uscc" and not info.valid:
                table.add(4, position, "code", value, Severity.ERROR, info.message)
            elif info.message:
                table.add(4, position, "code", value, Severity.WARNING, info.message)
            codes[position], kinds[position], entities[position] = (
                info.normalized,
                info.kind,
                info.entity_kind,
            )
        return codes, kinds, entities

    def _licences(self, table: _Columns) -> list[tuple[Licence, ...]]:
        """Each row's licence (none when every licence cell is empty), with its date checks."""
        count = table.count
        mapped = self.mapped
        if not (mapped & set(self._LICENCE_FIELDS)):
            return [()] * count
        names = table.texts("licence_name", 15)
        numbers = table.identifiers_or_texts("licence_no", 16) if "licence_no" in mapped else table.blank()
        issued = (
            table.dates("licence_issued_on", 17, Severity.WARNING)
            if "licence_issued_on" in mapped
            else [_NO_DATE] * count
        )
        until = (
            table.dates("licence_valid_until", 18, Severity.WARNING)
            if "licence_valid_until" in mapped
            else [_NO_DATE] * count
        )
        authorities = table.texts("licence_authority", 19) if "licence_authority" in mapped else table.blank()
        starts = list(map(attrgetter("value"), issued))
        ends = list(map(attrgetter("value"), until))
        # Each row's licence as a key; licences repeat (same name, dates and issuer on many
        # rows), so each distinct one is judged and made once.
        keys = list(
            zip(names, numbers, starts, ends, map(attrgetter("no_expiry"), until), authorities, strict=True)
        )
        made = {key: _licence_of(*key) for key in dict.fromkeys(keys)}
        today = self.today
        expired = {end for end in set(ends) if end is not None and end < today}
        if expired:
            for position, end in enumerate(ends):
                if end in expired:
                    assert end is not None
                    table.add(
                        20,
                        position,
                        "licence_valid_until",
                        end.isoformat(),
                        Severity.WARNING,
                        f"许可证已于 {end.isoformat()} 过期，请核对",
                    )
        backwards = {key for key in made if key[2] is not None and key[3] is not None and key[2] > key[3]}
        if backwards:
            for position, key in enumerate(keys):
                if key in backwards:
                    table.add(
                        21,
                        position,
                        "licence_issued_on",
                        key[2].isoformat(),
                        Severity.WARNING,
                        "许可批准日期晚于有效期至，请核对",
                    )
        return list(map(made.__getitem__, keys))

    def _accept_all(
        self, table: _Columns, positions: Iterable[int], records: Iterable[TargetRow]
    ) -> list[TargetRow]:
        """Keep the records in file order; a later row with the same key is an error or merged."""
        by_key = self._by_key
        accepted = self._records
        for position, record in zip(positions, records, strict=True):
            key = ("code", record.code) if record.code else ("name", record.name)
            if not key[1]:
                continue
            previous_index = by_key.get(key)
            if previous_index is None:
                by_key[key] = len(accepted)
                accepted.append(record)
                continue
            # A repeated key (rare): the row-by-row rules, with the row's issues added to the table.
            issues: list[Issue] = []
            row = _Row(self, record.row, table.rows[position], issues)
            self._repeated(row, key, previous_index, record)
            for issue in issues:
                table.found.append((position, 33, issue))
            if row.errors:
                table.bad.add(position)
        return accepted

    def _repeated(self, row: _Row, key: tuple[str, str], previous_index: int, record: TargetRow) -> None:
        previous = self._records[previous_index]
        label = "代码" if key[0] == "code" else "名称（且无代码）"
        if not self.merge_rows:
            row.error(
                "code" if key[0] == "code" else "name",
                key[1],
                f"与第{previous.row}行的{label}重复；同一对象只能出现一次，请删除或合并重复行",
            )
            return
        self._records[previous_index] = self._merge(previous, record, row)

    @staticmethod
    def _merge(first: TargetRow, other: TargetRow, row: _Row) -> TargetRow:
        changes: dict[str, Any] = {}
        for name in (
            "name",
            "entity_kind",
            "legal_rep",
            "phone",
            "address",
            "reg_authority",
            "jurisdiction",
            "region",
            "industry",
            "risk_class",
            "status",
            "inspection_authority",
            "professional_supervision",
        ):
            mine, theirs = getattr(first, name), getattr(other, name)
            if theirs in ("", None) or theirs == mine:
                continue
            if mine in ("", None):
                changes[name] = theirs
            else:
                row.warn(
                    name,
                    str(theirs),
                    f"与第{first.row}行是同一对象（代码相同），但此处的值不同；以第{first.row}行的“{mine}”为准",
                )
        for name in ("tags", "special_registries", "professional_qualifications", "expert_leaders"):
            merged = tuple(dict.fromkeys((*getattr(first, name), *getattr(other, name))))
            if merged != getattr(first, name):
                changes[name] = merged
        licences = first.licences + tuple(lic for lic in other.licences if lic not in first.licences)
        return replace(first, **changes, licences=licences, source_rows=first.source_rows + other.source_rows)


# ------------------------------------------------------------------ inspectors

_INSPECTOR_STATUS_WORDS = {
    "有效": "有效",
    "正常": "有效",
    "在职": "有效",
    "在岗": "有效",
    "启用": "有效",
    "失效": "失效",
    "无效": "失效",
    "停用": "失效",
    "注销": "失效",
    "离职": "失效",
    "调离": "失效",
    "退休": "失效",
}
_NOT_EXPERT = frozenset({"否", "无", "不是", "非专家"})
_MOBILE_RE = re.compile(r"^1\d{10}$")


class _InspectorChecker(_RowChecker):
    kind = RegistryKind.INSPECTORS

    def __init__(self, mapping: ColumnMapping, header: Sequence[str], today: dt.date) -> None:
        super().__init__(mapping, header, today)
        self._records: list[InspectorRow] = []
        self._certs: dict[str, int] = {}
        self._staff: dict[tuple[str, str], int] = {}

    def file_issues(self) -> list[Issue]:
        if "status" not in self.mapped:
            return [
                Issue(
                    None,
                    None,
                    "",
                    Severity.WARNING,
                    "文件中没有“执法人员状态”列：全部人员按“有效”导入",
                    "status",
                )
            ]
        return []

    def check(self, row: _Row) -> InspectorRow | None:
        name = row.name("name")
        row.required("name", name)

        gender = row.text("gender")
        if gender:
            row.enum_warning("gender", (gender,), GENDERS)

        id_number = row.identifier("id_number")
        if id_number and not id_number_is_valid(id_number):
            row.warn(
                "id_number", row.raw("id_number"), "身份证号码不正确（位数、出生日期或校验位不符），请核对"
            )

        mobile = row.identifier("mobile")
        if mobile and not _MOBILE_RE.match(mobile):
            row.warn("mobile", row.raw("mobile"), "手机号应为以1开头的11位数字，请核对")

        education = row.text("education")
        if education:
            row.enum_warning("education", (education,), EDUCATIONS)
        post_categories = row.multi("post_categories")
        row.enum_warning("post_categories", post_categories, POST_CATEGORIES)
        qualifications = tuple(v for v in row.multi("qualifications") if v != "无")
        row.enum_warning("qualifications", qualifications, QUALIFICATIONS)
        level = row.text("level")
        if level:
            row.enum_warning("level", (level,), LEVELS)
        position = row.text("position")
        if position:
            row.enum_warning("position", (position,), POSITIONS)

        expert_values = row.multi("expert")
        expert_types = tuple(v for v in expert_values if v not in _NOT_EXPERT and v != "是")
        is_expert = bool(expert_types) or "是" in expert_values
        row.enum_warning("expert", expert_types, EXPERT_TYPES)

        department_cert = self._certificate(row, "department_cert_no", "department_cert_valid_until", None)
        province_cert = self._certificate(
            row, "province_cert_no", "province_cert_valid_until", "province_cert_issuer"
        )

        status = "有效"
        status_text = row.text("status")
        if status_text:
            found = _INSPECTOR_STATUS_WORDS.get(status_text)
            if found is None:
                row.error("status", status_text, "执法人员状态应为“有效”或“失效”（失效人员不纳入抽取）")
            else:
                status = found
        elif "status" in self.mapped:
            row.warn("status", "", "未填写执法人员状态，按“有效”导入")

        if status == "有效" and department_cert is None and province_cert is None:
            row.warn(
                None,
                "",
                "没有执法证编号：可以参加检查，但不计入每组至少两名执法人员的要求",
            )
        return InspectorRow(
            row=row.number,
            name=name,
            staff_no=row.identifier("staff_no")
            if isinstance(row.raw("staff_no"), float)
            else row.text("staff_no"),
            gender=gender,
            id_number=id_number,
            mobile=mobile,
            education=education,
            major=row.text("major"),
            post_categories=post_categories,
            post_since=row.date("post_since", severity=Severity.WARNING).value,
            qualifications=qualifications,
            item_scope=row.multi("item_scope", separators=LIST_SEPARATORS),
            region=row.text("region"),
            level=level,
            position=position,
            position_detail=row.text("position_detail"),
            department=row.text("department"),
            home_department=row.text("home_department"),
            is_expert=is_expert,
            expert_types=expert_types,
            department_cert=department_cert,
            province_cert=province_cert,
            status=status,
        )

    def _certificate(
        self, row: _Row, number_field: str, until_field: str, issuer_field: str | None
    ) -> Certificate | None:
        number = (
            row.identifier(number_field)
            if isinstance(row.raw(number_field), float)
            else row.text(number_field)
        )
        number = number.replace(" ", "")
        until = row.date(until_field, severity=Severity.ERROR)
        issuer = row.text(issuer_field) if issuer_field else ""
        if not number:
            if until.value is not None or until.no_expiry:
                row.warn(until_field, row.raw(until_field), "填写了执法证有效期，但没有执法证编号")
            return None
        if until.value is not None and until.value < self.today:
            row.warn(
                until_field,
                until.value.isoformat(),
                f"执法证已于 {until.value.isoformat()} 过期：过期后不计入执法人员，请更新有效期",
            )
        return Certificate(number=number, valid_until=until.value, no_expiry=until.no_expiry, issuer=issuer)

    def accept(self, row: _Row, record: RowRecord) -> None:
        assert isinstance(record, InspectorRow)
        for cert, label in ((record.province_cert, "执法证编号"), (record.department_cert, "工商执法证编号")):
            if cert is None:
                continue
            previous = self._certs.get(cert.number)
            if previous is not None:
                name = "province_cert_no" if cert is record.province_cert else "department_cert_no"
                row.error(name, cert.number, f"{label}与第{previous}行重复；同一人只能出现一次，请核对")
                return
        if record.province_cert is None and record.department_cert is None and record.staff_no:
            key = (record.home_department or record.department, record.staff_no)
            previous = self._staff.get(key)
            if previous is not None:
                row.error(
                    "staff_no",
                    record.staff_no,
                    f"单位工号与第{previous}行重复（同一部门）；同一人只能出现一次",
                )
                return
            self._staff[key] = record.row
        for cert in (record.province_cert, record.department_cert):
            if cert is not None:
                self._certs.setdefault(cert.number, record.row)
        self._records.append(record)

    def records(self) -> list[RowRecord]:
        return list(self._records)


# ------------------------------------------------------------------ items


def item_class_of(text: str) -> str | None:
    """Read 事项类别: ``重点检查事项``/``重点`` → 重点, ``一般…`` → 一般; None when unknown."""
    if "重点" in text:
        return "重点"
    if "一般" in text:
        return "一般"
    return None


class _KeyedChecker(_RowChecker):
    """Duplicate rules shared by item lists: full key → error, same name only → warning."""

    def __init__(self, mapping: ColumnMapping, header: Sequence[str], today: dt.date) -> None:
        super().__init__(mapping, header, today)
        self._records: list[RowRecord] = []
        self._full: dict[tuple[str, ...], int] = {}
        self._short: dict[tuple[str, ...], int] = {}

    @abc.abstractmethod
    def _keys(self, record: RowRecord) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
        """Return (full key, name key, what the full key compares, what the name key compares)."""

    def accept(self, row: _Row, record: RowRecord) -> None:
        full, short, full_label, short_label = self._keys(record)
        name = getattr(record, "name", "")
        previous = self._full.get(full)
        if previous is not None:
            row.error(
                "name",
                name,
                f"与第{previous}行重复（{full_label}都相同）；如确为不同事项，请在抽查事项名称中加以区分",
            )
            return
        earlier = self._short.get(short)
        if earlier is not None:
            row.warn(
                "name", name, f"与第{earlier}行的{short_label}相同，但{full_label}不全相同，作为不同事项导入"
            )
        else:
            self._short[short] = row.number
        self._full[full] = row.number
        self._records.append(record)

    def records(self) -> list[RowRecord]:
        return list(self._records)


class _ItemChecker(_KeyedChecker):
    kind = RegistryKind.ITEMS

    def check(self, row: _Row) -> ItemRow | None:
        department = row.text("department")
        row.required("department", department)
        name = row.text("name")
        row.required("name", name)
        class_text = row.text("item_class")
        item_class = item_class_of(class_text) if class_text else None
        if class_text and item_class is None:
            row.error("item_class", class_text, "事项类别应为“重点检查事项”或“一般检查事项”")
        elif item_class is None:
            row.warn("item_class", "", "未填写事项类别，按一般检查事项导入（抽查比例受上限约束）")
        methods = row.multi("methods")
        unknown = [method for method in methods if method not in INSPECTION_METHODS]
        if unknown:
            row.warn(
                "methods",
                row.raw("methods"),
                f"检查方式“{'、'.join(unknown)}”不是标准检查方式（{'、'.join(INSPECTION_METHODS)}），"
                "按原样导入；编辑该事项时可以保留或取消",
            )
        return ItemRow(
            row=row.number,
            department=department,
            name=name,
            seq=row.text("seq"),
            category=row.text("category"),
            target_desc=row.text("target_desc"),
            item_class=item_class or "一般",
            methods=methods,
            subject=row.text("subject"),
            basis=row.text("basis"),
            content=row.text("content"),
        )

    def _keys(self, record: RowRecord) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
        assert isinstance(record, ItemRow)
        return (
            record.natural_key,
            (record.department, record.name),
            "编制单位、抽查类别、抽查事项、检查对象",
            "编制单位和抽查事项",
        )


class _SchemeChecker(_KeyedChecker):
    kind = RegistryKind.SCHEMES

    def check(self, row: _Row) -> JointItemRow | None:
        field_name = row.text("field")
        row.required("field", field_name)
        name = row.text("name")
        row.required("name", name)
        initiating = row.multi("initiating_departments")
        if not initiating:
            row.error("initiating_departments", "", "缺少发起部门（必填）")
        return JointItemRow(
            row=row.number,
            field=field_name,
            name=name,
            seq=row.text("seq"),
            target_desc=row.text("target_desc"),
            initiating_departments=initiating,
            cooperating_departments=row.multi("cooperating_departments"),
        )

    def _keys(self, record: RowRecord) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
        assert isinstance(record, JointItemRow)
        return (
            record.natural_key,
            (record.field, record.name),
            "抽查领域、发起部门、抽查事项、检查对象",
            "抽查领域和抽查事项",
        )


class _CheckpointChecker(_RowChecker):
    kind = RegistryKind.CHECKPOINTS

    def __init__(self, mapping: ColumnMapping, header: Sequence[str], today: dt.date) -> None:
        super().__init__(mapping, header, today)
        self._records: list[RowRecord] = []

    def check(self, row: _Row) -> CheckpointRow | None:
        raw_seq = row.raw("seq")
        seq = number_text(raw_seq) if isinstance(raw_seq, float) else clean_text(raw_seq)
        if seq and not seq.replace(".", "").isdigit():
            # A printed checklist continues below its table (要求提供材料, 检查结果 …).
            raise _EndOfTable
        content = row.text("content")
        row.required("content", content)
        return CheckpointRow(
            row=row.number,
            content=content,
            seq=seq,
            item_name=row.text("item_name"),
            method=row.text("method"),
            department=row.text("department"),
        )

    def accept(self, row: _Row, record: RowRecord) -> None:
        self._records.append(record)

    def records(self) -> list[RowRecord]:
        return list(self._records)


_CHECKERS: dict[RegistryKind, type[_Checker]] = {
    RegistryKind.TARGETS: _TargetChecker,
    RegistryKind.INSPECTORS: _InspectorChecker,
    RegistryKind.ITEMS: _ItemChecker,
    RegistryKind.SCHEMES: _SchemeChecker,
    RegistryKind.CHECKPOINTS: _CheckpointChecker,
}


# ------------------------------------------------------------------ driver


def validate_rows(
    rows: Iterable[SourceRow],
    *,
    header: Sequence[str],
    mapping: ColumnMapping,
    total: int = 0,
    skipped: Sequence[SkippedRow] = (),
    progress: ProgressCallback | None = None,
    is_cancelled: CancelCheck | None = None,
    today: dt.date | None = None,
) -> ValidationResult:
    """Validate rows from any source against a mapping (the engine behind :func:`validate`).

    Args:
        rows: data rows (header and non-data rows already removed).
        header: the column names the mapping refers to.
        mapping: which column feeds which field.
        total: expected number of rows, for progress.
        skipped: rows already known not to be data (example rows become warnings).
        progress: called with (done, total) every 1,000 rows and at the end.
        is_cancelled: polled every 1,000 rows; when it returns True,
            :class:`ValidationCancelled` is raised.
        today: the day certificates and licences are checked against (default: today).

    Returns:
        The :class:`ValidationResult`.

    Raises:
        ValidationCancelled: when cancelled.
        ValueError: when the mapping names a column the header does not have.
    """
    today = today or dt.date.today()
    checker = _CHECKERS[mapping.kind](mapping, header, today)
    issues: list[Issue] = []
    for name in mapping.missing_required:
        label = field_spec(mapping.kind, name).label
        issues.append(
            Issue(
                None, None, "", Severity.ERROR, f"缺少必填列“{label}”：请在列映射中指定哪一列是{label}", name
            )
        )
    issues.extend(checker.file_issues())
    skipped_rows = list(skipped)
    for skip in skipped:
        if skip.reason == "example":
            issues.append(
                Issue(
                    skip.number,
                    None,
                    skip.text,
                    Severity.WARNING,
                    "这是模板中的示例行（含“请删除”“示例”等字样），已跳过；如确为数据，请删去这些字样后重新导入",
                )
            )
    if mapping.missing_required:
        return ValidationResult(mapping.kind, (), tuple(issues), 0, (), tuple(skipped_rows), mapping)

    rejected: list[int] = []
    records: list[RowRecord]
    if isinstance(checker, _TargetChecker):
        done, records = _check_columns(
            checker, rows, issues, skipped_rows, rejected, total, progress, is_cancelled
        )
    else:
        assert isinstance(checker, _RowChecker)
        done = _check_rows(checker, rows, issues, skipped_rows, rejected, total, progress, is_cancelled)
        records = checker.records()
    if progress is not None:
        progress(done, done)
    result = ValidationResult(
        kind=mapping.kind,
        rows=tuple(records),
        issues=tuple(issues),
        data_rows=done,
        rejected_rows=tuple(rejected),
        skipped=tuple(skipped_rows),
        mapping=mapping,
    )
    logger.info(
        "validated %d %s rows: %d accepted records, %d rejected rows, %d errors, %d warnings",
        done,
        mapping.kind.value,
        len(result.rows),
        len(rejected),
        result.error_count,
        result.warning_count,
    )
    return result


def _data_rows(
    rows: Iterable[SourceRow],
    skipped_rows: list[SkippedRow],
    total: int,
    progress: ProgressCallback | None,
    is_cancelled: CancelCheck | None,
) -> Iterator[SourceRow]:
    """The data rows (lone notes go to ``skipped_rows``), reporting and polling every 1,000."""
    done = 0
    for source in rows:
        if done % PROGRESS_EVERY == 0 and done:
            if is_cancelled is not None and is_cancelled():
                raise ValidationCancelled
            if progress is not None:
                progress(done, max(total, done))
        if is_note_row(source.cells):
            skipped_rows.append(SkippedRow(source.number, "note", row_excerpt(source.cells)))
            continue
        done += 1
        yield source


def _check_columns(
    checker: _TargetChecker,
    rows: Iterable[SourceRow],
    issues: list[Issue],
    skipped_rows: list[SkippedRow],
    rejected: list[int],
    total: int,
    progress: ProgressCallback | None,
    is_cancelled: CancelCheck | None,
) -> tuple[int, list[RowRecord]]:
    """Targets: every row read first, then each rule over whole columns (100,000s of rows)."""
    numbers: list[int] = []
    cells: list[Sequence[CellValue]] = []
    for source in _data_rows(rows, skipped_rows, total, progress, is_cancelled):
        numbers.append(source.number)
        cells.append(source.cells)
    table = _Columns(checker, numbers, cells, is_cancelled)
    records: list[RowRecord] = list(checker.check_table(table))
    issues.extend(table.sorted_issues())
    rejected.extend(numbers[position] for position in sorted(table.bad))
    return len(numbers), records


def _check_rows(
    checker: _RowChecker,
    rows: Iterable[SourceRow],
    issues: list[Issue],
    skipped_rows: list[SkippedRow],
    rejected: list[int],
    total: int,
    progress: ProgressCallback | None,
    is_cancelled: CancelCheck | None,
) -> int:
    """The other kinds: one row at a time (their lists have hundreds of rows); return the data rows."""
    done = 0
    iterator = iter(rows)
    for source in iterator:
        if done % PROGRESS_EVERY == 0 and done:
            if is_cancelled is not None and is_cancelled():
                raise ValidationCancelled
            if progress is not None:
                progress(done, max(total, done))
        if is_note_row(source.cells):
            skipped_rows.append(SkippedRow(source.number, "note", row_excerpt(source.cells)))
            continue
        done += 1
        row = _Row(checker, source.number, source.cells, issues)
        try:
            record = checker.check(row)
        except _EndOfTable:
            done -= 1
            skipped_rows.append(SkippedRow(source.number, "footer", row_excerpt(source.cells)))
            skipped_rows.extend(
                SkippedRow(rest.number, "footer", row_excerpt(rest.cells)) for rest in iterator
            )
            break
        if record is not None and not row.errors:
            checker.accept(row, record)
        if row.errors:
            rejected.append(source.number)
    return done


def validate(
    table: Table,
    mapping: ColumnMapping,
    *,
    progress: ProgressCallback | None = None,
    is_cancelled: CancelCheck | None = None,
    today: dt.date | None = None,
) -> ValidationResult:
    """Dry-run an import: check every data row of ``table`` as ``mapping.kind``.

    Args:
        table: from :func:`app.io.readers.load_table`.
        mapping: from :func:`app.io.presets.guess_mapping` (possibly edited by the user).
        progress: called with (done, total) every 1,000 rows and at the end.
        is_cancelled: polled every 1,000 rows; True raises :class:`ValidationCancelled`.
        today: the day validity dates are checked against (default: today).

    Returns:
        Records of the valid rows and every issue found.

    Raises:
        ValidationCancelled: when cancelled.
        UnreadableFileError: when the sheet turns out to be unreadable while iterating.
    """
    return validate_rows(
        table.iter_rows(),
        header=table.header,
        mapping=mapping,
        total=table.data_row_estimate,
        skipped=table.skipped,
        progress=progress,
        is_cancelled=is_cancelled,
        today=today,
    )
