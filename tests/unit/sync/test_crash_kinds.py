"""A SIGKILL half-way through importing a task package or a registry update leaves nothing partial."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.db import open_database
from app.services.context import ServiceContext
from app.services.sync_inbox import import_any
from app.services.sync_packages import PackageImport, export_task_package
from app.services.sync_registry import RegistryImport, export_registry
from tests import dbs
from tests.unit.sync.conftest import Field
from tests.unit.sync.test_registry_update import Sides, set_target, sides, targets  # noqa: F401 - fixture

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
    from app.services.sync_inbox import import_any

    def die(*args, **kwargs):
        # The audit entry is the last thing written: every row of the import is in the open
        # transaction, nothing is committed.
        os.kill(os.getpid(), signal.SIGKILL)

    ServiceContext.audit = die
    ctx = ServiceContext(db=open_database(sys.argv[1]), operator="同步员")
    import_any(ctx, sys.argv[2])
    """
)
TABLES = (
    "tasks",
    "inspections",
    "targets",
    "inspectors",
    "check_items",
    "sync_batches",
    "sync_registry_base",
)


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    finally:
        con.close()


def kill_during_import(db: Path, batch: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(batch)],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()


def reopen(path: Path) -> ServiceContext:
    return ServiceContext(db=open_database(str(path)), operator="同步员")


def test_sigkill_during_task_package_import(field: Field) -> None:
    package = export_task_package(field.office, field.folder, task=field.drawn.public_task)
    field.laptop.db.dispose()
    before = dump(dbs.file_of(field.laptop_url))
    kill_during_import(dbs.file_of(field.laptop_url), package.path)
    assert dump(dbs.file_of(field.laptop_url)) == before
    ctx = reopen(dbs.file_of(field.laptop_url))
    try:
        result = import_any(ctx, package.path)
    finally:
        ctx.db.dispose()
    assert isinstance(result, PackageImport)
    assert result.added["inspections"] == len(field.drawn.public_inspections)


def test_sigkill_during_registry_import(sides: Sides) -> None:  # noqa: F811
    import_any(sides.office, export_registry(sides.platform, sides.folder).path)  # the common base
    set_target(sides.platform, targets(sides.platform)[0].uid, address="平台新地址")
    snapshot = export_registry(sides.platform, sides.folder)
    sides.office.db.dispose()
    before = dump(dbs.file_of(sides.office_url))
    kill_during_import(dbs.file_of(sides.office_url), snapshot.path)
    assert dump(dbs.file_of(sides.office_url)) == before
    ctx = reopen(dbs.file_of(sides.office_url))
    try:
        result = import_any(ctx, snapshot.path)
    finally:
        ctx.db.dispose()
    assert isinstance(result, RegistryImport) and result.applied
    assert [c.action for c in result.changes] == ["changed"]
