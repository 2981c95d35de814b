"""Browsing, filtering and exporting the audit trail (全程留痕), and checking its chain.

Entries about classified work are left out for users not cleared for it, in the list, the
count and the export alike (``visible_audit_condition``). Chain verification reports only
entry ids, so it may run without a login.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, func, or_, select

from app.models import AuditEntry
from app.services.audit import ChainReport, verify_chain
from app.services.context import ServiceContext
from app.services.errors import FieldError, ValidationError
from app.services.permissions import Permission, visible_audit_condition
from app.services.progress import Progress

logger = logging.getLogger(__name__)

ACTION_LABELS: dict[str, str] = {
    "create": "新增",
    "update": "修改",
    "activate": "恢复",
    "deactivate": "停用",
    "cancel": "取消",
    "publish": "公布",
    "adjust": "计划调整",
    "import": "导入",
    "export": "导出",
    "draw": "随机抽取",
    "void": "作废",
    "login": "登录",
    "login_failed": "登录失败",
    "lock": "账户锁定",
    "unlock": "解锁",
    "change_password": "修改密码",
    "reset_password": "重置密码",
    "backup": "备份",
    "restore": "恢复数据库",
    "attach": "添加附件",
    "detach": "删除附件",
    "disclose": "生成公示文件",
    "propose": "风险分类调整建议",
    "reject": "驳回",
    "remove": "移出",
    "close": "办结",
    "result_submit": "提交检查结果",
    "result_correct": "提交更正",
    "result_approve": "审核通过",
    "result_return": "退回",
    "result_publish": "公示审批",
    "sync.export": "导出结果批次",
    "sync.import": "导入结果批次",
    "sync.receipt": "登记回执",
    "sync.trust": "信任密钥",
    "sync.endpoint": "设置上传地址",
    "sync.upload": "在线上传",
    "sync.export_registry": "导出名录快照",
    "sync.import_registry": "导入名录快照",
    "sync.export_task_package": "导出任务包",
    "sync.import_task_package": "导入任务包",
}

ENTITY_LABELS: dict[str, str] = {
    "departments": "部门",
    "targets": "检查对象",
    "inspectors": "检查人员",
    "check_items": "抽查事项",
    "industry_schemes": "一业一查方案",
    "annual_plans": "年度计划",
    "tasks": "抽查任务",
    "draws": "随机抽取",
    "inspections": "检查记录",
    "settings": "设置",
    "users": "用户",
    "audit_entries": "留痕记录",
    "database": "数据库",
    "checkpoints": "检查要点",
    "follow_ups": "后续处置",
    "frequency_rules": "抽查频次",
    "risk_proposals": "风险分类调整建议",
    "joint_punishments": "联合惩戒名单",
    "setting": "设置",
    "sync_batch": "同步批次",
    "sync_trusted_key": "同步密钥",
    "year_report": "年度总结",
    "demo_county": "演示数据",
}


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page is narrowed to. Empty fields do not filter; dates are local, inclusive."""

    who: str = ""  # substring of the operator
    actions: tuple[str, ...] = ()
    entity: str = ""
    entity_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""  # substring of the summary, reason, before or after
    task_id: int | None = None
    # The newest entry when the page was counted: later entries would shift the pages under a scrolling view.
    up_to_id: int | None = None


@dataclass(frozen=True)
class AuditRow:
    """One audit entry for display or export."""

    id: int
    at: datetime  # timezone-aware UTC; show with .astimezone()
    operator: str
    action: str
    action_label: str
    entity: str
    entity_label: str
    entity_id: str
    summary: str
    reason: str
    before_json: str | None
    after_json: str | None
    task_id: int | None
    classified: bool
    hash: str


