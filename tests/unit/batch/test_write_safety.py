"""Writing safely: a crash leaves only a .partial; a bad read-back leaves no final file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.io.batch import BatchRejected, BatchWriteError, RejectReason, read_batch, safe_write, write_batch
from tests.unit.batch.helpers import Party, result_items, trusting


def arguments(county: Party) -> dict[str, Any]:
    return {
        "kind": "results",
        "stream": "public",
        "batch_seq": 1,
        "previous_batch_id": None,
        "items": {"items.jsonl": result_items(3)},
        **county.origin(),
    }


class SimulatedCrash(Exception):
    pass


def crash(*_: object) -> None:
    raise SimulatedCrash


@pytest.mark.parametrize("step", ["_rename_into_place", "_fsync_directory"])
def test_crash_before_the_rename_leaves_only_a_partial(
    step: str, tmp_path: Path, county: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe_write, step, crash)
    with pytest.raises(SimulatedCrash):
        write_batch(tmp_path / "b.lcb", **arguments(county))
    assert [p.name for p in tmp_path.iterdir()] == ["b.lcb.partial"]
    with pytest.raises(BatchRejected) as caught:
        read_batch(tmp_path / "b.lcb.partial", trusted_keys=trusting(county))
    assert caught.value.reason is RejectReason.PARTIAL_FILE

    monkeypatch.undo()
    written = write_batch(tmp_path / "b.lcb", **arguments(county))  # the next attempt replaces the debris
    assert [p.name for p in tmp_path.iterdir()] == ["b.lcb"]
    assert read_batch(written.path, trusted_keys=trusting(county)).seq is not None


def test_crash_while_writing_the_bytes_leaves_a_truncated_partial(
    tmp_path: Path, county: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_crash(partial: Path, data: bytes) -> None:
        partial.write_bytes(data[: len(data) // 2])
        raise SimulatedCrash

    monkeypatch.setattr(safe_write, "_write_partial", half_then_crash)
    with pytest.raises(SimulatedCrash):
        write_batch(tmp_path / "b.lcb", **arguments(county))
    assert [p.name for p in tmp_path.iterdir()] == ["b.lcb.partial"]


def test_a_read_back_that_differs_withdraws_the_file(
    tmp_path: Path, county: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = safe_write._write_partial

    def corrupting(partial: Path, data: bytes) -> None:  # a disk or stick that returns other bytes
        damaged = bytearray(data)
        damaged[len(damaged) // 2] ^= 0x40
        real(partial, bytes(damaged))

    monkeypatch.setattr(safe_write, "_write_partial", corrupting)
    with pytest.raises(BatchWriteError) as caught:
        write_batch(tmp_path / "b.lcb", **arguments(county))
    assert "b.lcb" in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["b.lcb.partial"]
