"""The field round trip through the `liancha` command: office → laptop → office → platform → receipt.

Three databases: the office (a drawn county), a field laptop that starts empty, and the provincial
platform (a LianCha installation acting as the system of record: it holds the tasks and forwards
nothing). Every result entered on the laptop must reach the platform and be acknowledged exactly
once; a second round sends nothing.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.io.batch import read_batch
from app.models.enums import SyncState
from app.models.results import ResultVersion
from app.models.tasks import Inspection, Task
from app.services.context import ServiceContext
from app.services.results import submit_result
from app.services.settings import set_setting
from app.services.sync import RELAY_KEY, SHEET_MEMBER, _trusted
from tests.unit.results.conftest import drawn_template  # noqa: F401 - session fixture
from tests.unit.results.helpers import TODAY, Drawn, good_payload, problem_payload
from tests.unit.sync.conftest import empty_installation, make_installation, trust_each_other

REPO = Path(__file__).resolve().parents[2]


def liancha(tmp_path: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(REPO),
        "LIANCHA_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def only_new(folder: Path, before: set[Path]) -> Path:
    (made,) = set(folder.glob("*.lcb")) - before
    return made


def versions_by_uid(ctx: ServiceContext) -> dict[str, list[SyncState]]:
    out: dict[str, list[SyncState]] = {}
    with ctx.read() as session:
        for uid, state in session.execute(select(ResultVersion.uid, ResultVersion.sync_state)):
            out.setdefault(uid, []).append(state)
    return out


@pytest.mark.slow
def test_field_round_trip(
    drawn_template: tuple[str, Drawn],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    source, drawn = drawn_template
    office = make_installation(source, tmp_path, "office", office="341122")
    laptop = empty_installation(tmp_path, "laptop", office="341122-lt1")
    platform = make_installation(source, tmp_path, "platform", office="340000-platform")
    office_db, laptop_db, platform_db = office.db.url, laptop.db.url, platform.db.url
    # The checks below reopen each pool; close them at the end, pass or fail, so that no server
    # connection is left to the garbage collector (an unclosed psycopg connection warns, which
    # filterwarnings=error turns into a failure after the summary).
    for ctx in (office, laptop, platform):
        request.addfinalizer(ctx.db.dispose)
    with platform.write() as session:
        set_setting(session, RELAY_KEY, False)  # the system of record forwards nothing
    trust_each_other(office, laptop)
    trust_each_other(office, platform)
    with office.read() as session:
        number = session.execute(select(Task.number).where(Task.id == drawn.public_task)).scalar_one()
    for ctx in (office, laptop, platform):
        ctx.db.dispose()
    stick = tmp_path / "stick"
    stick.mkdir()

    # 1. Office → laptop: the task package.
    before = set(stick.glob("*.lcb"))
    done = liancha(
        tmp_path, office_db, "batch", "export", "--kind", "task-package", "--task", number, "-o", str(stick)
    )
    assert done.returncode == 0, done.stderr
    package = only_new(stick, before)
    dry = liancha(tmp_path, laptop_db, "batch", "import", str(package), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "任务包检查完成" in dry.stdout
    with laptop.read() as session:
        assert session.execute(select(func.count()).select_from(Inspection)).scalar() == 0
    done = liancha(tmp_path, laptop_db, "batch", "import", str(package))
    assert done.returncode == 0, done.stderr
    assert f"检查记录：新增 {len(drawn.public_inspections)}" in done.stdout

    # 2. The laptop enters every result of the task through the results services.
    with laptop.read() as session:
        local_ids = session.execute(select(Inspection.id).order_by(Inspection.id)).scalars().all()
    assert len(local_ids) == len(drawn.public_inspections)
    entered = set()
    for n, inspection_id in enumerate(local_ids):
        build = problem_payload if n == 0 else good_payload
        entered.add(submit_result(laptop, inspection_id, build(laptop, inspection_id), today=TODAY).uid)
    laptop.db.dispose()
    total = len(entered)

    # 3. Laptop → office, and the office's receipt back to the laptop.
    before = set(stick.glob("*.lcb"))
    done = liancha(tmp_path, laptop_db, "batch", "export", "--kind", "results", "-o", str(stick))
    assert done.returncode == 0, done.stderr
    field_batch = only_new(stick, before)
    receipt1 = tmp_path / "office-receipt.lcb"
    done = liancha(tmp_path, office_db, "batch", "import", str(field_batch), "--receipt", str(receipt1))
    assert done.returncode == 0, done.stderr
    assert f"接收 {total}，重复 0，暂缓 0，拒收 0" in done.stdout
    done = liancha(tmp_path, laptop_db, "batch", "receipt", str(receipt1))
    assert done.returncode == 0, done.stderr
    assert f"确认至第{total}号" in done.stdout

    # 4. Office → platform: the laptop's results under the office's own seqs, with the import sheet.
    to_platform = tmp_path / "to-platform.lcb"
    done = liancha(tmp_path, office_db, "batch", "export", "--kind", "results", "-o", str(to_platform))
    assert done.returncode == 0, done.stderr
    assert f"{total}条，序号 1–{total}" in done.stdout
    with platform.read() as session:
        trusted = _trusted(session)
    carried = read_batch(to_platform, trusted_keys=trusted)
    assert {i["uid"] for i in carried.items["items.jsonl"]} == entered
    sheet = load_workbook(io.BytesIO(carried.files[SHEET_MEMBER]), read_only=True)
    assert sheet["抽查结果"].max_row == total + 1
    sheet.close()

    # 5. The platform imports it; its receipt comes back to the office.
    receipt2 = tmp_path / "platform-receipt.lcb"
    done = liancha(tmp_path, platform_db, "batch", "import", str(to_platform), "--receipt", str(receipt2))
    assert done.returncode == 0, done.stderr
    assert f"接收 {total}，" in done.stdout
    done = liancha(tmp_path, office_db, "batch", "receipt", str(receipt2))
    assert done.returncode == 0, done.stderr
    assert f"确认至第{total}号，新确认 {total} 条" in done.stdout

    # Every result acknowledged exactly once, everywhere.
    for ctx in (laptop, office, platform):
        states = versions_by_uid(ctx)
        assert entered <= set(states)
        assert all(len(states[uid]) == 1 for uid in entered)
    assert {versions_by_uid(laptop)[u][0] for u in entered} == {SyncState.ACKNOWLEDGED}
    assert {versions_by_uid(office)[u][0] for u in entered} == {SyncState.ACKNOWLEDGED}
    assert {versions_by_uid(platform)[u][0] for u in entered} == {SyncState.LOCAL}

    # 6. A second round sends nothing new; the same files again change nothing.
    for db in (laptop_db, office_db):
        again = liancha(
            tmp_path, db, "batch", "export", "--kind", "results", "-o", str(tmp_path / "none.lcb")
        )
        assert again.returncode == 1 and "没有待发送的结果" in again.stderr
    done = liancha(
        tmp_path, platform_db, "batch", "import", str(to_platform), "--receipt", str(tmp_path / "r3.lcb")
    )
    assert done.returncode == 0 and "此批次已导入过" in done.stdout
    assert (tmp_path / "r3.lcb").read_bytes() == receipt2.read_bytes()
    done = liancha(tmp_path, office_db, "batch", "receipt", str(receipt2))
    assert done.returncode == 0 and "新确认 0 条" in done.stdout
    done = liancha(tmp_path, laptop_db, "batch", "import", str(package))
    assert done.returncode == 0 and "已导入过" in done.stdout
    status = liancha(tmp_path, office_db, "batch", "status")
    assert f"public：待确认 0，被拒收 0，已确认至第{total}号" in status.stdout
