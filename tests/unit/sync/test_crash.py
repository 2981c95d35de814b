"""A SIGKILL half-way through an import leaves nothing partial; the re-import completes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.config import sqlite_path
from app.services.results import submit_result
from app.services.sync import export_results_batch, import_batch
from tests.unit.results.helpers import TODAY, good_payload
from tests.unit.sync.conftest import Pair

# About SQLite's own atomic commit (a PostgreSQL server survives a killed client by design).
pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX-only"),
    pytest.mark.sqlite_only,
]

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from app.db import open_database
    from app.services.context import ServiceContext
    import app.services.sync as sync

    def die(*args, **kwargs):
        # Every row of the import has been added and flushed; the commit has not happened.
        os.kill(os.getpid(), signal.SIGKILL)

    sync.write_atomically = die
    ctx = ServiceContext(db=open_database(sys.argv[1]), operator="同步员")
    sync.import_batch(ctx, sys.argv[2], receipt_path=sys.argv[3])
    """
)


def count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


def test_sigkill_during_import(pair: Pair) -> None:
    for inspection in pair.drawn.public_inspections[:3]:
        submit_result(pair.laptop, inspection, good_payload(pair.laptop, inspection), today=TODAY)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    pair.office.db.dispose()
    office_path = sqlite_path(pair.office_url)
    assert office_path is not None
    before = count(office_path, "result_versions")
    receipt = pair.folder / "receipt.lcb"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(office_path), str(batch.path), str(receipt)],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    con = sqlite3.connect(office_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    assert count(office_path, "result_versions") == before
    assert count(office_path, "sync_batches WHERE direction = 'in'") == 0
    assert not receipt.exists()
    from app.db import open_database
    from app.services.context import ServiceContext

    ctx = ServiceContext(db=open_database(str(office_path)), operator="同步员")
    try:
        result = import_batch(ctx, batch.path, receipt_path=receipt)
    finally:
        ctx.db.dispose()
    assert result.count("accepted") == 3 and receipt.exists()
    assert count(office_path, "result_versions") == before + 3
