"""检查结果: entry on site (drafts), finalized frozen versions, review, publication and corrections.

A result is never edited in place. Submitting freezes a *version*: canonical JSON (with codes *and*
the labels shown), its SHA-256, the predecessor's uid, a number 1, 2, … per inspection and the next
gap-free sequence number of its stream (public / classified) for this installation — all in the
one transaction that also moves the inspection's state and writes the review event and the audit
entry (SYNC.md "Identity" and "Rules"). Drafts are the unfinished form, saved field by field.

State machine (``Inspection.state``, and ``Inspection.correction_state`` once published)::

    未录入 NOT_ENTERED ──submit──▶ 待审核 PENDING_REVIEW ──approve (组长审核)──▶ 已审核 APPROVED
                                     │  ▲                                          │   │
                          return (组长)│  │submit (new version)        return (公示审批)│   │publish (公示审批)
                                     ▼  │                                          │   ▼
                                  审核退回 RETURNED ◀────────────────────────────────┘  已公示 PUBLISHED

    After publication the inspection stays 已公示; a change is a *correction* (a new version, kind
    correction, with a reason) that goes through the same two approvals on ``correction_state``:

    none ──correct──▶ pending_review ──approve──▶ approved ──publish──▶ none (the correction is now public)
      ▲                 │  return                  │ return
      └── correct ◀── returned ◀───────────────────┘

Until a correction is published the public keeps seeing the version published before it
(``published_version_uid``); the disclosure notes that the result was corrected. Any other step
raises ``RuleViolation`` with a Chinese message saying what to do instead. Publication of a
classified task's, a non-public task's or a withheld (依法不予公开) result is the approval *not* to
disclose it: the state is 已公示 for the workflow, shown as 已审批（不公示）, and no disclosure ever
contains it (``app.services.disclosure``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Attachment,
    CheckItem,
    Checkpoint,
    Inspection,
    InspectionAttachment,
    Inspector,
    RecusalConflict,
    ResultDraft,
    ResultVersion,
    ReviewEvent,
    Target,
    Task,
    Team,
    TeamMember,
)
from app.models.base import new_uid, utcnow
from app.models.enums import InspectionState, ResultVersionKind, SyncState, TaskStatus, TeamRole
from app.services.audit import canonical_json
from app.services.context import ServiceContext
from app.services.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from app.services.installation import installation_id
from app.services.locking import RESULT_SEQ_LOCKS, serialize_writers
from app.services.permissions import Permission, Scope, can_see_classified
from app.services.result_codes import (
    MEASURE_NONE,
    MEASURE_OTHER,
    NO_PROBLEM,
    CodeLabel,
    ResultCodes,
    check_categories,
    result_codes,
)
from app.services.tasks import resolve_items, task_data

logger = logging.getLogger(__name__)

RECORD_FORMAT = "liancha.result/1"
STREAM_PUBLIC = "public"
STREAM_CLASSIFIED = "classified"
MIN_CERTIFIED_ON_SITE = 2  # 行政处罚法 Art. 42: at least two enforcement officers with a valid 执法证


class CorrectionState(StrEnum):
    """Where a correction of a published result stands (``Inspection.correction_state``)."""

    NONE = "none"
    PENDING_REVIEW = "pending_review"
    RETURNED = "returned"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return _CORRECTION_LABELS[self.value]


_CORRECTION_LABELS = {
    "none": "",
    "pending_review": "更正待审核",
    "returned": "更正被退回",
    "approved": "更正已审核待公示",
}


# ---------------------------------------------------------------------------------------------
# The payload: what the entry form holds


@dataclass(frozen=True)
class CheckpointFinding:
    """One checkpoint (检查要点) line: 是否检查 yes/no/blank, 发现问题 yes/no with its text."""

    checkpoint_id: int
    checked: bool | None = None
    problem_found: bool | None = None
    problem_text: str = ""


@dataclass(frozen=True)
class OnSiteInspector:
    """A person who actually went. ``substitute_for`` names the team member he replaced (with a reason)."""

    inspector_id: int
    substitute_for: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class ResultPayload:
    """The entry form of one inspection's result, as the UI, the import and drafts hold it.

    Codes come from ``result_codes()``: ``methods`` 核查方式, ``categories`` 检查结果 (leaves of the
    tree), ``measures`` 后续处置措施. ``attachments`` are SHA-256 hex digests of files already added
    to the inspection with ``app.services.attachments.add_attachment``.
    """

    inspection_date: date | None = None
    methods: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    problems: str = ""
    measures: tuple[str, ...] = ()
    measure_other: str = ""
    findings: tuple[CheckpointFinding, ...] = ()
    inspectors: tuple[OnSiteInspector, ...] = ()
    withheld: bool = False
    withheld_reason: str = ""
    attachments: tuple[str, ...] = ()
    remarks: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO text): what drafts store and ``payload_from_dict`` reads."""
        return {
            "inspection_date": self.inspection_date.isoformat() if self.inspection_date else None,
            "methods": list(self.methods),
            "categories": list(self.categories),
            "problems": self.problems,
            "measures": list(self.measures),
            "measure_other": self.measure_other,
            "findings": [
                {
                    "checkpoint_id": f.checkpoint_id,
                    "checked": f.checked,
                    "problem_found": f.problem_found,
                    "problem_text": f.problem_text,
                }
                for f in self.findings
            ],
            "inspectors": [
                {"inspector_id": i.inspector_id, "substitute_for": i.substitute_for, "reason": i.reason}
                for i in self.inspectors
            ],
            "withheld": self.withheld,
            "withheld_reason": self.withheld_reason,
            "attachments": list(self.attachments),
            "remarks": self.remarks,
        }


def _opt_bool(value: Any, where: str, errors: list[FieldError]) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    errors.append(FieldError(where, f"应为 是/否 或留空，而不是「{value}」"))
    return None


