"""What the registry importers share: outcome counting, department lookup, limits, progress.

The importers (``import_targets``, ``import_registries``) compare each accepted row
with the database and either only count (dry run) or write. They run inside the
caller's unit of work and never commit; :mod:`app.services.imports` owns the
transaction, the audit entry and the report.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from app.io import ColumnMapping, Issue, Severity
from app.io.fields import RegistryKind, field_spec
from app.models import Department
from app.services.errors import ServiceError
from app.services.progress import Progress

logger = logging.getLogger(__name__)

WRITE_CHUNK = 5000
"""Rows per bulk statement; progress is reported and cancellation checked between chunks."""

# Target tags that carry columns of the platform's special-registry templates. Tags of
# any other kind (hand-made 行业, 重点监管 …) are what the 标签 column manages.
GENERAL_TAG_KIND = "标签"
TARGET_TAG_FIELDS: dict[str, str] = {
    "special_registries": "专项库",
    "professional_qualifications": "专业资质资格",
    "expert_leaders": "配备专家",
    "inspection_authority": "检查机关",
    "professional_supervision": "专业监管",
}
SPECIAL_TARGET_TAG_KINDS = frozenset(TARGET_TAG_FIELDS.values())

# Inspector columns with no column of their own in the model, kept as tags.
INSPECTOR_TAG_FIELDS: dict[str, str] = {"expert_types": "专家类别", "position_detail": "具体职务"}

DEPARTMENT_CERT_KIND = "工商执法证"
"""The 工商（市场监管）执法证 of the platform template; any other kind is the 省执法证 column."""
PROVINCE_CERT_KIND = "执法证"

MULTI_JOIN = "，"
"""How multi-valued cells are stored in one text column (the platforms' separator)."""


@dataclass
class Outcome:
    """What an importer found or did (mutable while it runs)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    items_created: int = 0
    issues: list[Issue] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    departments_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the import would write anything."""
        return bool(
            self.added or self.updated or self.removed or self.items_created or self.departments_created
        )


class RowIssues:
    """Issue recording for one mapping: names the source column of a field."""

    def __init__(self, mapping: ColumnMapping, outcome: Outcome) -> None:
        self.mapping = mapping
        self.outcome = outcome

    def reject(self, row: int, field_name: str | None, value: object, reason: str) -> None:
        """Reject a source row: it will not be imported."""
        column = self.mapping.header_for(field_name) if field_name else None
        self.outcome.issues.append(Issue(row, column, _value_text(value), Severity.ERROR, reason, field_name))
        self.outcome.rejected_rows.add(row)

    def warn(self, row: int | None, field_name: str | None, value: object, reason: str) -> None:
        """Tell the operator about a row that is imported anyway (row None: the whole file)."""
        column = self.mapping.header_for(field_name) if field_name else None
        self.outcome.issues.append(
            Issue(row, column, _value_text(value), Severity.WARNING, reason, field_name)
        )


def _value_text(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def field_label(kind: RegistryKind, name: str) -> str:
    """The Chinese label of a field, for messages."""
    return field_spec(kind, name).label


def table_of(model: type[Any]) -> Table:
    """The Core table of an ORM model (typed: ``__table__`` is a ``FromClause`` to mypy)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def length_limits(table: Table) -> dict[str, int]:
    """Column name → maximum length of the table's VARCHAR columns (PostgreSQL enforces them)."""
    limits: dict[str, int] = {}
    for column in table.columns:
        length = getattr(column.type, "length", None)
        if isinstance(length, int) and not getattr(column.type, "enums", None):
            limits[column.key] = length
    return limits


def too_long(values: dict[str, Any], limits: dict[str, int]) -> list[tuple[str, int]]:
    """The text values longer than their column allows, as (column, limit)."""
    return [
        (key, limit)
        for key, value in values.items()
        if (limit := limits.get(key)) is not None and isinstance(value, str) and len(value) > limit
    ]


class Lengths:
    """Checks text lengths against a table's VARCHAR limits.

    PostgreSQL refuses a longer value (the whole import would fail), so there the row
    is rejected. SQLite stores any length, and published lists do have items named
    in more than 300 characters: there the row is imported with a warning.
    """

    def __init__(self, session: Session, table: Table, issues: RowIssues, fields: dict[str, str]) -> None:
        self.limits = length_limits(table)
        self.enforced = session.get_bind().dialect.name != "sqlite"
        self.issues = issues
        self.fields = fields

    def ok(self, rows: Sequence[int], values: dict[str, Any]) -> bool:
        """True when the values may be stored; records issues on ``rows`` otherwise."""
        problems = too_long(values, self.limits)
        if not problems:
            return True
        for column, limit in problems:
            field_name = self.fields.get(column)
            value = values[column]
            for row in rows:
                if self.enforced:
                    self.issues.reject(row, field_name, value, f"超过数据库允许的{limit}字，请精简后重新导入")
                else:
                    self.issues.warn(
                        row,
                        field_name,
                        value,
                        f"超过{limit}字：本机数据库可以保存，但服务器数据库（PostgreSQL）只允许{limit}字，建议精简",
                    )
        return not self.enforced


def join_multi(values: Iterable[str]) -> str:
    """Multi-valued cell → one stored text."""
    return MULTI_JOIN.join(values)


class Departments:
    """Departments by name or short name; creates missing ones (placeholders in a dry run)."""

    NAME_LIMIT = 100

    def __init__(self, session: Session, *, write: bool, outcome: Outcome) -> None:
        self.session = session
        self.write = write
        self.outcome = outcome
        self._by_name: dict[str, int] = {}
        self._by_short: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for dept_id, name, short in session.execute(
            select(Department.id, Department.name, Department.short_name)
        ):
            self._by_name[name] = dept_id
            self.names[dept_id] = name
            if short:
                self._by_short.setdefault(short, dept_id)
        self._next_placeholder = -1
        self._sort_order: int | None = None

    def find(self, name: str) -> int | None:
        """The department called ``name`` (full name first, then short name), or None."""
        name = name.strip()
        found = self._by_name.get(name)
        return found if found is not None else self._by_short.get(name)

    def ensure(self, name: str) -> int:
        """The department called ``name``, created if missing (a negative id in a dry run)."""
        found = self.find(name)
        if found is not None:
            return found
        name = name.strip()
        if self.write:
            if self._sort_order is None:
                self._sort_order = int(
                    self.session.execute(
                        select(func.coalesce(func.max(Department.sort_order), 0))
                    ).scalar_one()
                )
            self._sort_order += 1
            dept = Department(name=name, short_name="", sort_order=self._sort_order)
            self.session.add(dept)
            self.session.flush()
            dept_id = dept.id
        else:
            dept_id = self._next_placeholder
            self._next_placeholder -= 1
        self._by_name[name] = dept_id
        self.names[dept_id] = name
        self.outcome.departments_created.append(name)
        logger.info("import creates department %s", name)
        return dept_id

    def check_name(self, name: str) -> str | None:
        """A reason why ``name`` cannot be a new department, or None."""
        if not name.strip():
            return "部门名称为空"
        if self.find(name) is None and len(name.strip()) > self.NAME_LIMIT:
            return f"部门名称超过{self.NAME_LIMIT}字，无法新建该部门"
        return None


class Stage:
    """Progress of the writing stage: reports and checks for cancellation between chunks."""

    def __init__(self, progress: Progress | None, total: int, message: str) -> None:
        self.progress = progress
        self.total = total
        self.message = message
        self.done = 0
        if progress is not None:
            progress.update(done=0, total=total, message=message)

    def advance(self, step: int) -> None:
        """Count ``step`` more records; raises ``Interrupted`` when the user cancelled."""
        self.done += step
        if self.progress is not None:
            self.progress.update(done=min(self.done, self.total), total=self.total, message=self.message)


BULK_CACHE_MIN_ROWS = 1000
"""Writes of at least this many rows get a larger SQLite page cache (see :func:`bulk_cache`)."""
BULK_CACHE_KIB_PER_ROW = 1
BULK_CACHE_MAX_KIB = 256 * 1024


@contextmanager
def bulk_cache(session: Session, *, rows: int) -> Iterator[None]:
    """Give SQLite a page cache that holds the tables being written in bulk, for the body only.

    The default cache (2 MiB) holds a few hundred pages: 100,000 new targets put each row in
    two unique indexes (code, uid) whose keys come in random order, so nearly every insert
    reads a page back that was just pushed out (the targets insert: ~1.0 s; with the pages
    kept, ~0.6 s). About 1 KiB a row (at most 256 MiB) keeps the tables, their indexes and
    the index rebuilds' sorts in memory. ``cache_size`` is a setting of the connection, not
    of the transaction, so it is set back afterwards whatever happens; SQLite then frees the
    pages above the old size. ``temp_store`` is left alone: SQLite refuses to change it
    inside a transaction once temporary storage is open, and with this cache the index
    rebuilds' sorts fit in memory anyway. Other databases: nothing.
    """
    if rows < BULK_CACHE_MIN_ROWS or session.get_bind().dialect.name != "sqlite":
        yield
        return
    conn = session.connection()
    previous = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    wanted_kib = min(BULK_CACHE_MAX_KIB, rows * BULK_CACHE_KIB_PER_ROW)
    # A negative cache_size is in KiB, a positive one in pages; only ever made larger here.
    page_kib = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one()) / 1024
    previous_kib = -previous if previous < 0 else previous * page_kib
    if wanted_kib <= previous_kib:
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size=-{wanted_kib}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={previous}")


def insert_columns(
    session: Session, table: Table, columns: Mapping[str, Sequence[Any]], *, driver: bool | None = None
) -> None:
    """Insert rows given column by column (every sequence as long) in one ``executemany``.

    On SQLite the rows go straight to the driver: SQLAlchemy's per-row parameter
    processing costs more than the insert itself (100,000 targets: ~5 s against
    ~1 s). Each column is converted with its type's own bind processor, once per
    distinct value for the repetitive ones (enumerations, timestamps, dates). Other
    databases get Core ``insert`` with the same rows as dicts. Callers chunk the rows.

    Args:
        session: the session of the write transaction.
        table: the table.
        columns: column name → the values of every row.
        driver: use the driver's ``executemany`` (default: on SQLite); False forces Core
            (the tests compare both on SQLite).
    """
    keys = list(columns)
    if not keys or not columns[keys[0]]:
        return
    dialect = session.get_bind().dialect
    if driver is None:
        driver = dialect.name == "sqlite"
    if not driver:
        rows = [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        session.execute(insert(table), rows)
        return
    converted: list[Sequence[Any]] = []
    for key in keys:
        values = columns[key]
        processor = table.c[key].type.bind_processor(dialect)
        adapted = _adapted_types(values) if processor is None else True
        if processor is not None or adapted:
            values = _converted_column(values, processor)
        converted.append(values)
    preparer = dialect.identifier_preparer
    names = ", ".join(preparer.quote(key) for key in keys)
    marks = ", ".join("?" for _ in keys)
    sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({marks})"
    session.connection().exec_driver_sql(sql, list(zip(*converted, strict=True)))


def _adapted_types(values: Sequence[Any]) -> bool:
    """Whether the driver would adapt some of these values itself (dates, timestamps)."""
    return any((kind, sqlite3.PrepareProtocol) in sqlite3.adapters for kind in set(map(type, values)))


def _driver_value(value: Any, processor: Callable[[Any], Any] | None) -> Any:
    """A value as the driver binds it: the type's bind processor, then the driver's own adapter.

    ``sqlite3`` adapts a date or datetime (what the date and timestamp processors hand it) with
    a Python function at every row; done here, once per distinct value, it costs nothing.
    """
    if value is None:
        return None
    if processor is not None:
        value = processor(value)
    adapt = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol))
    return value if adapt is None else adapt(value)


def _converted_column(values: Sequence[Any], processor: Callable[[Any], Any] | None) -> list[Any]:
    """A column as the driver binds it (:func:`_driver_value`): each distinct value once."""
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # an unhashable value: every value converted on its own
        return [_driver_value(value, processor) for value in values]
    table = {value: _driver_value(value, processor) for value in distinct}
    return list(map(table.__getitem__, values))


def chunks(rows: Sequence[Any], size: int = WRITE_CHUNK) -> Iterable[Sequence[Any]]:
    """Consecutive slices of ``rows`` of at most ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class ImportFileError(ServiceError):
    """The file as a whole cannot be imported (unreadable, a required column missing, a bad option).

    Nothing was written. The message names the file and says what to do, in Chinese.
    """
