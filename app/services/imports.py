"""Registry import (名录导入): a spreadsheet in, the registry updated whole or not at all.

One call does the whole use case, for the command line, the GUI wizard and the tests::

    report = import_registry(ctx, "targets", path)              # guess the mapping
    report = import_registry(ctx, "targets", path, dry_run=True) # check and count only
    print(report.summary()); report.write_report(out_xlsx)

Steps: read the file (:func:`app.io.load_table`), map its columns (a given mapping,
a preset name, or :func:`app.io.guess_mapping` with the user's presets), validate every
row (:func:`app.io.validate`: rows with an error are rejected, the others accepted),
then compare the accepted rows with the database by each kind's natural key and
write the difference **in one transaction** (``ctx.write()``): a cancel
(:class:`~app.services.progress.Progress` → ``Interrupted``), an error or a crash
half-way leaves the database exactly as it was. The import is recorded as one
audit entry with its counts; an import that changes nothing writes nothing (not
even an audit entry) and its report says so.

The GUI wizard shows :func:`preview_import` (header, mapping, the first rows and
their issues), lets the user correct the mapping (``ColumnMapping.with_column``),
runs ``import_registry(..., dry_run=True, progress=…)`` on a worker for the full
check and counts, then the real import. How each kind is matched and stored is
described in :mod:`app.services.import_targets` and :mod:`app.services.import_registries`.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from app.config import data_dir
from app.io import (
    CheckpointRow,
    ColumnMapping,
    InspectorRow,
    Issue,
    ItemRow,
    JointItemRow,
    Preset,
    PresetError,
    RegistryKind,
    Severity,
    SkippedRow,
    Table,
    TargetRow,
    UnreadableFileError,
    ValidationCancelled,
    ValidationResult,
    find_preset,
    guess_mapping,
    load_presets,
    load_table,
    mapping_from_preset,
    validate,
    validate_rows,
    write_issue_report,
)
from app.io.fields import field_spec
from app.io.text import cell_text
from app.services import audit
from app.services.context import ServiceContext
from app.services.errors import Interrupted
from app.services.import_common import ImportFileError, Outcome
from app.services.import_registries import (
    CheckpointImporter,
    InspectorImporter,
    ItemImporter,
    SchemeImporter,
)
from app.services.import_targets import TargetImporter
from app.services.operations import tracked
from app.services.progress import Progress

logger = logging.getLogger(__name__)

__all__ = [
    "ImportFileError",
    "ImportPreview",
    "ImportReport",
    "import_registry",
    "presets_dir",
    "preview_import",
    "resolve_mapping",
]

AUDIT_ENTITIES: dict[RegistryKind, str] = {
    RegistryKind.TARGETS: "targets",
    RegistryKind.INSPECTORS: "inspectors",
    RegistryKind.ITEMS: "check_items",
    RegistryKind.SCHEMES: "industry_schemes",
    RegistryKind.CHECKPOINTS: "checkpoints",
}
PREVIEW_ROWS = 20


def presets_dir() -> Path:
    """The folder of the user's saved column mappings (JSON presets)."""
    return data_dir() / "presets"