def _str_tuple(value: Any, where: str, errors: list[FieldError]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
        return tuple(str(v) for v in value)
    errors.append(FieldError(where, "应为代码列表"))
    return ()


def _int(value: Any, where: str, errors: list[FieldError]) -> int | None:
    if isinstance(value, bool) or value is None:
        errors.append(FieldError(where, "缺少编号"))
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.append(FieldError(where, f"编号「{value}」无效"))
        return None


def payload_from_dict(data: Mapping[str, Any]) -> ResultPayload:
    """Read a payload from its dict form (a draft, the UI); raise ``ValidationError`` on malformed fields."""
    errors: list[FieldError] = []
    raw_date = data.get("inspection_date")
    inspection_date: date | None = None
    if isinstance(raw_date, date):
        inspection_date = raw_date
    elif isinstance(raw_date, str) and raw_date.strip():
        try:
            inspection_date = date.fromisoformat(raw_date.strip())
        except ValueError:
            errors.append(FieldError("检查日期", f"「{raw_date}」无法识别，请用 YYYY-MM-DD"))
    findings: list[CheckpointFinding] = []
    for n, raw in enumerate(data.get("findings") or [], start=1):
        where = f"检查要点第 {n} 条"
        if not isinstance(raw, Mapping):
            errors.append(FieldError(where, "格式不正确"))
            continue
        cid = _int(raw.get("checkpoint_id"), where, errors)
        if cid is not None:
            findings.append(
                CheckpointFinding(
                    cid,
                    _opt_bool(raw.get("checked"), where + "「是否检查」", errors),
                    _opt_bool(raw.get("problem_found"), where + "「发现问题」", errors),
                    str(raw.get("problem_text") or ""),
                )
            )
    inspectors: list[OnSiteInspector] = []
    for n, raw in enumerate(data.get("inspectors") or [], start=1):
        where = f"检查人员第 {n} 位"
        if not isinstance(raw, Mapping):
            errors.append(FieldError(where, "格式不正确"))
            continue
        iid = _int(raw.get("inspector_id"), where, errors)
        sub_raw = raw.get("substitute_for")
        sub = None if sub_raw in (None, "") else _int(sub_raw, where + "「替换」", errors)
        if iid is not None:
            inspectors.append(OnSiteInspector(iid, sub, str(raw.get("reason") or "")))
    withheld = data.get("withheld", False)
    if not isinstance(withheld, bool):
        errors.append(FieldError("依法不予公开", "应为 是 或 否"))
        withheld = False
    payload = ResultPayload(
        inspection_date=inspection_date,
        methods=_str_tuple(data.get("methods"), "核查方式", errors),
        categories=_str_tuple(data.get("categories"), "检查结果", errors),
        problems=str(data.get("problems") or ""),
        measures=_str_tuple(data.get("measures"), "后续处置措施", errors),
        measure_other=str(data.get("measure_other") or ""),
        findings=tuple(findings),
        inspectors=tuple(inspectors),
        withheld=withheld,
        withheld_reason=str(data.get("withheld_reason") or ""),
        attachments=_str_tuple(data.get("attachments"), "附件", errors),
        remarks=str(data.get("remarks") or ""),
    )
    if errors:
        raise ValidationError(errors)
    return payload


def _as_payload(payload: ResultPayload | Mapping[str, Any]) -> ResultPayload:
    return payload if isinstance(payload, ResultPayload) else payload_from_dict(payload)


# ---------------------------------------------------------------------------------------------
# Rows returned to the UI


@dataclass(frozen=True)
class CheckpointRow:
    """A checklist line of the task's items, in checklist order."""

    id: int
    item_id: int
    item_uid: str
    item_name: str
    department: str
    position: int
    content: str
    method_guide: str
    materials: str


@dataclass(frozen=True)
class TeamMemberInfo:
    inspector_id: int
    name: str
    department: str
    role: TeamRole
    certificate_number: str


@dataclass(frozen=True)
class EntryForm:
    """Everything the entry page needs to draw the form of one inspection."""

    inspection_id: int
    record_uid: str
    task_id: int
    task_number: str
    task_name: str
    task_start: date
    task_end: date
    classified: bool
    public: bool
    target_id: int
    target_name: str
    target_code: str
    target_address: str
    team_number: int | None
    team: tuple[TeamMemberInfo, ...]
    checkpoints: tuple[CheckpointRow, ...]
    codes: ResultCodes
    state: InspectionState
    correction_state: CorrectionState
    mode: str  # "entry" (first entry or after a return), "correction" (published), "readonly"
    inspection_version: int


@dataclass(frozen=True)
class DraftRow:
    inspection_id: int
    payload: dict[str, Any]
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class VersionRow:
    """One frozen version (its content is ``document``, the parsed canonical JSON)."""

    id: int
    uid: str
    record_uid: str
    prev_uid: str | None
    number: int
    kind: ResultVersionKind
    sha256: str
    reason: str
    created_at: datetime
    created_by: str
    origin: str
    stream: str
    seq: int
    is_current: bool
    withheld: bool
    published_at: datetime | None
    sync_state: SyncState
    document: dict[str, Any]


@dataclass(frozen=True)
class ReviewEventRow:
    id: int
    at: datetime
    by: str
    action: str
    action_label: str
    from_state: str
    to_state: str
    comment: str
    version_uid: str | None


@dataclass(frozen=True)
class ResultRow:
    """One inspection in the results list of a task."""

    inspection_id: int
    inspection_uid: str
    task_id: int
    task_number: str
    target_id: int
    target_name: str
    target_code: str
    team_number: int | None
    visit_order: int | None
    state: InspectionState
    correction_state: CorrectionState
    status_label: str
    has_draft: bool
    version_number: int | None
    version_uid: str | None
    inspection_date: date | None
    result_text: str
    has_problems: bool
    withheld: bool
    published_version_uid: str | None
    inspection_version: int


@dataclass(frozen=True)
class ResultDetail:
    row: ResultRow
    current: VersionRow | None
    published: VersionRow | None
    payload: ResultPayload | None  # the current version as an editable form (for a correction)
    versions: tuple[VersionRow, ...]
    events: tuple[ReviewEventRow, ...]
    draft: DraftRow | None


@dataclass(frozen=True)
class PublishOutcome:
    """What 公示审批 did: which inspections it published, and which it left, with why."""

    published: tuple[int, ...]
    skipped: tuple[tuple[int, str], ...] = field(default_factory=tuple)


_ACTION_LABELS = {
    "submit": "提交审核",
    "approve": "组长审核通过",
    "return": "退回",
    "publish": "公示审批",
    "correct": "提交更正",
}


# ---------------------------------------------------------------------------------------------
# Loading and checking


def _lock_inspection(session: Session, inspection_id: int, ctx: ServiceContext | None = None) -> Inspection:
    inspection = session.execute(
        # OF inspections: the eager-loaded target is outer-joined, and PostgreSQL locks no outer join.
        select(Inspection)
        .where(Inspection.id == inspection_id)
        .with_for_update(of=Inspection)
        # The row as it is once the lock is ours, even if this session loaded it before.
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if inspection is None or (
        ctx is not None and inspection.task.is_classified and not can_see_classified(ctx)
    ):
        raise NotFoundError(f"检查记录（编号 {inspection_id}）不存在，可能已被作废或删除。请刷新列表后重试。")
    return inspection


def _require_inspection(
    session: Session, inspection_id: int, ctx: ServiceContext | None = None
) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or (
        ctx is not None and inspection.task.is_classified and not can_see_classified(ctx)
    ):
        raise NotFoundError(f"检查记录（编号 {inspection_id}）不存在，可能已被作废或删除。请刷新列表后重试。")
    return inspection


def require_some(ctx: ServiceContext, permission: Permission) -> None:
    """Refuse at once a user who holds ``permission`` in no scope at all.

    The record-level check (``require_on_inspection``) follows once the record is loaded: a
    department operator or an inspector holds the permission only for some records.
    """
    if not ctx.actor().may(permission):
        ctx.require(permission)


def require_on_inspection(
    ctx: ServiceContext,
    session: Session,
    inspection: Inspection,
    permission: Permission,
    *,
    on_site: Iterable[OnSiteInspector] | None = None,
) -> None:
    """谁检查、谁录入: may the actor do ``permission`` to this inspection?

    The office (scope all) may; a department operator for tasks his departments lead or join; a
    检查员 for inspections of a team he belongs to, or — the recorded substitution — when the
    result names him on site in place of an absent member (the payload check then requires the
    replaced member and the reason, so the substitution is frozen into the version). Without
    ``on_site`` the people of the saved draft count (adding a photo before submitting).
    """
    if on_site is None:
        draft = session.get(ResultDraft, inspection.id)
        on_site = _draft_on_site(json.loads(draft.payload_json)) if draft is not None else []
    actor = ctx.actor()
    task: Task = inspection.task
    members = [m.inspector_id for m in _team_members(session, inspection)]
    substitutes = [p.inspector_id for p in on_site if p.substitute_for is not None]
    departments = [task.lead_department_id, *(d.id for d in task.joint_departments)]
    if any(
        actor.allows(permission, department_id=d, team_member_ids=[*members, *substitutes])
        for d in departments
    ):
        return
    if Scope.OWN_TEAMS in actor.scopes(permission) and Scope.OWN_DEPARTMENTS not in actor.scopes(permission):
        team = session.get(Team, inspection.team_id) if inspection.team_id is not None else None
        which = f"第 {team.number} 组" if team is not None else "尚未选派的检查组"
        raise PermissionDenied(
            f"按「谁检查、谁录入」，您只能{permission.label}中本人所在检查组的记录；「{inspection.target.name}」"
            f"由{which}检查，您不在该组。如您是临时替换组员到场检查的，请在到场人员中登记替换"
            "（选择被替换的组员并写明原因）后再提交。"
        )
    ctx.require(permission, department_id=task.lead_department_id, team_member_ids=members)


def _check_usable(inspection: Inspection, task: Task) -> None:
    if inspection.voided:
        raise RuleViolation(
            f"「{inspection.target.name}」所属的抽取已作废，不能录入结果。请在当前有效的抽取名单中录入。"
        )
    if task.status == TaskStatus.CANCELLED:
        raise RuleViolation(f"任务 {task.number} 已取消，不能录入或审核结果")


def _check_version(inspection: Inspection, expected: int | None) -> None:
    if expected is not None and inspection.version != expected:
        raise ConflictError(
            f"「{inspection.target.name}」的检查记录已被其他人处理（您看到的是第 {expected} 版，现在是第 "
            f"{inspection.version} 版）。请刷新后再操作，以免覆盖他人的处理。"
        )


def _correction(inspection: Inspection) -> CorrectionState:
    return CorrectionState(inspection.correction_state or "none")


def _state_text(inspection: Inspection) -> str:
    corr = _correction(inspection)
    if inspection.state == InspectionState.PUBLISHED and corr != CorrectionState.NONE:
        return f"{inspection.state.value}:{corr.value}"
    return inspection.state.value


def _entry_mode(inspection: Inspection) -> str:
    if inspection.state in (InspectionState.NOT_ENTERED, InspectionState.RETURNED):
        return "entry"
    if inspection.state == InspectionState.PUBLISHED and _correction(inspection) in (
        CorrectionState.NONE,
        CorrectionState.RETURNED,
    ):
        return "correction"
    return "readonly"


def _task_checkpoints(session: Session, task: Task) -> list[CheckpointRow]:
    rows: list[CheckpointRow] = []
    for item in resolve_items(session, task_data(task)):
        for cp in item.checkpoints:
            rows.append(
                CheckpointRow(
                    cp.id,
                    item.id,
                    item.uid,
                    item.name,
                    item.department.name,
                    cp.position,
                    cp.content,
                    cp.method_guide,
                    cp.materials,
                )
            )
    return rows


def _team_members(session: Session, inspection: Inspection) -> list[TeamMember]:
    if inspection.team_id is None:
        return []
    team = session.get(Team, inspection.team_id)
    return list(team.members) if team else []


def _valid_cert(ins: Inspector, on: date) -> str:
    cert = ins.valid_certificate_on(on)
    return cert.number if cert else ""


def _check_inspectors(
    session: Session, inspection: Inspection, payload: ResultPayload, errors: list[FieldError]
) -> list[dict[str, Any]]:
    """The people on site against the team and the two-officer rule; returns their frozen form."""
    where = "检查人员"
    members = _team_members(session, inspection)
    if not members:
        errors.append(FieldError(where, "本任务尚未选派检查人员（检查组），请先完成人员抽取再录入结果"))
        return []
    if not payload.inspectors:
        errors.append(FieldError(where, "请填写实际到场的检查人员"))
        return []
    errors_before = len(errors)
    member_by_id = {m.inspector_id: m for m in members}
    on_site_ids = [p.inspector_id for p in payload.inspectors]
    frozen: list[dict[str, Any]] = []
    seen: set[int] = set()
    replaced: set[int] = set()
    certified: list[tuple[Inspector, int]] = []  # (inspector, department id) counting toward the minimum
    for person in payload.inspectors:
        ins = session.get(Inspector, person.inspector_id)
        if ins is None:
            errors.append(FieldError(where, f"检查人员（编号 {person.inspector_id}）不存在"))
            continue
        if person.inspector_id in seen:
            errors.append(FieldError(where, f"{ins.name} 重复填写"))
            continue
        seen.add(person.inspector_id)
        member = member_by_id.get(person.inspector_id)
        substitute_for: dict[str, Any] | None = None
        if member is not None:
            if person.substitute_for is not None:
                errors.append(FieldError(where, f"{ins.name} 是本检查组成员，不是替换人员，请删去替换信息"))
        else:
            absent = member_by_id.get(person.substitute_for) if person.substitute_for is not None else None
            if person.substitute_for is None or absent is None:
                errors.append(
                    FieldError(
                        where,
                        f"{ins.name} 不是本检查组（第 {inspection.team_id} 组）成员；如为临时替换，"
                        "请选择被替换的组员并写明原因",
                    )
                )
                continue
            if person.substitute_for in on_site_ids:
                errors.append(
                    FieldError(where, f"被替换的 {absent.inspector.name} 也在到场人员中，不能同时替换")
                )
            if person.substitute_for in replaced:
                errors.append(FieldError(where, f"{absent.inspector.name} 被替换了不止一次"))
            replaced.add(person.substitute_for)
            if not person.reason.strip():
                errors.append(FieldError(where, f"{ins.name} 替换 {absent.inspector.name}，请写明替换原因"))
            if not ins.active:
                errors.append(FieldError(where, f"{ins.name} 的执法人员状态为失效，不能替换到场"))
            conflict = session.execute(
                select(RecusalConflict).where(
                    RecusalConflict.inspector_id == ins.id, RecusalConflict.target_id == inspection.target_id
                )
            ).scalar_one_or_none()
            if conflict is not None:
                errors.append(
                    FieldError(
                        where,
                        f"{ins.name} 与「{inspection.target.name}」有回避情形（{conflict.reason}），不能替换到场",
                    )
                )
            substitute_for = {"uid": absent.inspector.uid, "name": absent.inspector.name}
        cert = _valid_cert(ins, payload.inspection_date) if payload.inspection_date else ""
        is_expert = ins.is_expert or (member is not None and member.role == TeamRole.EXPERT)
        if cert and not is_expert:
            certified.append((ins, ins.department_id))
        frozen.append(
            {
                "uid": ins.uid,
                "name": ins.name,
                "department": ins.department.name,
                "certificate_number": cert,
                "expert": is_expert,
                "substitute_for": substitute_for,
                "reason": person.reason.strip(),
            }
        )
    # Count only once the people themselves are in order (otherwise the count would mislead).
    if payload.inspection_date is not None and len(errors) == errors_before:
        if len(certified) < MIN_CERTIFIED_ON_SITE:
            errors.append(
                FieldError(
                    where,
                    f"到场的持有效执法证的执法人员只有 {len(certified)} 名，至少需要 {MIN_CERTIFIED_ON_SITE} 名"
                    "（专家不计入）。请补充到场人员，或以持证人员替换并写明原因",
                )
            )
        needed = {m.department_id: m.inspector.department.name for m in members if m.role != TeamRole.EXPERT}
        covered = {dept for _, dept in certified}
        for dept_id, name in needed.items():
            if dept_id not in covered:
                errors.append(
                    FieldError(where, f"检查组须有{name}的持证执法人员到场（联合检查每个部门至少一名）")
                )
    return frozen


def _codes_frozen(codes: Sequence[str], table: Iterable[CodeLabel]) -> list[dict[str, str]]:
    labels = {e.code: e.label for e in table}
    return [{"code": c, "label": labels.get(c, c)} for c in codes]


def _check_payload(
    session: Session,
    inspection: Inspection,
    task: Task,
    payload: ResultPayload,
    *,
    codes: ResultCodes,
    today: date,
) -> tuple[list[FieldError], dict[str, Any]]:
    """Validate fully; return the errors and the frozen ``result`` section (meaningful when no errors)."""
    errors: list[FieldError] = []
    # 检查日期: not before the task window opens (late visits are allowed), never in the future.
    if payload.inspection_date is None:
        errors.append(FieldError("检查日期", "请填写检查日期"))
    elif payload.inspection_date < task.start_date:
        errors.append(
            FieldError(
                "检查日期", f"{payload.inspection_date:%Y-%m-%d} 早于任务开始日期 {task.start_date:%Y-%m-%d}"
            )
        )
    elif payload.inspection_date > today:
        errors.append(FieldError("检查日期", f"{payload.inspection_date:%Y-%m-%d} 是将来的日期，请核对"))
    # 核查方式
    known_methods = {m.code for m in codes.methods}
    if not payload.methods:
        errors.append(FieldError("核查方式", "请至少选择一种核查方式"))
    errors.extend(
        FieldError("核查方式", f"代码「{m}」不在核查方式代码表中")
        for m in payload.methods
        if m not in known_methods
    )
    methods = [m.code for m in codes.methods if m.code in set(payload.methods)]
    # 检查结果
    errors.extend(check_categories(codes, payload.categories))
    leaf_order = [c.code for c in codes.categories]
    categories = sorted(
        set(payload.categories), key=lambda c: leaf_order.index(c) if c in leaf_order else 999
    )
    chosen = set(categories)
    # 检查要点
    checkpoints = {cp.id: cp for cp in _task_checkpoints(session, task)}
    order = {cid: n for n, cid in enumerate(checkpoints)}
    frozen_findings: list[tuple[int, dict[str, Any]]] = []
    seen_cp: set[int] = set()
    any_found = False
    for f in payload.findings:
        cp = checkpoints.get(f.checkpoint_id)
        if cp is None:
            errors.append(FieldError("检查要点", f"检查要点（编号 {f.checkpoint_id}）不属于本任务的检查事项"))
            continue
        where = f"检查要点「{cp.item_name} 第 {cp.position} 条」"
        if f.checkpoint_id in seen_cp:
            errors.append(FieldError(where, "重复填写"))
            continue
        seen_cp.add(f.checkpoint_id)
        if f.problem_found and f.checked is False:
            errors.append(FieldError(where, "未检查的要点不能记录发现问题"))
        if f.problem_found and not f.problem_text.strip():
            errors.append(FieldError(where, "发现问题时请填写发现问题情况"))
        any_found = any_found or bool(f.problem_found)
        frozen_findings.append(
            (
                order[cp.id],
                {
                    "item_uid": cp.item_uid,
                    "item": cp.item_name,
                    "position": cp.position,
                    "content": cp.content,
                    "checked": f.checked,
                    "problem_found": f.problem_found,
                    "problem_text": f.problem_text.strip(),
                },
            )
        )
    frozen_findings.sort(key=lambda pair: pair[0])
    if NO_PROBLEM in chosen and any_found:
        errors.append(FieldError("检查结果", "选择了「未发现问题」，但检查要点中记录了发现问题，请核对"))
    has_problem = bool(chosen & codes.problem_codes)
    if (
        has_problem
        and not payload.problems.strip()
        and not any(f.problem_text.strip() for f in payload.findings)
    ):
        errors.append(FieldError("发现问题情况", "检查结果为发现问题，请填写发现问题情况"))
    # 后续处置措施
    known_measures = {m.code for m in codes.measures}
    if not payload.measures:
        errors.append(FieldError("后续处置措施", "请至少选择一项后续处置措施"))
    errors.extend(
        FieldError("后续处置措施", f"代码「{m}」不在后续处置措施代码表中")
        for m in payload.measures
        if m not in known_measures
    )
    measures = [m.code for m in codes.measures if m.code in set(payload.measures)]
    if MEASURE_NONE in measures and len(measures) > 1:
        errors.append(FieldError("后续处置措施", "「无需后续处置」不能与其他处置措施同时选择"))
    if MEASURE_NONE in measures and chosen & codes.pending_problem_codes:
        errors.append(
            FieldError(
                "后续处置措施",
                "检查结果为「发现问题待后续处理」，不能选择「无需后续处置」，请选择具体处置措施",
            )
        )
    if MEASURE_OTHER in measures and not payload.measure_other.strip():
        errors.append(FieldError("后续处置措施", "选择了「其他」，请写明具体处置措施"))
    # 依法不予公开
    if payload.withheld and not payload.withheld_reason.strip():
        errors.append(FieldError("依法不予公开", "请写明不予公开的法律依据或理由"))
    # 检查人员
    inspectors = _check_inspectors(session, inspection, payload, errors)
    # 附件
    attached = {
        a.sha256: a
        for a in session.execute(
            select(Attachment)
            .join(InspectionAttachment, InspectionAttachment.attachment_id == Attachment.id)
            .where(InspectionAttachment.inspection_id == inspection.id)
        ).scalars()
    }
    frozen_attachments = []
    for sha in dict.fromkeys(payload.attachments):
        att = attached.get(sha)
        if att is None:
            errors.append(FieldError("附件", f"附件 {sha[:12]}… 尚未添加到本检查记录，请先添加附件"))
        else:
            frozen_attachments.append({"sha256": sha, "name": att.original_name, "size": att.size})
    result = {
        "inspection_date": payload.inspection_date.isoformat() if payload.inspection_date else None,
        "methods": _codes_frozen(methods, codes.methods),
        "categories": _codes_frozen(categories, (CodeLabel(c.code, c.label) for c in codes.categories)),
        "problems": payload.problems.strip(),
        "measures": _codes_frozen(measures, codes.measures),
        "measure_other": payload.measure_other.strip() if MEASURE_OTHER in measures else "",
        "findings": [d for _, d in frozen_findings],
        "inspectors": inspectors,
        "withheld": payload.withheld,
        "withheld_reason": payload.withheld_reason.strip() if payload.withheld else "",
        "attachments": frozen_attachments,
        "remarks": payload.remarks.strip(),
    }
    return errors, result


def validate_result(
    ctx: ServiceContext,
    inspection_id: int,
    payload: ResultPayload | Mapping[str, Any],
    *,
    today: date | None = None,
) -> list[FieldError]:
    """Check a payload as ``submit_result`` would, without saving anything (for the form's live hints)."""
    try:
        parsed = _as_payload(payload)
    except ValidationError as exc:
        return list(exc.errors)
    with ctx.read() as session:
        inspection = _require_inspection(session, inspection_id, ctx)
        errors, _ = _check_payload(
            session, inspection, inspection.task, parsed, codes=result_codes(), today=today or date.today()
        )
        return errors


# ---------------------------------------------------------------------------------------------
# Drafts


def _draft_on_site(data: Mapping[str, Any]) -> list[OnSiteInspector]:
    """The substitutes a (possibly half-filled) draft names, for the 谁检查谁录入 check."""
    people: list[OnSiteInspector] = []
    raw = data.get("inspectors")
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, Mapping):
            continue
        try:
            iid, sub = int(entry["inspector_id"]), entry.get("substitute_for")
            people.append(OnSiteInspector(iid, None if sub in (None, "") else int(sub)))
        except (KeyError, TypeError, ValueError):
            continue
    return people


def save_draft(
    ctx: ServiceContext, inspection_id: int, payload: Mapping[str, Any] | ResultPayload
) -> datetime:
    """Autosave the unfinished form (any partial dict), in its own tiny transaction; return the save time.

    Nothing is validated except that the data is JSON and that the inspection may still be edited:
    the form saves field by field and a power cut must lose at most the field being typed. Drafts
    are not part of the audit trail; the submitted version is.
    """
    require_some(ctx, Permission.ENTER_RESULTS)
    data = payload.to_dict() if isinstance(payload, ResultPayload) else dict(payload)
    try:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValidationError([FieldError("草稿", f"内容无法保存：{exc}")]) from exc
    now = utcnow()
    with ctx.write() as session:
        inspection = _require_inspection(session, inspection_id, ctx)
        require_on_inspection(
            ctx, session, inspection, Permission.ENTER_RESULTS, on_site=_draft_on_site(data)
        )
        if _entry_mode(inspection) == "readonly":
            raise RuleViolation(
                f"「{inspection.target.name}」的结果{_status_label(inspection, None)}，不能修改。"
                "如需修改，请由审核人退回，或在公示后提交更正。"
            )
        draft = session.get(ResultDraft, inspection_id)
        if draft is None:
            session.add(
                ResultDraft(
                    inspection_id=inspection_id, payload_json=text, updated_at=now, updated_by=ctx.operator
                )
            )
        else:
            draft.payload_json, draft.updated_at, draft.updated_by = text, now, ctx.operator
    return now


def load_draft(ctx: ServiceContext, inspection_id: int) -> DraftRow | None:
    """The saved draft of an inspection, or None."""
    with ctx.read() as session:
        draft = session.get(ResultDraft, inspection_id)
        if draft is None:
            return None
        return DraftRow(
            draft.inspection_id, json.loads(draft.payload_json), draft.updated_at, draft.updated_by
        )


def discard_draft(ctx: ServiceContext, inspection_id: int) -> bool:
    """Throw the draft away (the user chose 放弃修改); True if there was one."""
    require_some(ctx, Permission.ENTER_RESULTS)
    with ctx.write() as session:
        draft = session.get(ResultDraft, inspection_id)
        if draft is None:
            return False
        require_on_inspection(
            ctx,
            session,
            _require_inspection(session, inspection_id, ctx),
            Permission.ENTER_RESULTS,
            on_site=_draft_on_site(json.loads(draft.payload_json)),
        )
        session.delete(draft)
        return True


# ---------------------------------------------------------------------------------------------
# Versions


def _version_document(
    *,
    inspection: Inspection,
    task: Task,
    result: dict[str, Any],
    prev_uid: str | None,
    number: int,
    kind: ResultVersionKind,
    reason: str,
    created_at: datetime,
    created_by: str,
) -> dict[str, Any]:
    target: Target = inspection.target
    return {
        "format": RECORD_FORMAT,
        "record_uid": inspection.uid,
        "prev_uid": prev_uid,
        "number": number,
        "kind": kind.value,
        "reason": reason,
        "created_at": created_at.isoformat(),
        "created_by": created_by,
        "task": {"uid": task.uid, "number": task.number, "name": task.name, "classified": task.is_classified},
        "target": {"uid": target.uid, "code": target.code or "", "name": target.name},
        "result": result,
    }


def document_sha256(text: str) -> str:
    """The SHA-256 of a version's canonical JSON text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _current_version(session: Session, inspection_id: int) -> ResultVersion | None:
    return session.execute(
        select(ResultVersion).where(
            ResultVersion.inspection_id == inspection_id, ResultVersion.is_current.is_(True)
        )
    ).scalar_one_or_none()


def next_seq(session: Session, origin: str, stream: str) -> int:
    """The next number of ``stream`` for ``origin``; the number stays this transaction's until it ends.

    On PostgreSQL two desks would otherwise read the same maximum at once (the unique constraint
    would then refuse the second desk's result as if it were a duplicate), so the stream's lock is
    held until commit; on SQLite the write transaction already excludes every other writer.
    """
    serialize_writers(session, RESULT_SEQ_LOCKS[stream])
    top = session.execute(
        select(func.max(ResultVersion.seq)).where(
            ResultVersion.origin == origin, ResultVersion.stream == stream
        )
    ).scalar()
    return int(top or 0) + 1


def _freeze_version(
    session: Session,
    ctx: ServiceContext,
    inspection: Inspection,
    task: Task,
    result: dict[str, Any],
    *,
    kind: ResultVersionKind,
    reason: str,
) -> ResultVersion:
    """Insert the next frozen version and make it current (inside the caller's transaction)."""
    current = _current_version(session, inspection.id)
    prev_uid = current.uid if current else None
    number = current.number + 1 if current else 1
    if current is not None:
        current.is_current = False
    now = utcnow()
    document = _version_document(
        inspection=inspection,
        task=task,
        result=result,
        prev_uid=prev_uid,
        number=number,
        kind=kind,
        reason=reason,
        created_at=now,
        created_by=ctx.operator,
    )
    text = canonical_json(document)
    origin = installation_id(session)
    # The stream is decided here, inside the finalize transaction, from the task's classification.
    stream = STREAM_CLASSIFIED if task.is_classified else STREAM_PUBLIC
    version = ResultVersion(
        uid=new_uid(),
        inspection_id=inspection.id,
        record_uid=inspection.uid,
        prev_uid=prev_uid,
        number=number,
        kind=kind,
        payload_json=text,
        sha256=document_sha256(text),
        reason=reason,
        created_at=now,
        created_by=ctx.operator,
        origin=origin,
        stream=stream,
        seq=next_seq(session, origin, stream),
        is_current=True,
        withheld=bool(result["withheld"]),
        sync_state=SyncState.PENDING,
    )
    session.add(version)
    session.flush()
    return version


def _event(
    session: Session,
    ctx: ServiceContext,
    inspection: Inspection,
    *,
    action: str,
    from_state: str,
    comment: str = "",
    version_uid: str | None = None,
) -> None:
    session.add(
        ReviewEvent(
            inspection_id=inspection.id,
            at=utcnow(),
            by=ctx.operator,
            action=action,
            from_state=from_state,
            to_state=_state_text(inspection),
            comment=comment,
            version_uid=version_uid,
        )
    )


def _audit(
    session: Session,
    ctx: ServiceContext,
    inspection: Inspection,
    *,
    action: str,
    summary: str,
    before: str,
    version: ResultVersion | None = None,
    reason: str = "",
) -> None:
    after: dict[str, Any] = {"state": _state_text(inspection)}
    if version is not None:
        after.update(
            {
                "version_uid": version.uid,
                "number": version.number,
                "sha256": version.sha256,
                "stream": version.stream,
            }
        )
    ctx.audit(
        session,
        action=action,
        entity="inspections",
        entity_id=inspection.id,
        summary=summary,
        before={"state": before},
        after=after,
        reason=reason,
    )


def already_stored(
    session: Session, inspection: Inspection, payload: ResultPayload, *, codes: ResultCodes, today: date
) -> bool:
    """Whether the inspection's current version already holds exactly this result (a repeated import)."""
    current = _current_version(session, inspection.id)
    if current is None or _entry_mode(inspection) == "entry":
        return False
    errors, result = _check_payload(session, inspection, inspection.task, payload, codes=codes, today=today)
    return not errors and bool(json.loads(current.payload_json)["result"] == result)


def store_result(
    session: Session,
    ctx: ServiceContext,
    inspection: Inspection,
    payload: ResultPayload,
    *,
    correction_reason: str | None,
    today: date,
    codes: ResultCodes,
) -> ResultVersion:
    """Validate and freeze one result in the caller's transaction (shared by entry, correction and import)."""
    task: Task = inspection.task
    require_on_inspection(ctx, session, inspection, Permission.ENTER_RESULTS, on_site=payload.inspectors)
    _check_usable(inspection, task)
    before = _state_text(inspection)
    mode = _entry_mode(inspection)
    if correction_reason is None and mode != "entry":
        if inspection.state == InspectionState.PUBLISHED:
            raise RuleViolation(
                f"「{inspection.target.name}」的结果已公示，公示后只能提交更正（须写明更正原因）"
            )
        raise RuleViolation(
            f"「{inspection.target.name}」的结果{_status_label(inspection, None)}，不能再次提交。"
            "如需修改，请由审核人退回后重新提交。"
        )
    if correction_reason is not None and mode != "correction":
        raise RuleViolation(
            f"「{inspection.target.name}」的结果{_status_label(inspection, None)}，不能提交更正："
            "更正只适用于已公示的结果（未公示的结果由审核人退回后修改）。"
        )
    if correction_reason is not None and not correction_reason.strip():
        raise ValidationError([FieldError("更正原因", "公示后的更正须写明原因，原因将随更正留存")])
    errors, result = _check_payload(session, inspection, task, payload, codes=codes, today=today)
    if errors:
        raise ValidationError(errors)
    kind = ResultVersionKind.ENTRY if correction_reason is None else ResultVersionKind.CORRECTION
    version = _freeze_version(
        session, ctx, inspection, task, result, kind=kind, reason=(correction_reason or "").strip()
    )
    if kind == ResultVersionKind.ENTRY:
        inspection.state = InspectionState.PENDING_REVIEW
    else:
        inspection.correction_state = CorrectionState.PENDING_REVIEW.value
    draft = session.get(ResultDraft, inspection.id)
    if draft is not None:
        session.delete(draft)
    action = "submit" if kind == ResultVersionKind.ENTRY else "correct"
    _event(
        session,
        ctx,
        inspection,
        action=action,
        from_state=before,
        comment=version.reason,
        version_uid=version.uid,
    )
    session.flush()
    verb = "提交检查结果" if kind == ResultVersionKind.ENTRY else "提交更正"
    _audit(
        session,
        ctx,
        inspection,
        action="result_" + action,
        summary=f"{verb}：{task.number}「{inspection.target.name}」第 {version.number} 版",
        before=before,
        version=version,
        reason=version.reason,
    )
    return version


def submit_result(
    ctx: ServiceContext,
    inspection_id: int,
    payload: ResultPayload | Mapping[str, Any],
    *,
    expected_version: int | None = None,
    today: date | None = None,
) -> VersionRow:
    """Finalize an entry (未录入 or 审核退回 → 待审核) as a new frozen version, in one transaction.

    Args:
        ctx: service context (the operator is recorded as the one who entered it).
        inspection_id: the inspection.
        payload: the completed form (``ResultPayload`` or its dict form).
        expected_version: the inspection's ``inspection_version`` the form was opened with.
        today: the date "not in the future" is checked against (tests); default today.

    Raises:
        ValidationError: fields are invalid (nothing saved; the draft stays).
        RuleViolation: the state does not allow an entry (e.g. already submitted or published).
    """
    require_some(ctx, Permission.ENTER_RESULTS)
    parsed = _as_payload(payload)
    with ctx.write() as session:
        inspection = _lock_inspection(session, inspection_id, ctx)
        _check_version(inspection, expected_version)
        version = store_result(
            session,
            ctx,
            inspection,
            parsed,
            correction_reason=None,
            today=today or date.today(),
            codes=result_codes(),
        )
        return _version_row(version)


def correct_result(
    ctx: ServiceContext,
    inspection_id: int,
    payload: ResultPayload | Mapping[str, Any],
    reason: str,
    *,
    expected_version: int | None = None,
    today: date | None = None,
) -> VersionRow:
    """Record a correction of a published result: a new version (kind correction) that goes through
    组长审核 and 公示审批 again while the inspection stays 已公示 with the earlier version public.
    """
    require_some(ctx, Permission.ENTER_RESULTS)
    parsed = _as_payload(payload)
    with ctx.write() as session:
        inspection = _lock_inspection(session, inspection_id, ctx)
        _check_version(inspection, expected_version)
        version = store_result(
            session,
            ctx,
            inspection,
            parsed,
            correction_reason=reason,
            today=today or date.today(),
            codes=result_codes(),
        )
        return _version_row(version)


# ---------------------------------------------------------------------------------------------
# Review and publication


def approve_result(
    ctx: ServiceContext, inspection_id: int, *, comment: str = "", expected_version: int | None = None
) -> None:
    """组长审核 通过: 待审核 → 已审核 (or a correction's pending_review → approved).

    A result with problems also gets a proposal to raise the target's risk class
    (``app.services.credit``), for a person to confirm or reject.
    """
    require_some(ctx, Permission.REVIEW_RESULTS)
    from app.services.credit import propose_from_result

    with ctx.write() as session:
        inspection = _lock_inspection(session, inspection_id, ctx)
        require_on_inspection(ctx, session, inspection, Permission.REVIEW_RESULTS)
        _check_version(inspection, expected_version)
        _check_usable(inspection, inspection.task)
        before = _state_text(inspection)
        corr = _correction(inspection)
        if inspection.state == InspectionState.PENDING_REVIEW:
            inspection.state = InspectionState.APPROVED
        elif inspection.state == InspectionState.PUBLISHED and corr == CorrectionState.PENDING_REVIEW:
            inspection.correction_state = CorrectionState.APPROVED.value
        else:
            raise RuleViolation(
                f"「{inspection.target.name}」的结果{_status_label(inspection, None)}，没有待审核的内容。"
                "只有「待审核」的结果（或待审核的更正）可以审核通过。"
            )
        current = _current_version(session, inspection.id)
        assert current is not None
        _event(
            session,
            ctx,
            inspection,
            action="approve",
            from_state=before,
            comment=comment.strip(),
            version_uid=current.uid,
        )
        session.flush()
        _audit(
            session,
            ctx,
            inspection,
            action="result_approve",
            summary=f"组长审核通过：{inspection.task.number}「{inspection.target.name}」第 {current.number} 版",
            before=before,
            version=current,
            reason=comment.strip(),
        )
        propose_from_result(session, ctx, inspection, current)


def return_result(
    ctx: ServiceContext, inspection_id: int, *, comment: str, expected_version: int | None = None
) -> None:
    """退回 with a comment (required): from 待审核 (组长) or 已审核 (公示审批) to 审核退回.

    For a correction of a published result the correction is returned; the inspection stays 已公示.
    """
    require_some(ctx, Permission.REVIEW_RESULTS)
    if not comment.strip():
        raise ValidationError([FieldError("退回意见", "退回时请写明退回意见，录入人将据此修改")])
    with ctx.write() as session:
        inspection = _lock_inspection(session, inspection_id, ctx)
        require_on_inspection(ctx, session, inspection, Permission.REVIEW_RESULTS)
        _check_version(inspection, expected_version)
        _check_usable(inspection, inspection.task)
        before = _state_text(inspection)
        corr = _correction(inspection)
        if inspection.state in (InspectionState.PENDING_REVIEW, InspectionState.APPROVED):
            inspection.state = InspectionState.RETURNED
        elif inspection.state == InspectionState.PUBLISHED and corr in (
            CorrectionState.PENDING_REVIEW,
            CorrectionState.APPROVED,
        ):
            inspection.correction_state = CorrectionState.RETURNED.value
        else:
            raise RuleViolation(
                f"「{inspection.target.name}」的结果{_status_label(inspection, None)}，不能退回。"
                "只有待审核或已审核未公示的结果（或更正）可以退回；已公示的结果请提交更正。"
            )
        current = _current_version(session, inspection.id)
        assert current is not None
        _event(
            session,
            ctx,
            inspection,
            action="return",
            from_state=before,
            comment=comment.strip(),
            version_uid=current.uid,
        )
        session.flush()
        _audit(
            session,
            ctx,
            inspection,
            action="result_return",
            summary=f"退回检查结果：{inspection.task.number}「{inspection.target.name}」第 {current.number} 版",
            before=before,
            version=current,
            reason=comment.strip(),
        )


def _publishable(inspection: Inspection) -> str:
    """Why an inspection cannot be published now ("" when it can)."""
    if inspection.voided:
        return "所属抽取已作废"
    if inspection.state == InspectionState.APPROVED:
        return ""
    if inspection.state == InspectionState.PUBLISHED and _correction(inspection) == CorrectionState.APPROVED:
        return ""
    return f"结果{_status_label(inspection, None)}，只有已审核的结果（或已审核的更正）可以公示"


def publish_results(
    ctx: ServiceContext,
    *,
    task_id: int | None = None,
    inspection_ids: Sequence[int] = (),
    comment: str = "",
) -> PublishOutcome:
    """公示审批: publish approved results — the whole task's, or the selected inspections.

    With ``task_id`` every approved result of the task is published and the others are listed as
    skipped. With ``inspection_ids`` the selection is all or nothing: if any is not approved,
    nothing is published and ``RuleViolation`` names them. Classified, non-public and withheld
    results are approved the same way but never disclosed.
    """
    ctx.require(Permission.PUBLISH)
    if (task_id is None) == (not inspection_ids):
        raise ValidationError([FieldError("公示范围", "请选择一个任务，或选择要公示的检查记录（二者选一）")])
    with ctx.write() as session:
        if task_id is not None:
            task = session.get(Task, task_id)
            if task is None:
                raise NotFoundError(f"抽查任务（编号 {task_id}）不存在")
            inspections = list(
                session.execute(
                    select(Inspection)
                    .where(Inspection.task_id == task_id, Inspection.voided.is_(False))
                    .order_by(Inspection.id)
                    .with_for_update(of=Inspection)
                ).scalars()
            )
        else:
            inspections = [_lock_inspection(session, i, ctx) for i in dict.fromkeys(inspection_ids)]
        refused = [(i, _publishable(i)) for i in inspections if _publishable(i)]
        if inspection_ids and refused:
            lines = "；".join(f"「{i.target.name}」{why}" for i, why in refused[:10])
            more = f" 等 {len(refused)} 条" if len(refused) > 10 else ""
            raise RuleViolation(f"所选记录中有不能公示的：{lines}{more}。未作任何公示。")
        ready = [i for i in inspections if not _publishable(i)]
        if not ready:
            raise RuleViolation("没有已审核待公示的检查结果。请先完成组长审核。")
        now = utcnow()
        for inspection in ready:
            _check_usable(inspection, inspection.task)
            before = _state_text(inspection)
            current = _current_version(session, inspection.id)
            assert current is not None
            current.published_at = now
            inspection.published_version_uid = current.uid
            inspection.state = InspectionState.PUBLISHED
            inspection.correction_state = CorrectionState.NONE.value
            _event(
                session,
                ctx,
                inspection,
                action="publish",
                from_state=before,
                comment=comment.strip(),
                version_uid=current.uid,
            )
            session.flush()
            disclosed = _disclosed(inspection, current)
            _audit(
                session,
                ctx,
                inspection,
                action="result_publish",
                summary=(
                    f"公示审批：{inspection.task.number}「{inspection.target.name}」第 {current.number} 版"
                    + ("" if disclosed else "（不公示：涉密、非公开任务或依法不予公开）")
                ),
                before=before,
                version=current,
                reason=comment.strip(),
            )
        return PublishOutcome(
            published=tuple(i.id for i in ready),
            skipped=tuple((i.id, why) for i, why in refused),
        )


def _disclosed(inspection: Inspection, version: ResultVersion | None) -> bool:
    task: Task = inspection.task
    return task.is_public and not task.is_classified and not (version is not None and version.withheld)


# ---------------------------------------------------------------------------------------------
# Reading


def _status_label(inspection: Inspection, published: ResultVersion | None) -> str:
    label = inspection.state.label
    if inspection.state == InspectionState.PUBLISHED:
        task: Task = inspection.task
        withheld = published.withheld if published is not None else False
        if task.is_classified or not task.is_public or withheld:
            label = "已审批（不公示）"
        corr = _correction(inspection)
        if corr != CorrectionState.NONE:
            label += f"（{corr.label}）"
    return label


def _version_row(v: ResultVersion) -> VersionRow:
    return VersionRow(
        id=v.id,
        uid=v.uid,
        record_uid=v.record_uid,
        prev_uid=v.prev_uid,
        number=v.number,
        kind=v.kind,
        sha256=v.sha256,
        reason=v.reason,
        created_at=v.created_at,
        created_by=v.created_by,
        origin=v.origin,
        stream=v.stream,
        seq=v.seq,
        is_current=v.is_current,
        withheld=v.withheld,
        published_at=v.published_at,
        sync_state=v.sync_state,
        document=json.loads(v.payload_json),
    )


def _result_row(
    inspection: Inspection,
    task: Task,
    target: Target,
    team_number: int | None,
    current: ResultVersion | None,
    published: ResultVersion | None,
    has_draft: bool,
    codes: ResultCodes,
) -> ResultRow:
    result: dict[str, Any] = json.loads(current.payload_json)["result"] if current else {}
    cat_codes = [c["code"] for c in result.get("categories", [])]
    raw_date = result.get("inspection_date")
    return ResultRow(
        inspection_id=inspection.id,
        inspection_uid=inspection.uid,
        task_id=task.id,
        task_number=task.number,
        target_id=target.id,
        target_name=target.name,
        target_code=target.code or "",
        team_number=team_number,
        visit_order=inspection.visit_order,
        state=inspection.state,
        correction_state=_correction(inspection),
        status_label=_status_label(inspection, published),
        has_draft=has_draft,
        version_number=current.number if current else None,
        version_uid=current.uid if current else None,
        inspection_date=date.fromisoformat(raw_date) if raw_date else None,
        result_text="；".join(c["label"] for c in result.get("categories", [])),
        has_problems=bool(set(cat_codes) & codes.problem_codes),
        withheld=current.withheld if current else False,
        published_version_uid=inspection.published_version_uid,
        inspection_version=inspection.version,
    )


def list_results(
    ctx: ServiceContext, task_id: int, *, states: Sequence[InspectionState] = ()
) -> list[ResultRow]:
    """The task's current inspections with their result status, by team and visiting order."""
    codes = result_codes()
    with ctx.read() as session:
        query = (
            select(Inspection, Target, Team.number)
            .join(Target, Inspection.target_id == Target.id)
            .outerjoin(Team, Inspection.team_id == Team.id)
            .where(Inspection.task_id == task_id, Inspection.voided.is_(False))
            .order_by(Team.number, Inspection.visit_order, Inspection.stratum, Inspection.rank)
        )
        if states:
            query = query.where(Inspection.state.in_(list(states)))
        rows = session.execute(query).all()
        ids = [i.id for i, _, _ in rows]
        versions = {
            v.inspection_id: v
            for v in session.execute(
                select(ResultVersion).where(
                    ResultVersion.inspection_id.in_(ids), ResultVersion.is_current.is_(True)
                )
            ).scalars()
        }
        published_uids = [i.published_version_uid for i, _, _ in rows if i.published_version_uid]
        published = {
            v.uid: v
            for v in session.execute(
                select(ResultVersion).where(ResultVersion.uid.in_(published_uids))
            ).scalars()
        }
        drafts = set(
            session.execute(
                select(ResultDraft.inspection_id).where(ResultDraft.inspection_id.in_(ids))
            ).scalars()
        )
        task = session.get(Task, task_id)
        if task is None:
            raise NotFoundError(f"抽查任务（编号 {task_id}）不存在")
        return [
            _result_row(
                i,
                task,
                t,
                number,
                versions.get(i.id),
                published.get(i.published_version_uid or ""),
                i.id in drafts,
                codes,
            )
            for i, t, number in rows
        ]


def version_history(ctx: ServiceContext, inspection_id: int) -> list[VersionRow]:
    """Every frozen version of an inspection, oldest first."""
    with ctx.read() as session:
        versions = session.execute(
            select(ResultVersion)
            .where(ResultVersion.inspection_id == inspection_id)
            .order_by(ResultVersion.number)
        ).scalars()
        return [_version_row(v) for v in versions]


def review_history(ctx: ServiceContext, inspection_id: int) -> list[ReviewEventRow]:
    """Every review step of an inspection, oldest first."""
    with ctx.read() as session:
        events = session.execute(
            select(ReviewEvent).where(ReviewEvent.inspection_id == inspection_id).order_by(ReviewEvent.id)
        ).scalars()
        return [
            ReviewEventRow(
                e.id,
                e.at,
                e.by,
                e.action,
                _ACTION_LABELS.get(e.action, e.action),
                e.from_state,
                e.to_state,
                e.comment,
                e.version_uid,
            )
            for e in events
        ]


def payload_from_document(session: Session, document: Mapping[str, Any]) -> ResultPayload:
    """Turn a frozen version back into an editable form (to start a correction from it).

    Frozen versions name people and checklist lines by uid and position, not by this database's
    row ids; lines or people that no longer exist are left out of the form.
    """
    result: Mapping[str, Any] = document["result"]
    inspectors: list[OnSiteInspector] = []
    for p in result.get("inspectors", []):
        ins_id = session.execute(select(Inspector.id).where(Inspector.uid == p["uid"])).scalar()
        sub = p.get("substitute_for")
        sub_id = (
            session.execute(select(Inspector.id).where(Inspector.uid == sub["uid"])).scalar() if sub else None
        )
        if ins_id is not None:
            inspectors.append(OnSiteInspector(ins_id, sub_id, p.get("reason", "")))
    findings: list[CheckpointFinding] = []
    for f in result.get("findings", []):
        cp_id = session.execute(
            select(Checkpoint.id)
            .join(CheckItem, Checkpoint.item_id == CheckItem.id)
            .where(Checkpoint.position == f["position"], CheckItem.uid == f["item_uid"])
        ).scalar()
        if cp_id is not None:
            findings.append(
                CheckpointFinding(cp_id, f.get("checked"), f.get("problem_found"), f.get("problem_text", ""))
            )
    raw_date = result.get("inspection_date")
    return ResultPayload(
        inspection_date=date.fromisoformat(raw_date) if raw_date else None,
        methods=tuple(m["code"] for m in result.get("methods", [])),
        categories=tuple(c["code"] for c in result.get("categories", [])),
        problems=result.get("problems", ""),
        measures=tuple(m["code"] for m in result.get("measures", [])),
        measure_other=result.get("measure_other", ""),
        findings=tuple(findings),
        inspectors=tuple(inspectors),
        withheld=bool(result.get("withheld", False)),
        withheld_reason=result.get("withheld_reason", ""),
        attachments=tuple(a["sha256"] for a in result.get("attachments", [])),
        remarks=result.get("remarks", ""),
    )


def get_result(ctx: ServiceContext, inspection_id: int) -> ResultDetail:
    """One inspection's result: status, current and published versions, history, review steps, draft."""
    codes = result_codes()
    with ctx.read() as session:
        inspection = _require_inspection(session, inspection_id, ctx)
        task: Task = inspection.task
        team_number = session.get(Team, inspection.team_id).number if inspection.team_id else None  # type: ignore[union-attr]
        versions = list(
            session.execute(
                select(ResultVersion)
                .where(ResultVersion.inspection_id == inspection_id)
                .order_by(ResultVersion.number)
            ).scalars()
        )
        current = next((v for v in versions if v.is_current), None)
        published = next((v for v in versions if v.uid == inspection.published_version_uid), None)
        draft = session.get(ResultDraft, inspection_id)
        row = _result_row(
            inspection, task, inspection.target, team_number, current, published, draft is not None, codes
        )
        payload = payload_from_document(session, json.loads(current.payload_json)) if current else None
        version_rows = tuple(_version_row(v) for v in versions)
    current_row = next((v for v in version_rows if v.is_current), None)
    published_row = next((v for v in version_rows if v.uid == row.published_version_uid), None)
    return ResultDetail(
        row=row,
        current=current_row,
        published=published_row,
        payload=payload,
        versions=version_rows,
        events=tuple(review_history(ctx, inspection_id)),
        draft=load_draft(ctx, inspection_id),
    )


def entry_form(ctx: ServiceContext, inspection_id: int) -> EntryForm:
    """What the entry page draws: the target, the team, the checklist lines and the code tables."""
    with ctx.read() as session:
        inspection = _require_inspection(session, inspection_id, ctx)
        task: Task = inspection.task
        target: Target = inspection.target
        members = _team_members(session, inspection)
        team_number = session.get(Team, inspection.team_id).number if inspection.team_id else None  # type: ignore[union-attr]
        return EntryForm(
            inspection_id=inspection.id,
            record_uid=inspection.uid,
            task_id=task.id,
            task_number=task.number,
            task_name=task.name,
            task_start=task.start_date,
            task_end=task.end_date,
            classified=task.is_classified,
            public=task.is_public,
            target_id=target.id,
            target_name=target.name,
            target_code=target.code or "",
            target_address=target.address,
            team_number=team_number,
            team=tuple(
                TeamMemberInfo(
                    m.inspector_id,
                    m.inspector.name,
                    m.inspector.department.name,
                    m.role,
                    m.certificate_number,
                )
                for m in members
            ),
            checkpoints=tuple(_task_checkpoints(session, task)),
            codes=result_codes(),
            state=inspection.state,
            correction_state=_correction(inspection),
            mode=_entry_mode(inspection),
            inspection_version=inspection.version,
        )


@dataclass(frozen=True)
class ChainProblem:
    """A version whose hash or link does not hold (``inspection_id`` None: a gap in a stream)."""

    inspection_id: int | None
    version_uid: str
    message: str


def verify_versions(ctx: ServiceContext, *, inspection_id: int | None = None) -> list[ChainProblem]:
    """Recompute each version's SHA-256 and check the chain (numbers, predecessors, one current);
    over the whole database also check that every (installation, stream) sequence is gap-free."""
    problems: list[ChainProblem] = []
    with ctx.read() as session:
        query = select(ResultVersion).order_by(ResultVersion.inspection_id, ResultVersion.number)
        if inspection_id is not None:
            query = query.where(ResultVersion.inspection_id == inspection_id)
        by_inspection: dict[int, list[ResultVersion]] = {}
        for v in session.execute(query).scalars():
            by_inspection.setdefault(v.inspection_id, []).append(v)
        for iid, chain in by_inspection.items():
            prev: ResultVersion | None = None
            for v in chain:
                if document_sha256(v.payload_json) != v.sha256:
                    problems.append(
                        ChainProblem(iid, v.uid, f"第 {v.number} 版的内容与其 SHA-256 不符（被改动）")
                    )
                doc = json.loads(v.payload_json)
                expected_prev = prev.uid if prev else None
                if v.prev_uid != expected_prev or doc.get("prev_uid") != expected_prev:
                    problems.append(ChainProblem(iid, v.uid, f"第 {v.number} 版的前一版本链接不符"))
                if v.number != (prev.number + 1 if prev else 1):
                    problems.append(ChainProblem(iid, v.uid, f"版本号不连续：第 {v.number} 版"))
                prev = v
            current = [v for v in chain if v.is_current]
            if len(current) != 1 or current[0] is not chain[-1]:
                problems.append(
                    ChainProblem(iid, chain[-1].uid, "当前版本标记不符（应只有最新一版为当前版本）")
                )
        if inspection_id is None:
            streams: dict[tuple[str, str], list[int]] = {}
            for origin, stream, seq in session.execute(
                select(ResultVersion.origin, ResultVersion.stream, ResultVersion.seq)
            ).all():
                streams.setdefault((origin, stream), []).append(seq)
            for (origin, stream), seqs in sorted(streams.items()):
                if sorted(seqs) != list(range(1, len(seqs) + 1)):
                    problems.append(
                        ChainProblem(
                            None, "", f"安装 {origin[:8]} 的 {stream} 流水号不连续（应为 1…{len(seqs)}）"
                        )
                    )
    return problems


def frozen_result(version: VersionRow) -> dict[str, Any]:
    """The ``result`` section of a version's document."""
    result: dict[str, Any] = version.document["result"]
    return result


def find_inspection(ctx: ServiceContext, reference: str) -> int:
    """An inspection's id from its record id (uid) or its numeric id."""
    ref = reference.strip()
    with ctx.read() as session:
        found = session.execute(select(Inspection.id).where(Inspection.uid == ref)).scalar()
        if found is None and ref.isdigit() and session.get(Inspection, int(ref)) is not None:
            found = int(ref)
        if found is None:
            raise NotFoundError(
                f"找不到检查记录「{ref}」。请用 `liancha results list --task 任务编号` 查看记录编号。"
            )
        return int(found)