def _local_midnight(day: date) -> datetime:
    """The start of a local calendar day, as an aware datetime (stored times are UTC)."""
    return datetime.combine(day, time.min).astimezone()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(ctx: ServiceContext, flt: AuditFilter) -> list[ColumnElement[bool]]:
    if flt.date_from and flt.date_to and flt.date_to < flt.date_from:
        raise ValidationError([FieldError("日期", "结束日期早于开始日期")])
    conds: list[ColumnElement[bool]] = [visible_audit_condition(ctx)]
    if flt.who.strip():
        conds.append(AuditEntry.operator.like(f"%{_escape_like(flt.who.strip())}%", escape="\\"))
    if flt.actions:
        conds.append(AuditEntry.action.in_(flt.actions))
    if flt.entity.strip():
        conds.append(AuditEntry.entity == flt.entity.strip())
    if flt.entity_id.strip():
        conds.append(AuditEntry.entity_id == flt.entity_id.strip())
    if flt.date_from is not None:
        conds.append(AuditEntry.at >= _local_midnight(flt.date_from))
    if flt.date_to is not None:
        conds.append(AuditEntry.at < _local_midnight(flt.date_to + timedelta(days=1)))
    if flt.text.strip():
        like = f"%{_escape_like(flt.text.strip())}%"
        conds.append(
            or_(
                AuditEntry.summary.like(like, escape="\\"),
                AuditEntry.reason.like(like, escape="\\"),
                AuditEntry.before_json.like(like, escape="\\"),
                AuditEntry.after_json.like(like, escape="\\"),
            )
        )
    if flt.task_id is not None:
        conds.append(AuditEntry.task_id == flt.task_id)
    if flt.up_to_id is not None:
        conds.append(AuditEntry.id <= flt.up_to_id)
    return conds


def _row(e: AuditEntry) -> AuditRow:
    return AuditRow(
        id=e.id,
        at=e.at,
        operator=e.operator,
        action=e.action,
        action_label=ACTION_LABELS.get(e.action, e.action),
        entity=e.entity,
        entity_label=ENTITY_LABELS.get(e.entity, e.entity),
        entity_id=e.entity_id,
        summary=e.summary,
        reason=e.reason,
        before_json=e.before_json,
        after_json=e.after_json,
        task_id=e.task_id,
        classified=e.classified,
        hash=e.hash,
    )


def count_audit(ctx: ServiceContext, flt: AuditFilter | None = None) -> int:
    """How many entries match (the audit page's total)."""
    ctx.require(Permission.VIEW_AUDIT)
    with ctx.read() as session:
        query = select(func.count(AuditEntry.id)).where(*_conditions(ctx, flt or AuditFilter()))
        return int(session.execute(query).scalar_one())


