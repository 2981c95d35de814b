"""Results batches between a laptop and the office: nothing lost, nothing duplicated."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app.io.batch import BatchRejected
from app.models.enums import SyncState
from app.models.results import ResultVersion
from app.models.sync import SyncBatch, SyncConflict, SyncHeldItem
from app.services.context import ServiceContext
from app.services.errors import ConflictError, NotFoundError, RuleViolation
from app.services.results import return_result, submit_result
from app.services.sync import apply_receipt, export_results_batch, import_batch, sync_status
from tests import dbs
from tests.unit.results.helpers import TODAY, good_payload
from tests.unit.sync.conftest import Pair


def submit(ctx: ServiceContext, inspection_id: int) -> str:
    return submit_result(ctx, inspection_id, good_payload(ctx, inspection_id), today=TODAY).uid


def resubmit(ctx: ServiceContext, inspection_id: int) -> str:
    return_result(ctx, inspection_id, comment="请补充")
    return submit(ctx, inspection_id)


def versions(ctx: ServiceContext) -> list[tuple[str, str, bool]]:
    with ctx.read() as session:
        rows = session.execute(
            select(ResultVersion.uid, ResultVersion.sha256, ResultVersion.is_current).order_by(
                ResultVersion.uid
            )
        ).all()
        return [(r[0], r[1], r[2]) for r in rows]


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        tables = [
            "result_versions",
            "sync_batches",
            "sync_held_items",
            "sync_conflicts",
            "sync_stream_marks",
        ]
        with engine.connect() as con:
            return {t: [tuple(r) for r in con.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables}
    finally:
        engine.dispose()


def test_round_trip_and_receipt(pair: Pair) -> None:
    a, b = pair.drawn.public_inspections[:2]
    uids = {submit(pair.laptop, a), submit(pair.laptop, b)}
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    assert (batch.seq_first, batch.seq_last, batch.count) == (1, 2, 2)
    result = import_batch(pair.office, batch.path)
    assert result.count("accepted") == 2 and result.contiguous_through == 2
    office_uids = {u for u, _, current in versions(pair.office) if current}
    assert uids <= office_uids
    assert result.receipt_path is not None
    applied = apply_receipt(pair.laptop, result.receipt_path)
    assert applied.acknowledged_through == 2 and applied.newly_acknowledged == 2
    with pair.laptop.read() as session:
        states = set(session.execute(select(ResultVersion.sync_state)).scalars())
    assert states == {SyncState.ACKNOWLEDGED}
    # A late and repeated receipt is harmless.
    again = apply_receipt(pair.laptop, result.receipt_path)
    assert again.acknowledged_through == 2 and again.newly_acknowledged == 0
    # Nothing left to send.
    with pytest.raises(RuleViolation):
        export_results_batch(pair.laptop, pair.folder, stream="public")
    status = sync_status(pair.laptop)
    assert status.pending["public"] == 0 and status.acknowledged_through["public"] == 2
    assert "classified" in status.pending  # the test operator is cleared


def test_same_batch_twice_identical_receipt(pair: Pair) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    first = import_batch(pair.office, batch.path, receipt_path=pair.folder / "r1.lcb")
    before = snapshot(pair.office_url)
    second = import_batch(pair.office, batch.path, receipt_path=pair.folder / "r2.lcb")
    assert second.already_imported and second.items == first.items
    assert (pair.folder / "r1.lcb").read_bytes() == (pair.folder / "r2.lcb").read_bytes()
    assert snapshot(pair.office_url) == before


def test_cumulative_batch_heals_lost_stick(pair: Pair) -> None:
    a, b = pair.drawn.public_inspections[:2]
    submit(pair.laptop, a)
    lost = export_results_batch(pair.laptop, pair.folder, stream="public")
    lost.path.unlink()  # the stick was lost
    submit(pair.laptop, b)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    assert (batch.seq_first, batch.seq_last) == (1, 2)
    result = import_batch(pair.office, batch.path)
    assert result.count("accepted") == 2 and result.contiguous_through == 2
    assert result.batch_seq_gap == (1, 2)  # reported, not fatal


def test_out_of_order_held_until_predecessor(pair: Pair) -> None:
    from app.db import open_database

    a = pair.drawn.public_inspections[0]
    pair.office.db.dispose()  # a database being copied must have no open connection (PostgreSQL)
    fresh = dbs.copy_url(pair.office_url, pair.folder.parent, "fresh")  # will miss the first batch
    v1 = submit(pair.laptop, a)
    first = export_results_batch(pair.laptop, pair.folder, stream="public")
    dry = import_batch(pair.office, first.path, dry_run=True)
    assert dry.dry_run and dry.count("accepted") == 1 and dry.receipt_path is None
    real = import_batch(pair.office, first.path, receipt_path=pair.folder / "r.lcb")
    assert real.count("accepted") == 1
    apply_receipt(pair.laptop, pair.folder / "r.lcb")
    v2 = resubmit(pair.laptop, a)
    second = export_results_batch(pair.laptop, pair.folder, stream="public")
    assert (second.seq_first, second.seq_last) == (2, 2)
    ctx = ServiceContext(db=open_database(str(fresh)), operator="同步员")
    try:
        held = import_batch(ctx, second.path, receipt_path=pair.folder / "h.lcb")
        assert held.count("held") == 1
        assert held.contiguous_through == 0  # seq 1 never arrived here
        with ctx.read() as session:
            assert session.execute(select(func.count()).select_from(SyncHeldItem)).scalar() == 1
        later = import_batch(ctx, first.path, receipt_path=pair.folder / "h2.lcb")
        assert later.count("accepted") == 1 and later.released == 1
        assert later.contiguous_through == 1
        with ctx.read() as session:
            assert session.execute(select(func.count()).select_from(SyncHeldItem)).scalar() == 0
            current = set(
                session.execute(select(ResultVersion.uid).where(ResultVersion.is_current.is_(True))).scalars()
            )
            assert session.execute(select(func.count()).select_from(ResultVersion)).scalar() == 2
        assert v2 in current and v1 not in current
        # An old batch replayed after the newer one changes nothing.
        before = snapshot(fresh)
        replay = import_batch(ctx, first.path, receipt_path=pair.folder / "h3.lcb")
        assert replay.already_imported
        assert snapshot(fresh) == before
    finally:
        ctx.db.dispose()


def test_truncated_and_altered_files_change_nothing(pair: Pair) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    data = batch.path.read_bytes()
    before = snapshot(pair.office_url)
    bad = pair.folder / "bad.lcb"
    for cut in (10, len(data) // 2, len(data) - 1):
        bad.write_bytes(data[:cut])
        with pytest.raises(BatchRejected):
            import_batch(pair.office, bad)
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x40
    bad.write_bytes(bytes(flipped))
    try:
        import_batch(pair.office, bad)
    except BatchRejected:
        pass
    else:  # only zip bookkeeping changed: accepted with identical content
        assert all(v[1] for v in versions(pair.office))
    assert snapshot(pair.office_url)["result_versions"] == before["result_versions"] or bad.exists()


def test_unknown_key_refused(pair: Pair, tmp_path: Path) -> None:
    from tests.unit.sync.conftest import make_installation

    stranger = make_installation(pair.template_url, tmp_path, "stranger", office="999999")
    try:
        submit(stranger, pair.drawn.public_inspections[0])
        batch = export_results_batch(stranger, pair.folder, stream="public")
    finally:
        stranger.db.dispose()
    before = snapshot(pair.office_url)
    with pytest.raises(BatchRejected) as info:
        import_batch(pair.office, batch.path)
    assert info.value.reason.value == "unknown_key"
    assert snapshot(pair.office_url) == before


def test_receipt_for_unknown_batch(pair: Pair) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    result = import_batch(pair.office, batch.path)
    assert result.receipt_path is not None
    # A receipt signed by a key the office does not trust (its own) is refused outright.
    with pytest.raises(BatchRejected):
        apply_receipt(pair.office, result.receipt_path)
    # A genuine receipt for a batch this laptop has no record of: clear error, nothing changed.
    with pair.laptop.write() as session:
        session.execute(SyncBatch.__table__.delete().where(SyncBatch.batch_uid == batch.batch_id))
    before = snapshot(pair.laptop_url)
    with pytest.raises(NotFoundError, match="不是本机发出的"):
        apply_receipt(pair.laptop, result.receipt_path)
    assert snapshot(pair.laptop_url) == before


def test_restored_backup_detected(pair: Pair) -> None:
    a, b = pair.drawn.public_inspections[:2]
    submit(pair.laptop, a)
    batch1 = export_results_batch(pair.laptop, pair.folder, stream="public")
    pair.laptop.db.dispose()  # a database being copied must have no open connection (PostgreSQL)
    backup = dbs.copy_url(pair.laptop_url, pair.folder.parent, "laptop-backup")
    submit(pair.laptop, b)
    batch2 = export_results_batch(pair.laptop, pair.folder, stream="public")
    import_batch(pair.office, batch1.path, receipt_path=pair.folder / "r1.lcb")
    result = import_batch(pair.office, batch2.path, receipt_path=pair.folder / "r2.lcb")
    assert result.contiguous_through == 2
    from app.db import open_database

    restored = ServiceContext(db=open_database(backup), operator="同步员")
    try:
        with pytest.raises(NotFoundError):
            apply_receipt(restored, pair.folder / "r2.lcb")  # batch 2 unknown to the old backup
        # The old backup knows batch 1; a receipt for it naming seq 2 would mean restore.
        with pytest.raises(RuleViolation, match="旧备份"):
            _forge_receipt_for(restored, pair, batch1, through=2)
    finally:
        restored.db.dispose()


def _forge_receipt_for(ctx: ServiceContext, pair: Pair, batch: object, *, through: int) -> None:
    """A genuine office receipt for batch 1 that acknowledges seq 2 (as a later office would)."""
    import uuid
    from datetime import UTC, datetime

    from app.io.batch import Receipt, Stream
    from app.io.batch.receipt import build_receipt
    from app.services.sync import _identity, _office

    with pair.office.write() as session:
        found = _identity(session, create=False)
        office = _office(session)
    assert found is not None
    receipt = Receipt(
        batch_id=uuid.UUID(batch.batch_id),  # type: ignore[attr-defined]
        manifest_sha256=batch.manifest_sha256,  # type: ignore[attr-defined]
        stream=Stream.PUBLIC,
        contiguous_through=through,
        items=(),
        issued_at=datetime.now(UTC).replace(microsecond=0),
    )
    built = build_receipt(
        receipt=receipt,
        origin_office=office,
        installation_id=found[0],
        batch_seq=99,
        previous_batch_id=None,
        signing_key=found[1],
    )
    path = pair.folder / "forged.lcb"
    path.write_bytes(built.data)
    apply_receipt(ctx, path)


def test_rejected_items_go_back_to_the_operator(pair: Pair) -> None:
    a, b = pair.drawn.public_inspections[:2]
    v1 = submit(pair.laptop, a)
    ok = submit(pair.laptop, b)
    # The office does not know inspection ``a`` (its task package never arrived): that item is rejected.
    with pair.office.write() as session:
        from app.models.tasks import Inspection

        session.get(Inspection, a).uid = "00000000-0000-4000-8000-000000000000"  # type: ignore[union-attr]
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    result = import_batch(pair.office, batch.path)
    assert result.count("rejected") == 1 and result.count("accepted") == 1
    assert result.receipt_path is not None
    applied = apply_receipt(pair.laptop, result.receipt_path)
    assert [r.item_id for r in applied.rejected] == [v1]
    with pair.laptop.read() as session:
        states = dict(session.execute(select(ResultVersion.uid, ResultVersion.sync_state)).all())
        message = session.execute(
            select(ResultVersion.sync_message).where(ResultVersion.uid == v1)
        ).scalar_one()
    assert states == {v1: SyncState.REJECTED, ok: SyncState.ACKNOWLEDGED}
    assert "任务包" in message
    assert sync_status(pair.laptop).rejected["public"] == 1
    # The operator corrects it: the new version is the next batch's only item.
    v2 = resubmit(pair.laptop, a)
    batch2 = export_results_batch(pair.laptop, pair.folder, stream="public")
    assert (batch2.seq_first, batch2.seq_last, batch2.count) == (3, 3, 1)
    assert v2 not in {v1, ok}


def test_fork_kept_for_a_person(pair: Pair) -> None:
    a = pair.drawn.public_inspections[0]
    v1 = submit(pair.laptop, a)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    import_batch(pair.office, batch.path, receipt_path=pair.folder / "r.lcb")
    apply_receipt(pair.laptop, pair.folder / "r.lcb")
    # The imported entry awaits review at the office like one entered there: the reviewer returns it
    # and the office enters its own version on top of v1 …
    office_v2 = resubmit(pair.office, a)
    laptop_v2 = resubmit(pair.laptop, a)  # … and so does the laptop
    batch2 = export_results_batch(pair.laptop, pair.folder, stream="public")
    result = import_batch(pair.office, batch2.path, receipt_path=pair.folder / "r2.lcb")
    assert result.count("accepted") == 1
    office = {u: cur for u, _, cur in versions(pair.office)}
    assert office_v2 in office and laptop_v2 in office and v1 in office
    assert office[office_v2] and not office[laptop_v2]  # never "latest wins"
    with pair.office.read() as session:
        conflicts = [
            (c.kind, c.version_uid, c.other_uid) for c in session.execute(select(SyncConflict)).scalars()
        ]
    assert conflicts == [("fork", laptop_v2, office_v2)]
    assert sync_status(pair.office).conflicts


def test_same_id_other_bytes_is_tampering(pair: Pair) -> None:
    a = pair.drawn.public_inspections[0]
    submit(pair.laptop, a)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    import_batch(pair.office, batch.path, receipt_path=pair.folder / "r.lcb")
    # The office's copy differs (a bug or tampering): a second laptop batch with that id must not merge.
    with pair.office.write() as session:
        row = session.execute(
            select(ResultVersion).where(ResultVersion.sync_batch_uid == batch.batch_id)
        ).scalar_one()
        row.sha256 = "0" * 64
    with pair.laptop.write() as session:
        session.execute(SyncBatch.__table__.delete())
        for v in session.execute(select(ResultVersion)).scalars():
            v.sync_state = SyncState.PENDING
    again = export_results_batch(pair.laptop, pair.folder, stream="public")
    result = import_batch(pair.office, again.path, receipt_path=pair.folder / "r2.lcb")
    assert result.count("rejected") == 1
    with pair.office.read() as session:
        kinds = session.execute(select(SyncConflict.kind)).scalars().all()
    assert kinds == ["tampering"]


def test_classified_refused_for_uncleared_and_absent_from_public(pair: Pair) -> None:
    import zipfile

    from app.services.errors import PermissionDenied

    c = pair.drawn.classified_inspections[0]
    p = pair.drawn.public_inspections[0]
    classified_uid = submit(pair.laptop, c)
    submit(pair.laptop, p)
    public = export_results_batch(pair.laptop, pair.folder, stream="public")
    raw = public.path.read_bytes()
    with zipfile.ZipFile(public.path) as zf:
        plain = b"".join(zf.read(n) for n in zf.namelist())
    with pair.laptop.read() as session:
        rec = session.execute(
            select(ResultVersion.record_uid).where(ResultVersion.uid == classified_uid)
        ).scalar_one()
    for needle in (classified_uid.encode(), rec.encode(), "涉密单位".encode()):
        assert needle not in raw and needle not in plain
    with pytest.raises(RuleViolation):
        export_results_batch(pair.laptop, pair.folder, stream="classified")  # no recipient
    secret = export_results_batch(
        pair.laptop, pair.folder, stream="classified", recipient=sync_status(pair.office).installation_id
    )
    assert classified_uid.encode() not in secret.path.read_bytes()
    from unittest import mock

    with mock.patch("app.services.sync.can_see_classified", return_value=False):
        with pytest.raises(PermissionDenied):
            export_results_batch(pair.laptop, pair.folder, stream="classified", recipient="x")
        with pytest.raises(PermissionDenied):
            import_batch(pair.office, secret.path)
    result = import_batch(pair.office, secret.path)
    assert result.count("accepted") == 1
    assert result.receipt_path is not None
    applied = apply_receipt(pair.laptop, result.receipt_path)
    assert applied.stream == "classified" and applied.acknowledged_through == 1


def test_two_desks_exporting_at_once_get_consecutive_batch_numbers(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a server all desks are one installation: batch numbers are taken one desk at a time."""
    import threading
    import time
    from typing import Any

    from app.db import open_database
    from app.services import sync as sync_service

    submit(pair.laptop, pair.drawn.public_inspections[0])
    real_next = sync_service._next_batch_numbers

    def slow_next(*args: Any, **kwargs: Any) -> Any:
        numbers = real_next(*args, **kwargs)
        time.sleep(0.5)  # both desks would take the same number here if nothing serialised them
        return numbers

    monkeypatch.setattr(sync_service, "_next_batch_numbers", slow_next)
    desks = [ServiceContext(db=open_database(pair.laptop_url), operator=n) for n in ("甲", "乙")]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def export(desk: ServiceContext, n: int) -> None:
        start.wait()
        try:
            export_results_batch(desk, pair.folder, stream="public")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=export, args=(d, n)) for n, d in enumerate(desks)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for desk in desks:
            desk.db.dispose()
    # Either the desks took turns (batches 1 and 2), or the later one was told to export again and
    # its file is gone; never two batches with one number, never a file without its record.
    assert all(isinstance(e, ConflictError) and "请重新导出" in str(e) for e in errors), errors
    with pair.laptop.read() as session:
        out = session.execute(
            select(SyncBatch.batch_seq, SyncBatch.file_name)
            .where(SyncBatch.direction == "out")
            .order_by(SyncBatch.batch_seq)
        ).all()
    assert [seq for seq, _name in out] == ([1] if errors else [1, 2])
    assert sorted(f.name for f in pair.folder.rglob("*.lcb")) == sorted(name for _seq, name in out)
    again = export_results_batch(pair.laptop, pair.folder, stream="public")
    assert again.batch_seq == len(out) + 1
