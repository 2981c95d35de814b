"""检查组派单: one team's members (with 执法证号 and departments) and its route, in order."""

from __future__ import annotations

import logging
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing.blocks import LABEL_WIDTH, labelled, signature_cell, value
from app.printing.data import DispatchDoc, MemberRole
from app.printing.styles import (
    BODY,
    CELL,
    CELL_CENTER,
    CELL_HEAD,
    CELL_SMALL,
    CONTENT_WIDTH,
    HEADING,
    SHADE,
    TITLE_SIZE,
    cn_date,
    cn_period,
    esc,
)
from app.printing.text import text_cell
from app.printing.widgets import BoldTitle, RunLines, box_run, grid_table, para, text_run

logger = logging.getLogger(__name__)

MEMBER_COLUMNS = (10 * mm, 22 * mm, 14 * mm, 50 * mm, 46 * mm, 38 * mm)
ROUTE_COLUMNS = (9 * mm, 46 * mm, 38 * mm, 26 * mm, 30 * mm, 16 * mm, 15 * mm)
_DONE_CELL = RunLines([[box_run(), text_run(" 已查")], [box_run(), text_run(" 未查")]], stamp="done")


_WEEKDAYS = "一二三四五六日"


def _short_date(day: date | None) -> str:
    # The route is within one task window: month, day and weekday are what a team plans by.
    if day is None:
        return ""
    return f"{day.month}月{day.day}日<br/>周{_WEEKDAYS[day.weekday()]}"


def _info(doc: DispatchDoc) -> Flowable:
    half = (CONTENT_WIDTH - 2 * LABEL_WIDTH) / 2
    task = doc.task
    leaders = [m for m in doc.members if m.role is MemberRole.LEADER]
    leader = "、".join(f"{m.name} {m.phone}".strip() for m in leaders)
    rows: list[list[object]] = [
        [labelled("抽查任务名称"), value(task.name), labelled("任务编号"), value(task.number)],
        [labelled("检查组"), value(doc.team_name), labelled("组长及电话"), value(leader)],
        [
            labelled("检查时间"),
            para(cn_period(doc.visit_start or task.start_date, doc.visit_end or task.end_date), CELL),
            labelled("检查对象数"),
            value(f"{len(doc.stops)} 户"),
        ],
        [
            labelled("牵头部门"),
            value(task.lead_department),
            labelled("配合部门"),
            value("、".join(task.joint_departments)),
        ],
    ]
    shade = [("BACKGROUND", (0, 0), (0, -1), SHADE), ("BACKGROUND", (2, 0), (2, -1), SHADE)]
    return grid_table(rows, [LABEL_WIDTH, half, LABEL_WIDTH, half], extra=shade)


def _members(doc: DispatchDoc) -> Flowable:
    head = [para(t, CELL_HEAD) for t in ("序号", "姓名", "职责", "所在部门", "执法证号", "联系电话")]
    rows: list[list[object]] = [head]
    for number, member in enumerate(doc.members, start=1):
        rows.append(
            [
                str(number),
                value(member.name),
                para(member.role.label, CELL_CENTER),
                value(member.department),
                value(
                    member.certificate_number
                    or ("（专家，不计入执法人员）" if member.role is MemberRole.EXPERT else "")
                ),
                value(member.phone),
            ]
        )
    return grid_table(
        rows,
        MEMBER_COLUMNS,
        extra=[("BACKGROUND", (0, 0), (-1, 0), SHADE), ("ALIGN", (0, 1), (0, -1), "CENTER")],
        repeat_rows=1,
    )


def _route(doc: DispatchDoc) -> Flowable:
    head = [
        para(t, CELL_HEAD)
        for t in ("顺序", "检查对象", "住所（经营场所）", "联系人及电话", "检查事项", "计划日期", "完成情况")
    ]
    rows: list[list[object]] = [head]
    for number, stop in enumerate(doc.stops, start=1):
        target = stop.target
        name = esc(target.name)
        if target.code:
            name += f"<br/><font size='7.5'>{esc(target.code)}</font>"
        person = target.liaison or target.legal_representative
        phone = target.liaison_phone or target.phone
        contact = "<br/>".join(esc(x) for x in (person, phone) if x)
        items = esc(stop.items_summary)
        if stop.note:
            items += f"<br/><font size='7.5'>注：{esc(stop.note)}</font>"
        rows.append(
            [
                str(number),
                para(name, CELL),
                text_cell(target.address, CELL_SMALL),
                para(contact, CELL_SMALL),
                para(items, CELL_SMALL),
                para(_short_date(stop.planned_date), CELL_CENTER),
                _DONE_CELL,
            ]
        )
    return grid_table(
        rows,
        ROUTE_COLUMNS,
        extra=[("BACKGROUND", (0, 0), (-1, 0), SHADE), ("ALIGN", (0, 1), (0, -1), "CENTER")],
        repeat_rows=1,
    )


def _signatures(doc: DispatchDoc) -> Flowable:
    half = CONTENT_WIDTH / 2
    issuer = [
        para(f"派单单位：{esc(doc.issuer)}（盖章）", CELL),
        para(f"派单日期：{cn_date(doc.issue_date)}", CELL),
    ]
    leader = signature_cell("检查组组长签收：", height_lines=1)
    return grid_table([[issuer, leader]], [half, half], extra=[("VALIGN", (0, 0), (-1, -1), "TOP")])


def dispatch_story(doc: DispatchDoc) -> list[Flowable]:
    """Return the flowables of one team's dispatch sheet."""
    story: list[Flowable] = [
        BoldTitle("检查组派单", size=TITLE_SIZE),
        para(esc(doc.team_name), CELL.clone("lc-team", fontSize=12, leading=16, alignment=1)),
        Spacer(1, 3 * mm),
        _info(doc),
        para("一、检查组成员", HEADING),
        _members(doc),
        para("二、检查对象（按检查顺序）", HEADING),
        _route(doc),
    ]
    if doc.notes:
        notes: list[Flowable] = [para("三、注意事项", HEADING)]
        notes.extend(para(f"{n}．{esc(text)}", BODY) for n, text in enumerate(doc.notes, start=1))
        story.append(KeepTogether(notes))
    story += [Spacer(1, 4 * mm), KeepTogether([_signatures(doc)])]
    return story
