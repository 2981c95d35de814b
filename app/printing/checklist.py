"""联合检查单: every department's checkpoints for one target, laid out like the official
双随机抽查记录表 (template_A01/A07/A08/B03): 序号 / 检查内容 / 操作方法与要领 / 是否检查 /
发现问题情况, then 要求提供材料, 检查结果, 后续处置 and the signatures.

The checkpoint table repeats its column header on every page it runs onto; the running
header names the task and the target, so a loose continuation page is never anonymous.
"""

from __future__ import annotations

import logging

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing.blocks import (
    LABEL_WIDTH,
    follow_up_list,
    labelled,
    materials_grid,
    members_text,
    result_tree,
    signature_cell,
    target_header,
)
from app.printing.data import ChecklistDoc, ItemSection
from app.printing.styles import (
    CELL,
    CELL_HEAD,
    CELL_SMALL,
    CONTENT_WIDTH,
    SHADE,
    TITLE_SIZE,
    cn_ordinal,
    esc,
)
from app.printing.text import text_cell, text_chunks
from app.printing.widgets import BoldTitle, RunLines, box_run, grid_table, para, text_run

logger = logging.getLogger(__name__)

# 序号 | 检查内容 | 操作方法与要领 | 是否检查 | 发现问题情况 (A4 portrait, 180 mm)
COLUMNS: tuple[float, ...] = (9 * mm, 47 * mm, 80 * mm, 15 * mm, 29 * mm)

# Shared by every row: drawn without Paragraph (see RunLines).
_CHECKED_CELL = RunLines([[box_run(), text_run(" 是")], [box_run(), text_run(" 否")]], stamp="checked")
_FOUND_CELL = RunLines(
    [[box_run(), text_run(" 无 "), box_run(), text_run(" 有")], [text_run("（需记录，可另附页）")]],
    size=7.5,
    stamp="found",
)


CELL_PADDING = 2.5
# A longer checkpoint continues in the next row (see text_chunks), so every row fits a page.
MAX_ROW_HEIGHT = 240.0


def _text_width(column: int) -> float:
    return COLUMNS[column] - 2 * CELL_PADDING


def _departments(sections: tuple[ItemSection, ...]) -> list[tuple[str, list[ItemSection]]]:
    groups: dict[str, list[ItemSection]] = {}
    for section in sections:
        groups.setdefault(section.department, []).append(section)
    return list(groups.items())


def checkpoint_table(doc: ChecklistDoc) -> Flowable:
    """The checkpoint grid, grouped by department then item, numbered 1…N throughout."""
    header = [para(t, CELL_HEAD) for t in ("序号", "检查内容", "操作方法与要领", "是否检查", "发现问题情况")]
    rows: list[list[object]] = [header]
    style: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
    ]
    number = 0
    for dept_index, (department, sections) in enumerate(_departments(doc.sections), start=1):
        count = sum(len(s.checkpoints) for s in sections)
        row = len(rows)
        rows.append(
            [
                para(
                    f"{cn_ordinal(dept_index)}、{esc(department)}"
                    f"（{len(sections)} 项事项，{count} 个检查要点）",
                    CELL,
                )
            ]
        )
        style += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), SHADE)]
        department_row: int | None = row
        for item_index, section in enumerate(sections, start=1):
            row = len(rows)
            # Two single-style paragraphs: mixed markup takes reportlab's much slower path.
            heading: list[Flowable] = [text_cell(f"（{cn_ordinal(item_index)}）{section.item_name}", CELL)]
            if section.basis:
                heading.append(text_cell(f"检查依据：{section.basis}", CELL_SMALL))
            rows.append([heading])
            style.append(("SPAN", (0, row), (-1, row)))
            # Headings are never left at the foot of a page: they stay with the first row after them.
            if section.checkpoints:
                start = row if department_row is None else department_row
                style.append(("NOSPLIT", (0, start), (-1, row + 1)))
            department_row = None
            for checkpoint in section.checkpoints:
                number += 1
                contents = text_chunks(
                    checkpoint.content, CELL, width=_text_width(1), max_height=MAX_ROW_HEIGHT
                )
                methods: list[Flowable] = (
                    text_chunks(
                        checkpoint.method, CELL_SMALL, width=_text_width(2), max_height=MAX_ROW_HEIGHT
                    )
                    if checkpoint.method
                    else []
                )
                first = len(rows)
                for part in range(max(len(contents), len(methods), 1)):
                    content = contents[part] if part < len(contents) else ""
                    method = methods[part] if part < len(methods) else ""
                    if part == 0:
                        rows.append([str(number), content, method, _CHECKED_CELL, _FOUND_CELL])
                    else:
                        rows.append([text_cell("（续）", CELL_SMALL), content, method, "", ""])
                if len(rows) - first > 1:
                    style.append(("VALIGN", (0, first), (-1, len(rows) - 1), "TOP"))
        if doc.other_row:
            number += 1
            rows.append([str(number), text_cell("其他", CELL), "", _CHECKED_CELL, _FOUND_CELL])
    return grid_table(rows, COLUMNS, extra=style, repeat_rows=1, padding=CELL_PADDING)


