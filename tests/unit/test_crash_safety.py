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
