"""Crash safety: interrupted-operation markers, and SIGKILL at random points during writes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import open_database
from app.models import AuditEntry, OperationInProgress, Target, Task, TaskItem
from app.models.base import utcnow
from app.services import audit
from app.services.context import ServiceContext
from app.services.departments import create_department
from app.services.items import ItemData, create_item
from app.services.operations import begin_operation, end_operation, interrupted_operations, tracked_operation

ROOT = Path(__file__).resolve().parents[2]


def _markers(ctx: ServiceContext) -> int:
    with ctx.read() as session:
        return int(session.execute(select(func.count(OperationInProgress.id))).scalar_one())


def test_finished_or_failed_operations_leave_no_marker(ctx: ServiceContext) -> None:
    with tracked_operation(ctx, "导入检查对象") as handle:
        assert _markers(ctx) == 1
        assert interrupted_operations(ctx.db) == []  # its owner (this process) is alive
        assert handle.name == "导入检查对象"
    assert _markers(ctx) == 0
    with pytest.raises(RuntimeError), tracked_operation(ctx, "随机抽取"):
        raise RuntimeError("a clean failure rolls back and is reported by the operation itself")
    assert _markers(ctx) == 0
    handle = begin_operation(ctx, "批量导出")
    end_operation(ctx, handle)
    assert _markers(ctx) == 0


def test_markers_of_other_workstations_are_left_alone(ctx: ServiceContext) -> None:
    with ctx.write() as session:
        session.add(
            OperationInProgress(
                token="other-host-token",
                name="导入",
                started_at=utcnow(),
                operator="甲",
                host="another-pc",
                pid=1,
            )
        )
    assert interrupted_operations(ctx.db) == []
    assert _markers(ctx) == 1


def _child(db_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fault_writer", str(db_path), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )


def _setup_writer(ctx: ServiceContext) -> tuple[str, str]:
    dept = create_department(ctx, name="青山县市场监督管理局", short_name="青山市监")
    item = create_item(ctx, ItemData(department_id=dept, name="食品经营检查", methods=("实地核查",)))
    return str(dept), str(item)


def _kill_after_ready(proc: subprocess.Popen[bytes], delay: float) -> None:
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(delay)
    proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()


def test_interrupted_operation_is_reported_once(ctx: ServiceContext, db_path: Path) -> None:
    dept, item = _setup_writer(ctx)
    proc = _child(db_path, dept, item, "0")
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        assert interrupted_operations(ctx.db) == []  # running elsewhere: not interrupted
    finally:
        proc.kill()
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()
    [op] = interrupted_operations(ctx.db)
    assert op.name == "故障测试写入" and op.operator == "故障测试"
    assert op.message.startswith("上次的故障测试写入在 ") and "被中断，未保存任何部分结果" in op.message
    assert interrupted_operations(ctx.db) == []
    assert _markers(ctx) == 0


@pytest.mark.slow
def test_sigkill_at_random_points_leaves_only_whole_units_of_work(ctx: ServiceContext, db_path: Path) -> None:
    dept, item = _setup_writer(ctx)
    ctx.db.dispose()
    rng = random.Random(20261123)
    rounds = 22
    for n in range(rounds):
        _kill_after_ready(_child(db_path, dept, item, str(n)), rng.uniform(0.0, 0.4))
    db = open_database(str(db_path))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        chain = audit.verify_chain(db)
        assert chain.ok, chain.message
        with db.read() as session:
            targets = set(session.execute(select(Target.id)).scalars())
            tasks = set(session.execute(select(Task.id)).scalars())

            def audited(entity: str) -> set[int]:
                query = select(AuditEntry.entity_id).where(
                    AuditEntry.entity == entity, AuditEntry.action == "create"
                )
                return {int(i) for i in session.execute(query).scalars()}

            # Each unit of work is wholly there (row and its audit entry) or wholly absent.
            assert targets == audited("targets")
            assert tasks == audited("tasks")
            items_per_task = {
                task_id: count
                for task_id, count in session.execute(
                    select(TaskItem.task_id, func.count()).group_by(TaskItem.task_id)
                )
            }
            assert all(items_per_task.get(t) == 1 for t in tasks)
            numbers = session.execute(select(Task.sequence).order_by(Task.sequence)).scalars().all()
            assert numbers == list(range(1, len(numbers) + 1))  # no number lost to a half-made task
        # The children did write (under load a child may be killed before its first commit, so
        # not necessarily one per round).
        assert len(targets) >= rounds // 2
        interrupted = interrupted_operations(db)
        assert len(interrupted) == rounds
        assert interrupted_operations(db) == []
    finally:
        db.dispose()


def _usecase_child(db_path: Path, mode: str, arg: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fault_usecases", str(db_path), mode, arg],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )


# Enough rows that an import outlasts most kill delays (0–0.6 s): with the bulk insert path
# 1,500 rows import in about 0.1 s, and half the time all 8 rounds ended before their kill (or
# were killed before the operation's marker was committed), leaving no interrupted import to
# check. 10,000 rows take 0.6–1 s on a loaded machine.
IMPORT_ROWS = 10_000


@pytest.mark.slow
def test_sigkill_during_import_draw_and_result_save(
    ctx: ServiceContext, db_path: Path, tmp_path: Path
) -> None:
    """The issue's fault test on the real use cases: 8 kills each during an import, draws and result saves."""
    import csv

    from app.models import Draw, Inspection, ResultVersion
    from app.models.enums import DrawKind, InspectionState
    from app.services.tasks import create_task
    from tests.factories import build_mini_county, joint_task_data, valid_uscc
    from tests.unit.results.helpers import draw_both

    rounds = 8
    county = build_mini_county(ctx)
    draw_tasks = [
        [create_task(ctx, joint_task_data(county, name=f"故障抽取任务{r}-{k}")) for k in range(5)]
        for r in range(rounds)
    ]
    result_inspections: list[int] = []
    for k in range(4):
        result_inspections += draw_both(
            ctx, create_task(ctx, joint_task_data(county, name=f"故障结果任务{k}"))
        )
    per_round = len(result_inspections) // rounds
    assert per_round >= 3
    files = []
    for r in range(rounds):
        path = tmp_path / f"targets-{r}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("统一社会信用代码", "企业名称", "信用风险分类"))
            for n in range(IMPORT_ROWS):
                writer.writerow((valid_uscc(100_000 + r * IMPORT_ROWS + n), f"导入商户{r}-{n}", "B"))
        files.append(path)
    ctx.db.dispose()

    rng = random.Random(20261124)
    kills = 0
    for r in range(rounds):
        for mode, arg, longest in (
            ("import", str(files[r]), 0.6),
            ("draw", ",".join(map(str, draw_tasks[r])), 0.6),
            ("result", ",".join(map(str, result_inspections[r * per_round : (r + 1) * per_round])), 0.4),
        ):
            _kill_after_ready(_usecase_child(db_path, mode, arg), rng.uniform(0.0, longest))
            kills += 1
    assert kills >= 20

    db = open_database(str(db_path))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        chain = audit.verify_chain(db)
        assert chain.ok, chain.message
        with db.read() as session:
            # Import: each file's targets are all there with their audit entry, or none is.
            imported_rounds = 0
            for r in range(rounds):
                count = session.execute(
                    select(func.count(Target.id)).where(Target.name.like(f"导入商户{r}-%"))
                ).scalar_one()
                assert count in (0, IMPORT_ROWS), f"import {r} left {count} of {IMPORT_ROWS} rows"
                imported_rounds += count == IMPORT_ROWS
            import_entries = session.execute(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.action == "import", AuditEntry.entity == "targets"
                )
            ).scalar_one()
            assert import_entries == imported_rounds

            # Draws: a draw is there with its audit entry and its inspections, or not at all.
            all_tasks = [t for ts in draw_tasks for t in ts]
            draws = session.execute(select(Draw).where(Draw.task_id.in_(all_tasks))).scalars().all()
            audited_draws = {
                int(i)
                for i in session.execute(
                    select(AuditEntry.entity_id).where(
                        AuditEntry.action == "draw", AuditEntry.entity == "draws"
                    )
                ).scalars()
            }
            assert {d.id for d in draws} <= audited_draws
            for task_id in all_tasks:
                kinds = [d.kind for d in draws if d.task_id == task_id]
                assert kinds.count(DrawKind.TARGETS) <= 1 and kinds.count(DrawKind.INSPECTORS) <= 1
                inspections = session.execute(
                    select(func.count(Inspection.id)).where(Inspection.task_id == task_id)
                ).scalar_one()
                assert (inspections > 0) == (DrawKind.TARGETS in kinds)
                if DrawKind.INSPECTORS in kinds:
                    unassigned = session.execute(
                        select(func.count(Inspection.id)).where(
                            Inspection.task_id == task_id, Inspection.team_id.is_(None)
                        )
                    ).scalar_one()
                    assert unassigned == 0  # the team draw assigned every inspection, or did not happen
            drawn_rounds = sum(1 for d in draws if d.kind == DrawKind.TARGETS)

            # Result saves: every committed result is still there, whole; none is half-saved.
            saved = 0
            for inspection_id in result_inspections[: rounds * per_round]:
                inspection = session.get(Inspection, inspection_id)
                assert inspection is not None
                versions = session.execute(
                    select(func.count(ResultVersion.id)).where(ResultVersion.inspection_id == inspection_id)
                ).scalar_one()
                submitted = session.execute(
                    select(func.count(AuditEntry.id)).where(
                        AuditEntry.entity == "inspections",
                        AuditEntry.entity_id == str(inspection_id),
                        AuditEntry.action.like("result_%"),
                    )
                ).scalar_one()
                if inspection.state == InspectionState.PENDING_REVIEW:
                    assert versions == 1 and submitted == 1
                    saved += 1
                else:
                    assert inspection.state == InspectionState.NOT_ENTERED
                    assert versions == 0 and submitted == 0
        # Under load a child may die before its first commit, but not every one of them.
        assert imported_rounds + drawn_rounds + saved > 0
        interrupted = interrupted_operations(db)
        names = {op.name for op in interrupted}
        assert interrupted  # some kills landed inside a tracked import or draw, and were reported
        assert "导入名录库" in names or imported_rounds == rounds
        assert interrupted_operations(db) == []
    finally:
        db.dispose()


def test_long_use_cases_run_as_tracked_operations(
    ctx: ServiceContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from app.services import operations
    from app.services.imports import import_registry

    started: list[str] = []
    real = operations.tracked_operation

    @contextmanager
    def spy(c: ServiceContext, name: str):  # type: ignore[no-untyped-def]
        started.append(name)
        with real(c, name) as handle:
            assert interrupted_operations(c.db) == []  # running: not reported as interrupted
            yield handle

    monkeypatch.setattr(operations, "tracked_operation", spy)
    path = tmp_path / "t.csv"
    path.write_text("统一社会信用代码,企业名称,信用风险分类\n,青山县一号商户,A\n", encoding="utf-8")
    import_registry(ctx, "targets", path, dry_run=True)
    assert started == []  # a dry run writes nothing: nothing to report if it is cut off
    import_registry(ctx, "targets", path)
    assert started == ["导入名录库"]
    assert _markers(ctx) == 0