def _tail(doc: ChecklistDoc) -> Flowable:
    inner = CONTENT_WIDTH - LABEL_WIDTH
    half = (CONTENT_WIDTH - 2 * LABEL_WIDTH) / 2
    rows: list[list[object]] = [
        [labelled("检查结果"), result_tree(doc.codes, width=inner - 6), "", ""],
        [labelled("后续处置"), follow_up_list(doc.codes, width=inner - 6), "", ""],
        [
            labelled("被检查对象意见"),
            signature_cell("对以上检查情况的意见（签字/盖章）：", height_lines=1),
            "",
            "",
        ],
        [
            labelled("检查人员"),
            signature_cell("（签字）", height_lines=2),
            labelled("组长审核意见"),
            signature_cell("", height_lines=2),
        ],
        [labelled("备注"), text_cell(doc.remarks, CELL), "", ""],
    ]
    spans = [("SPAN", (1, r), (3, r)) for r in (0, 1, 2, 4)]
    shade = [("BACKGROUND", (0, 0), (0, -1), SHADE), ("BACKGROUND", (2, 3), (2, 3), SHADE)]
    return grid_table(
        rows,
        [LABEL_WIDTH, half, LABEL_WIDTH, half],
        extra=[*spans, *shade, ("VALIGN", (1, 0), (1, 1), "TOP")],
    )


def _materials(doc: ChecklistDoc) -> Flowable:
    inner = CONTENT_WIDTH - LABEL_WIDTH
    materials = [m for s in doc.sections for m in s.materials]
    rows: list[list[object]] = [[labelled("要求提供材料"), materials_grid(materials, width=inner - 6)]]
    return grid_table(rows, [LABEL_WIDTH, inner], extra=[("BACKGROUND", (0, 0), (0, -1), SHADE)])


def checklist_story(doc: ChecklistDoc) -> list[Flowable]:
    """Return the flowables of one checklist (title, header, checkpoints, results, signatures)."""
    extra = []
    if doc.team_name:
        extra.append(("检查组", esc(doc.team_name)))
    extra.append(("检查人员", members_text(doc.members) or "&nbsp;"))
    extra.append(("检查时间", "&nbsp;" * 16 + "年&nbsp;&nbsp;&nbsp;&nbsp;月&nbsp;&nbsp;&nbsp;&nbsp;日"))
    return [
        BoldTitle(doc.title, size=TITLE_SIZE),
        Spacer(1, 1 * mm),
        target_header(doc.task, doc.target, extra=extra),
        Spacer(1, 3 * mm),
        checkpoint_table(doc),
        Spacer(1, 3 * mm),
        _materials(doc),
        # Results, follow-up and signatures stay on one page: they are signed as one.
        KeepTogether([_tail(doc)]),
    ]
