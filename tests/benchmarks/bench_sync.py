"""Exporting 20,000 results as a batch vs writing the same rows with openpyxl write_only (goal ≤ 1.5×).

Run: ``PYTHONPATH=$PWD python -m tests.benchmarks.bench_sync``.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

from app.db import open_database
from app.models.enums import ResultVersionKind, SyncState
from app.models.results import ResultVersion
from app.services.context import ServiceContext
from app.services.draws import drawn_targets
from app.services.installation import installation_id
from app.services.plans import create_plan
from app.services.results import document_sha256
from app.services.sync import export_results_batch, version_item
from app.services.tasks import create_task
from tests.factories import build_mini_county, joint_task_data
from tests.unit.results.helpers import draw_both

COUNT = 20_000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LIANCHA_DATA_DIR"] = str(Path(folder) / "data")
        db = open_database(str(Path(folder) / "bench.sqlite3"))
        ctx = ServiceContext(db=db, operator="基准")
        county = build_mini_county(ctx)
        plan = create_plan(ctx, year=2026, title="基准计划", number="基准〔2026〕1号")
        task = create_task(ctx, joint_task_data(county, plan_id=plan))
        draw_both(ctx, task)
        inspection = drawn_targets(ctx, task)[0].inspection_id
        now = datetime.now(UTC)
        with ctx.write() as session:
            origin = installation_id(session)
            for seq in range(1, COUNT + 1):
                text = f'{{"checked":true,"n":{seq},"text":"未发现问题，现场检查记录第{seq}份"}}'
                session.add(
                    ResultVersion(
                        inspection_id=inspection,
                        record_uid=f"00000000-0000-4000-8000-{seq:012d}",
                        prev_uid=None,
                        number=1,
                        kind=ResultVersionKind.ENTRY,
                        payload_json=text,
                        sha256=document_sha256(text),
                        created_at=now,
                        created_by="基准",
                        origin=origin,
                        stream="public",
                        seq=seq,
                        is_current=seq == COUNT,
                        sync_state=SyncState.PENDING,
                    )
                )
        with ctx.read() as session:
            from sqlalchemy import select

            rows = [
                version_item(v)
                for v in session.execute(select(ResultVersion).order_by(ResultVersion.seq)).scalars()
            ]
        start = time.perf_counter()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("结果")
        ws.append(list(rows[0]))
        for row in rows:
            ws.append([str(v) if v is not None else "" for v in row.values()])
        wb.save(Path(folder) / "baseline.xlsx")
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        done = export_results_batch(ctx, Path(folder), stream="public")
        ours = time.perf_counter() - start
        db.dispose()
    print(f"results: {done.count}")
    print(f"openpyxl write_only: {baseline:.2f} s")
    print(f"export_results_batch: {ours:.2f} s")
    print(f"ratio: {ours / baseline:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
