"""On a server, a long import or batch apply holds only what it changes (issue 11).

Each test stops a registry import or a results-batch import at its last step before commit (the
audit entry), with every row written and locked, and meanwhile works at a second desk (its own
connection pool): edits of other records, new records, drafts and results of other inspections
must go through at once; an edit of a record the import changed must wait for it and then be
refused as a conflict, not overwrite it. SQLite has one writer at a time by design (one PC), so
these run on PostgreSQL only.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.db import open_database
from app.services import audit
from app.services.context import ServiceContext
from app.services.errors import ConflictError
from app.services.imports import import_registry
from app.services.results import entry_form, save_draft, submit_result
from app.services.sync import export_results_batch, import_batch
from app.services.targets import TargetData, create_target, get_target, update_target
from tests.factories import valid_uscc
from tests.unit.results.conftest import drawn_template, env  # noqa: F401 - fixtures
from tests.unit.results.helpers import TODAY, ResultsEnv, good_payload
from tests.unit.sync.conftest import Pair, pair  # noqa: F401 - fixture

pytestmark = pytest.mark.postgres_only

# Generous: the other desk's work takes well under a second; only a lock would make it wait.
DESK_TIMEOUT = 30.0
# How long a blocked edit is watched to be sure it really waits for the import's row lock.
BLOCKED_FOR = 1.5
HEADER = ("统一社会信用代码/注册号", "企业名称", "法定代表人（负责人）", "住所（经营场所）", "信用风险分类")


class HeldAtAudit:
    """Makes the work running in one named thread stop just before it writes its audit entry."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, thread_name: str) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        original = audit.record

        def record(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread().name == thread_name and not self.release.is_set():
                self.reached.set()
                assert self.release.wait(120), "never released"
            return original(*args, **kwargs)

        monkeypatch.setattr(audit, "record", record)


class Background:
    """Runs a function in a named thread and keeps its result or exception."""

    def __init__(self, name: str, function: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(function,), name=name, daemon=True)
        self.thread.start()

    def _run(self, function: Callable[[], Any]) -> None:
        try:
            self.result = function()
        except BaseException as exc:  # kept for the test to look at
            self.error = exc

    def finished_within(self, seconds: float) -> bool:
        self.thread.join(seconds)
        return not self.thread.is_alive()


@pytest.fixture
def other_desk(env: ResultsEnv) -> Iterator[ServiceContext]:  # noqa: F811
    desk = ServiceContext(db=open_database(env.db_url), operator="乙")
    try:
        yield desk
    finally:
        desk.db.dispose()


def _targets_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for code, name in rows:
            writer.writerow((code, name, "张三", "青山县城关镇1号", "B"))
    return path


def test_a_registry_import_holds_only_the_rows_it_changes(
    env: ResultsEnv,  # noqa: F811
    other_desk: ServiceContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = create_target(env.ctx, TargetData(name="青山县甲商店", code=valid_uscc(900_001)))
    untouched = create_target(env.ctx, TargetData(name="青山县乙商店", code=valid_uscc(900_002)))
    changed_version = get_target(env.ctx, changed).version
    untouched_version = get_target(env.ctx, untouched).version
    rows = [(valid_uscc(900_001), "青山县甲商店（更名）")]
    rows += [(valid_uscc(910_000 + n), f"青山县新开第{n}号商店") for n in range(40)]
    path = _targets_file(tmp_path / "targets.csv", rows)
    held = HeldAtAudit(monkeypatch, "importer")
    importer = Background(
        "importer", lambda: import_registry(env.ctx, "targets", path, presets=(), today=TODAY)
    )
    try:
        assert held.reached.wait(DESK_TIMEOUT), importer.error
        # The import has written all 41 rows and holds them. The other desk works beside it.
        inspection = env.drawn.public_inspections[0]

        def elsewhere() -> str:
            update_target(
                other_desk,
                untouched,
                TargetData(name="青山县乙商店（乙改）", code=valid_uscc(900_002)),
                expected_version=untouched_version,
            )
            create_target(other_desk, TargetData(name="青山县乙新建的商店", code=valid_uscc(900_003)))
            save_draft(other_desk, env.drawn.public_inspections[1], {"summary": "草稿"})
            return submit_result(
                other_desk, inspection, good_payload(other_desk, inspection), today=TODAY
            ).uid

        beside = Background("desk", elsewhere)
        assert beside.finished_within(DESK_TIMEOUT), "the other desk waited for the import"
        assert beside.error is None, beside.error
        # An edit of the record the import changed waits for the import's row lock …
        same = Background(
            "desk-same",
            lambda: update_target(
                other_desk,
                changed,
                TargetData(name="青山县甲商店（乙改）", code=valid_uscc(900_001)),
                expected_version=changed_version,
            ),
        )
        assert not same.finished_within(BLOCKED_FOR), "the changed row was not locked by the import"
    finally:
        held.release.set()
    assert importer.finished_within(DESK_TIMEOUT) and importer.error is None, importer.error
    assert importer.result.added == 40 and importer.result.updated == 1
    # … and is then refused, so the import's change is not silently overwritten.
    assert same.finished_within(DESK_TIMEOUT)
    assert isinstance(same.error, ConflictError), same.error
    assert get_target(env.ctx, changed).data.name == "青山县甲商店（更名）"
    assert get_target(env.ctx, untouched).data.name == "青山县乙商店（乙改）"
    assert audit.verify_chain(env.ctx.db).ok


def test_a_results_batch_apply_holds_only_what_it_changes(
    pair: Pair,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    carried = pair.drawn.public_inspections[:3]
    for inspection in carried:
        submit_result(pair.laptop, inspection, good_payload(pair.laptop, inspection), today=TODAY)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    held = HeldAtAudit(monkeypatch, "applier")
    applier = Background("applier", lambda: import_batch(pair.office, batch.path))
    desk = ServiceContext(db=open_database(pair.office_url), operator="乙")
    same: Background | None = None
    try:
        assert held.reached.wait(DESK_TIMEOUT), applier.error
        target = create_target(desk, TargetData(name="青山县乙新建的饭店", code=valid_uscc(920_001)))
        other = pair.drawn.public_inspections[5]

        def elsewhere() -> None:
            detail = get_target(desk, target)
            update_target(
                desk,
                target,
                TargetData(name="青山县乙新建的饭店（改）", code=valid_uscc(920_001)),
                expected_version=detail.version,
            )
            save_draft(desk, other, {"summary": "草稿"})

        beside = Background("desk", elsewhere)
        assert beside.finished_within(DESK_TIMEOUT), "the other desk waited for the batch"
        assert beside.error is None, beside.error
        # A result of an inspection the batch is writing waits for the batch, then sees its change.
        version = entry_form(desk, carried[0]).inspection_version
        same = Background(
            "desk-same",
            lambda: submit_result(
                desk, carried[0], good_payload(desk, carried[0]), expected_version=version, today=TODAY
            ),
        )
        assert not same.finished_within(BLOCKED_FOR), "the batch's inspection was not locked"
    finally:
        held.release.set()
        assert applier.finished_within(DESK_TIMEOUT)
        desk_done = same is None or same.finished_within(DESK_TIMEOUT)
        desk.db.dispose()
    assert applier.error is None, applier.error
    assert applier.result.count("accepted") == 3
    # Refused as a conflict: the desk had opened the form before the batch's version arrived.
    assert desk_done and same is not None and isinstance(same.error, ConflictError), same
    assert audit.verify_chain(pair.office.db).ok