def search_audit(
    ctx: ServiceContext, flt: AuditFilter | None = None, *, offset: int = 0, limit: int = 500
) -> list[AuditRow]:
    """One page of matching entries, newest first (the page fetches further pages as it scrolls)."""
    ctx.require(Permission.VIEW_AUDIT)
    with ctx.read() as session:
        query = (
            select(AuditEntry)
            .where(*_conditions(ctx, flt or AuditFilter()))
            .order_by(AuditEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_row(e) for e in session.execute(query).scalars()]


def newest_audit_id(ctx: ServiceContext) -> int:
    """The id of the newest entry (0 for none), to pin a paged view to what existed when it was counted."""
    ctx.require(Permission.VIEW_AUDIT)
    with ctx.read() as session:
        return int(session.execute(select(func.max(AuditEntry.id))).scalar_one() or 0)


def audit_actions_in_use(ctx: ServiceContext) -> list[tuple[str, str]]:
    """(action, label) pairs present in the trail, for the action filter."""
    ctx.require(Permission.VIEW_AUDIT)
    with ctx.read() as session:
        actions = session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars()
        return [(a, ACTION_LABELS.get(a, a)) for a in actions]


EXPORT_HEADERS = (
    "编号",
    "时间",
    "操作人",
    "操作",
    "对象类型",
    "对象编号",
    "摘要",
    "原因",
    "变更前",
    "变更后",
    "任务编号",
    "涉密",
    "哈希",
)


def _export_cells(row: AuditRow) -> list[object]:
    return [
        row.id,
        row.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
        row.operator,
        row.action_label,
        row.entity_label,
        row.entity_id,
        row.summary,
        row.reason,
        row.before_json or "",
        row.after_json or "",
        row.task_id if row.task_id is not None else "",
        "是" if row.classified else "",
        row.hash,
    ]


def _record_export(ctx: ServiceContext, out: Path, flt: AuditFilter, count: int) -> None:
    with ctx.write() as session:
        ctx.audit(
            session,
            action="export",
            entity="audit_entries",
            summary=f"导出留痕记录 {count} 条到 {out.name}",
            after={
                "who": flt.who,
                "actions": list(flt.actions),
                "entity": flt.entity,
                "entity_id": flt.entity_id,
                "date_from": flt.date_from,
                "date_to": flt.date_to,
                "text": flt.text,
                "task_id": flt.task_id,
            },
        )


def export_audit_xlsx(ctx: ServiceContext, out: Path, flt: AuditFilter | None = None) -> int:
    """Write the matching entries (oldest first) to an xlsx workbook; return how many rows.

    The file is written beside ``out`` and renamed into place, so a crash never leaves a
    half-written workbook under the final name. The export itself is recorded in the trail.
    """
    from openpyxl import Workbook

    ctx.require(Permission.VIEW_AUDIT)
    flt = flt or AuditFilter()
    report = verify_chain(ctx.db)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("留痕记录")
    ws.append(list(EXPORT_HEADERS))
    count = 0
    with ctx.read() as session:
        query = select(AuditEntry).where(*_conditions(ctx, flt)).order_by(AuditEntry.id)
        # "with": a failure mid-export must close the (server-side, on PostgreSQL) cursor.
        with session.execute(query.execution_options(yield_per=2000)).scalars() as entries:
            for entry in entries:
                ws.append(_export_cells(_row(entry)))
                count += 1
    info = wb.create_sheet("说明")
    info.append(["导出时间", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")])
    info.append(["导出人", ctx.operator])
    info.append(["数据库", ctx.db.display_name()])
    info.append(["导出条数", count])
    info.append(["留痕链校验", report.message])
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    wb.save(str(partial))
    partial.replace(out)
    _record_export(ctx, out, flt, count)
    return count


def export_audit_csv(ctx: ServiceContext, out: Path, flt: AuditFilter | None = None) -> int:
    """Like ``export_audit_xlsx`` but a UTF-8 CSV (with BOM, so Excel shows the Chinese right).

    Text that a spreadsheet would run as a formula is quoted with the io layer's guard.
    """
    import csv

    from app.io.text import guard_formula

    ctx.require(Permission.VIEW_AUDIT)
    flt = flt or AuditFilter()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    count = 0
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_HEADERS)
            with ctx.read() as session:
                query = select(AuditEntry).where(*_conditions(ctx, flt)).order_by(AuditEntry.id)
                with session.execute(query.execution_options(yield_per=2000)).scalars() as entries:
                    for entry in entries:
                        cells = _export_cells(_row(entry))
                        writer.writerow([guard_formula(c) if isinstance(c, str) else c for c in cells])
                        count += 1
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _record_export(ctx, out, flt, count)
    return count


def export_audit(ctx: ServiceContext, out: Path, flt: AuditFilter | None = None) -> int:
    """Export to ``out`` as xlsx or csv, chosen by its suffix."""
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        return export_audit_xlsx(ctx, out, flt)
    if suffix == ".csv":
        return export_audit_csv(ctx, out, flt)
    raise ValidationError([FieldError("导出文件", f"{out.name} 应以 .xlsx 或 .csv 结尾")])


def check_audit_chain(ctx: ServiceContext, progress: Progress | None = None) -> ChainReport:
    """Recompute the whole chain (see ``app.services.audit.verify_chain``); needs no permission."""
    return verify_chain(ctx.db, progress)
