"""Registry files in and out: reading any spreadsheet, mapping, validating, exporting.

No database and no Qt here: everything works on plain values and frozen
dataclasses, so the import service, the command line, the GUI wizard and the
tests all use the same calls.

Import, in four steps (the GUI wizard shows one page per step)::

    from app.io import RegistryKind, load_table, guess_mapping, validate, write_issue_report

    table = load_table(path, kind=RegistryKind.TARGETS)        # 1. read (any format, by content)
    mapping = guess_mapping(table.header, RegistryKind.TARGETS,  # 2. map columns → fields
                            presets=load_presets(presets_dir))
    mapping = mapping.with_column("单位名称", "name")           #    (user corrections, optional)
    result = validate(table, mapping,                           # 3. dry run
                      progress=lambda done, total: ...,
                      is_cancelled=lambda: flag.is_set())
    write_issue_report(result.issues, report_path,             # 4. report for the operator
                       skipped=result.skipped)
    # then the import service upserts result.rows by each record's natural_key,
    # in one transaction, with an audit entry (not in this package).

1. :func:`load_table` (``readers``) sniffs the real format (xlsx/xlsb/xls/ods via
   python-calamine, Excel 2003 XML, HTML tables, CSV in UTF-8/UTF-8-BOM/UTF-16/GB18030),
   picks the sheet, finds the header row below any title rows and marks the
   explanation and example rows under it (``Table.skipped``). Every failure is an
   :class:`UnreadableFileError` with a Chinese message naming the file.
   ``Table.iter_rows()`` streams :class:`SourceRow` (1-based ``number``, ``cells``).
2. :func:`guess_mapping` (``presets``) returns a :class:`ColumnMapping` and says how
   it matched (``exact``/``preset``/``partial``/``synonym``/``none``) and which
   preset. Presets are data: :data:`BUILTIN_PRESETS` describe the platform
   templates and published lists; users save their own with :func:`save_preset`
   / :func:`load_presets` (JSON files in a folder), e.g. built by
   :func:`preset_from_mapping`.
3. :func:`validate` (``validate``) yields :class:`ValidationResult`: ``rows`` (typed
   records of rows without errors — :class:`TargetRow`, :class:`InspectorRow`,
   :class:`ItemRow`, :class:`JointItemRow`, :class:`CheckpointRow`), ``issues``
   (:class:`Issue`: row, column, value, severity, Chinese reason), ``rejected_rows``,
   ``skipped``. ``progress(done, total)`` is called every 1,000 rows;
   ``is_cancelled()`` is polled as often and raises :class:`ValidationCancelled`.
4. :func:`write_issue_report` (``reports``) writes 行号 | 列 | 值 | 级别 | 原因.

Export: :func:`export_rows` (``writers``) writes records in a preset's layout
(default: the platform template of the kind) so that export → load_table →
validate gives the same records; :func:`write_blank_template` writes the empty
template. Text that Excel could run as a formula is written with a leading
apostrophe and as a string cell; the reader removes that apostrophe again.

Identifiers (统一社会信用代码, 注册号, legacy numbers) are checked by
:mod:`app.services.identifiers`.
"""

from __future__ import annotations

from app.io.common import CancelCheck, OperationCancelled, ProgressCallback
from app.io.fields import FIELDS, FieldSpec, RegistryKind, fields_of
from app.io.headers import SkippedRow
from app.io.presets import (
    BUILTIN_PRESETS,
    ColumnMapping,
    Preset,
    PresetColumn,
    PresetError,
    builtin_presets,
    find_preset,
    guess_mapping,
    load_preset,
    load_presets,
    mapping_from_preset,
    preset_from_mapping,
    save_preset,
)
from app.io.readers import SourceRow, Table, UnreadableFileError, load_table, open_workbook, read_rows
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
from app.io.reports import write_issue_report
from app.io.validate import Issue, Severity, ValidationCancelled, ValidationResult, validate, validate_rows
from app.io.writers import ExportCancelled, export_rows, write_blank_template

__all__ = [
    "BUILTIN_PRESETS",
    "FIELDS",
    "CancelCheck",
    "Certificate",
    "CheckpointRow",
    "ColumnMapping",
    "ExportCancelled",
    "FieldSpec",
    "InspectorRow",
    "Issue",
    "ItemRow",
    "JointItemRow",
    "Licence",
    "OperationCancelled",
    "Preset",
    "PresetColumn",
    "PresetError",
    "ProgressCallback",
    "RegistryKind",
    "RowRecord",
    "Severity",
    "SkippedRow",
    "SourceRow",
    "Table",
    "TargetRow",
    "UnreadableFileError",
    "ValidationCancelled",
    "ValidationResult",
    "builtin_presets",
    "export_rows",
    "fields_of",
    "find_preset",
    "guess_mapping",
    "load_preset",
    "load_presets",
    "load_table",
    "mapping_from_preset",
    "open_workbook",
    "preset_from_mapping",
    "read_rows",
    "save_preset",
    "validate",
    "validate_rows",
    "write_blank_template",
    "write_issue_report",
]
