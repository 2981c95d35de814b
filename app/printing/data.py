"""What the document builders print: plain frozen dataclasses, independent of the database.

The service layer maps database rows to these; the builders never see ORM objects. Every
text field is printed as given (escaped), so pass labels already in Chinese. Empty strings
print as blanks to be filled in by hand, which is what a field form wants.

Ids (``task_id``, ``record_id``, ``team_id``, ``draw_id``) are the database's stable ids as
text; they go into each form's QR code so that a returned paper form finds its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from app.services.codes import CodeTables, load_code_tables


class DocKind(StrEnum):
    """The kinds of printed document; the value is used in QR payloads and on the command line."""

    NOTICE = "notice"
    CHECKLIST = "checklist"
    RECORD = "record"
    DISPATCH = "dispatch"
    DRAW_RECORD = "draw-record"

    @property
    def label(self) -> str:
        """The Chinese name of the document kind."""
        return _DOC_KIND_LABELS[self]


_DOC_KIND_LABELS = {
    DocKind.NOTICE: "检查通知书",
    DocKind.CHECKLIST: "检查单",
    DocKind.RECORD: "随机抽查情况记录表",
    DocKind.DISPATCH: "检查组派单",
    DocKind.DRAW_RECORD: "随机抽取记录",
}


@dataclass(frozen=True)
class TaskInfo:
    """The inspection task (抽查任务) as printed in every form's header.

    Attributes:
        task_id: stable database id (QR code).
        number: 任务编号, e.g. ``琼市监抽查〔2025〕3号``.
        name: 任务名称.
        lead_department: 牵头部门.
        joint_departments: 配合部门, in the task's order.
        start_date: first day of the inspection window (None: not fixed yet, printed blank).
        end_date: last day of the inspection window.
        advance_notice_allowed: False where the task forbids telling targets in advance
            (依法不予公开 or 上级明确要求不能事先通知); notices are then refused.
        security_mark: printed top left of every page when set, e.g. ``内部资料 注意保存``
            for classified work; empty for ordinary tasks.
    """

    task_id: str
    number: str
    name: str
    lead_department: str
    joint_departments: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    advance_notice_allowed: bool = True
    security_mark: str = ""

    @property
    def departments(self) -> tuple[str, ...]:
        """The lead department followed by the joint departments."""
        return (self.lead_department, *self.joint_departments)


@dataclass(frozen=True)
class TargetInfo:
    """One inspected target (检查对象) as printed on its forms.

    Attributes:
        target_id: stable registry id (usually the USCC).
        name: 名称 as registered.
        code: 统一社会信用代码 or 注册号; empty where it has none.
        address: 住所（经营场所）.
        legal_representative: 法定代表人（负责人）.
        phone: the legal representative's or the business's phone.
        liaison: 联络员 (the person who deals with the inspectors).
        liaison_phone: the liaison's phone.
    """

    target_id: str
    name: str
    code: str = ""
    address: str = ""
    legal_representative: str = ""
    phone: str = ""
    liaison: str = ""
    liaison_phone: str = ""


class MemberRole(StrEnum):
    """A team member's role."""

    LEADER = "leader"
    MEMBER = "member"
    EXPERT = "expert"

    @property
    def label(self) -> str:
        """组长 / 组员 / 专家."""
        return {"leader": "组长", "member": "组员", "expert": "专家"}[self.value]


@dataclass(frozen=True)
class TeamMember:
    """One person of an inspection team (检查组).

    Attributes:
        name: 姓名.
        department: the member's 部门 (short name, e.g. ``县市场监管局``).
        certificate_number: 执法证号; empty for experts, who never count as officers.
        role: leader, member or expert.
        phone: mobile number, printed on the dispatch sheet only.
    """

    name: str
    department: str
    certificate_number: str = ""
    role: MemberRole = MemberRole.MEMBER
    phone: str = ""


@dataclass(frozen=True)
class Checkpoint:
    """One line of a checklist (检查要点), as on the official 双随机抽查记录表.

    Attributes:
        content: 检查内容, e.g. ``持有的食品经营许可证是否合法有效。``
        method: 操作方法与要领, how to check it; may be long, it wraps.
    """

    content: str
    method: str = ""


@dataclass(frozen=True)
class ItemSection:
    """One department's inspection item (抽查事项) with its checkpoints.

    Attributes:
        department: the department responsible for the item (groups the checklist).
        item_name: 抽查事项.
        checkpoints: the lines to tick, in order.
        basis: 检查依据 (legal basis), printed on notices and under the item heading.
        check_methods: 检查方式 as text, e.g. ``现场检查、书面检查``.
        materials: 要求提供材料 for this item (merged, without repeats, on the forms).
    """

    department: str
    item_name: str
    checkpoints: tuple[Checkpoint, ...] = ()
    basis: str = ""
    check_methods: str = ""
    materials: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    """A person the target may call about a notice (联系人)."""

    name: str
    phone: str
    department: str = ""


