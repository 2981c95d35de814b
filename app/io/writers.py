"""Exporting registries to xlsx in the platforms' template layouts, and blank templates.

A layout is a :class:`~app.io.presets.Preset`: the same headers in the same
order as the template, its title row and its explanation row, so that a file
exported here goes to the platform as it is and reads back through
:mod:`app.io.readers` and :mod:`app.io.validate` into the same records.

Formula injection: text beginning with ``=``, ``+``, ``-``, ``@``, tab or CR is
written with a leading apostrophe (OWASP's advice) *and* as an explicit string
cell, so neither Excel nor a CSV converter downstream runs it. The importer
removes exactly that apostrophe again (:func:`app.io.text.unquote_formula_guard`),
so export → import gives back the original value.

Writing uses openpyxl's write-only mode (rows streamed to disk) and replaces the
target file only once the workbook is complete.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.io.common import PROGRESS_EVERY, CancelCheck, OperationCancelled, ProgressCallback
from app.io.fields import (
    EDUCATIONS,
    EXPERT_TYPES,
    GENDERS,
    ITEM_CLASS_LABELS,
    LEVELS,
    POSITIONS,
    POST_CATEGORIES,
    QUALIFICATIONS,
    RegistryKind,
)
from app.io.presets import DEFAULT_EXPORT_PRESET, Preset, PresetError, find_preset
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
from app.io.text import CellValue, guard_formula

logger = logging.getLogger(__name__)

NO_EXPIRY_DATE = dt.date(9999, 9, 9)
"""What the platform templates write for "valid indefinitely"."""
DATE_FORMAT = "yyyy-mm-dd"

_RECORD_TYPES: dict[RegistryKind, type] = {
    RegistryKind.TARGETS: TargetRow,
    RegistryKind.INSPECTORS: InspectorRow,
    RegistryKind.ITEMS: ItemRow,
    RegistryKind.SCHEMES: JointItemRow,
    RegistryKind.CHECKPOINTS: CheckpointRow,
}


class ExportCancelled(OperationCancelled):
    """Raised when an export is cancelled; the target file is left untouched."""


def resolve_preset(kind: RegistryKind, preset: Preset | str | None, presets: Sequence[Preset] = ()) -> Preset:
    """Return the layout to use: the given preset, one found by name, or the kind's default.

    Raises:
        PresetError: if a name is unknown or the preset is of another kind.
    """
    if preset is None:
        chosen = find_preset(DEFAULT_EXPORT_PRESET[kind])
    elif isinstance(preset, str):
        chosen = find_preset(preset, presets)
    else:
        chosen = preset
    if chosen.kind != kind:
        raise PresetError(f"方案“{chosen.name}”用于{chosen.kind.label}，不能用来导出{kind.label}")
    return chosen


# ------------------------------------------------------------------ record → field values


def _join(values: Iterable[str], separator: str) -> str:
    return separator.join(values)


def _date(day: dt.date | None, no_expiry: bool = False) -> dt.date | None:
    return NO_EXPIRY_DATE if no_expiry else day


def _licence_values(licence: Licence | None) -> dict[str, CellValue]:
    if licence is None:
        return {}
    return {
        "licence_name": licence.name,
        "licence_no": licence.number,
        "licence_issued_on": licence.issued_on,
        "licence_valid_until": _date(licence.valid_until, licence.no_expiry),
        "licence_authority": licence.authority,
    }


def _cert_values(cert: Certificate | None, prefix: str) -> dict[str, CellValue]:
    if cert is None:
        return {}
    return {
        f"{prefix}_no": cert.number,
        f"{prefix}_valid_until": _date(cert.valid_until, cert.no_expiry),
        f"{prefix}_issuer": cert.issuer,
    }


def record_values(record: RowRecord, *, separator: str = "，") -> list[dict[str, CellValue]]:
    """Turn a record into field → cell value mappings, one per output row.

    A target with several licences gives one row per licence (the other fields
    repeated), which the importer merges back by code. Multi-valued fields are
    joined with ``separator``; dates are ``date`` objects, 9999-09-09 for "no expiry".

    Args:
        record: any row record.
        separator: what joins multi-valued cells.

    Returns:
        At least one mapping from field name to cell value.
    """
    if isinstance(record, TargetRow):
        base: dict[str, CellValue] = {
            "code": record.code,
            "name": record.name,
            "entity_kind": record.entity_kind or "",
            "legal_rep": record.legal_rep,
            "phone": record.phone,
            "address": record.address,
            "reg_authority": record.reg_authority,
            "jurisdiction": record.jurisdiction,
            "region": record.region,
            "industry": record.industry,
            "risk_class": record.risk_class or "",
            "status": record.status or "",
            "tags": _join(record.tags, separator),
            "special_registries": _join(record.special_registries, separator),
            "inspection_authority": record.inspection_authority,
            "professional_supervision": {True: "是", False: "否", None: ""}[record.professional_supervision],
            "professional_qualifications": _join(record.professional_qualifications, separator),
            "expert_leaders": _join(record.expert_leaders, separator),
        }
        licences: Sequence[Licence | None] = record.licences or (None,)
        return [{**base, **_licence_values(licence)} for licence in licences]
    if isinstance(record, InspectorRow):
        expert = (
            _join(record.expert_types, separator)
            if record.expert_types
            else ("是" if record.is_expert else "否")
        )
        values: dict[str, CellValue] = {
            "staff_no": record.staff_no,
            "name": record.name,
            "gender": record.gender,
            "id_number": record.id_number,
            "mobile": record.mobile,
            "education": record.education,
            "major": record.major,
            "post_categories": _join(record.post_categories, separator),
            "post_since": record.post_since,
            "qualifications": _join(record.qualifications, separator),
            "item_scope": _join(record.item_scope, separator),
            "region": record.region,
            "level": record.level,
            "position": record.position,
            "position_detail": record.position_detail,
            "home_department": record.home_department,
            "department": record.department,
            "expert": expert,
            "status": record.status,
        }
        values.update(_cert_values(record.department_cert, "department_cert"))
        values.update(_cert_values(record.province_cert, "province_cert"))
        return [values]
    if isinstance(record, ItemRow):
        return [
            {
                "department": record.department,
                "seq": record.seq,
                "category": record.category,
                "name": record.name,
                "target_desc": record.target_desc,
                "item_class": ITEM_CLASS_LABELS.get(record.item_class, record.item_class),
                "methods": _join(record.methods, separator),
                "subject": record.subject,
                "basis": record.basis,
                "content": record.content,
            }
        ]
    if isinstance(record, JointItemRow):
        return [
            {
                "seq": record.seq,
                "field": record.field,
                "name": record.name,
                "target_desc": record.target_desc,
                "initiating_departments": _join(record.initiating_departments, separator),
                "cooperating_departments": _join(record.cooperating_departments, separator),
            }
        ]
    if isinstance(record, CheckpointRow):
        return [
            {
                "seq": record.seq,
                "department": record.department,
                "item_name": record.item_name,
                "content": record.content,
                "method": record.method,
            }
        ]
    raise TypeError(f"不支持导出 {type(record).__name__}")


# ------------------------------------------------------------------ cells


def safe_cell(sheet: Any, value: CellValue) -> Any:
    """Make a write-only cell for ``value`` that Excel will never evaluate as a formula.

    Text starting with a formula trigger gets the apostrophe guard and the string
    data type; control characters Excel cannot store are dropped; dates get a
    date format.
    """
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        guarded = guard_formula(text)
        cell = WriteOnlyCell(sheet, value=guarded)
        cell.data_type = "s"  # never "f", whatever the text looks like
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


def _plain_or_safe(sheet: Any, value: CellValue) -> Any:
    # Plain values are much faster to append; only text that could be read as a
    # formula and dates (which need a format) get a styled cell.
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.startswith(("=", "+", "-", "@", "\t", "\r", "'")) or ILLEGAL_CHARACTERS_RE.search(value):
            return safe_cell(sheet, value)
        return value
    if isinstance(value, dt.date):
        return safe_cell(sheet, value)
    return value


def _styled(
    sheet: Any, value: str, *, bold: bool = False, fill: str | None = None, wrap: bool = False
) -> Any:
    cell = safe_cell(sheet, value)
    if bold:
        cell.font = Font(bold=True)
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _write_layout_head(sheet: Any, preset: Preset) -> None:
    width = len(preset.columns)
    for index, column in enumerate(preset.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(40, len(column.header) * 2 + 4))
    hints = [column.hint for column in preset.columns]
    if preset.title or (preset.hints_in_title_row and any(hints)):
        title_row: list[Any] = [None] * width
        if preset.hints_in_title_row:
            for index, hint in enumerate(hints):
                if hint:
                    title_row[index] = _styled(sheet, hint, wrap=True)
        if preset.title:
            title_row[0] = _styled(sheet, preset.title, bold=True)
        sheet.append(title_row)
    sheet.append([_styled(sheet, column.header, bold=True, fill="DDEBF7") for column in preset.columns])
    if any(hints) and not preset.hints_in_title_row:
        sheet.append([_styled(sheet, hint, wrap=True) if hint else None for hint in hints])


_PARAMETER_LISTS: dict[RegistryKind, tuple[tuple[str, Sequence[str]], ...]] = {
    RegistryKind.INSPECTORS: (
        ("岗位大类", POST_CATEGORIES),
        ("岗位资质资格", QUALIFICATIONS),
        ("是否专家", ("否", *EXPERT_TYPES)),
        ("性别", GENDERS),
        ("学历", EDUCATIONS),
        ("层级", LEVELS),
        ("担任职务", POSITIONS),
        ("执法人员状态", ("有效", "失效")),
    ),
}


def _write_parameter_sheet(workbook: Workbook, kind: RegistryKind) -> None:
    lists = _PARAMETER_LISTS.get(kind)
    if not lists:
        return
    sheet = workbook.create_sheet("参数表")
    for index in range(len(lists)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 24
    sheet.append([_styled(sheet, title, bold=True) for title, _ in lists])
    for position in range(max(len(values) for _, values in lists)):
        sheet.append([values[position] if position < len(values) else None for _, values in lists])


def discard_workbook(workbook: Workbook) -> None:
    """Close an unfinished write-only workbook and delete its temporary sheet files.

    Without this, openpyxl's row generators are finalised later by the garbage
    collector and write into files that are already closed.
    """
    for sheet in workbook.worksheets:
        try:
            sheet.close()
        except Exception:  # already closed or never started: nothing left to finish
            logger.debug("closing sheet %s", sheet.title, exc_info=True)
        out = getattr(getattr(sheet, "_writer", None), "out", None)
        if isinstance(out, str) and os.path.exists(out):
            os.remove(out)


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Save ``workbook`` to ``path`` through a temporary file, so a failed save leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def export_rows(
    path: Path | str,
    rows: Iterable[RowRecord],
    *,
    kind: RegistryKind,
    preset: Preset | str | None = None,
    presets: Sequence[Preset] = (),
    progress: ProgressCallback | None = None,
    is_cancelled: CancelCheck | None = None,
    total: int = 0,
) -> int:
    """Write records to an xlsx file in a template's layout.

    Args:
        path: the file to write (replaced only when the export completes).
        rows: the records, all of ``kind``.
        kind: the registry kind.
        preset: the layout (a preset or its name); default: the platform template
            of the kind, or LianCha's full layout for targets (see ``DEFAULT_EXPORT_PRESET``).
        presets: user presets to look a name up in.
        progress: called with (records done, total) every 1,000 records and at the end.
        is_cancelled: polled every 1,000 records; True raises :class:`ExportCancelled`.
        total: the number of records, if known, for progress.

    Returns:
        The number of data rows written (a target with several licences takes several).

    Raises:
        PresetError: for an unknown preset name or one of another kind.
        TypeError: for a record of another kind.
        ExportCancelled: when cancelled (the file is not written).
        OSError: when the file cannot be written.
    """
    path = Path(path)
    layout = resolve_preset(kind, preset, presets)
    expected = _RECORD_TYPES[kind]
    workbook = Workbook(write_only=True)
    written = 0
    done = 0
    try:
        sheet = workbook.create_sheet(layout.sheet_name or kind.label)
        _write_layout_head(sheet, layout)
        fields = [column.field for column in layout.columns]
        for record in rows:
            if not isinstance(record, expected):
                raise TypeError(f"导出{kind.label}时遇到了 {type(record).__name__} 记录")
            for values in record_values(record, separator=layout.multi_separator):
                sheet.append(
                    [_plain_or_safe(sheet, values.get(name, "")) if name else None for name in fields]
                )
                written += 1
            done += 1
            if done % PROGRESS_EVERY == 0:
                if is_cancelled is not None and is_cancelled():
                    raise ExportCancelled
                if progress is not None:
                    progress(done, max(total, done))
        _write_parameter_sheet(workbook, kind)
    except BaseException:
        discard_workbook(workbook)
        raise
    save_workbook(workbook, path)
    if progress is not None:
        progress(done, done)
    logger.info("exported %d %s records (%d rows) to %s as %s", done, kind.value, written, path, layout.name)
    return written


def write_blank_template(
    path: Path | str,
    *,
    kind: RegistryKind,
    preset: Preset | str | None = None,
    presets: Sequence[Preset] = (),
) -> None:
    """Write an empty import template: title, header and explanation rows, no data.

    Args:
        path: the file to write.
        kind: the registry kind.
        preset: the layout (default as for :func:`export_rows`).
        presets: user presets to look a name up in.

    Raises:
        PresetError: for an unknown preset name or one of another kind.
        OSError: when the file cannot be written.
    """
    export_rows(path, (), kind=kind, preset=preset, presets=presets)