@dataclass(frozen=True)
class ImportReport:
    """What an import (or a dry run) found and did.

    Attributes:
        kind: the registry kind.
        path: the file.
        dry_run: nothing was written.
        sheet_name: the sheet read.
        data_rows: data rows read (titles, explanations and blank rows not counted).
        rejected_rows: source rows not imported because of an error (file validation or database checks).
        added: records created (schemes for a joint list; checkpoint lines for a checklist).
        updated: records changed.
        unchanged: records already as the file says.
        removed: checkpoint lines removed (checklists only).
        items_created: check items created for a joint list.
        departments_created: departments created by name.
        issues: every issue, by row (file-level ones first).
        skipped: rows that were not data.
        mapping: the mapping used.
        file_sha256: the file's SHA-256, as recorded in the audit trail.
        audit_entry_id: the audit entry of the import (None for a dry run or no change).
    """

    kind: RegistryKind
    path: Path
    dry_run: bool
    sheet_name: str
    data_rows: int
    rejected_rows: tuple[int, ...]
    added: int
    updated: int
    unchanged: int
    removed: int
    items_created: int
    departments_created: tuple[str, ...]
    issues: tuple[Issue, ...]
    skipped: tuple[SkippedRow, ...]
    mapping: ColumnMapping
    file_sha256: str
    audit_entry_id: int | None

    @property
    def rejected(self) -> int:
        """Number of rejected source rows."""
        return len(self.rejected_rows)

    @property
    def changed(self) -> bool:
        """True when the import changed (or, in a dry run, would change) the registry."""
        return bool(
            self.added or self.updated or self.removed or self.items_created or self.departments_created
        )

    @property
    def error_count(self) -> int:
        """Number of error issues."""
        return sum(1 for issue in self.issues if issue.severity is Severity.ERROR)

    @property
    def warning_count(self) -> int:
        """Number of warning issues."""
        return sum(1 for issue in self.issues if issue.severity is Severity.WARNING)

    def summary(self) -> str:
        """One paragraph for people, in Chinese."""
        head = "试导入（未写入数据库）" if self.dry_run else "导入"
        parts = [
            f"{head}{self.kind.label}“{self.path.name}”：读取 {self.data_rows} 行",
            f"新增 {self.added}",
            f"更新 {self.updated}",
            f"未变 {self.unchanged}",
        ]
        if self.removed:
            parts.append(f"删除 {self.removed}")
        parts.append(f"拒绝 {self.rejected} 行")
        sentences = ["，".join(parts)]
        if self.items_created:
            sentences[0] += f"；新建抽查事项 {self.items_created} 个"
        if self.departments_created:
            names = "、".join(self.departments_created)
            sentences[0] += f"；新建部门 {len(self.departments_created)} 个（{names}）"
        if not self.data_rows:
            sentences.append("文件中没有数据行")
        elif not self.changed:
            sentences.append("数据库中已是文件中的内容，没有任何改动")
        elif self.dry_run:
            sentences.append("核对无误后请正式导入")
        if self.error_count or self.warning_count:
            counts = [f"{self.error_count} 条错误"] if self.error_count else []
            counts += [f"{self.warning_count} 条警告"] if self.warning_count else []
            sentences.append(f"共有 {'、'.join(counts)}，详见问题清单")
        return "。".join(sentences) + "。"

    def write_report(self, path: Path | str) -> int:
        """Write the issues (行号 | 列 | 值 | 级别 | 原因) and skipped rows to an xlsx; return the issue count."""
        return write_issue_report(self.issues, path, skipped=self.skipped)


@dataclass(frozen=True)
class ImportPreview:
    """The first page of the import wizard: what the file looks like and how it would be read.

    Attributes:
        kind: the registry kind.
        path: the file.
        file_format: what the file really is (xlsx, xls, csv …).
        sheet_name: the sheet read; ``sheet_names`` all of them.
        header_row: 1-based row of the header.
        header: the column names.
        mapping: the mapping (given or guessed); ``mapping.match`` says how it was found.
        missing_required: labels of required fields no column feeds.
        rows: the first data rows as (row number, cell texts).
        issues: the issues of those rows (the full check is a dry run).
        skipped: rows above and below the header that are not data.
        estimated_rows: an upper bound of the data rows.
    """

    kind: RegistryKind
    path: Path
    file_format: str
    sheet_name: str
    sheet_names: tuple[str, ...]
    header_row: int
    header: tuple[str, ...]
    mapping: ColumnMapping
    missing_required: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    issues: tuple[Issue, ...]
    skipped: tuple[SkippedRow, ...]
    estimated_rows: int


# ------------------------------------------------------------------ steps


def _load(path: Path, kind: RegistryKind, sheet: str | None) -> Table:
    try:
        return load_table(path, kind=kind, sheet=sheet)
    except UnreadableFileError as exc:
        raise ImportFileError(str(exc)) from exc
    except KeyError as exc:  # an unknown sheet name
        raise ImportFileError(f"文件“{path.name}”中没有工作表“{sheet}”") from exc


def resolve_mapping(
    table: Table,
    kind: RegistryKind,
    mapping: ColumnMapping | Preset | str | None,
    presets: Sequence[Preset],
) -> ColumnMapping:
    """Turn the caller's choice into a mapping for this file.

    Args:
        table: the loaded file.
        kind: the registry kind.
        mapping: a mapping, a preset, a preset's name, or None to guess (user presets first).
        presets: the user's presets.

    Returns:
        The mapping.

    Raises:
        ImportFileError: for an unknown preset or one of another kind.
    """
    if mapping is None:
        return guess_mapping(table.header, kind, presets=presets)
    if isinstance(mapping, ColumnMapping):
        chosen = mapping
    else:
        try:
            preset = find_preset(mapping, presets) if isinstance(mapping, str) else mapping
        except PresetError as exc:
            raise ImportFileError(str(exc)) from exc
        if preset.kind != kind:
            raise ImportFileError(f"映射方案“{preset.name}”用于{preset.kind.label}，不能用来导入{kind.label}")
        chosen = mapping_from_preset(preset, table.header)
    if chosen.kind != kind:
        raise ImportFileError(f"列映射用于{chosen.kind.label}，不能用来导入{kind.label}")
    return chosen


