"""Hostile zips through import_batch: refused before anything is written."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import create_engine, text

from app.io.batch import BatchRejected
from app.services.results import submit_result
from app.services.sync import export_results_batch, import_batch
from tests.unit.results.helpers import TODAY, good_payload
from tests.unit.sync.conftest import Pair


def dump(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        rows: list[tuple[object, ...]] = []
        with engine.connect() as con:
            for table in (
                "result_versions",
                "sync_batches",
                "sync_held_items",
                "sync_conflicts",
                "sync_stream_marks",
            ):
                rows.extend(tuple(r) for r in con.execute(text(f"SELECT * FROM {table} ORDER BY 1")))
        return rows
    finally:
        engine.dispose()


@pytest.mark.parametrize("evil", ["../items.jsonl", "/abs.jsonl", "a/b.jsonl", "..\\x.jsonl", "C:x.jsonl"])
def test_zip_slip_refused(pair: Pair, evil: str) -> None:
    inspection = pair.drawn.public_inspections[0]
    submit_result(pair.laptop, inspection, good_payload(pair.laptop, inspection), today=TODAY)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    bad = pair.folder / "slip.lcb"
    with zipfile.ZipFile(batch.path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(evil, b"{}\n")
    before = dump(pair.office_url)
    with pytest.raises(BatchRejected):
        import_batch(pair.office, bad)
    assert dump(pair.office_url) == before
    assert not (pair.folder.parent / "items.jsonl").exists()


def test_zip_bomb_and_duplicate_member_refused(pair: Pair) -> None:
    inspection = pair.drawn.public_inspections[0]
    submit_result(pair.laptop, inspection, good_payload(pair.laptop, inspection), today=TODAY)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    before = dump(pair.office_url)
    bomb = pair.folder / "bomb.lcb"
    with zipfile.ZipFile(batch.path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "items.jsonl":
                dst.writestr("items.jsonl", b"\n" * (64 * 1024 * 1024))
            else:
                dst.writestr(info, src.read(info))
    with pytest.raises(BatchRejected):
        import_batch(pair.office, bomb)
    dup = pair.folder / "dup.lcb"
    with zipfile.ZipFile(batch.path) as src, zipfile.ZipFile(dup, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dst.writestr("items.jsonl", b"")
    with pytest.raises(BatchRejected) as info:
        import_batch(pair.office, dup)
    assert info.value.reason.value == "duplicate_member"
    assert dump(pair.office_url) == before