@dataclass(frozen=True)
class NoticeDoc:
    """检查通知书 (随机抽查通知书) for one target.

    Attributes:
        task: the task.
        target: the addressee.
        record_id: id of the target's inspection record in this task (QR code).
        items: the items to be checked (一、抽查检查事项).
        issuers: issuing departments, lead first; each gets a seal box.
        issue_date: date printed under the seals.
        visit_start: first day the inspectors may come; None uses the task's start date.
        visit_end: last day; None uses the task's end date.
        methods: 检查方法; empty uses the items' check methods.
        materials: 需要准备的资料; empty uses the items' materials.
        contacts: 联系人 and phone numbers.
        notice_number: the notice's 文号, printed under the title when set.
        basis: the rules the check is made under, e.g. ``《企业信息公示暂行条例》``; optional.
        title: the form's title.
    """

    kind: ClassVar[DocKind] = DocKind.NOTICE

    task: TaskInfo
    target: TargetInfo
    record_id: str
    items: tuple[ItemSection, ...]
    issuers: tuple[str, ...]
    issue_date: date
    visit_start: date | None = None
    visit_end: date | None = None
    methods: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    notice_number: str = ""
    basis: str = ""
    title: str = "随机抽查通知书"


@dataclass(frozen=True)
class ChecklistDoc:
    """联合检查单: every department's checkpoints for one target, filled in on site.

    Attributes:
        task: the task.
        target: the inspected target.
        record_id: id of the target's inspection record in this task (QR code).
        sections: the items with their checkpoints; printed grouped by department in the
            order the departments first appear here.
        members: the team (names and 执法证号 in the header).
        team_name: e.g. ``第3检查组``; optional.
        title: the form's title, e.g. ``餐饮行业“一业一查”统一检查单``.
        codes: the code tables for the 检查结果 and 后续处置 check boxes.
        other_row: add a line ``其他`` after each department's checkpoints, as the
            official per-item forms do.
        remarks: printed in the 备注 row.
    """

    kind: ClassVar[DocKind] = DocKind.CHECKLIST

    task: TaskInfo
    target: TargetInfo
    record_id: str
    sections: tuple[ItemSection, ...]
    members: tuple[TeamMember, ...] = ()
    team_name: str = ""
    title: str = "联合检查单"
    codes: CodeTables = field(default_factory=load_code_tables)
    other_row: bool = True
    remarks: str = ""


@dataclass(frozen=True)
class RecordEntry:
    """One row of the 情况记录表: an item with what was found and done (blank to fill by hand)."""

    item_name: str
    department: str = ""
    findings: str = ""
    disposal: str = ""


@dataclass(frozen=True)
class RecordDoc:
    """随机抽查情况记录表 for one target; blank for the field, or filled from entered results.

    Attributes:
        task: the task.
        target: the inspected target.
        record_id: id of the target's inspection record in this task (QR code).
        entries: one row per item (检查事项 | 发现问题情况 | 处置情况).
        members: the team; their names and 执法证号 are printed beside the signature.
        codes: the code tables for 核查方式, 检查结果 and 后续处置.
        check_methods: 核查方式 codes to print ticked.
        results: 检查结果 codes to print ticked.
        follow_ups: 后续处置 codes to print ticked.
        follow_up_note: the text after ``其他：`` when that measure applies.
        inspected_on: the inspection date, printed when known.
        title: the form's title.
    """

    kind: ClassVar[DocKind] = DocKind.RECORD

    task: TaskInfo
    target: TargetInfo
    record_id: str
    entries: tuple[RecordEntry, ...]
    members: tuple[TeamMember, ...] = ()
    codes: CodeTables = field(default_factory=load_code_tables)
    check_methods: frozenset[str] = frozenset()
    results: frozenset[str] = frozenset()
    follow_ups: frozenset[str] = frozenset()
    follow_up_note: str = ""
    inspected_on: date | None = None
    title: str = "随机抽查情况记录表"


@dataclass(frozen=True)
class DispatchStop:
    """One target on a team's route, in visiting order.

    Attributes:
        target: the target (name, code, address, phone are printed).
        planned_date: the day planned for the visit, if fixed.
        items_summary: what is checked there, e.g. ``市场监管 3 项；消防 1 项``.
        note: anything the team must know (access, opening hours).
    """

    target: TargetInfo
    planned_date: date | None = None
    items_summary: str = ""
    note: str = ""


DEFAULT_DISPATCH_NOTES: tuple[str, ...] = (
    "检查时须由两名以上执法人员共同进行，并主动出示行政执法证件。",
    "检查人员与检查对象有利害关系的，应当主动申请回避。",
    "按派单顺序实施检查，一次进门完成全部事项（进一次门、查多项事），不得擅自更换检查对象。",
    "检查单、情况记录表须现场填写并由检查对象签字（盖章），检查结束后交回录入。",
)


