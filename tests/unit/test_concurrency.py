"""Several desks on one database at once: each desk is its own process (tests/desk.py).

These run on SQLite files and on PostgreSQL alike (LIANCHA_TEST_DB_URL). SQLite serialises
writers by BEGIN IMMEDIATE; PostgreSQL lets them run side by side, so there the row locks
(FOR UPDATE), the version column and the audit chain's advisory lock do the work.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db import open_database
from app.models import AuditEntry, Draw, ResultVersion, Target, Task
from app.services import audit
from app.services.context import ServiceContext
from app.services.errors import ConflictError
from app.services.installation import installation_id
from app.services.results import entry_form
from app.services.targets import TargetData, create_target, get_target, update_target
from app.services.tasks import create_task
from tests.factories import build_mini_county, joint_task_data
from tests.unit.results.conftest import drawn_template, env  # noqa: F401 - fixtures
from tests.unit.results.helpers import ResultsEnv

REPO = Path(__file__).resolve().parents[2]
# Long enough that every desk is waiting for the lock while the first still holds it.
HOLD_SECONDS = "1.0"


def _run_desks(url: str, tmp_path: Path, desks: list[tuple[str, str, list[str]]]) -> list[str]:
    """Start every desk, let them all go at once, return each desk's last line of output."""
    go = tmp_path / "go"
    child_env = {**os.environ, "PYTHONPATH": str(REPO), "LIANCHA_DATA_DIR": str(tmp_path / "data")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.desk", action, url, str(go), operator, HOLD_SECONDS, *args],
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for action, operator, args in desks
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line == "ready", (line, proc.stderr.read() if proc.stderr else "")
        go.touch()
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err
            outputs.append(out.strip().splitlines()[-1])
        return outputs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_two_desks_cannot_both_draw_the_same_task(ctx: ServiceContext, db_url: str, tmp_path: Path) -> None:
    county = build_mini_county(ctx)
    task = create_task(ctx, joint_task_data(county))
    ctx.db.dispose()
    outputs = _run_desks(db_url, tmp_path, [("draw", "甲", [str(task)]), ("draw", "乙", [str(task)])])
    drew = [o for o in outputs if o.startswith("OK")]
    refused = [o for o in outputs if o.startswith("REFUSED")]
    assert len(drew) == 1 and len(refused) == 1, outputs
    winner = "甲" if outputs[0].startswith("OK") else "乙"
    # The second desk is told who drew and when.
    assert re.search(rf"已由 {winner} 于 \d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}.* 抽取", refused[0]), refused
    with ctx.read() as session:
        assert (
            session.execute(select(func.count()).select_from(Draw).where(Draw.task_id == task)).scalar() == 1
        )
    assert audit.verify_chain(ctx.db).ok


def test_two_desks_submitting_one_result_one_gets_a_conflict(
    env: ResultsEnv,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    inspection = env.drawn.public_inspections[0]
    version = entry_form(env.ctx, inspection).inspection_version
    env.ctx.db.dispose()
    outputs = _run_desks(
        env.db_url,
        tmp_path,
        [
            ("submit", "甲", [str(inspection), str(version)]),
            ("submit", "乙", [str(inspection), str(version)]),
        ],
    )
    saved = [o for o in outputs if o.startswith("OK")]
    refused = [o for o in outputs if o.startswith("REFUSED")]
    assert len(saved) == 1 and len(refused) == 1, outputs
    assert "已被其他人处理" in refused[0] and "请刷新" in refused[0]
    with env.ctx.read() as session:
        versions = session.execute(
            select(func.count()).select_from(ResultVersion).where(ResultVersion.is_current.is_(True))
        ).scalar()
    assert versions is not None and versions >= 1
    assert audit.verify_chain(env.ctx.db).ok


def test_audit_chain_stays_one_chain_under_concurrent_desks(
    ctx: ServiceContext, db_url: str, tmp_path: Path
) -> None:
    ctx.db.dispose()
    outputs = _run_desks(db_url, tmp_path, [("targets", f"桌{k}", ["12"]) for k in range(3)])
    assert outputs == ["OK targets"] * 3
    report = audit.verify_chain(ctx.db)
    assert report.ok and report.entries == 36, report
    with ctx.read() as session:
        prevs = session.execute(select(AuditEntry.prev_hash)).scalars().all()
        assert len(set(prevs)) == len(prevs)  # no two entries hang off the same predecessor
        assert session.execute(select(func.count(Target.id))).scalar_one() == 36


@pytest.mark.postgres_only
def test_simultaneous_edits_of_one_record_give_a_conflict_not_an_overwrite(
    ctx: ServiceContext, db_url: str
) -> None:
    """Both desks pass the service's version check; the version column stops the second write."""
    target = create_target(ctx, TargetData(name="青山县老字号饭店"))
    version = get_target(ctx, target).version
    other_desk = ServiceContext(db=open_database(db_url), operator="乙")
    try:
        with pytest.raises(ConflictError, match="已被其他人修改"), ctx.write() as session:
            row = session.get(Target, target)
            assert row is not None and row.version == version
            # Meanwhile desk 乙 saves its edit of the same record (its own connection, committed).
            update_target(other_desk, target, TargetData(name="青山县乙改的饭店"), expected_version=version)
            row.name = "青山县甲改的饭店"
            session.flush()
    finally:
        other_desk.db.dispose()
    detail = get_target(ctx, target)
    assert detail.data.name == "青山县乙改的饭店" and detail.version == version + 1


def test_a_stale_edit_is_refused_with_both_versions(ctx: ServiceContext, db_url: str) -> None:
    target = create_target(ctx, TargetData(name="青山县老字号饭店"))
    version = get_target(ctx, target).version
    other_desk = ServiceContext(db=open_database(db_url), operator="乙")
    try:
        update_target(other_desk, target, TargetData(name="青山县乙改的饭店"), expected_version=version)
    finally:
        other_desk.db.dispose()
    with pytest.raises(ConflictError, match=rf"第 {version} 版，现在是第 {version + 1} 版"):
        update_target(ctx, target, TargetData(name="青山县甲改的饭店"), expected_version=version)
    assert get_target(ctx, target).data.name == "青山县乙改的饭店"


def test_two_desks_creating_tasks_of_one_department_get_different_numbers(
    ctx: ServiceContext, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from app.services import tasks as task_service

    county = build_mini_county(ctx)
    real_next = task_service.next_task_number

    def slow_next(*args: Any, **kwargs: Any) -> tuple[str, int]:
        # Both desks would compute the same next number here if nothing serialised them.
        result = real_next(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(task_service, "next_task_number", slow_next)
    desks = [ServiceContext(db=open_database(db_url), operator=name) for name in ("甲", "乙")]
    made: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def create(desk: ServiceContext, n: int) -> None:
        start.wait()
        try:
            made.append(create_task(desk, joint_task_data(county, name=f"2026年并发任务{n}")))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(desk, n)) for n, desk in enumerate(desks)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for desk in desks:
            desk.db.dispose()
    assert errors == [] and len(made) == 2
    with ctx.read() as session:
        numbers = set(session.execute(select(Task.number).where(Task.id.in_(made))).scalars())
    assert len(numbers) == 2


def test_a_duplicate_saved_meanwhile_is_a_conflict_not_a_program_error(ctx: ServiceContext) -> None:
    from app.models import Department

    with pytest.raises(ConflictError, match="相同的记录"), ctx.write() as session:
        session.add(Department(name="青山县重复的部门"))
        session.flush()
        session.add(Department(name="青山县重复的部门"))
        session.flush()
    with ctx.read() as session:
        assert session.execute(select(func.count(Department.id))).scalar_one() == 0


@pytest.mark.parametrize("identity", ["new", "made"])
def test_two_desks_submitting_different_results_at_once_both_save(
    env: ResultsEnv,  # noqa: F811 - the fixture
    tmp_path: Path,
    identity: str,
) -> None:
    """Each version takes the next number of its stream; two desks must not both take the same one.

    The desks hold their own inspection's row lock for HOLD_SECONDS before numbering, so on
    PostgreSQL both reach the numbering together: without the stream's lock both would read the same
    maximum and the second would fail on the unique (origin, stream, seq) constraint. With no
    installation id yet ("new"), both would also make one.
    """
    if identity == "made":
        with env.ctx.write() as session:
            installation_id(session)
    first, second = env.drawn.public_inspections[:2]
    versions = [entry_form(env.ctx, i).inspection_version for i in (first, second)]
    env.ctx.db.dispose()
    outputs = _run_desks(
        env.db_url,
        tmp_path,
        [
            ("submit", "甲", [str(first), str(versions[0])]),
            ("submit", "乙", [str(second), str(versions[1])]),
        ],
    )
    assert all(o.startswith("OK") for o in outputs), outputs
    with env.ctx.read() as session:
        seqs = session.execute(select(ResultVersion.seq).order_by(ResultVersion.seq)).scalars().all()
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 2
    assert audit.verify_chain(env.ctx.db).ok
