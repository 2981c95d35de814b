"""Blocks that several forms share: the target header, code-table check boxes, signatures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table

from app.printing.data import TargetInfo, TaskInfo, TeamMember
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
    space,
)
from app.printing.widgets import borderless_table, grid_table, para
from app.services.codes import CodeTables, ResultCategory

LABEL_WIDTH = 30 * mm
# Leaves this short are printed several to a line (注销 被吊销 被撤销 迁出), as on the paper form.
_SHORT_LABEL = 4


def labelled(text: str) -> Paragraph:
    """A label cell (centred, may wrap)."""
    return para(esc(text), LABEL)


def value(text: str) -> Paragraph:
    """A value cell (left, wraps)."""
    return para(esc(text), CELL)


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


def _line(depth: int, markup: str) -> Paragraph:
    style = CELL.clone(f"lc-tree-{depth}", leftIndent=depth * 1.6 * CELL.fontSize)
    return Paragraph(markup, style)


def _option(node: ResultCategory, ticked: frozenset[str]) -> str:
    return f"{box(node.code in ticked)}{esc(node.label)}"


def result_tree(codes: CodeTables, ticked: frozenset[str] = frozenset(), *, width: float) -> Table:
    """The 检查结果 check boxes laid out like the paper form.

    Categories without sub-categories are listed on the left (short ones several to a
    line); categories with sub-categories are drawn on the right as an indented tree.

    Args:
        codes: the code tables.
        ticked: codes to print ticked (filled-in records); empty for a blank form.
        width: the cell width available.
    """
    left: list[Flowable] = []
    pending_short: list[str] = []

    def flush() -> None:
        if pending_short:
            left.append(_line(0, space(1).join(pending_short)))
            pending_short.clear()

    right: list[Flowable] = []
    for root in codes.results:
        if root.children:
            right.extend(_line(depth, _option(node, ticked)) for depth, node in root.walk())
        elif len(root.label) <= _SHORT_LABEL:
            pending_short.append(_option(root, ticked))
        else:
            flush()
            left.append(_line(0, _option(root, ticked)))
    flush()
    return borderless_table([[left, right]], [width * 0.45, width * 0.55], padding=(0, 2, 0, 0))


def follow_up_list(
    codes: CodeTables, ticked: frozenset[str] = frozenset(), *, note: str = ""
) -> list[Flowable]:
    """The 后续处置 check boxes, one per line; a free-text option gets a blank (or the note)."""
    lines: list[Flowable] = []
    for option in codes.follow_ups:
        markup = f"{box(option.code in ticked)}{esc(option.label)}"
        if option.free_text:
            markup += f"<u>{space(1)}{esc(note)}{space(1)}</u>" if note else blank(20)
        lines.append(para(markup, CELL))
    return lines


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
    cell: list[Flowable] = [para(esc(label), CELL)]
    if names:
        cell.append(para(names, CELL.clone("lc-sig-names", fontSize=7.5, leading=10)))
    cell.extend(para("&nbsp;", CELL) for _ in range(height_lines))
    if dated:
        cell.append(para(cn_date(None, blank_width=2.5), CELL_RIGHT))
    return cell
