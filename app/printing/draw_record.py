"""随机抽取记录: the witnessed record of one draw, enough to re-run it from paper.

It prints what DRAW.md requires of the record: task, time, operator, witnesses (with
signature lines), algorithm and version, the exact seed and how it was produced, per
stratum the population size and the SHA-256 of its sorted id list, the parameters, the
exclusions with reasons, the selection in ticket order, the void reason where voided,
and how anyone can verify the draw independently.
"""

from __future__ import annotations

import hashlib
import logging

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from app.printing.blocks import LABEL_WIDTH, labelled, value
from app.printing.data import DrawRecordDoc
from app.printing.fonts import CJK_FONT, SYMBOL_FONT
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
    esc,
    space,
)
from app.printing.text import text_cell
from app.printing.widgets import BoldTitle, grid_table, para

logger = logging.getLogger(__name__)

_HEX = CELL.clone("lc-hex", fontName=SYMBOL_FONT, fontSize=7.5, leading=9.5, wordWrap="CJK")
_VOID = BODY.clone("lc-void", fontSize=12, leading=17, textColor=colors.Color(0.7, 0, 0))

VERIFY_TEXT = (
    "独立核验方法：本次抽取使用公开算法“一致抽样”（consistent sampling，R. L. Rivest），"
    "任何人无需本软件即可复核。① 对每一分层，取抽取前的标识名录（排除项已去除），按字符顺序排序，"
    "以换行符连接后按 UTF-8 计算 SHA-256，结果应与上表“名录 SHA-256”一致；"
    "② 使用公开的 Python 软件包 consistent-sampler（PyPI），以上述种子原文调用 "
    "sampler(名录, seed=种子, take=抽取数量, output='id')，所得标识及顺序应与“抽取结果”一致；"
    "③ 也可运行 <font name='{sym}'>liancha verify {file}</font>，由联查按本记录的电子文件逐项复算。"
    "本记录的电子文件与名录文件随任务归档，可向组织抽取的部门申请查阅。"
)


def _kv_table(rows: list[tuple[str, object]]) -> Flowable:
    cells = [[labelled(label), content] for label, content in rows]
    return grid_table(
        cells,
        [LABEL_WIDTH + 4 * mm, CONTENT_WIDTH - LABEL_WIDTH - 4 * mm],
        extra=[("BACKGROUND", (0, 0), (0, -1), SHADE)],
    )


def _seed_cell(seed: str) -> list[Flowable]:
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    visible = esc(seed).replace(" ", "&nbsp;")
    return [
        para(f"「{visible}」<font size='7.5'>{space(1)}（共 {len(seed)} 个字符，不含书名号）</font>", CELL),
        Paragraph(f"<font name='{CJK_FONT}'>种子的 SHA-256：</font>{digest}", _HEX),
    ]


def _strata(doc: DrawRecordDoc) -> Flowable:
    head = [
        para(t, CELL_HEAD)
        for t in ("分层", "名录数量", "抽取数量", "数量规则", "名录 SHA-256（排序后以换行连接）")
    ]
    rows: list[list[object]] = [head]
    for stratum in doc.strata:
        rows.append(
            [
                value(stratum.name),
                para(f"{stratum.population_size:,}", CELL_CENTER),
                para(f"{stratum.sample_size:,}", CELL_CENTER),
                text_cell(stratum.rule, CELL_SMALL),
                Paragraph(esc(stratum.population_sha256), _HEX),
            ]
        )
    widths = (28 * mm, 18 * mm, 18 * mm, 40 * mm, 76 * mm)
    return grid_table(rows, widths, extra=[("BACKGROUND", (0, 0), (-1, 0), SHADE)], repeat_rows=1)


def _exclusions(doc: DrawRecordDoc) -> list[Flowable]:
    count = len(doc.exclusions)
    story: list[Flowable] = [para(f"四、抽取前排除的对象（共 {count} 个）", HEADING)]
    if not count:
        story.append(para("无。", BODY))
        return story
    head = [para(t, CELL_HEAD) for t in ("序号", "标识", "名称", "排除原因")]
    rows: list[list[object]] = [head]
    for number, item in enumerate(doc.exclusions, start=1):
        rows.append(
            [str(number), value(item.entity_id), value(item.name), text_cell(item.reason, CELL_SMALL)]
        )
    widths = (12 * mm, 46 * mm, 64 * mm, 58 * mm)
    story.append(
        grid_table(
            rows,
            widths,
            extra=[("BACKGROUND", (0, 0), (-1, 0), SHADE), ("ALIGN", (0, 1), (0, -1), "CENTER")],
            repeat_rows=1,
        )
    )
    return story