def _validate(
    table: Table, mapping: ColumnMapping, progress: Progress | None, today: dt.date | None
) -> ValidationResult:
    def report(done: int, total: int) -> None:
        if progress is not None:
            progress.update(done=done, total=total, message="正在检查文件内容…")

    try:
        return validate(
            table,
            mapping,
            progress=report,
            is_cancelled=progress.is_cancelled if progress is not None else None,
            today=today,
        )
    except ValidationCancelled as exc:
        raise Interrupted from exc
    except UnreadableFileError as exc:
        raise ImportFileError(str(exc)) from exc
    except ValueError as exc:  # the mapping names a column the file does not have
        raise ImportFileError(f"文件“{table.path.name}”：{exc}") from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run_importer(
    session: Any,
    kind: RegistryKind,
    result: ValidationResult,
    *,
    write: bool,
    outcome: Outcome,
    progress: Progress | None,
    department: str | None,
    item: str | None,
) -> None:
    common: dict[str, Any] = {"write": write, "outcome": outcome, "progress": progress}
    rows = result.rows
    if kind is RegistryKind.TARGETS:
        TargetImporter(session, result.mapping, **common).run(cast(Sequence[TargetRow], rows))
    elif kind is RegistryKind.INSPECTORS:
        InspectorImporter(session, result.mapping, department=department, **common).run(
            cast(Sequence[InspectorRow], rows)
        )
    elif kind is RegistryKind.ITEMS:
        ItemImporter(session, result.mapping, **common).run(cast(Sequence[ItemRow], rows))
    elif kind is RegistryKind.SCHEMES:
        SchemeImporter(session, result.mapping, **common).run(cast(Sequence[JointItemRow], rows))
    else:
        CheckpointImporter(session, result.mapping, item=item, department=department, **common).run(
            cast(Sequence[CheckpointRow], rows)
        )


def _issue_order(issue: Issue) -> tuple[int, int]:
    return (0, 0) if issue.row is None else (1, issue.row)


