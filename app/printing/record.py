"""随机抽查情况记录表: one target's inspection summed up, as the platform records it.

Task name and number, target, code, address, legal representative and phone, liaison;
the table 检查事项 | 发现问题情况 | 处置情况; 核查方式; 检查结果; 后续处置; and the signatures
of the inspected party, the inspectors, the team leader (审核意见) and the approver of
the publication (结果公示审批意见). Printed blank for the field, or with what was entered.
"""

from __future__ import annotations

import logging

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing.blocks import (
    LABEL_WIDTH,
    check_method_grid,
    follow_up_list,
    labelled,
    members_text,
    result_tree,
    signature_cell,
    target_header,
)
from app.printing.data import RecordDoc
from app.printing.styles import CELL, CELL_HEAD, CONTENT_WIDTH, SHADE, TITLE_SIZE, cn_date, esc
from app.printing.text import text_chunks
from app.printing.widgets import BoldTitle, grid_table, para

logger = logging.getLogger(__name__)

# 检查事项 | 发现问题情况 | 处置情况
ENTRY_COLUMNS: tuple[float, ...] = (62 * mm, 68 * mm, 50 * mm)
_BLANK_ROW_HEIGHT = 13 * mm
MAX_ROW_HEIGHT = 240.0  # longer findings continue in the next row


def _entries_table(doc: RecordDoc) -> Flowable:
    rows: list[list[object]] = [[para(t, CELL_HEAD) for t in ("检查事项", "发现问题情况", "处置情况")]]
    for number, entry in enumerate(doc.entries, start=1):
        item = f"{number}．{esc(entry.item_name)}"
        if entry.department:
            item += f"<br/><font size='7.5'>（{esc(entry.department)}）</font>"
        findings = text_chunks(entry.findings, CELL, width=ENTRY_COLUMNS[1] - 6, max_height=MAX_ROW_HEIGHT)
        disposals = text_chunks(entry.disposal, CELL, width=ENTRY_COLUMNS[2] - 6, max_height=MAX_ROW_HEIGHT)
        for part in range(max(len(findings), len(disposals))):
            rows.append(
                [
                    para(item if part == 0 else "（续）", CELL),
                    # A blank row leaves room to write by hand.
                    [findings[part], Spacer(1, _BLANK_ROW_HEIGHT)]
                    if not entry.findings
                    else (findings[part] if part < len(findings) else ""),
                    disposals[part] if part < len(disposals) else "",
                ]
            )
    return grid_table(rows, ENTRY_COLUMNS, extra=[("BACKGROUND", (0, 0), (-1, 0), SHADE)], repeat_rows=1)


def _tail(doc: RecordDoc) -> Flowable:
    half = (CONTENT_WIDTH - 2 * LABEL_WIDTH) / 2
    inner = CONTENT_WIDTH - LABEL_WIDTH
    names = members_text(doc.members, with_department=False)
    rows: list[list[object]] = [
        [labelled("核查方式"), check_method_grid(doc.codes, doc.check_methods, width=inner - 6), "", ""],
        [labelled("检查结果"), result_tree(doc.codes, doc.results, width=inner - 6), "", ""],
        [
            labelled("后续处置"),
            follow_up_list(doc.codes, doc.follow_ups, note=doc.follow_up_note, width=inner - 6),
            "",
            "",
        ],
        [
            labelled("被检查对象"),
            signature_cell("（签字/盖章）", height_lines=2),
            labelled("检查人员"),
            signature_cell("（签字）", names=names, height_lines=2),
        ],
        [
            labelled("组长审核意见"),
            signature_cell("", height_lines=2),
            labelled("结果公示审批意见"),
            signature_cell("", height_lines=2),
        ],
    ]
    spans = [("SPAN", (1, r), (3, r)) for r in (0, 1, 2)]
    shade = [("BACKGROUND", (0, 0), (0, -1), SHADE), ("BACKGROUND", (2, 3), (2, 4), SHADE)]
    return grid_table(
        rows,
        [LABEL_WIDTH, half, LABEL_WIDTH, half],
        extra=[*spans, *shade, ("VALIGN", (1, 1), (1, 2), "TOP")],
    )


def record_story(doc: RecordDoc) -> list[Flowable]:
    """Return the flowables of one 随机抽查情况记录表."""
    extra = [
        ("检查人员", members_text(doc.members) or "&nbsp;"),
        ("检查日期", cn_date(doc.inspected_on, blank_width=3)),
    ]
    return [
        BoldTitle(doc.title, size=TITLE_SIZE),
        Spacer(1, 1 * mm),
        target_header(doc.task, doc.target, extra=extra),
        Spacer(1, 3 * mm),
        _entries_table(doc),
        Spacer(1, 3 * mm),
        KeepTogether([_tail(doc)]),
    ]
