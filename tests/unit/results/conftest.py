"""A county with drawn tasks (public, classified, not public), built once and copied per test.

Building the county and running two draws per task takes seconds; every results test needs it,
so a session fixture builds it once and each test works on its own copy of the database (a file
copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL: tests/dbs.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import open_database
from app.services.context import ServiceContext
from app.services.plans import create_plan
from app.services.tasks import create_task
from tests import dbs
from tests.factories import build_mini_county, joint_task_data
from tests.unit.results.helpers import Drawn, ResultsEnv, draw_both


@pytest.fixture(scope="session")
def drawn_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Drawn]:
    url = dbs.fresh_url(tmp_path_factory.mktemp("results-template"), "template")
    db = open_database(url)
    try:
        ctx = ServiceContext(db=db, operator="测试员")
        county = build_mini_county(ctx)
        plan = create_plan(
            ctx, year=2026, title="青山县2026年度双随机抽查工作计划", number="青山抽查计划〔2026〕1号"
        )
        public_task = create_task(ctx, joint_task_data(county, plan_id=plan))
        classified_task = create_task(
            ctx, joint_task_data(county, name="2026年涉密单位专项检查", is_classified=True, is_public=False)
        )
        private_task = create_task(
            ctx, joint_task_data(county, name="2026年内部核查（不公开）", is_public=False)
        )
        undrawn_task = create_task(ctx, joint_task_data(county, name="尚未抽取的任务"))
        drawn = Drawn(
            county=county,
            public_task=public_task,
            classified_task=classified_task,
            private_task=private_task,
            undrawn_task=undrawn_task,
            public_inspections=draw_both(ctx, public_task),
            classified_inspections=draw_both(ctx, classified_task),
            private_inspections=draw_both(ctx, private_task),
        )
    finally:
        db.dispose()
    return url, drawn


@pytest.fixture
def env(
    drawn_template: tuple[str, Drawn], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ResultsEnv]:
    """A private copy of the drawn county; the data folder (attachments, keys) is the test's own."""
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    source, drawn = drawn_template
    copy = dbs.copy_url(source, tmp_path, "liancha")
    db = open_database(copy)
    try:
        yield ResultsEnv(ServiceContext(db=db, operator="录入员"), drawn, copy)
    finally:
        db.dispose()
        dbs.drop(copy)
