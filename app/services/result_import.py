"""Bulk entry of results from a spreadsheet the office handed out (检查结果录入表).

The template (``write_result_template``) has one row per inspection of a task, prefilled with the
record id (记录编号, the inspection's permanent uid), the task number, the team, the entity's name
and code, and the team's members as the people on site; the teams fill in the rest:

====================  =====================================================================
column                content
====================  =====================================================================
记录编号              prefilled; identifies the record — never edit
任务编号              prefilled; checked against the record
检查组                prefilled, for sorting
市场主体名称          prefilled, for reading
统一社会信用代码/注册号 prefilled; checked against the record (catches shifted rows)
检查日期              YYYY-MM-DD (or a date cell)
核查方式              codes or names (实地检查，书面检查 …), separated by ， , 、 or ；
检查结果              codes or names of the result categories (未发现问题 …)
发现问题情况          text; required when a result means a problem was found
后续处置措施          codes 1–6 or names (无需后续处置，责令改正，移送办案机构，抄告相关部门 …)
其他处置说明          text for 其他
到场检查人员          names (or 执法证号) of the people who went, separated by ，
人员替换说明          ``替换人→被替换组员：原因``, several separated by ；
依法不予公开          是 / 否 (blank = 否)
不予公开理由          required when 是
备注                  text
====================  =====================================================================

Import rules: every row is checked exactly as an entry on screen would be; a row whose result
columns are all blank is skipped (not done yet). Good rows land together in ONE transaction and
bad rows are reported (file, row, column, value, reason, in Chinese) — an interruption or a crash
part-way leaves nothing at all, and the same file can simply be imported again: rows whose result
is already the record's current version are counted as already imported, not rejected (a row that
differs from an already submitted result is rejected — changes go through 退回 or 更正).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.io.simple_xlsx import safe_cell_value
from app.models import Inspection, Inspector, InspectorCertificate, Task, Team
from app.models.enums import InspectionState
from app.services.context import ServiceContext
from app.services.errors import NotFoundError, ServiceError, ValidationError
from app.services.operations import tracked
from app.services.permissions import Permission
from app.services.progress import Progress
from app.services.result_codes import (
    MEASURE_ALIASES,
    MEASURE_SHORT_NAMES,
    CodeLabel,
    category_table,
    resolve_codes,
    result_codes,
    split_values,
)
from app.services.results import OnSiteInspector, ResultPayload, already_stored, require_some, store_result

logger = logging.getLogger(__name__)

SHEET = "检查结果"
COL_UID = "记录编号"
COL_TASK = "任务编号"
COL_TEAM = "检查组"
COL_NAME = "市场主体名称"
COL_CODE = "统一社会信用代码/注册号"
COL_DATE = "检查日期"
COL_METHODS = "核查方式"
COL_RESULT = "检查结果"
COL_PROBLEMS = "发现问题情况"
COL_MEASURES = "后续处置措施"
COL_MEASURE_OTHER = "其他处置说明"
COL_INSPECTORS = "到场检查人员"
COL_SUBSTITUTES = "人员替换说明"
COL_WITHHELD = "依法不予公开"
COL_WITHHELD_REASON = "不予公开理由"
COL_REMARKS = "备注"
COLUMNS = (
    COL_UID,
    COL_TASK,
    COL_TEAM,
    COL_NAME,
    COL_CODE,
    COL_DATE,
    COL_METHODS,
    COL_RESULT,
    COL_PROBLEMS,
    COL_MEASURES,
    COL_MEASURE_OTHER,
    COL_INSPECTORS,
    COL_SUBSTITUTES,
    COL_WITHHELD,
    COL_WITHHELD_REASON,
    COL_REMARKS,
)
_RESULT_COLUMNS = (COL_DATE, COL_METHODS, COL_RESULT, COL_PROBLEMS, COL_MEASURES, COL_WITHHELD, COL_REMARKS)
_WIDTHS = {COL_UID: 38, COL_TASK: 24, COL_TEAM: 7, COL_NAME: 30, COL_CODE: 22, COL_DATE: 12, COL_PROBLEMS: 30}
# Service field names (FieldError.field) → the template column they come from.
_FIELD_COLUMNS = {
    "检查日期": COL_DATE,
    "核查方式": COL_METHODS,
    "检查结果": COL_RESULT,
    "发现问题情况": COL_PROBLEMS,
    "后续处置措施": COL_MEASURES,
    "检查人员": COL_INSPECTORS,
    "依法不予公开": COL_WITHHELD,
}
_SUBSTITUTION = re.compile(
    r"^\s*(?P<new>[^→>：:]+?)\s*(?:→|->|替换)\s*(?P<old>[^：:]+?)\s*[：:]\s*(?P<reason>.+?)\s*$"
)


class ImportFileError(ServiceError):
    """The file cannot be read as a results sheet at all (nothing was imported)."""


@dataclass(frozen=True)
class ImportIssue:
    """One rejected value: where it is and why (Chinese)."""

    file: str
    row: int  # the spreadsheet's row number, as Excel shows it
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        value = f"「{self.value}」" if self.value else "（空）"
        return f"{self.file} 第 {self.row} 行「{self.column}」{value}：{self.reason}"


@dataclass(frozen=True)
class ImportReport:
    file: str
    rows: int  # data rows read
    imported: int  # results submitted (now 待审核)
    skipped_blank: int  # rows with no result filled in yet
    already_imported: int  # rows whose result is already the record's current version (file imported before)
    rejected_rows: int
    issues: tuple[ImportIssue, ...]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return self.rejected_rows == 0


class _DryRun(Exception):
    """Raised at the end of a dry run so that the unit of work rolls back."""


# ---------------------------------------------------------------------------------------------
# Template


def write_result_template(ctx: ServiceContext, task_id: int, path: Path) -> int:
    """Write the 检查结果录入表 of a task, prefilled; return the number of rows.

    Only inspections that can still take an entry (未录入, 审核退回) are listed.
    """
    codes = result_codes()
    with ctx.read() as session:
        task = session.get(Task, task_id)
        if task is None:
            raise NotFoundError(f"抽查任务（编号 {task_id}）不存在")
        rows = session.execute(
            select(Inspection, Team)
            .outerjoin(Team, Inspection.team_id == Team.id)
            .where(
                Inspection.task_id == task_id,
                Inspection.voided.is_(False),
                Inspection.state.in_([InspectionState.NOT_ENTERED, InspectionState.RETURNED]),
            )
            .order_by(Team.number, Inspection.visit_order, Inspection.stratum, Inspection.rank)
        ).all()
        data = []
        for inspection, team in rows:
            people = "，".join(m.inspector.name for m in team.members) if team else ""
            data.append(
                [
                    inspection.uid,
                    task.number,
                    team.number if team else "",
                    inspection.target.name,
                    inspection.target.code or "",
                    *([""] * 6),
                    people,
                    "",
                    "否",
                    "",
                    "",
                ]
            )
        number = task.number
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        if cell.value in (COL_UID, COL_TASK, COL_TEAM, COL_NAME, COL_CODE):
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
    for row in data:
        ws.append([safe_cell_value(v) for v in row])
    for index, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = _WIDTHS.get(name, 18)
    ws.freeze_panes = "F2"
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    ws.add_data_validation(yes_no)
    withheld_col = ws.cell(row=1, column=COLUMNS.index(COL_WITHHELD) + 1).column_letter
    yes_no.add(f"{withheld_col}2:{withheld_col}{max(2, len(data) + 1)}")
    help_ws = wb.create_sheet("填写说明")
    help_rows: list[list[str]] = [
        [f"任务 {number} 检查结果录入表 填写说明"],
        ["灰色列由系统预填，请勿修改；每行一户，未检查的行留空即可，导入时跳过。"],
        ["多个值用中文逗号「，」分隔；日期写成 2026-05-10。"],
        [
            "人员替换：在「人员替换说明」写「替换人→被替换组员：原因」，多条用「；」分隔；替换人须持有效执法证。"
        ],
        [],
        ["核查方式（可填代码或名称）"],
        *[[m.code, m.label] for m in codes.methods],
        [],
        ["检查结果（可填代码或名称，可多选；「未发现问题」只能单选）"],
        *[
            [c.code, "　" * c.depth + c.label + ("" if c.selectable else "（分类标题，不能单独选择）")]
            for c in codes.categories
        ],
        [],
        ["后续处置措施（可填代码、简称或全称）"],
        *[[m.code, MEASURE_SHORT_NAMES.get(m.code, ""), m.label] for m in codes.measures],
    ]
    for line in help_rows:
        help_ws.append([safe_cell_value(v) for v in line])
    help_ws.column_dimensions["A"].width = 12
    help_ws.column_dimensions["B"].width = 50
    help_ws.column_dimensions["C"].width = 60
    tmp = path.with_name(path.name + ".partial")
    wb.save(tmp)
    tmp.replace(path)
    return len(data)


# ---------------------------------------------------------------------------------------------
# Reading


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not match:
        raise ValueError(text)
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _read_sheet(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    from python_calamine import CalamineWorkbook

    from app.io.readers import UnreadableFileError, sniff_format

    try:
        # The registry reader's sniffing words an empty, cut-off or foreign file in Chinese;
        # calamine's own errors ("invalid Zip archive: Could not find EOCD") do not.
        sniff_format(path)
    except UnreadableFileError as exc:
        raise ImportFileError(f"{exc}。请确认它是导出的检查结果录入表（xlsx）。") from exc
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name(SHEET if SHEET in names else names[0])
        table = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged or foreign files
        raise ImportFileError(
            f"无法读取 {path.name}：{exc}。请确认它是导出的检查结果录入表（xlsx）。"
        ) from exc
    for index, row in enumerate(table):
        header = [_cell_text(v) for v in row]
        if COL_UID in header:
            rows = [(index + 1 + n, list(r)) for n, r in enumerate(table[index + 1 :], start=1)]
            return header, rows
    raise ImportFileError(
        f"{path.name} 中找不到表头「{COL_UID}」。请使用 `liancha results template` 生成的录入表。"
    )


def _find_person(session: Session, token: str, team_ids: dict[str, int]) -> tuple[int | None, str]:
    """An inspector by name, 执法证号 or 工号: team members first, then everyone."""
    if token in team_ids:
        return team_ids[token], ""
    found = set(
        session.execute(
            select(Inspector.id)
            .outerjoin(InspectorCertificate, InspectorCertificate.inspector_id == Inspector.id)
            .where(
                or_(
                    Inspector.name == token, Inspector.staff_no == token, InspectorCertificate.number == token
                )
            )
        ).scalars()
    )
    if len(found) == 1:
        return found.pop(), ""
    if not found:
        return None, f"找不到检查人员「{token}」，请核对姓名或改填执法证号"
    return None, f"有 {len(found)} 名检查人员叫「{token}」，请改填其执法证号"


class _Row:
    """Issues of one spreadsheet row."""

    def __init__(self, file: str, number: int, cells: dict[str, Any]) -> None:
        self.file, self.number, self.cells = file, number, cells
        self.issues: list[ImportIssue] = []

    def text(self, column: str) -> str:
        return _cell_text(self.cells.get(column))

    def reject(self, column: str, reason: str, value: str | None = None) -> None:
        self.issues.append(
            ImportIssue(self.file, self.number, column, self.text(column) if value is None else value, reason)
        )


def _codes_from(
    row: _Row, column: str, table: Sequence[CodeLabel], aliases: dict[str, str] | None = None
) -> tuple[str, ...]:
    found, unknown = resolve_codes(split_values(row.text(column)), table, aliases=aliases)
    for value in unknown:
        row.reject(column, "不是代码表中的代码或名称（见「填写说明」页）", value)
    return tuple(found)


def _row_payload(session: Session, row: _Row, inspection: Inspection) -> ResultPayload:
    codes = result_codes()
    inspection_date: date | None = None
    if row.text(COL_DATE):
        try:
            inspection_date = _parse_date(row.cells.get(COL_DATE))
        except ValueError:
            row.reject(COL_DATE, "日期无法识别，请写成 2026-05-10")
    team = session.get(Team, inspection.team_id) if inspection.team_id else None
    team_ids: dict[str, int] = {}
    for m in team.members if team else []:
        team_ids[m.inspector.name] = m.inspector_id
        if m.certificate_number:
            team_ids[m.certificate_number] = m.inspector_id
        if m.inspector.staff_no:
            team_ids[m.inspector.staff_no] = m.inspector_id
    on_site: dict[int, OnSiteInspector] = {}
    for token in split_values(row.text(COL_INSPECTORS)):
        person, why = _find_person(session, token, team_ids)
        if person is None:
            row.reject(COL_INSPECTORS, why, token)
        else:
            on_site[person] = OnSiteInspector(person)
    for entry in re.split(r"[；;\n]+", row.text(COL_SUBSTITUTES)):
        if not entry.strip():
            continue
        match = _SUBSTITUTION.match(entry)
        if not match:
            row.reject(COL_SUBSTITUTES, "应写成「替换人→被替换组员：原因」", entry.strip())
            continue
        new, why_new = _find_person(session, match.group("new"), team_ids)
        old = team_ids.get(match.group("old"))
        if new is None:
            row.reject(COL_SUBSTITUTES, why_new, entry.strip())
        elif old is None:
            row.reject(COL_SUBSTITUTES, f"「{match.group('old')}」不是本检查组成员", entry.strip())
        else:
            on_site[new] = OnSiteInspector(new, old, match.group("reason"))
    withheld_text = row.text(COL_WITHHELD)
    if withheld_text not in ("", "是", "否"):
        row.reject(COL_WITHHELD, "请填「是」或「否」")
    return ResultPayload(
        inspection_date=inspection_date,
        methods=_codes_from(row, COL_METHODS, codes.methods),
        categories=_codes_from(row, COL_RESULT, category_table(codes)),
        problems=row.text(COL_PROBLEMS),
        measures=_codes_from(row, COL_MEASURES, codes.measures, MEASURE_ALIASES),
        measure_other=row.text(COL_MEASURE_OTHER),
        inspectors=tuple(on_site.values()),
        withheld=withheld_text == "是",
        withheld_reason=row.text(COL_WITHHELD_REASON),
        remarks=row.text(COL_REMARKS),
    )


@tracked("导入检查结果")
def import_results(
    ctx: ServiceContext,
    path: Path,
    *,
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a filled 检查结果录入表: good rows are submitted (→ 待审核) together, bad rows reported.

    Args:
        ctx: service context (the operator is recorded as the one who entered the results).
        path: the xlsx file.
        dry_run: check every row and report, but save nothing.
        today: the date "not in the future" is checked against (tests); default today.
        progress: progress and cancel; cancelling leaves nothing imported.

    Raises:
        ImportFileError: the file cannot be read as a results sheet (nothing imported).
    """
    require_some(ctx, Permission.ENTER_RESULTS)
    header, raw_rows = _read_sheet(path)
    missing = [
        c
        for c in (COL_UID, COL_DATE, COL_METHODS, COL_RESULT, COL_MEASURES, COL_INSPECTORS)
        if c not in header
    ]
    if missing:
        raise ImportFileError(
            f"{path.name} 缺少列：{'、'.join(missing)}。请使用 `liancha results template` 生成的录入表。"
        )
    index = {name: header.index(name) for name in COLUMNS if name in header}
    rows: list[_Row] = []
    for number, cells in raw_rows:
        values = {name: cells[i] if i < len(cells) else None for name, i in index.items()}
        if all(_cell_text(v) == "" for v in values.values()):
            continue
        rows.append(_Row(path.name, number, values))
    codes = result_codes()
    day = today or date.today()
    if progress:
        progress.update(done=0, total=len(rows), message=f"正在导入 {path.name}…")
    imported = skipped = already = 0
    bad_rows: list[_Row] = []
    seen: dict[str, int] = {}
    try:
        with ctx.write() as session:
            for row in rows:
                if progress:
                    progress.advance()
                uid = row.text(COL_UID)
                if not any(row.text(c) for c in _RESULT_COLUMNS if c != COL_WITHHELD) and row.text(
                    COL_WITHHELD
                ) in ("", "否"):
                    skipped += 1
                    continue
                if not uid:
                    row.reject(COL_UID, "缺少记录编号（预填列，请勿删除）")
                elif uid in seen:
                    row.reject(COL_UID, f"与第 {seen[uid]} 行重复")
                else:
                    seen[uid] = row.number
                inspection = (
                    session.execute(select(Inspection).where(Inspection.uid == uid)).scalar_one_or_none()
                    if uid
                    else None
                )
                if uid and inspection is None:
                    row.reject(COL_UID, "系统中没有这条检查记录（录入表是否来自本单位的数据库？）")
                if inspection is None or row.issues:
                    bad_rows.append(row)
                    continue
                task: Task = inspection.task
                if row.text(COL_TASK) and row.text(COL_TASK) != task.number:
                    row.reject(COL_TASK, f"该记录属于任务 {task.number}")
                code = row.text(COL_CODE).upper()
                if code and code != (inspection.target.code or "").upper():
                    row.reject(
                        COL_CODE,
                        f"与记录的检查对象（{inspection.target.name} {inspection.target.code or ''}）不符，是否错行？",
                    )
                payload = _row_payload(session, row, inspection)
                if row.issues:
                    bad_rows.append(row)
                    continue
                if already_stored(session, inspection, payload, codes=codes, today=day):
                    already += 1
                    continue
                try:
                    # A savepoint per row: a row refused half-way never leaves a trace in the others.
                    with session.begin_nested():
                        store_result(
                            session, ctx, inspection, payload, correction_reason=None, today=day, codes=codes
                        )
                except ValidationError as exc:
                    for err in exc.errors:
                        column = _FIELD_COLUMNS.get(err.field.split("「")[0], err.field)
                        row.reject(column, err.message, row.text(column) if column in index else "")
                    bad_rows.append(row)
                    continue
                except ServiceError as exc:
                    row.reject(COL_UID, str(exc), uid)
                    bad_rows.append(row)
                    continue
                imported += 1
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    issues = tuple(issue for row in bad_rows for issue in row.issues)
    logger.info(
        "results import %s: %d imported, %d rejected, %d blank", path.name, imported, len(bad_rows), skipped
    )
    return ImportReport(path.name, len(rows), imported, skipped, already, len(bad_rows), issues, dry_run)
