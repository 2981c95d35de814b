"""Moving the demo county from a single PC onto the office's PostgreSQL server, through the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from app.models import Base
from tests import dbs
from tests.e2e.test_demo_flow import liancha

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    url = dbs.empty_url(tmp_path, "office-server")
    yield url
    dbs.drop(url)


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_demo_county_moves_to_the_server_with_identical_counts(tmp_path: Path, server_url: str) -> None:
    single_pc = "sqlite:///" + str(tmp_path / "county.sqlite3")
    built = liancha(tmp_path, single_pc, "demo", "--targets", "2000")
    assert built.returncode == 0, built.stderr
    task = liancha(tmp_path, single_pc, "task", "list").stdout.splitlines()[0].split("\t")[0]
    drew = liancha(tmp_path, single_pc, "draw", "targets", "--task", task, "--seed", "31415926535897932384")
    assert drew.returncode == 0, drew.stderr
    before = _counts(single_pc)

    moved = liancha(tmp_path, single_pc, "migrate-to", server_url)
    assert moved.returncode == 0, moved.stderr
    assert "迁移完成，核对无误" in moved.stdout and "password" not in moved.stdout
    printed = {
        line.split("\t")[0]: (int(line.split("\t")[1]), int(line.split("\t")[2]))
        for line in moved.stdout.splitlines()
        if line.count("\t") == 2 and line.split("\t")[1].isdigit()
    }
    assert printed == {name: (n, n) for name, n in before.items()}
    after = _counts(server_url)
    # Identical, except the one audit entry recording the move itself.
    assert after == {**before, "audit_entries": before["audit_entries"] + 1}
    assert before["targets"] == 2000 and before["inspections"] > 0

    verified = liancha(tmp_path, server_url, "audit", "verify")
    assert verified.returncode == 0 and "留痕链完整" in verified.stdout, verified.stderr
    # The server goes on where the single PC stopped: the same task cannot be drawn twice,
    # the next one can.
    again = liancha(tmp_path, server_url, "draw", "targets", "--task", task, "--seed", "31415926535897932384")
    assert again.returncode == 1 and "已由" in again.stderr
    listed = liancha(tmp_path, server_url, "task", "list").stdout.splitlines()
    assert len(listed) == 4
    second = listed[1].split("\t")[0]
    drew = liancha(
        tmp_path, server_url, "draw", "targets", "--task", second, "--seed", "27182818284590452353"
    )
    assert drew.returncode == 0, drew.stderr
    assert liancha(tmp_path, server_url, "audit", "verify").returncode == 0
    # The single PC's database was only read.
    assert _counts(single_pc) == before
