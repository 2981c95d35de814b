"""Printing a task's papers from the database, through the service and `liancha print`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from app.cli import main
from app.services.context import ServiceContext
from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets, drawn_targets
from app.services.errors import RuleViolation
from app.services.printing import PrintKind, print_task, task_documents
from app.services.tasks import create_task, get_task
from tests.factories import build_mini_county, joint_task_data

SEED = SeedEntry("11111222223333344444")


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture
def drawn_task(ctx: ServiceContext) -> int:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    draw_task_targets(ctx, task, seed=SEED)
    draw_task_inspectors(ctx, task, seed=SEED)
    return task


def test_checklists_carry_targets_checkpoints_and_ids(
    ctx: ServiceContext, drawn_task: int, tmp_path: Path
) -> None:
    out = tmp_path / "checklists.pdf"
    result = print_task(ctx, drawn_task, PrintKind.CHECKLISTS, out)
    assert len(result.documents) == 8
    text = _text(out)
    for target in drawn_targets(ctx, drawn_task):
        assert target.name in text and target.code in text
    assert "食品经营许可证是否在有效期内" in text and "疏散通道是否畅通" in text
    docs = task_documents(ctx, drawn_task, PrintKind.CHECKLISTS)
    task_uid = get_task(ctx, drawn_task).row.uid
    assert {d.task.task_id for d in docs} == {task_uid}
    assert {d.record_id for d in docs} == {t.inspection_uid for t in drawn_targets(ctx, drawn_task)}


def test_team_packet_and_draw_record_via_cli(
    ctx: ServiceContext, drawn_task: int, db_url: str, tmp_path: Path
) -> None:
    number = get_task(ctx, drawn_task).row.number
    packet = tmp_path / "packet.pdf"
    assert main(["--db", db_url, "print", "packet", "--task", number, "--team", "1", "-o", str(packet)]) == 0
    text = _text(packet)
    assert "检查组派单" in text.replace(" ", "") or "派单" in text
    record = tmp_path / "draw.pdf"
    assert main(["--db", db_url, "print", "draw-record", "--task", number, "-o", str(record)]) == 0
    assert "11111222223333344444" in _text(record).replace(" ", "")
    assert main(["--db", db_url, "print", "packet", "--task", number, "--team", "9", "-o", str(packet)]) == 1


def test_notices_refused_when_task_forbids_advance_notice(ctx: ServiceContext) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county, advance_notice=False))
    draw_task_targets(ctx, task, seed=SEED)
    with pytest.raises(RuleViolation, match="不得事先通知"):
        task_documents(ctx, task, PrintKind.NOTICES)
