"""Each document kind carries the fields of the official form it replaces."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.printing import AdvanceNoticeForbidden, Checkpoint, ItemSection, TargetInfo, build_pdf
from app.printing.checklist import _text_width
from app.printing.fonts import CJK_FONT
from app.printing.styles import CELL_SMALL, esc
from app.printing.text import break_lines
from app.services.codes import load_code_tables
from tests.helpers import printing_samples as s
from tests.unit.printing.conftest import build


def test_notice_has_the_official_parts() -> None:
    pdf = build([s.notice(t) for t in s.TARGETS])
    assert pdf.result.documents[0].kind.value == "notice"
    assert len(pdf.result.documents) == 3
    for span, target in zip(pdf.result.documents, s.TARGETS, strict=True):
        pages = range(span.first_page - 1, span.first_page - 1 + span.page_count)
        flat = "".join(pdf.flat(p) for p in pages)
        assert f"{target.name}（统一社会信用代码/注册号：{target.code}）：" in flat
        assert "龙华市监抽查〔2025〕17号" in flat
        assert s.TASK.name in flat
        for heading in ("一、抽查检查事项", "二、检查时间和检查方法", "三、需要准备的资料"):
            assert heading in flat
        for section in s.SECTIONS:
            assert section.item_name in flat
        assert "2025年10月13日至2025年11月28日" in flat
        assert "国家企业信用信息公示系统向社会公示" in flat
        assert "陈晓梅" in flat and "0898-66532100" in flat
        assert "2025年10月9日" in flat
        assert flat.count("（盖章）") == 3  # one seal box per issuing department
        assert "送达回执" in flat
    # Methods are merged across items without repeats ("现场检查等" is "现场检查").
    assert "检查方法：现场检查、书面检查、网络检查、专业机构核查。" in pdf.flat()


def test_notice_is_refused_when_the_task_forbids_advance_notice(tmp_path) -> None:
    doc = s.notice(task=s.NO_NOTICE_TASK)
    out = tmp_path / "n.pdf"
    with pytest.raises(AdvanceNoticeForbidden, match="不得事先告知"):
        build_pdf([s.checklist(), doc], out)
    assert not out.exists()
    assert not list(tmp_path.iterdir())


def test_checklist_lists_every_department_item_and_checkpoint() -> None:
    pdf = build([s.checklist()])
    flat = pdf.flat()
    for heading in ("序号", "检查内容", "操作方法与要领", "是否检查", "发现问题情况"):
        assert heading in flat
    assert "一、海口市龙华区市场监督管理局（4项事项，10个检查要点）" in flat
    assert "二、海口市龙华区消防救援大队（1项事项，4个检查要点）" in flat
    assert "三、海口市龙华区农业农村局（1项事项，1个检查要点）" in flat
    for section in s.SECTIONS:
        assert section.item_name in flat
        for checkpoint in section.checkpoints:
            assert "".join(checkpoint.content.split()) in flat
    # Header: target, code, address, legal representative, members with certificates.
    target = s.TARGETS[0]
    for value in (target.name, target.code, target.address, target.legal_representative, target.phone):
        assert value in flat
    assert "执法证号46010020170031" in flat and "琼消执字第0326号" in flat
    # Result and follow-up check boxes come from the code tables.
    codes = load_code_tables()
    for _depth, node in codes.walk_results():
        assert f"☐{node.label}" in flat
    for option in codes.follow_ups:
        assert f"☐{option.label}" in flat
    for part in ("要求提供材料", "☐食品经营许可证", "被检查对象意见", "检查人员", "组长审核意见", "备注"):
        assert part in flat
    assert flat.count("☐是") == 18  # 15 checkpoints + one 其他 row per department


def test_eighty_checkpoints_span_pages_with_repeated_headers() -> None:
    sections = s.many_checkpoints(80)
    target = s.TARGETS[1]
    pdf = build([s.checklist(target, sections=sections)])
    pages = pdf.result.documents[0].page_count
    assert pages >= 4
    assert pdf.result.page_count == pages
    for page in range(pages):
        flat = pdf.flat(page)
        # Running header: task and target on every page, continuation pages included.
        assert s.TASK.name in flat, page
        assert f"检查对象：{target.name}（{target.code}）" in flat, page
        assert f"第{page + 1}页共" in flat and f"本件第{page + 1}页共" in flat
    # The column header is repeated on every page the checkpoint table runs onto.
    table_pages = [p for p in range(pages) if "操作方法与要领" in pdf.pages[p]]
    assert len(table_pages) >= pages - 1
    for number in range(1, 81 + 3):  # 80 checkpoints + 其他 per department (3)
        assert f"\n{number} " in f"\n{pdf.text}" or f"\n{number}\n" in f"\n{pdf.text}\n", number


def test_long_chinese_text_wraps_inside_its_cell() -> None:
    long_method = "随机抽取2种以上食品，核查食品是否在保质期内，感官是否异常（腐烂变质等）；" * 60
    section = ItemSection(
        "海口市龙华区市场监督管理局", "超长检查要点测试", (Checkpoint("超长内容", long_method),)
    )
    pdf = build([s.checklist(sections=(section,))])
    assert pdf.result.page_count >= 2  # a row taller than a page continues, not cut off
    # Every line of the wrapped text is printed, in order, on the pages that follow.
    lines = break_lines(long_method, font_name=CJK_FONT, size=CELL_SMALL.fontSize, width=_text_width(2))
    assert len(lines) > 60
    text = pdf.text
    position = 0
    for line in lines:
        position = text.index(line, position)
    assert pdf.flat().count("（续）") >= 1


def test_long_paragraph_lines_stay_within_the_column() -> None:
    from reportlab.platypus import Paragraph

    from app.printing.fonts import register_fonts
    from app.printing.styles import CELL

    register_fonts()
    text = "通过对企业营业执照、最新章程、股东、员工名册、所查年度财务资料、网站信息等资料，" * 20
    width = 60 * 2.8346
    paragraph = Paragraph(esc(text), CELL)
    paragraph.wrap(width, 10_000)
    lines = paragraph.blPara.lines
    assert len(lines) > 10
    for line in lines:
        # extra space may be negative by at most one hanging punctuation mark
        assert line[0] > -CELL.fontSize, line
        assert not line[1][0].startswith(("，", "、", "；", "。")), line[1][0]


def test_special_characters_are_printed_not_interpreted() -> None:
    target = TargetInfo("X1", "A&B <食品> 商行\u3000二店", "91460100MA5RH3W71H", "x路1号")
    pdf = build([s.checklist(target)])
    assert "A&B<食品>商行二店" in pdf.flat()
    assert "&nbsp;" in esc("\u3000") and "&amp;" in esc("&")


def test_record_prints_blank_and_filled() -> None:
    blank = build([s.record()])
    flat = blank.flat()
    for part in (
        "随机抽查情况记录表",
        "抽查任务名称",
        "任务编号",
        "检查对象名称",
        "统一社会信用代码",
        "住所（经营场所）",
        "法定代表人（负责人）",
        "联络员及电话",
        "检查事项",
        "发现问题情况",
        "处置情况",
        "核查方式",
        "检查结果",
        "后续处置",
        "被检查对象",
        "组长审核意见",
        "结果公示审批意见",
    ):
        assert part in flat, part
    assert "☑" not in blank.text
    filled = build([s.record(filled=True)])
    flat = filled.flat()
    assert "☑实地检查" in flat and "☑书面检查" in flat and "☐检验检测" in flat
    assert "☑发现问题待后续处理" in flat and "☑违反食品药品管理相关规定" in flat and "☐未发现问题" in flat
    assert "☑其他：7日内复查整改情况" in flat
    assert "冷藏柜内发现2批次超过保质期的鲜奶" in flat
    assert "2025年10月21日" in flat


def test_dispatch_sheet_lists_members_and_route_in_order() -> None:
    pdf = build([s.dispatch()])
    flat = pdf.flat()
    for member in s.MEMBERS:
        assert member.name in flat and member.department in flat
        if member.certificate_number:
            assert member.certificate_number in flat
    assert "（专家，不计入执法人员）" in flat
    positions = [flat.index(t.name) for t in s.TARGETS]
    assert positions == sorted(positions)
    for target in s.TARGETS:
        assert target.code in flat
    assert "10月20日周一" in flat and "10月22日周三" in flat
    assert "检查组组长签收" in flat and "派单日期：2025年10月10日" in flat


def test_draw_record_carries_what_is_needed_to_rerun_it() -> None:
    doc = s.draw_record()
    pdf = build([doc])
    flat = pdf.flat()
    text = pdf.text
    assert "随机抽取记录（检查对象）" in flat
    assert "「83027 51946 20318 77465」" in text  # the seed verbatim, spaces kept
    assert "2025年10月09日09:30:12" in flat
    for stratum in doc.strata:
        assert stratum.population_sha256 in flat
        assert f"{stratum.population_size:,}" in flat
    assert "抽取前排除的对象（共3个）" in flat
    for exclusion in doc.exclusions:
        assert exclusion.entity_id in flat and "".join(exclusion.reason.split()) in flat
    for pick in doc.selections:
        assert pick.entity_id in flat
    assert "郑海生" in flat and "许文静" in flat and "见证人" in flat
    assert "consistent-sampler" in flat
    assert "lianchaverifydraw-D2025-017-1.json" in flat
    assert "取代的抽取" in flat and "D2025-017-0" in flat
    assert "本次抽取已作废" not in flat


def test_voided_draw_says_so_on_every_page() -> None:
    doc = s.draw_record(voided=True, selections=60, exclusions=25)
    pdf = build([doc])
    assert pdf.result.page_count >= 3
    assert "本次抽取已作废。作废原因：名录快照遗漏城西镇新登记的12户餐饮单位" in pdf.flat(0)
    for page in range(pdf.result.page_count):
        assert "（已作废）" in pdf.flat(page)
    assert "抽取前排除的对象（共25个）" in pdf.flat()


def test_empty_draw_lists_print_none() -> None:
    doc = replace(s.draw_record(), exclusions=(), selections=(), witnesses=())
    flat = build([doc]).flat()
    assert "抽取前排除的对象（共0个）无。" in flat
    assert "抽取结果（按票号顺序，共0个）无。" in flat


def test_edited_long_labels_fall_back_to_wrapping() -> None:
    long_label = (
        "违反市场监管相关规定（含登记、公示、价格、广告、计量、标准化、"
        "认证认可、检验检测等各类市场监管法律法规规章）"
    )
    codes = load_code_tables().with_labels({"2": long_label})
    pdf = build([replace(s.checklist(), codes=codes)])
    assert f"☐{long_label}" in pdf.flat()
    assert "☐未按规定公示应当公示的信息" in pdf.flat()


def test_minimal_documents_print_blanks_to_fill_in() -> None:
    from datetime import date, datetime

    from app.printing import (
        ChecklistDoc,
        DispatchDoc,
        DrawKind,
        DrawRecordDoc,
        NoticeDoc,
        RecordDoc,
        TaskInfo,
    )

    task = TaskInfo(task_id="1", number="", name="临时任务", lead_department="县市场监管局")
    target = TargetInfo(target_id="t", name="某商户")
    docs = [
        NoticeDoc(task, target, "r", items=(), issuers=(), issue_date=date(2025, 1, 2)),
        ChecklistDoc(task, target, "r", sections=()),
        RecordDoc(task, target, "r", entries=()),
        DispatchDoc(task, "team", "第1组", members=(), stops=(), issuer="", issue_date=date(2025, 1, 2)),
        DrawRecordDoc(
            task,
            "d",
            DrawKind.INSPECTORS,
            datetime(2025, 1, 2, 3, 4),
            "张三",
            (),
            "cs",
            "1",
            "",
            "",
            strata=(),
        ),
    ]
    pdf = build(docs)
    assert [d.kind.value for d in pdf.result.documents] == [
        "notice",
        "checklist",
        "record",
        "dispatch",
        "draw-record",
    ]
    flat = pdf.flat()
    assert "某商户：" in flat and "检查时间：年月日至年月日期间" in flat  # blank dates to fill in
    assert "联系人：" in flat and "随机抽取记录（检查人员）" in flat