def _selections(doc: DrawRecordDoc) -> list[Flowable]:
    story: list[Flowable] = [para(f"五、抽取结果（按票号顺序，共 {len(doc.selections)} 个）", HEADING)]
    if not doc.selections:
        story.append(para("无。", BODY))
        return story
    detail_head = "所在部门" if doc.draw_kind.value == "inspectors" else "住所／说明"
    head = [para(t, CELL_HEAD) for t in ("序号", "标识", "名称", detail_head, "分层", "检查组")]
    rows: list[list[object]] = [head]
    for item in doc.selections:
        ident = esc(item.entity_id)
        if item.ticket:
            ident += f"<br/><font size='6.5'>票号 {esc(item.ticket)}</font>"
        rows.append(
            [
                str(item.position),
                para(ident, CELL),
                value(item.name),
                text_cell(item.detail, CELL_SMALL),
                text_cell(item.stratum, CELL_SMALL),
                text_cell(item.team, CELL_SMALL),
            ]
        )
    widths = (11 * mm, 40 * mm, 52 * mm, 37 * mm, 20 * mm, 20 * mm)
    story.append(
        grid_table(
            rows,
            widths,
            extra=[("BACKGROUND", (0, 0), (-1, 0), SHADE), ("ALIGN", (0, 1), (0, -1), "CENTER")],
            repeat_rows=1,
        )
    )
    return story


def _signatures(doc: DrawRecordDoc) -> Flowable:
    head = [para(t, CELL_HEAD) for t in ("身份", "姓名", "单位／身份", "签字")]
    rows: list[list[object]] = [head, [para("操作人员", CELL_CENTER), value(doc.operator), "", ""]]
    for witness in doc.witnesses:
        rows.append([para("见证人", CELL_CENTER), value(witness.name), value(witness.affiliation), ""])
    if not doc.witnesses:
        rows.append([para("见证人", CELL_CENTER), "", "", ""])
    widths = (22 * mm, 36 * mm, 62 * mm, 60 * mm)
    table = grid_table(
        rows,
        widths,
        extra=[
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("TOPPADDING", (0, 1), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 7),
        ],
    )
    return KeepTogether([para("六、操作与见证", HEADING), table])


def draw_record_story(doc: DrawRecordDoc) -> list[Flowable]:
    """Return the flowables of one draw record."""
    task = doc.task
    story: list[Flowable] = [
        BoldTitle(f"随机抽取记录（{doc.draw_kind.label}）", size=TITLE_SIZE),
        Spacer(1, 2 * mm),
    ]
    if doc.void is not None:
        void = doc.void
        text = (
            f"本次抽取已作废。作废原因：{esc(void.reason)}；作废时间：{void.voided_at:%Y-%m-%d %H:%M}；"
            f"作废操作人：{esc(void.voided_by)}。"
        )
        if void.replaced_by:
            text += f"重新抽取的记录编号：{esc(void.replaced_by)}。"
        table = grid_table(
            [[para(text, _VOID)]],
            [CONTENT_WIDTH],
            extra=[("BOX", (0, 0), (-1, -1), 1.5, colors.Color(0.7, 0, 0))],
        )
        story += [table, Spacer(1, 3 * mm)]

    general: list[tuple[str, object]] = [
        ("抽查任务", value(f"{task.name}（{task.number}）")),
        ("抽取类型", value(doc.draw_kind.label)),
        ("记录编号", value(doc.draw_id)),
        ("抽取时间", value(f"{doc.drawn_at:%Y年%m月%d日 %H:%M:%S}")),
        ("操作人员", value(doc.operator)),
        (
            "见证人",
            value(
                "、".join(w.name + (f"（{w.affiliation}）" if w.affiliation else "") for w in doc.witnesses)
                or "无"
            ),
        ),
    ]
    if doc.replaces_draw_id:
        general.append(("取代的抽取", value(f"记录编号 {doc.replaces_draw_id}（已作废，作废原因见该记录）")))
    story += [para("一、基本情况", HEADING), _kv_table(general)]

    method: list[tuple[str, object]] = [
        ("算法及版本", value(f"{doc.algorithm}，版本 {doc.algorithm_version}")),
        ("随机种子", _seed_cell(doc.seed)),
        ("种子产生方式", value(doc.seed_source)),
    ]
    method += [(p.label, value(p.value)) for p in doc.parameters]
    story += [para("二、算法、种子与参数", HEADING), _kv_table(method)]
    story += [para("三、抽取总体（种子确定前已固定）", HEADING), _strata(doc)]
    story += _exclusions(doc)
    story += _selections(doc)
    story.append(_signatures(doc))
    story += [Spacer(1, 3 * mm), para(VERIFY_TEXT.format(sym=SYMBOL_FONT, file=esc(doc.record_file)), BODY)]
    return story
