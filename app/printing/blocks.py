"""Blocks that several forms share: the target header, code-table check boxes, signatures."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from app.printing.data import TargetInfo, TaskInfo, TeamMember
from app.printing.fonts import SYMBOL_FONT
from app.printing.styles import (
    CELL,
    CELL_RIGHT,
    CONTENT_WIDTH,
    LABEL,
    SHADE,
    blank,
    box,
    cn_date,
    esc,
)
from app.printing.text import text_cell
from app.printing.widgets import Run, RunLines, borderless_table, box_run, grid_table, para, text_run
from app.services.codes import CodeTables

LABEL_WIDTH = 30 * mm
# Leaves this short are printed several to a line (注销 被吊销 被撤销 迁出), as on the paper form.
_SHORT_LABEL = 4


def labelled(text: str) -> Flowable:
    """A label cell (centred, may wrap)."""
    return text_cell(text, LABEL)


def value(text: str) -> Flowable:
    """A value cell (left, wraps)."""
    return text_cell(text, CELL)


def members_text(members: Sequence[TeamMember], *, with_department: bool = True) -> str:
    """Team members as one line of markup: ``张三（组长，县市场监管局，执法证号 …）；…``."""
    parts = []
    for member in members:
        bits = [member.role.label] if member.role.value != "member" else []
        if with_department and member.department:
            bits.append(member.department)
        if member.certificate_number:
            bits.append(f"执法证号 {member.certificate_number}")
        suffix = f"（{'，'.join(bits)}）" if bits else ""
        parts.append(esc(member.name + suffix))
    return "；".join(parts)


def target_header(
    task: TaskInfo,
    target: TargetInfo,
    *,
    extra: Iterable[tuple[str, str]] = (),
) -> Table:
    """The header grid of a per-target form: task, target, code, address, representative.

    Args:
        task: the task (name and number).
        target: the target.
        extra: further full-width ``(label, markup)`` rows, e.g. the team's members;
            the markup must already be escaped.
    """
    half = (CONTENT_WIDTH - 2 * LABEL_WIDTH) / 2
    widths = [LABEL_WIDTH, half, LABEL_WIDTH, half]
    rows: list[list[object]] = [
        [labelled("抽查任务名称"), value(task.name), labelled("任务编号"), value(task.number)],
        [labelled("检查对象名称"), value(target.name), "", ""],
        [
            labelled("统一社会信用代码（注册号）"),
            value(target.code),
            labelled("联络员及电话"),
            value(" ".join(x for x in (target.liaison, target.liaison_phone) if x)),
        ],
        [labelled("住所（经营场所）"), value(target.address), "", ""],
        [
            labelled("法定代表人（负责人）"),
            value(target.legal_representative),
            labelled("联系电话"),
            value(target.phone),
        ],
    ]
    spanned = [1, 3]
    for label, markup in extra:
        spanned.append(len(rows))
        rows.append([labelled(label), para(markup, CELL), "", ""])
    style: list[tuple[object, ...]] = [("BACKGROUND", (0, 0), (0, -1), SHADE)]
    for row in range(len(rows)):
        if row in spanned:
            style.append(("SPAN", (1, row), (3, row)))
        else:
            style.append(("BACKGROUND", (2, row), (2, row), SHADE))
    return grid_table(rows, widths, extra=style)


def _option(label: str, checked: bool, depth: int = 0) -> list[Run]:
    indent = [text_run("\u3000" * depth)] if depth else []
    return [*indent, box_run(checked), text_run(label)]


def check_lines(lines: Sequence[Sequence[Run]], *, width: float) -> list[Flowable]:
    """Lines of check boxes and labels, as one stamped drawing when every line fits.

    A blank form's result and follow-up boxes are the same on every page of a batch: drawn
    once as a form XObject, they cost nothing per document. A line too wide for the column
    (an edited label, a long note) falls back to wrapping paragraphs.
    """
    block = RunLines(lines, center=False)
    if block.fits(width):
        digest = hashlib.sha1(repr(lines).encode("utf-8")).hexdigest()[:16]
        return [RunLines(lines, center=False, stamp=f"lines{digest}")]
    flowables: list[Flowable] = []
    for line in lines:
        markup = "".join(
            (f'<font name="{SYMBOL_FONT}">{esc(text)}</font>' if font == SYMBOL_FONT else esc(text))
            for font, text in line
        )
        flowables.append(para(markup, CELL))
    return flowables


def result_tree(codes: CodeTables, ticked: frozenset[str] = frozenset(), *, width: float) -> Table:
    """The 检查结果 check boxes laid out like the paper form.

    Categories without sub-categories are listed on the left (short ones several to a
    line); categories with sub-categories are drawn on the right as an indented tree.

    Args:
        codes: the code tables.
        ticked: codes to print ticked (filled-in records); empty for a blank form.
        width: the cell width available.
    """
    left: list[list[Run]] = []
    pending_short: list[Run] = []

    def flush() -> None:
        if pending_short:
            left.append(pending_short[:-1])  # drop the trailing separator
            pending_short.clear()

    right: list[list[Run]] = []
    for root in codes.results:
        if root.children:
            right.extend(_option(node.label, node.code in ticked, depth) for depth, node in root.walk())
        elif len(root.label) <= _SHORT_LABEL:
            pending_short.extend([*_option(root.label, root.code in ticked), text_run("\u3000")])
        else:
            flush()
            left.append(_option(root.label, root.code in ticked))
    flush()
    widths = [width * 0.45, width * 0.55]
    return borderless_table(
        [[check_lines(left, width=widths[0] - 2), check_lines(right, width=widths[1] - 2)]],
        widths,
        padding=(0, 2, 0, 0),
    )


def follow_up_list(
    codes: CodeTables, ticked: frozenset[str] = frozenset(), *, note: str = "", width: float
) -> list[Flowable]:
    """The 后续处置 check boxes, one per line; a free-text option gets a blank (or the note)."""
    lines: list[list[Run]] = []
    for option in codes.follow_ups:
        line = _option(option.label, option.code in ticked)
        if option.free_text:
            # DejaVu's underscores join into a continuous line to write on.
            line.append(text_run(f" {note}") if note else (SYMBOL_FONT, "_" * 30))
        lines.append(line)
    return check_lines(lines, width=width)


def check_method_grid(codes: CodeTables, ticked: frozenset[str] = frozenset(), *, width: float) -> Table:
    """The 核查方式 check boxes, three to a row."""
    return option_grid([f"{box(o.code in ticked)}{esc(o.label)}" for o in codes.check_methods], width=width)


def option_grid(cells_markup: Sequence[str], *, width: float, columns: int = 3) -> Table:
    """Check-box options in a borderless grid, so that no option's text is broken mid-line.

    Args:
        cells_markup: escaped paragraph markup, one option each.
        width: the width available.
        columns: options per row.
    """
    cells: list[object] = [para(m, CELL) for m in cells_markup]
    while len(cells) % columns:
        cells.append("")
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    return borderless_table(rows, [width / columns] * columns, padding=(0, 4, 0.5, 0.5))


def materials_grid(materials: Iterable[str], *, width: float) -> Table:
    """要求提供材料: a box per material (repeats removed, order kept), plus ``其他`` and a blank."""
    seen = list(dict.fromkeys(m.strip() for m in materials if m.strip()))
    cells = [f"{box()}{esc(m)}" for m in seen]
    cells.append(f"{box()}其他{blank(8)}")
    return option_grid(cells, width=width)


def signature_cell(
    label: str, *, names: str = "", dated: bool = True, height_lines: int = 3
) -> list[Flowable]:
    """A signature area: the label, room to sign, and ``年 月 日`` at the bottom right.

    Args:
        label: e.g. ``检查人员（签字）``.
        names: escaped markup printed small under the label (e.g. members' names).
        dated: print the date line.
        height_lines: blank lines left for the handwriting.
    """
    cell: list[Flowable] = [text_cell(label, CELL)]
    if names:
        cell.append(para(names, CELL.clone("lc-sig-names", fontSize=7.5, leading=10)))
    cell.extend(para("&nbsp;", CELL) for _ in range(height_lines))
    if dated:
        cell.append(para(cn_date(None, blank_width=2.5), CELL_RIGHT))
    return cell
