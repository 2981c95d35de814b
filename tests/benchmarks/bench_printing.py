"""Benchmark: ~500 pages of joint checklists against a minimal reportlab table form.

The baseline is the least one can do to print the same checkpoints as a wrapped Chinese
table: ``SimpleDocTemplate`` with one ``Table`` per target (Paragraph cells with
``wordWrap='CJK'``, the same embedded font, a repeated header row), no running header, QR
code, check-box cells, result tree or signatures. Both are laid out in the same run, to
memory, and the ratio of the times is printed (goal: LianCha ≤ 1.5 × baseline).

Run: ``python -m tests.benchmarks.bench_printing [--pages 500]`` or
``pytest tests/benchmarks/bench_printing.py -s``.
"""

from __future__ import annotations

import argparse
import gc
import io
import time
from dataclasses import dataclass, replace

import pypdf
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from app.printing import ChecklistDoc, build_pdf
from app.printing.fonts import CJK_FONT, register_fonts
from app.printing.styles import esc
from tests.helpers import printing_samples as s

CHECKPOINTS_PER_TARGET = 40


@dataclass(frozen=True)
class Timing:
    """One measured build."""

    seconds: float
    pages: int
    size: int


def _checklists(count: int) -> list[ChecklistDoc]:
    sections = s.many_checkpoints(CHECKPOINTS_PER_TARGET)
    targets = [s.TARGETS[i % len(s.TARGETS)] for i in range(count)]
    return [
        s.checklist(replace(t, target_id=f"{t.target_id}-{i}"), sections=sections)
        for i, t in enumerate(targets)
    ]


def _liancha(docs: list[ChecklistDoc]) -> Timing:
    out = io.BytesIO()
    started = time.perf_counter()
    result = build_pdf(docs, out)
    elapsed = time.perf_counter() - started
    return Timing(elapsed, result.page_count, len(out.getvalue()))


def _baseline(docs: list[ChecklistDoc]) -> Timing:
    register_fonts()
    cell = ParagraphStyle("bench-cell", fontName=CJK_FONT, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("bench-small", parent=cell, fontSize=8, leading=10.5)
    story: list[object] = []
    for index, doc in enumerate(docs):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(esc(doc.title), cell))
        rows: list[list[object]] = [["序号", "检查内容", "操作方法与要领", "是否检查", "发现问题情况"]]
        number = 0
        for section in doc.sections:
            for checkpoint in section.checkpoints:
                number += 1
                rows.append(
                    [
                        str(number),
                        Paragraph(esc(checkpoint.content), cell),
                        Paragraph(esc(checkpoint.method), small),
                        "是  否",
                        "无  有",
                    ]
                )
        table = Table(rows, colWidths=[9 * mm, 47 * mm, 80 * mm, 15 * mm, 29 * mm], repeatRows=1)
        table.setStyle(
            TableStyle([("GRID", (0, 0), (-1, -1), 0.6, "black"), ("FONT", (0, 0), (-1, -1), CJK_FONT, 9)])
        )
        story.append(table)
    out = io.BytesIO()
    started = time.perf_counter()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm).build(story)
    elapsed = time.perf_counter() - started
    data = out.getvalue()
    return Timing(elapsed, len(pypdf.PdfReader(io.BytesIO(data)).pages), len(data))


def run(pages: int = 500, *, repeat: int = 3) -> tuple[Timing, Timing]:
    """Measure both builds at about ``pages`` pages each; return the best of ``repeat`` each.

    The same checkpoints fill fewer baseline pages (no header block, results, signatures),
    so each side gets as many targets as it takes to reach the page count.
    """
    register_fonts()
    ours_probe = _liancha(_checklists(2))
    base_probe = _baseline(_checklists(2))
    ours_docs = _checklists(max(1, round(pages / (ours_probe.pages / 2))))
    base_docs = _checklists(max(1, round(pages / (base_probe.pages / 2))))
    ours: list[Timing] = []
    base: list[Timing] = []
    for _ in range(repeat):
        gc.collect()
        base.append(_baseline(base_docs))
        gc.collect()
        ours.append(_liancha(ours_docs))
    return min(ours, key=lambda t: t.seconds), min(base, key=lambda t: t.seconds)


def report(ours: Timing, base: Timing) -> str:
    """Format the comparison (the ratio is per page, both sides having about the same pages)."""
    per_page = (ours.seconds / ours.pages) / (base.seconds / base.pages)
    return (
        f"LianCha checklists: {ours.pages} pages in {ours.seconds:.2f} s "
        f"({ours.seconds / ours.pages * 1000:.1f} ms/page, {ours.size / 1e6:.1f} MB)\n"
        f"minimal table form: {base.pages} pages in {base.seconds:.2f} s "
        f"({base.seconds / base.pages * 1000:.1f} ms/page, {base.size / 1e6:.1f} MB)\n"
        f"ratio (time per page): {per_page:.2f}x (goal <= 1.5x)"
    )


@pytest.mark.benchmark
def test_bench_printing() -> None:
    ours, base = run()
    print()
    print(report(ours, base))


def main() -> int:
    """Command-line entry: print the comparison."""
    parser = argparse.ArgumentParser(description="Benchmark the checklist builder.")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(report(*run(args.pages, repeat=args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