@tracked("导入名录库")
def import_registry(
    ctx: ServiceContext,
    kind: RegistryKind | str,
    path: Path | str,
    *,
    mapping: ColumnMapping | Preset | str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    department: str | None = None,
    item: str | None = None,
    sheet: str | None = None,
    presets: Sequence[Preset] | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Import a registry file: validate, then upsert every accepted row in one transaction.

    Args:
        ctx: the service context (database and operator).
        kind: targets, inspectors, items, schemes (a joint list) or checkpoints (a checklist form).
        path: the file, in any format :func:`app.io.load_table` reads.
        mapping: a column mapping, a preset or a preset's name; None guesses it.
        dry_run: check and count only; nothing is written.
        progress: progress and cancellation (cancel → ``Interrupted``, nothing written).
        department: inspectors: the department every row belongs to (default: the
            所在业务部门（机构） column); checkpoints: the department of the item.
        item: checkpoints: the item the checklist belongs to (default: the 抽查事项 column).
        sheet: the sheet to read (default: the first with a recognisable header).
        presets: the user's mapping presets (default: those saved in :func:`presets_dir`).
        today: the day certificate and licence validity is checked against.

    Returns:
        The :class:`ImportReport`.

    Raises:
        ImportFileError: the file cannot be read, a required column is missing, or an option is wrong.
        Interrupted: cancelled through ``progress``; nothing was written.
    """
    with cycle_collection_paused():
        return _import_registry(
            ctx,
            RegistryKind(kind),
            Path(path),
            mapping=mapping,
            dry_run=dry_run,
            progress=progress,
            department=department,
            item=item,
            sheet=sheet,
            presets=presets,
            today=today,
        )


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the body (an import), resuming it afterwards.

    An import of 100,000 rows makes millions of small tuples and lists (cells, records,
    parameter rows) and keeps a few million alive until it ends. None of them form cycles:
    reference counting frees them as usual. But each full pass of the cycle collector walks
    every live container again, and allocation at this rate triggers passes continually:
    0.7-0.9 s of a 6.5 s import of 100,000 targets. Only the collector pauses; it resumes
    on the way out (also after an error or a cancel) unless it was already off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_registry(
    ctx: ServiceContext,
    kind: RegistryKind,
    path: Path,
    *,
    mapping: ColumnMapping | Preset | str | None,
    dry_run: bool,
    progress: Progress | None,
    department: str | None,
    item: str | None,
    sheet: str | None,
    presets: Sequence[Preset] | None,
    today: dt.date | None,
) -> ImportReport:
    """The body of :func:`import_registry` (which pauses the cycle collector around it)."""
    user_presets = tuple(presets) if presets is not None else load_presets(presets_dir(), kind=kind)
    table = _load(path, kind, sheet)
    column_mapping = resolve_mapping(table, kind, mapping, user_presets)
    result = _validate(table, column_mapping, progress, today)
    if result.file_errors:
        reasons = "；".join(issue.reason for issue in result.file_errors)
        raise ImportFileError(f"文件“{path.name}”不能作为{kind.label}导入：{reasons}")
    digest = _sha256(path)
    outcome = Outcome()
    audit_entry_id: int | None = None
    options: dict[str, Any] = {"progress": progress, "department": department, "item": item}
    if dry_run:
        with ctx.read() as session:
            _run_importer(session, kind, result, write=False, outcome=outcome, **options)
    else:
        with ctx.write() as session:
            _run_importer(session, kind, result, write=True, outcome=outcome, **options)
            if outcome.changed:
                entry = audit.record(
                    session,
                    operator=ctx.operator,
                    action="import",
                    entity=AUDIT_ENTITIES[kind],
                    summary=_audit_summary(kind, path, result, outcome),
                    after={
                        "file": path.name,
                        "sha256": digest,
                        "sheet": table.sheet_name,
                        "mapping": column_mapping.preset_name or column_mapping.match,
                        "rows": result.data_rows,
                        "added": outcome.added,
                        "updated": outcome.updated,
                        "unchanged": outcome.unchanged,
                        "removed": outcome.removed,
                        "rejected": len(set(result.rejected_rows) | outcome.rejected_rows),
                        "items_created": outcome.items_created,
                        "departments_created": outcome.departments_created,
                    },
                )
                audit_entry_id = entry.id
    rejected = tuple(sorted(set(result.rejected_rows) | outcome.rejected_rows))
    issues = tuple(sorted((*result.issues, *outcome.issues), key=_issue_order))
    report = ImportReport(
        kind=kind,
        path=path,
        dry_run=dry_run,
        sheet_name=table.sheet_name,
        data_rows=result.data_rows,
        rejected_rows=rejected,
        added=outcome.added,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        removed=outcome.removed,
        items_created=outcome.items_created,
        departments_created=tuple(outcome.departments_created),
        issues=issues,
        skipped=result.skipped,
        mapping=column_mapping,
        file_sha256=digest,
        audit_entry_id=audit_entry_id,
    )
    logger.info("%s", report.summary())
    return report


def _audit_summary(kind: RegistryKind, path: Path, result: ValidationResult, outcome: Outcome) -> str:
    rejected = len(set(result.rejected_rows) | outcome.rejected_rows)
    text = (
        f"导入{kind.label}“{path.name}”：读取 {result.data_rows} 行，新增 {outcome.added}，"
        f"更新 {outcome.updated}，未变 {outcome.unchanged}，拒绝 {rejected} 行"
    )
    if outcome.removed:
        text += f"，删除 {outcome.removed}"
    if outcome.items_created:
        text += f"，新建抽查事项 {outcome.items_created} 个"
    if outcome.departments_created:
        text += f"，新建部门 {len(outcome.departments_created)} 个"
    return text


def preview_import(
    ctx: ServiceContext,
    kind: RegistryKind | str,
    path: Path | str,
    mapping: ColumnMapping | Preset | str | None = None,
    *,
    sheet: str | None = None,
    rows: int = PREVIEW_ROWS,
    presets: Sequence[Preset] | None = None,
    today: dt.date | None = None,
) -> ImportPreview:
    """Read the head of a file for the import wizard: header, mapping, first rows and their issues.

    Cheap (it validates only the first rows); the full check is
    ``import_registry(..., dry_run=True)``. ``ctx`` is taken for symmetry with the
    other services; the database is not read.

    Raises:
        ImportFileError: the file cannot be read or the mapping/preset does not fit.
    """
    del ctx
    kind = RegistryKind(kind)
    path = Path(path)
    user_presets = tuple(presets) if presets is not None else load_presets(presets_dir(), kind=kind)
    table = _load(path, kind, sheet)
    column_mapping = resolve_mapping(table, kind, mapping, user_presets)
    head = []
    for source in table.iter_rows():
        head.append(source)
        if len(head) >= rows:
            break
    try:
        sample = validate_rows(
            head, header=table.header, mapping=column_mapping, skipped=table.skipped, today=today
        )
    except ValueError as exc:
        raise ImportFileError(f"文件“{path.name}”：{exc}") from exc
    return ImportPreview(
        kind=kind,
        path=path,
        file_format=str(table.file_format),
        sheet_name=table.sheet_name,
        sheet_names=table.sheet_names,
        header_row=table.header_row,
        header=table.header,
        mapping=column_mapping,
        missing_required=tuple(field_spec(kind, name).label for name in column_mapping.missing_required),
        rows=tuple((source.number, tuple(cell_text(cell) for cell in source.cells)) for source in head),
        issues=sample.issues,
        skipped=table.skipped,
        estimated_rows=table.data_row_estimate,
    )