@dataclass(frozen=True)
class DispatchDoc:
    """检查组派单: one team's members and route.

    Attributes:
        task: the task.
        team_id: the team's stable id (QR code).
        team_name: e.g. ``第3检查组``.
        members: the team, leader first preferably.
        stops: targets in visiting order.
        issuer: 派单单位, e.g. ``县“双随机、一公开”联席会议办公室``.
        issue_date: date of the dispatch.
        visit_start: first day of the team's work; None uses the task's start date.
        visit_end: last day; None uses the task's end date.
        notes: 注意事项 printed below the route.
    """

    kind: ClassVar[DocKind] = DocKind.DISPATCH

    task: TaskInfo
    team_id: str
    team_name: str
    members: tuple[TeamMember, ...]
    stops: tuple[DispatchStop, ...]
    issuer: str
    issue_date: date
    visit_start: date | None = None
    visit_end: date | None = None
    notes: tuple[str, ...] = DEFAULT_DISPATCH_NOTES

    @property
    def record_id(self) -> str:
        """The id carried in the QR code (the team's id)."""
        return self.team_id


class DrawKind(StrEnum):
    """What a draw selected."""

    TARGETS = "targets"
    INSPECTORS = "inspectors"
    TEAMS = "teams"

    @property
    def label(self) -> str:
        """检查对象 / 检查人员 / 随机匹配分组."""
        return {"targets": "检查对象", "inspectors": "检查人员", "teams": "随机匹配分组"}[self.value]


@dataclass(frozen=True)
class Witness:
    """A person who watched the draw (公证人员, 人大代表, 政协委员, 部门代表 …)."""

    name: str
    affiliation: str = ""


@dataclass(frozen=True)
class DrawStratum:
    """One stratum of a draw (e.g. one risk class) as fixed before the seed was chosen.

    Attributes:
        name: e.g. ``C 较高风险`` or ``全部`` for an unstratified draw.
        population_size: how many ids were in the stratum after exclusions.
        population_sha256: SHA-256 (hex) of the sorted ids joined by ``\\n``.
        sample_size: how many were drawn from it.
        rule: how the size was set, e.g. ``比例 5%，向上取整`` or ``固定 12 户``.
    """

    name: str
    population_size: int
    population_sha256: str
    sample_size: int
    rule: str = ""


@dataclass(frozen=True)
class DrawParameter:
    """One named parameter of the draw, printed as ``label：value``."""

    label: str
    value: str


@dataclass(frozen=True)
class DrawExclusion:
    """An id removed from the population before the draw, with the reason."""

    entity_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class DrawSelection:
    """One drawn target or inspector, in ticket order.

    Attributes:
        position: 1-based rank in the selection.
        entity_id: the id that was hashed (USCC, 执法证号, team key …).
        name: the name printed beside it.
        stratum: the stratum it was drawn from (empty if unstratified).
        team: the team it was assigned to, if any.
        detail: a short extra column (address for a target, department for an inspector).
        ticket: the ticket number (decimal fraction), shortened for print; optional.
    """

    position: int
    entity_id: str
    name: str
    stratum: str = ""
    team: str = ""
    detail: str = ""
    ticket: str = ""


@dataclass(frozen=True)
class DrawVoid:
    """Why and by whom a draw was voided; the record stays and says so."""

    reason: str
    voided_at: datetime
    voided_by: str
    replaced_by: str = ""


@dataclass(frozen=True)
class DrawRecordDoc:
    """随机抽取记录: everything needed to witness and re-run one draw.

    Attributes:
        task: the task.
        draw_id: the draw's stable id (QR code).
        draw_kind: targets, inspectors or team matching.
        drawn_at: when the seed was applied.
        operator: who ran the draw.
        witnesses: who watched; each gets a signature line.
        algorithm: algorithm name, e.g. ``consistent sampling (Rivest), SHA-256``.
        algorithm_version: the implementation's version string.
        seed: the exact seed string (UTF-8), printed verbatim.
        seed_source: how the seed was produced (dice by whom, lottery draw …).
        strata: population hash and size per stratum.
        parameters: ratios, caps, rounding, sizes: anything that shaped the selection.
        exclusions: ids left out before the draw, with reasons.
        selections: the result in ticket order.
        void: set when the draw has been voided.
        replaces_draw_id: the voided draw this one replaces, if any.
        record_file: the JSON record's file name, used in the verification paragraph.
    """

    kind: ClassVar[DocKind] = DocKind.DRAW_RECORD

    task: TaskInfo
    draw_id: str
    draw_kind: DrawKind
    drawn_at: datetime
    operator: str
    witnesses: tuple[Witness, ...]
    algorithm: str
    algorithm_version: str
    seed: str
    seed_source: str
    strata: tuple[DrawStratum, ...]
    parameters: tuple[DrawParameter, ...] = ()
    exclusions: tuple[DrawExclusion, ...] = ()
    selections: tuple[DrawSelection, ...] = ()
    void: DrawVoid | None = None
    replaces_draw_id: str = ""
    record_file: str = "RECORD.json"

    @property
    def record_id(self) -> str:
        """The id carried in the QR code (the draw's id)."""
        return self.draw_id


Document = NoticeDoc | ChecklistDoc | RecordDoc | DispatchDoc | DrawRecordDoc
"""Any printable document; :func:`app.printing.build_pdf` takes a sequence of them."""
