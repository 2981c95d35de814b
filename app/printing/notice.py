"""检查通知书 (随机抽查通知书): the advance notice sent to one target.

Laid out like the official notice: issuing departments, title, 文号, the addressee with
its code, the task, 一、抽查检查事项; 二、检查时间和检查方法; 三、需要准备的资料, the warning
that refusing the check is dealt with and published, contacts, seals and date, and a
receipt strip for the target's signature.
"""

from __future__ import annotations

import logging

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from app.printing.data import NoticeDoc
from app.printing.errors import AdvanceNoticeForbidden
from app.printing.fonts import CJK_FONT
from app.printing.styles import (
    BODY,
    BODY_INDENT,
    CELL,
    CONTENT_WIDTH,
    HEADING,
    SMALL,
    SUBTITLE,
    blank,
    cn_date,
    cn_period,
    esc,
    space,
)
from app.printing.widgets import BoldTitle, SealBlock, grid_table, para

logger = logging.getLogger(__name__)

WARNING_TEXT = (
    "请你单位做好准备，按时接受检查，如实提供有关资料和情况。对拒绝、阻碍、逃避检查，"
    "或者不配合检查情节严重的，检查机关将依法依规处理，并通过国家企业信用信息公示系统向社会公示。"
)
DEFAULT_MATERIALS = "营业执照（登记证）及与上述检查事项有关的许可证件、制度、台账、记录等资料。"
_ISSUER_LINE = BODY.clone("lc-issuers", fontSize=15, leading=22, alignment=1)
_ISSUER_LINE_SMALL = BODY.clone("lc-issuers-small", fontSize=13.5, leading=19, alignment=1)


def check_notice_allowed(doc: NoticeDoc) -> None:
    """Refuse a notice for a task that forbids advance notice.

    Raises:
        AdvanceNoticeForbidden: the task says its targets must not be told in advance.
    """
    if not doc.task.advance_notice_allowed:
        raise AdvanceNoticeForbidden(
            f"任务「{doc.task.name}」（{doc.task.number}）规定不得事先告知检查对象，"
            "不能打印检查通知书。请只打印派单和检查单；如确需告知，请先修改任务设置并记录理由。"
        )


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _methods(doc: NoticeDoc) -> list[str]:
    if doc.methods:
        return _unique(list(doc.methods))
    parts: list[str] = []
    for item in doc.items:
        for part in item.check_methods.replace("，", "、").replace(",", "、").split("、"):
            # The item lists say "现场检查等"; the notice lists each method once.
            parts.append(part.strip().removesuffix("等"))
    return _unique(parts)


def notice_story(doc: NoticeDoc) -> list[Flowable]:
    """Return the flowables of one notice.

    Raises:
        AdvanceNoticeForbidden: the task forbids advance notice.
    """
    check_notice_allowed(doc)
    task, target = doc.task, doc.target
    story: list[Flowable] = []
    if doc.issuers:
        joined = space(2).join(esc(i) for i in doc.issuers)
        if stringWidth("\u3000\u3000".join(doc.issuers), CJK_FONT, _ISSUER_LINE.fontSize) <= CONTENT_WIDTH:
            story.append(para(joined, _ISSUER_LINE))
        else:  # a joint notice: one department a line rather than a ragged wrap
            story.extend(para(esc(i), _ISSUER_LINE_SMALL) for i in doc.issuers)
    story.append(BoldTitle(doc.title, size=20, space_after=1 * mm))
    if doc.notice_number:
        story.append(para(esc(doc.notice_number), SUBTITLE))
    story.append(Spacer(1, 5 * mm))

    code = f"（统一社会信用代码/注册号：{esc(target.code)}）" if target.code else ""
    story.append(para(f"{esc(target.name)}{code}：", BODY))
    basis = f"依据{esc(doc.basis)}，按照" if doc.basis else "按照"
    who = "、".join(esc(i) for i in doc.issuers) or "检查机关"
    story.append(
        para(
            f"{basis}“{esc(task.name)}”（任务编号：{esc(task.number)}）的工作安排，你单位被随机抽取为检查对象。"
            f"{who}将依法对你单位进行检查，现将有关事项通知如下：",
            BODY_INDENT,
        )
    )

    story.append(para("一、抽查检查事项", HEADING))
    for number, item in enumerate(doc.items, start=1):
        details = [esc(item.department)] if item.department else []
        if item.basis:
            details.append(f"检查依据：{esc(item.basis)}")
        suffix = f"（{'；'.join(details)}）" if details else ""
        story.append(para(f"{number}．{esc(item.item_name)}{suffix}", BODY_INDENT))

    story.append(para("二、检查时间和检查方法", HEADING))
    start = doc.visit_start or task.start_date
    end = doc.visit_end or task.end_date
    story.append(para(f"检查时间：{cn_period(start, end)}期间，具体时间以检查人员到场为准。", BODY_INDENT))
    methods = "、".join(esc(m) for m in _methods(doc)) or "实地检查"
    story.append(
        para(
            f"检查方法：{methods}。检查由两名以上执法人员实施，检查时出示行政执法证件；"
            "检查人员与你单位有利害关系的，你单位有权申请其回避。",
            BODY_INDENT,
        )
    )

    story.append(para("三、需要准备的资料", HEADING))
    materials = _unique(list(doc.materials) or [m for item in doc.items for m in item.materials])
    if materials:
        # One paragraph, not one line each: a long list would push the seals to a second page.
        listed = "；".join(f"{n}．{esc(m)}" for n, m in enumerate(materials, start=1))
        story.append(para(f"{listed}；以及与上述检查事项有关的其他资料。", BODY_INDENT))
    else:
        story.append(para(DEFAULT_MATERIALS, BODY_INDENT))

    story += [Spacer(1, 2 * mm), para(WARNING_TEXT, BODY_INDENT)]
    # The seals never stand alone on a page: the contacts go with them.
    closing: list[Flowable] = []
    if doc.contacts:
        for contact in doc.contacts:
            who_text = f"（{esc(contact.department)}）" if contact.department else ""
            closing.append(
                para(
                    f"联系人：{esc(contact.name)}{who_text}{space(2)}联系电话：{esc(contact.phone)}",
                    BODY_INDENT,
                )
            )
    else:
        closing.append(para(f"联系人：{blank(6)}{space(2)}联系电话：{blank(8)}", BODY_INDENT))
    closing += [Spacer(1, 3 * mm), SealBlock(doc.issuers, doc.issue_date)]
    story += [KeepTogether(closing), Spacer(1, 5 * mm), _receipt(doc)]
    return story


def _receipt(doc: NoticeDoc) -> Flowable:
    label = para("送达回执", CELL.clone("lc-receipt-head", alignment=1))
    body = para(
        f"本通知书已于{space(1)}{cn_date(None, blank_width=2.5)}{space(1)}时收到。"
        f"{space(3)}检查对象签收人（签字/盖章）：{blank(8)}",
        CELL,
    )
    note = Paragraph(f"本通知书一式两份，一份送达{esc(doc.target.name)}，一份由检查机关存档。", SMALL)
    return grid_table(
        [[label, body], ["", note]], [22 * mm, CONTENT_WIDTH - 22 * mm], extra=[("SPAN", (0, 0), (0, 1))]
    )
