"""Disclosure tables: only published, public, not withheld results; classified work never appears."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.services.disclosure import (
    LIST_HEADERS,
    RESULT_HEADERS,
    TASK_HEADERS,
    awaiting_publication,
    build_disclosure,
    disclosure_overview,
    disclosure_pdf,
    export_disclosure,
    publication_due,
    result_announcement,
    target_list,
    task_announcement,
    write_disclosure,
)
from app.services.draws import drawn_targets
from app.services.errors import RuleViolation, ValidationError
from app.services.results import approve_result, correct_result, publish_results, submit_result
from tests.unit.results.helpers import TODAY, ResultsEnv, good_payload, problem_payload


def xlsx_text(path: Path) -> str:
    wb = load_workbook(path, read_only=True)
    cells = [
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    ]
    wb.close()
    return "\n".join(cells)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def publish(env: ResultsEnv, iid: int, **changes: object) -> None:
    submit_result(env.ctx, iid, good_payload(env.ctx, iid, **changes), today=TODAY)
    approve_result(env.ctx, iid)
    publish_results(env.ctx, inspection_ids=[iid])


def test_task_announcement_columns(env: ResultsEnv) -> None:
    table = task_announcement(env.ctx, env.drawn.public_task)
    assert table.headers == TASK_HEADERS
    [row] = table.rows
    record = dict(zip(TASK_HEADERS, row, strict=True))
    assert record["抽查计划编号"] == "青山抽查计划〔2026〕1号"
    assert record["抽查任务编号"].startswith("青山市监抽查〔2026〕")
    assert record["抽查类型"] == "不定向抽查（部门联合抽查）"
    assert record["抽查事项"] == "食品销售者经营行为检查、消防安全检查"
    assert record["检查日期自"] == "2026-05-01" and record["检查日期至"] == "2026-06-30"
    assert record["检查机关"] == "青山县市场监督管理局、青山县消防救援大队"
    assert record["抽查市场主体数量"] == str(len(env.drawn.public_inspections))
    with pytest.raises(RuleViolation, match="尚未抽取"):
        task_announcement(env.ctx, env.drawn.undrawn_task)


def test_classified_and_private_tasks_are_refused(env: ResultsEnv, tmp_path: Path) -> None:
    for kind in ("task", "list", "results"):
        with pytest.raises(RuleViolation, match="涉密任务"):
            build_disclosure(env.ctx, kind, env.drawn.classified_task)
        with pytest.raises(RuleViolation, match="设定为不公开"):
            export_disclosure(env.ctx, kind, env.drawn.private_task, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(ValidationError, match="不是公示类型"):
        build_disclosure(env.ctx, "everything", env.drawn.public_task)


def test_results_only_published_public_not_withheld(env: ResultsEnv, tmp_path: Path) -> None:
    ctx = env.ctx
    shown, withheld, pending, corrected = env.drawn.public_inspections[:4]
    names = {t.inspection_id: t.name for t in drawn_targets(ctx, env.drawn.public_task)}
    publish(env, shown)
    publish(env, withheld, withheld=True, withheld_reason="涉及个人隐私，依法不予公开")
    submit_result(ctx, pending, good_payload(ctx, pending), today=TODAY)
    publish(env, corrected)
    correct_result(ctx, corrected, problem_payload(ctx, corrected), "复核更正")
    # Classified work, published in its own way, must not leak into the public task's files.
    for iid in env.drawn.classified_inspections[:2]:
        publish(env, iid, remarks="涉密备注内容")
    classified_only = {t.name for t in drawn_targets(ctx, env.drawn.classified_task)} - set(names.values())
    assert classified_only

    results = result_announcement(ctx, env.drawn.public_task)
    assert results.headers == RESULT_HEADERS
    listed = [dict(zip(RESULT_HEADERS, r, strict=True)) for r in results.rows]
    assert [r["抽查市场主体名称"] for r in listed] == [names[shown], names[corrected]]
    # The correction is pending: the public still sees the published 未发现问题 version.
    assert all(r["检查结果"] == "未发现问题" and r["备注"] == "" for r in listed)
    assert listed[0]["检查完成日期"] == "2026-05-12" and listed[0]["序号"] == "1"
    names_list = target_list(ctx, env.drawn.public_task)
    assert names_list.headers == LIST_HEADERS
    assert names[withheld] not in {r[1] for r in names_list.rows}
    assert len(names_list.rows) == len(env.drawn.public_inspections) - 1

    files = {}
    for kind in ("task", "list", "results"):
        for suffix in ("xlsx", "pdf"):
            path = tmp_path / f"{kind}.{suffix}"
            export_disclosure(ctx, kind, env.drawn.public_task, path)
            files[(kind, suffix)] = xlsx_text(path) if suffix == "xlsx" else pdf_text(path)
            assert not path.with_name(path.name + ".partial").exists()
    for (kind, _), content in files.items():
        assert names[withheld] not in content, kind
        assert "依法不予公开" not in content and "涉密" not in content
        assert not any(name in content for name in classified_only), kind
    assert names[shown] in files[("results", "pdf")] and names[shown] in files[("results", "xlsx")]
    assert names[pending] not in files[("results", "pdf")]
    assert "抽查结果公告" in files[("results", "pdf")] and "统一社会信用代码/注册号" in files[("list", "pdf")]


def test_published_correction_is_noted(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    publish(env, iid)
    correct_result(ctx, iid, problem_payload(ctx, iid), "复核更正")
    approve_result(ctx, iid)
    publish_results(ctx, inspection_ids=[iid])
    [row] = result_announcement(ctx, env.drawn.public_task).rows
    record = dict(zip(RESULT_HEADERS, row, strict=True))
    assert record["检查结果"] == "未按规定公示应当公示的信息"
    assert record["备注"].startswith("该结果已于 ") and record["备注"].endswith(" 更正")


def test_withheld_correction_hides_a_published_result(env: ResultsEnv) -> None:
    ctx, iid = env.ctx, env.drawn.public_inspections[0]
    publish(env, iid)
    correct_result(
        ctx, iid, good_payload(ctx, iid, withheld=True, withheld_reason="依法不予公开"), "应不予公开"
    )
    assert result_announcement(ctx, env.drawn.public_task).rows == ()


def test_pdf_repeats_header_on_many_pages(env: ResultsEnv, tmp_path: Path) -> None:
    table = target_list(env.ctx, env.drawn.public_task)
    many = type(table)(
        table.kind,
        table.title,
        table.headers,
        tuple(
            (str(n), f"测试主体{n}" * 3, "91331122MA0000001X", "青山县市场监督管理局") for n in range(1, 121)
        ),
        table.col_widths,
        table.task_id,
        table.task_number,
    )
    path = write_disclosure(many, tmp_path / "many.pdf")
    pages = PdfReader(str(path)).pages
    assert len(pages) >= 3
    assert all("市场主体名称" in (p.extract_text() or "") for p in pages)
    with pytest.raises(ValidationError, match=r"请用 \.xlsx 或 \.pdf"):
        write_disclosure(many, tmp_path / "many.docx")


def test_page_services_leave_out_classified_private_and_withheld(env: ResultsEnv, tmp_path: Path) -> None:
    ctx, d = env.ctx, env.drawn
    withheld, shown = d.public_inspections[0], d.public_inspections[1]
    for iid, changes in ((withheld, {"withheld": True, "withheld_reason": "涉及个人隐私"}), (shown, {})):
        submit_result(ctx, iid, good_payload(ctx, iid, **changes), today=TODAY)
        approve_result(ctx, iid)
    for iid in (d.classified_inspections[0], d.private_inspections[0]):
        submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
        approve_result(ctx, iid)

    overview = disclosure_overview(ctx, TODAY)
    assert [r.task_id for r in overview] == [d.public_task]
    assert overview[0].awaiting == 1 and overview[0].total == len(d.public_inspections)
    assert [r.inspection_id for r in awaiting_publication(ctx, d.public_task)] == [shown]
    for task in (d.classified_task, d.private_task):
        with pytest.raises(RuleViolation, match="不能生成公示文件"):
            awaiting_publication(ctx, task)
    due = {o.inspection_id for o in publication_due(ctx, TODAY)}
    assert shown in due and withheld not in due
    assert not due & {*d.classified_inspections, *d.private_inspections}

    publish_results(ctx, inspection_ids=[withheld, shown])  # 已公示 / 已审批（不公示）
    withheld_name = next(t.name for t in drawn_targets(ctx, d.public_task) if t.inspection_id == withheld)
    for kind in ("list", "results"):
        pdf = tmp_path / f"{kind}.pdf"
        pdf.write_bytes(disclosure_pdf(build_disclosure(ctx, kind, d.public_task)))
        assert withheld_name not in pdf_text(pdf)
    shown_name = next(t.name for t in drawn_targets(ctx, d.public_task) if t.inspection_id == shown)
    assert shown_name in pdf_text(tmp_path / "results.pdf")
