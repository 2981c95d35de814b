"""Batch building: page numbers across the PDF, progress, cancellation, outputs, packets."""

from __future__ import annotations

import io
import itertools
from dataclasses import replace
from pathlib import Path

import pypdf
import pytest

from app.printing import (
    AdvanceNoticeForbidden,
    DocKind,
    PrintCancelled,
    PrintingError,
    build_pdf,
    team_packet,
)
from tests.helpers import printing_samples as s
from tests.unit.printing.conftest import BuiltPdf, build


def test_pages_are_numbered_across_the_whole_pdf(sample_packet: BuiltPdf) -> None:
    total = sample_packet.result.page_count
    assert total == len(sample_packet.pages) > 10
    for index in range(total):
        flat = sample_packet.flat(index)
        assert f"第{index + 1}页共{total}页" in flat, index


def test_each_document_is_numbered_on_its_own_too(sample_packet: BuiltPdf) -> None:
    spans = sample_packet.result.documents
    assert spans[0].first_page == 1
    for before, after in itertools.pairwise(spans):
        assert after.first_page == before.first_page + before.page_count  # each starts a new page
    for span in spans:
        for i in range(span.page_count):
            flat = sample_packet.flat(span.first_page - 1 + i)
            assert f"本件第{i + 1}页共{span.page_count}页" in flat


def test_packet_is_dispatch_then_each_target_in_visiting_order(sample_packet: BuiltPdf) -> None:
    kinds = [(span.kind, span.record_id) for span in sample_packet.result.documents]
    assert kinds[0] == (DocKind.DISPATCH, "T2025-017/team-2")
    expected = []
    for target in s.TARGETS:
        for kind in (DocKind.NOTICE, DocKind.CHECKLIST, DocKind.RECORD):
            expected.append((kind, f"R-{target.target_id}"))
    assert kinds[1:] == expected


def test_packet_refuses_a_target_not_on_the_route() -> None:
    stranger = replace(s.TARGETS[0], target_id="other", name="不在派单中的商户")
    with pytest.raises(PrintingError, match="不在第2检查组的派单中"):
        team_packet(s.dispatch(), checklists=[s.checklist(stranger)])


def test_packet_refuses_notices_for_a_no_notice_task() -> None:
    with pytest.raises(AdvanceNoticeForbidden):
        team_packet(s.dispatch(), notices=[s.notice(task=s.NO_NOTICE_TASK)])


def test_progress_is_reported_per_document_and_at_the_end() -> None:
    calls: list[tuple[int, int]] = []
    docs = [s.checklist(t) for t in s.TARGETS]
    build_pdf(docs, io.BytesIO(), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_cancelling_stops_and_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "batch.pdf"
    checks = 0

    def is_cancelled() -> bool:
        nonlocal checks
        checks += 1
        return checks > 3

    with pytest.raises(PrintCancelled):
        build_pdf([s.checklist(t) for t in s.TARGETS], out, is_cancelled=is_cancelled)
    assert list(tmp_path.iterdir()) == []


def test_an_exception_from_progress_propagates_unchanged(tmp_path: Path) -> None:
    class Interrupted(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done == 1:
            raise Interrupted

    out = tmp_path / "batch.pdf"
    out.write_bytes(b"previous version")
    with pytest.raises(Interrupted):
        build_pdf([s.notice(t) for t in s.TARGETS], out, progress=progress)
    assert out.read_bytes() == b"previous version"  # the old file is not replaced by a partial one
    assert [p.name for p in tmp_path.iterdir()] == ["batch.pdf"]


def test_writes_to_a_path_atomically(tmp_path: Path) -> None:
    out = tmp_path / "notices.pdf"
    result = build_pdf([s.notice()], out)
    assert [p.name for p in tmp_path.iterdir()] == ["notices.pdf"]
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == result.page_count
    assert reader.metadata is not None and reader.metadata.title == f"{s.TASK.name} 检查通知书"


def test_unwritable_path_is_explained(tmp_path: Path) -> None:
    with pytest.raises(PrintingError, match="无法写入"):
        build_pdf([s.notice()], tmp_path / "missing-folder" / "x.pdf")


def test_nothing_to_print_is_explained() -> None:
    with pytest.raises(PrintingError, match="没有可打印的文书"):
        build_pdf([], io.BytesIO())


def test_missing_record_id_is_refused_before_any_work() -> None:
    with pytest.raises(PrintingError, match="缺少任务或记录编号"):
        build_pdf([replace(s.checklist(), record_id="")], io.BytesIO())


def test_security_mark_is_printed_on_every_page() -> None:
    task = replace(s.TASK, security_mark="内部资料 注意保存")
    pdf = build([s.checklist(task=task, sections=s.many_checkpoints(40))])
    assert pdf.result.page_count >= 2
    for page in range(pdf.result.page_count):
        assert "内部资料注意保存" in pdf.flat(page)


def test_same_input_gives_the_same_layout() -> None:
    first = build([s.checklist(), s.record()])
    second = build([s.checklist(), s.record()])
    assert first.pages == second.pages
    assert first.result == second.result
